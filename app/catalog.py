"""The per-worker trial catalog: every stored trial as a ``TrialSummary`` with its RuleSet
(packed: ``matching.packed_rules``) and what matching derives from it (plans, subject,
topics, terms), plus the candidate index, held in memory and reloaded when the trials change.

Reading RuleSets and building the index is done once per data version, not per request;
a reload re-reads only the trials whose row or rules changed (by their timestamps).
A worker learns that another process imported or recompiled trials from the
``catalog_state`` version (``app.catalog_version``), bumped in the writer's transaction;
it reads that one row at most once every ``check_seconds``, so a change shows up in
matches within that interval plus the time of the reload.

Thread-safe: sync FastAPI routes run in a thread pool. The first build runs at start;
later reloads run in a background thread while requests keep using the snapshot in place,
and the new snapshot is swapped in whole (``TrialCatalog``).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session, defer, selectinload, sessionmaker

from app.catalog_version import read_catalog_version
from app.models import Trial, TrialRules
from app.repository import trial_summary
from app.rules import rules_key
from criteria_rules.ir import RuleSet
from matching.engine import prepare_trials
from matching.index import CandidateIndex
from matching.packed_rules import PackedRules
from matching.trial import TrialSummary


log = logging.getLogger(__name__)

Stamp = tuple  # (trials.updated_at, trial_rules.compiled_at): changes whenever either does
RulesKey = tuple[str, str]  # (compiler version, input hash): all a stored RuleSet depends on

LOAD_CHUNK = 500


@dataclass(frozen=True)
class CatalogSnapshot:
    """One immutable version of the catalog."""

    version: int
    index: CandidateIndex
    by_id: dict[str, TrialSummary] = field(repr=False)
    stamps: dict[str, Stamp] = field(default_factory=dict, repr=False)
    # the packed RuleSet of each (compiler version, input hash) the trials use: a reload
    # reuses these objects (and so their plans) instead of a second copy while both
    # snapshots are alive
    rulesets: dict[RulesKey, PackedRules] = field(default_factory=dict, repr=False)

    @property
    def trials(self) -> Sequence[TrialSummary]:
        return self.index.trials

    def get(self, nct_id: str) -> TrialSummary | None:
        return self.by_id.get(nct_id)


def build_snapshot(trials: Sequence[TrialSummary], version: int = 0,
                   stamps: dict[str, Stamp] | None = None,
                   rulesets: dict[RulesKey, PackedRules] | None = None) -> CatalogSnapshot:
    prepare_trials(trials)  # no request pays for a trial's plans (matching.engine), nor the index
    index = CandidateIndex(trials)
    return CatalogSnapshot(version=version, index=index, by_id={t.nct_id: t for t in index.trials},
                           stamps=stamps or {}, rulesets=rulesets_in_use(rulesets or {}, index.trials))


def rulesets_in_use(rulesets: dict[RulesKey, PackedRules],
                    trials: Sequence[TrialSummary]) -> dict[RulesKey, PackedRules]:
    """The entries of ``rulesets`` some trial points to (a RuleSet no trial uses any more
    is not kept alive by the next reload's table)."""
    used = {id(trial.rules) for trial in trials if trial.rules is not None}
    return {key: rules for key, rules in rulesets.items() if id(rules) in used}


def read_stamps(session: Session) -> dict[str, Stamp]:
    rows = session.execute(
        select(Trial.nct_id, Trial.updated_at, TrialRules.compiled_at).outerjoin(TrialRules)
    )
    return {nct_id: (updated_at, compiled_at) for nct_id, updated_at, compiled_at in rows}


def load_summaries(session: Session, ids: Sequence[str],
                   shared_rules: dict[RulesKey, PackedRules] | None = None) -> list[TrialSummary]:
    """TrialSummary of the given trials, without reading the raw registry records.

    Read in chunks, so only one chunk's rows are in memory at a time. A RuleSet depends
    only on (compiler version, input hash), and registries repeat texts, so the JSON of
    each distinct RuleSet is fetched and packed once per load, straight from its text;
    the other trials with that input point to the same object (``app.rules.packed_rules_of``).
    ``shared_rules`` (key -> PackedRules, e.g. the previous snapshot's) is reused and filled in.
    """
    summaries = []
    shared_rules = {} if shared_rules is None else shared_rules  # one PackedRules per distinct input
    for start in range(0, len(ids), LOAD_CHUNK):
        statement = (
            select(Trial)
            .where(Trial.nct_id.in_(ids[start:start + LOAD_CHUNK]))
            .options(defer(Trial.raw), defer(Trial.eligibility_criteria), selectinload(Trial.sites),
                     selectinload(Trial.rules).defer(TrialRules.ruleset))
        )
        trials = list(session.scalars(statement))
        pack_new_rulesets(session, trials, shared_rules)
        summaries.extend(trial_summary(trial, shared_rules) for trial in trials)
    return summaries


def pack_new_rulesets(session: Session, trials: Sequence[Trial], shared_rules: dict) -> None:
    """Pack into ``shared_rules`` the RuleSets of ``trials`` whose input is not there yet,
    one per distinct input, from the stored JSON text (parsed once, to check it)."""
    wanted: dict[tuple[str, str], str] = {}
    for trial in trials:
        if trial.rules is not None:
            key = rules_key(trial.rules)
            if key not in shared_rules and key not in wanted:
                wanted[key] = trial.nct_id
    if not wanted:
        return
    by_trial = {nct_id: key for key, nct_id in wanted.items()}
    rows = session.execute(
        select(TrialRules.nct_id, cast(TrialRules.ruleset, Text)).where(TrialRules.nct_id.in_(list(by_trial)))
    )
    for nct_id, text in rows:
        shared_rules[by_trial[nct_id]] = PackedRules.pack(RuleSet.model_validate_json(text), text)


def load_snapshot(session: Session, previous: CatalogSnapshot | None = None) -> CatalogSnapshot:
    """Every stored trial, reusing the parsed summaries of ``previous`` that did not change.

    The version is read first: a change committed in between is then loaded early and
    merely causes one extra reload later, never a missed one. Changes are detected by
    equality of each trial's stamps, not by ordering, so clock skew between writers
    cannot hide one.
    """
    version = read_catalog_version(session)
    stamps = read_stamps(session)
    kept: list[TrialSummary] = []
    changed: list[str] = []
    for nct_id, stamp in stamps.items():
        if previous is not None and previous.stamps.get(nct_id) == stamp and nct_id in previous.by_id:
            kept.append(previous.by_id[nct_id])
        else:
            changed.append(nct_id)
    # Changed trials whose rules did not change (a registry update of the record, or a
    # recompile that gave the same input and version) get the previous snapshot's packed
    # RuleSets, and so its plans: during a reload both snapshots are alive, and two copies
    # of every plan would be most of the peak.
    shared = dict(previous.rulesets) if previous is not None else {}
    loaded = load_summaries(session, sorted(changed), shared)
    fresh = {t.nct_id for t in loaded}
    # a trial deleted between the two queries is dropped with its stamp
    return build_snapshot(kept + loaded, version,
                          {i: s for i, s in stamps.items() if i in fresh or i not in changed}, shared)


FULL_COLLECTION_EVERY = 100  # younger collections per full one (Python's default: 10)


def settle_garbage_collector() -> None:
    """Keep full garbage collections from stalling requests.

    A catalog is millions of small, long-lived, acyclic objects, and matching caches more
    per trial as requests come in; every full collection walks all of them (~100 ms on
    the msc corpus) and the request that triggers it stalls. So: freeze what is loaded now
    (frozen objects are still freed by reference counting when a newer snapshot replaces
    them) and run full collections ten times less often. Young garbage is still collected
    as usual.
    """
    gc.collect()
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, FULL_COLLECTION_EVERY))


