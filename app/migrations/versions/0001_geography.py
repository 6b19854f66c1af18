"""geography

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('name_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_sv', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_organiser', sa.Boolean(), nullable=False),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('website_evidence_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('social_services_contact', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_evidence_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('municipality',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('name_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_sv', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_region_code'))

    op.drop_table('municipality')
    op.drop_table('region')
