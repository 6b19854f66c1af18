"""contact change logs: maintainers' edits of region contact channels and employment areas

A region or area with an entry keeps the edited values when `init` reloads the bundled files.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('employmentareachangelogentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['employmentarea.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('employmentareachangelogentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employmentareachangelogentry_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employmentareachangelogentry_at'), ['at'], unique=False)

    op.create_table('regionchangelogentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item', sa.Integer(), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('regionchangelogentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regionchangelogentry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_regionchangelogentry_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('regionchangelogentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regionchangelogentry_region_code'))
        batch_op.drop_index(batch_op.f('ix_regionchangelogentry_at'))

    op.drop_table('regionchangelogentry')
    with op.batch_alter_table('employmentareachangelogentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employmentareachangelogentry_at'))
        batch_op.drop_index(batch_op.f('ix_employmentareachangelogentry_area_id'))

    op.drop_table('employmentareachangelogentry')
