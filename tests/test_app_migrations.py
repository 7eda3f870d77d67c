"""Alembic: upgrade head -> downgrade base -> upgrade head on SQLite and PostgreSQL, and
the migrated schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import make_engine
from app.models import Base

TABLES = {"trials", "sites", "trial_rules", "import_runs", "catalog_state", "alembic_version"}
HEAD = "0002"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(db_url):
    migrate.upgrade(db_url)
    assert _tables(db_url) == TABLES and migrate.current_revision(db_url) == HEAD
    migrate.downgrade(db_url, "base")
    assert _tables(db_url) <= {"alembic_version"} and migrate.current_revision(db_url) is None
    migrate.upgrade(db_url)
    assert _tables(db_url) == TABLES and migrate.current_revision(db_url) == HEAD


def test_migrations_match_the_models(migrated_db_url):
    engine = make_engine(migrated_db_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
