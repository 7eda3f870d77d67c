from __future__ import annotations

import os

import typer

from app.commands._common import console, safe_url
from app.config import get_settings


def register(cli: typer.Typer) -> None:
    @cli.command()
    def serve(
        host: str = typer.Option(None, help="Interface to bind (default ELIGO_HOST or 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (default ELIGO_PORT or 8000)."),
        log_level: str = typer.Option("info", help="uvicorn log level."),
        access_log: bool = typer.Option(
            True, "--access-log/--no-access-log",
            help="Log each request's method, path and status (never bodies or query strings)."),
        workers: int = typer.Option(
            1, "--workers", "-w", min=1,
            help="Worker processes; each holds its own in-memory trial catalog and notices imports."),
    ) -> None:
        """Start the web service (migrates the database; loads demo trials if it is empty)."""
        import uvicorn

        from app.main import create_app
        from app.supervisor import PortInUse, claim_port, run_workers

        # A served worker loads its catalog before taking traffic (see Settings.preload_catalog).
        os.environ.setdefault("ELIGO_PRELOAD_CATALOG", "true")
        settings = get_settings()
        host = host or settings.host
        port = port or settings.port
        console.print(f"Eligo on http://{host}:{port}  (database {safe_url(settings.database_url)})")
        if workers == 1:
            uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, access_log=access_log)
            return
        try:  # before the migrations: a port in use is reported at once
            port = claim_port(host, port)
        except PortInUse as error:
            console.print(f"[red]{error.strerror}[/red]")
            raise typer.Exit(1)
        # Several workers: migrate and load the demo once here, not racing in every worker.
        from app.db import make_engine, make_session_factory
        from app.main import prepare_database

        engine = make_engine(settings.database_url)
        try:
            prepare_database(settings, make_session_factory(engine))
        finally:
            engine.dispose()
        os.environ.update(ELIGO_MIGRATE_ON_START="false", ELIGO_LOAD_DEMO="false")
        # uvicorn kills a worker that does not answer its health ping within the timeout
        # (default 5 s); a worker's first catalog load can keep the GIL busy longer than
        # that on a loaded machine, and killing it only starts the load again.
        config = uvicorn.Config("app.main:create_app", factory=True, host=host, port=port, workers=workers,
                                log_level=log_level, access_log=access_log, timeout_worker_healthcheck=120)
        run_workers(config)  # one listening socket per worker: see app.supervisor
