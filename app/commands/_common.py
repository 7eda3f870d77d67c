"""Helpers shared by the CLI commands: settings, database, console output."""

from __future__ import annotations

from rich.console import Console

from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory

# Messages go to stderr so stdout stays clean for data (e.g. `eligo compile` JSON).
console = Console(stderr=True, highlight=False)


def open_database(settings: Settings | None = None, *, migrate: bool = True):
    """Settings, engine and session factory for a command; schema upgraded to head."""
    settings = settings or get_settings()
    if migrate:
        from app import migrate as migrations

        migrations.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    return settings, engine, make_session_factory(engine)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
