"""The FastAPI application. ``create_app`` is the factory (``uvicorn --factory
app.main:create_app``); at start it applies migrations and loads the demo trials into an
empty database."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api.body_guard import install_body_guard
from app.api.routes import ROUTERS
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory
from app.web import install_pages

log = logging.getLogger(__name__)


class RedactQueryString(logging.Filter):
    """Access logs keep method, path and status but not the query string: a search such
    as ``?age=67&sex=female&condition=...`` describes a patient."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            if isinstance(path, str) and "?" in path:
                record.args = (client, method, path.split("?", 1)[0] + "?…", version, status)
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryString) for f in access.filters):
        access.addFilter(RedactQueryString())


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


def preload_catalog(app: FastAPI) -> None:
    """Build this worker's catalog and warm the matcher's gazetteers and terminology now,
    before the first request, instead of inside it."""
    from app.api.deps import get_catalog_for_state
    from matching.engine import warm_up

    # the terminology first: building the catalog ends by freezing what is loaded
    # (app.catalog.settle_garbage_collector), and ~660k objects loaded after that would be
    # walked by every full collection (about 0.2 ms per match at 10k trials)
    warm_up()
    get_catalog_for_state(app.state).current()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        redact_access_log()
        prepare_database(settings, session_factory)
        if settings.preload_catalog:
            preload_catalog(app)
        yield
        catalog = getattr(app.state, "catalog", None)
        if catalog is not None:
            catalog.close()  # a background reload in flight, before its engine goes
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
    install_pages(app)  # the HTML pages, their static files and calm error pages
    # Every route, pages' form posts included: a body is size-checked (and a JSON body
    # depth-checked) before anything parses it.
    install_body_guard(app, max_bytes=settings.max_request_bytes, max_depth=settings.max_json_depth)
    return app
