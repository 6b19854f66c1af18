"""region contacts and organisers' own service pages (bundled data, maintainers may correct)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('regioncontact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('channel_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel_name_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hours_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('web_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('applies_to', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_date', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('verify_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('regioncontact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regioncontact_region_code'), ['region_code'], unique=False)

    op.create_table('regionservicepage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('page_title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hours_fi', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_date', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('is_historical', sa.Boolean(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('regionservicepage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regionservicepage_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('regionservicepage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regionservicepage_region_code'))

    op.drop_table('regionservicepage')
    with op.batch_alter_table('regioncontact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regioncontact_region_code'))

    op.drop_table('regioncontact')
