"""FastAPI dependencies: settings, a database session per request, the trial catalog."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.catalog import TrialCatalog
from app.config import Settings
from matching.packed_rules import keep_parsed


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


_catalog_lock = threading.Lock()


def get_catalog(request: Request) -> TrialCatalog:
    """This worker's in-memory trial catalog (created on first use; see app.catalog)."""
    return get_catalog_for_state(request.app.state)


def get_catalog_for_state(state) -> TrialCatalog:
    catalog = getattr(state, "catalog", None)
    if catalog is None:
        with _catalog_lock:
            catalog = getattr(state, "catalog", None)
            if catalog is None:
                keep_parsed(state.settings.parsed_rulesets_kept)
                catalog = TrialCatalog(state.session_factory, check_seconds=state.settings.catalog_check_seconds)
                state.catalog = catalog
    return catalog


CatalogDep = Annotated[TrialCatalog, Depends(get_catalog)]
