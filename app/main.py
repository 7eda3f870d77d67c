"""The FastAPI application. ``create_app`` is the factory (``uvicorn --factory
app.main:create_app``); at start it applies migrations and loads the demo trials into an
empty database."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api.routes import ROUTERS
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


def prepare_database(settings: Settings, session_factory) -> None:
    """Schema to head, then demo trials if the database has none."""
    from app import migrate
    from app.demo import load_demo_if_empty

    if settings.migrate_on_start:
        migrate.upgrade(settings.database_url)
    if settings.load_demo:
        report = load_demo_if_empty(session_factory, compile_rules=settings.compile_on_import)
        if report is not None:
            log.info("loaded %s demo trials into an empty database", report.inserted)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        prepare_database(settings, session_factory)
        yield
        engine.dispose()

    app = FastAPI(
        title="Eligo",
        version=__version__,
        description="Clinical-trial eligibility matching: trials, their compiled rules, matching.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    for router in ROUTERS:
        app.include_router(router)
    return app
