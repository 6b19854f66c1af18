"""catalogue change journal: the revision every node's index keeper follows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cataloguechange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cataloguechange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cataloguechange_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cataloguechange_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cataloguechange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cataloguechange_provider_id'))
        batch_op.drop_index(batch_op.f('ix_cataloguechange_at'))

    op.drop_table('cataloguechange')
