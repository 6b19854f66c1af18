"""region change log subject: maintainers also edit the organisers' own service pages

Every entry written before this revision is about a contact channel. A region with a
`service-page` entry keeps its service pages when `init` reloads the bundled file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('regionchangelogentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), server_default='contact', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('regionchangelogentry', schema=None) as batch_op:
        batch_op.drop_column('subject')
