"""The catalog version: one integer in ``catalog_state`` that says "trials changed".

Writers (the importer, recompilation) call :func:`bump_catalog_version` inside the same
transaction as their change, so the new version becomes visible exactly when the change
does. Readers (each worker's :class:`app.catalog.TrialCatalog`) call
:func:`read_catalog_version`, a primary-key lookup, at most once every few seconds.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import CatalogState, utcnow

CATALOG_ROW = 1


def bump_catalog_version(session: Session) -> None:
    """Increment the version as part of the caller's transaction."""
    bumped = session.execute(
        update(CatalogState)
        .where(CatalogState.id == CATALOG_ROW)
        .values(version=CatalogState.version + 1, updated_at=utcnow())
    )
    if bumped.rowcount == 0:  # a database migrated without the seed row
        session.add(CatalogState(id=CATALOG_ROW, version=1, updated_at=utcnow()))


def read_catalog_version(session: Session) -> int:
    return session.scalar(select(CatalogState.version).where(CatalogState.id == CATALOG_ROW)) or 0
