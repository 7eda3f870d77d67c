"""initial schema: trials, sites, trial_rules, import_runs

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 05:54:57.843119
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('records_seen', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('compiled', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('trials',
    sa.Column('nct_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('brief_title', sa.Text(), nullable=False),
    sa.Column('official_title', sa.Text(), nullable=False),
    sa.Column('acronym', sa.String(length=200), nullable=True),
    sa.Column('overall_status', sa.String(length=64), nullable=True),
    sa.Column('phases', sa.JSON(), nullable=False),
    sa.Column('study_type', sa.String(length=64), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('mesh_terms', sa.JSON(), nullable=False),
    sa.Column('mesh_ancestors', sa.JSON(), nullable=False),
    sa.Column('min_age_years', sa.Float(), nullable=True),
    sa.Column('max_age_years', sa.Float(), nullable=True),
    sa.Column('sex', sa.String(length=16), nullable=False),
    sa.Column('healthy_volunteers', sa.Boolean(), nullable=True),
    sa.Column('eligibility_criteria', sa.Text(), nullable=False),
    sa.Column('brief_summary', sa.Text(), nullable=False),
    sa.Column('lead_sponsor', sa.Text(), nullable=True),
    sa.Column('last_update_posted', sa.Date(), nullable=True),
    sa.Column('phases_search', sa.Text(), nullable=False),
    sa.Column('conditions_search', sa.Text(), nullable=False),
    sa.Column('text_search', sa.Text(), nullable=False),
    sa.Column('record_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nct_id')
    )
    with op.batch_alter_table('trials', schema=None) as batch_op:
        batch_op.create_index('ix_trials_age', ['min_age_years', 'max_age_years'], unique=False)
        batch_op.create_index(batch_op.f('ix_trials_overall_status'), ['overall_status'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('nct_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('facility', sa.Text(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('zip', sa.String(length=40), nullable=True),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=64), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.String(length=80), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['nct_id'], ['trials.nct_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_nct_id'), ['nct_id'], unique=False)

    op.create_table('trial_rules',
    sa.Column('nct_id', sa.String(length=64), nullable=False),
    sa.Column('compiler_version', sa.String(length=64), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('ruleset', sa.JSON(), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['nct_id'], ['trials.nct_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nct_id')
    )


def downgrade() -> None:
    op.drop_table('trial_rules')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_nct_id'))

    op.drop_table('sites')
    with op.batch_alter_table('trials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trials_overall_status'))
        batch_op.drop_index('ix_trials_age')

    op.drop_table('trials')
    op.drop_table('import_runs')
