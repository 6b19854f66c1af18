"""provider catalogue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('organisation_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_name'), ['name'], unique=True)

    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('municipality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('street_address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('postal_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('post_office', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('accessibility', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('services_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('activities_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('target_groups_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_date', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_year', sa.Integer(), nullable=True),
    sa.Column('assured_date', sa.Date(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_status'), ['status'], unique=False)

    op.create_table('provideractivity',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('provider_id', 'code')
    )
    with op.batch_alter_table('provideractivity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provideractivity_code'), ['code'], unique=False)

    op.create_table('providerlanguage',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('provider_id', 'code')
    )
    with op.batch_alter_table('providerlanguage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providerlanguage_code'), ['code'], unique=False)

    op.create_table('providerservice',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('provider_id', 'code')
    )
    with op.batch_alter_table('providerservice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providerservice_code'), ['code'], unique=False)

    op.create_table('providertargetgroup',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('provider_id', 'code')
    )
    with op.batch_alter_table('providertargetgroup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providertargetgroup_code'), ['code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('providertargetgroup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providertargetgroup_code'))

    op.drop_table('providertargetgroup')
    with op.batch_alter_table('providerservice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providerservice_code'))

    op.drop_table('providerservice')
    with op.batch_alter_table('providerlanguage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providerlanguage_code'))

    op.drop_table('providerlanguage')
    with op.batch_alter_table('provideractivity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provideractivity_code'))

    op.drop_table('provideractivity')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_status'))
        batch_op.drop_index(batch_op.f('ix_provider_region_code'))
        batch_op.drop_index(batch_op.f('ix_provider_organization_id'))
        batch_op.drop_index(batch_op.f('ix_provider_municipality_code'))

    op.drop_table('provider')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_name'))

    op.drop_table('organization')
