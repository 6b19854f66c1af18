"""employment areas (työllisyysalueet) and their member municipalities (bundled data)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('employmentarea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_sv', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lead_municipality_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_date', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_fi')
    )
    op.create_table('employmentareamember',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('municipality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['employmentarea.id'], ),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], ),
    sa.PrimaryKeyConstraint('area_id', 'municipality_code')
    )
    with op.batch_alter_table('employmentareamember', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employmentareamember_municipality_code'), ['municipality_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('employmentareamember', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employmentareamember_municipality_code'))

    op.drop_table('employmentareamember')
    op.drop_table('employmentarea')
