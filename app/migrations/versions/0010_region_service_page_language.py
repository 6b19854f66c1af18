"""region service page language: fi, sv or en, where the bundled data or a maintainer says it

Nullable: a page whose language is not known keeps none, and the public pages then read the
language from the address only (/fi/, /sv/, /en/). `init` fills it from the bundled file for
the regions whose pages no maintainer has edited.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('regionservicepage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('regionservicepage', schema=None) as batch_op:
        batch_op.drop_column('page_lang')
