from __future__ import annotations

import typer

from app.commands._common import console, safe_url
from app.config import get_settings


def register(cli: typer.Typer) -> None:
    @cli.command()
    def serve(
        host: str = typer.Option(None, help="Interface to bind (default ELIGO_HOST or 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (default ELIGO_PORT or 8000)."),
        log_level: str = typer.Option("info", help="uvicorn log level."),
    ) -> None:
        """Start the web service (migrates the database; loads demo trials if it is empty)."""
        import uvicorn

        from app.main import create_app

        settings = get_settings()
        host = host or settings.host
        port = port or settings.port
        console.print(f"Eligo on http://{host}:{port}  (database {safe_url(settings.database_url)})")
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