class TrialCatalog:
    """A worker's catalog: the first build happens in the caller (at start, ``preload``);
    after that, checks and reloads run in one background thread at a time, and requests
    keep getting the snapshot in place until the new one is swapped in whole.

    ``current()`` never waits for a reload: it returns the snapshot it has and, when a
    check is due, starts one. A reload of 100k trials takes tens of seconds; the requests
    meanwhile are answered from the previous version, which is at most one check interval
    plus one reload old.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, check_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._factory = session_factory
        self._check_seconds = check_seconds
        self._clock = clock
        self._snapshot: CatalogSnapshot | None = None
        self._checked_at = -float("inf")
        self._lock = threading.Lock()  # guards starting a refresh and the first build
        self._reload_lock = threading.Lock()  # one check-and-reload at a time
        self._refresher: threading.Thread | None = None
        self.last_error: str | None = None  # why the last background refresh failed, if it did

    def current(self) -> CatalogSnapshot:
        """The snapshot in place; starts a background check when one is due."""
        snapshot = self._snapshot
        if snapshot is None:
            return self._first_build()
        if self._clock() - self._checked_at >= self._check_seconds:
            self._start_refresh()
        return snapshot

    def refresh(self) -> CatalogSnapshot:
        """Check the stored version now and reload if it changed, in the calling thread."""
        with self._reload_lock:
            self._checked_at = self._clock()
            with self._factory() as session:
                stored = read_catalog_version(session)
                previous = self._snapshot
                if previous is None or previous.version != stored:
                    fresh = load_snapshot(session, previous)
                    self._snapshot = fresh  # one reference assignment: requests see old or new
                    del previous
                    settle_garbage_collector()
            self._checked_at = self._clock()
            return self._snapshot

    def wait_for_refresh(self, timeout: float | None = None) -> bool:
        """Wait for the background refresh in flight, if any; False if it is still running."""
        refresher = self._refresher
        if refresher is not None:
            refresher.join(timeout)
            return not refresher.is_alive()
        return True

    def invalidate(self) -> None:
        """Check the stored version on the next ``current()`` (e.g. after this process imported)."""
        self._checked_at = -float("inf")

    def close(self, timeout: float = 5.0) -> None:
        """At shutdown: give a reload in flight a moment to finish (the thread is a daemon)."""
        self.wait_for_refresh(timeout)

    @property
    def loaded_version(self) -> int | None:
        return self._snapshot.version if self._snapshot is not None else None

    @property
    def refreshing(self) -> bool:
        refresher = self._refresher
        return refresher is not None and refresher.is_alive()

    def _first_build(self) -> CatalogSnapshot:
        with self._lock:
            if self._snapshot is None:  # else another thread built it while we waited
                self.refresh()
            return self._snapshot

    def _start_refresh(self) -> None:
        with self._lock:
            if self.refreshing or self._clock() - self._checked_at < self._check_seconds:
                return
            self._checked_at = self._clock()  # no other request starts one meanwhile
            self._refresher = threading.Thread(target=self._refresh_in_background, name="catalog-refresh",
                                               daemon=True)
            self._refresher.start()

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
            self.last_error = None
        except Exception as error:  # keep serving the snapshot in place; retried after the interval
            self.last_error = type(error).__name__
            log.warning("catalog refresh failed (%s); still serving version %s",
                        type(error).__name__, self.loaded_version)
