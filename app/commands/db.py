from __future__ import annotations

import typer

from app.commands._common import console, safe_url
from app.config import get_settings


def register(cli: typer.Typer) -> None:
    @cli.command()
    def migrate(
        revision: str = typer.Argument("head", help="Target revision."),
        down: bool = typer.Option(False, "--down", help="Downgrade to REVISION (e.g. base)."),
    ) -> None:
        """Apply Alembic migrations (the service also upgrades at start)."""
        from app import migrate as migrations

        settings = get_settings()
        if down:
            migrations.downgrade(settings.database_url, revision)
        else:
            migrations.upgrade(settings.database_url, revision)
        current = migrations.current_revision(settings.database_url)
        console.print(f"{safe_url(settings.database_url)} at revision {current or 'base'}", soft_wrap=True)
