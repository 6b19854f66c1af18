"""imports: aliases, conflicts, runs; opening hours

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    op.create_table('importrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('files', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('marked_verify', sa.Integer(), nullable=False),
    sa.Column('conflicts', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('importrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_importrun_at'), ['at'], unique=False)

    op.create_table('importconflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('current_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('incoming_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('detected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('importconflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_importconflict_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_importconflict_status'), ['status'], unique=False)

    op.create_table('provideralias',
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('external_id')
    )
    with op.batch_alter_table('provideralias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provideralias_provider_id'), ['provider_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('provideralias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provideralias_provider_id'))

    op.drop_table('provideralias')
    with op.batch_alter_table('importconflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_importconflict_status'))
        batch_op.drop_index(batch_op.f('ix_importconflict_provider_id'))

    op.drop_table('importconflict')
    with op.batch_alter_table('importrun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_importrun_at'))

    op.drop_table('importrun')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_column('opening_hours')
