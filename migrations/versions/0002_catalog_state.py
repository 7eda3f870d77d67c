"""catalog_state: one counter bumped by every import or recompile that changes trials

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:10:00
"""

from collections.abc import Sequence
import datetime as dt

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table('catalog_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # The one row exists from the start, so a bump is always a plain UPDATE (which takes
    # a row lock on PostgreSQL: concurrent imports serialise their bumps, none is lost).
    op.bulk_insert(table, [{'id': 1, 'version': 1, 'updated_at': dt.datetime.now(dt.timezone.utc)}])


def downgrade() -> None:
    op.drop_table('catalog_state')
