"""The per-worker trial catalog: every stored trial as a ``TrialSummary`` with its parsed
RuleSet, plus the candidate index, held in memory and reloaded when the trials change.

Parsing RuleSets and building the index is done once per data version, not per request.
A worker learns that another process imported or recompiled trials from the
``catalog_state`` version (``app.catalog_version``), bumped in the writer's transaction;
it reads that one row at most once every ``check_seconds``, so a change shows up in
matches within that interval (immediately with ``check_seconds=0``).

Thread-safe: sync FastAPI routes run in a thread pool. Requests keep using the snapshot
they started with while a reload builds the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from app.catalog_version import read_catalog_version
from app.repository import load_trial_summaries
from matching.index import CandidateIndex
from matching.trial import TrialSummary


@dataclass(frozen=True)
class CatalogSnapshot:
    """One immutable version of the catalog."""

    version: int
    index: CandidateIndex
    by_id: dict[str, TrialSummary] = field(repr=False)

    @property
    def trials(self) -> Sequence[TrialSummary]:
        return self.index.trials

    def get(self, nct_id: str) -> TrialSummary | None:
        return self.by_id.get(nct_id)


def build_snapshot(trials: Sequence[TrialSummary], version: int = 0) -> CatalogSnapshot:
    index = CandidateIndex(trials)
    return CatalogSnapshot(version=version, index=index, by_id={t.nct_id: t for t in index.trials})


def load_snapshot(session: Session) -> CatalogSnapshot:
    """Every stored trial, read in one transaction together with its version.

    The version is read first: a change committed in between is then loaded early and
    merely causes one extra reload later, never a missed one.
    """
    version = read_catalog_version(session)
    return build_snapshot(load_trial_summaries(session), version)


class TrialCatalog:
    def __init__(self, session_factory: sessionmaker[Session], *, check_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._factory = session_factory
        self._check_seconds = check_seconds
        self._clock = clock
        self._snapshot: CatalogSnapshot | None = None
        self._checked_at = -float("inf")
        self._lock = threading.Lock()

    def current(self) -> CatalogSnapshot:
        """The up-to-date snapshot (checks the stored version at most every ``check_seconds``)."""
        snapshot = self._snapshot
        if snapshot is not None and self._clock() - self._checked_at < self._check_seconds:
            return snapshot
        with self._lock:
            if self._snapshot is not None and self._clock() - self._checked_at < self._check_seconds:
                return self._snapshot  # another thread checked while we waited
            with self._factory() as session:
                stored = read_catalog_version(session)
                if self._snapshot is None or self._snapshot.version != stored:
                    self._snapshot = load_snapshot(session)
            self._checked_at = self._clock()
            return self._snapshot

    def invalidate(self) -> None:
        """Check the stored version on the next ``current()`` (e.g. after this process imported)."""
        self._checked_at = -float("inf")

    @property
    def loaded_version(self) -> int | None:
        return self._snapshot.version if self._snapshot is not None else None
