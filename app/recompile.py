"""Recompiling stored trials at registry scale: parallel, deduplicated, resumable.

``recompile(factory, workers=N)`` walks the trials in id order, one *unit* of
``batch_size`` trials at a time:

1. **plan** (parent): read each trial's compiler input (text and registry facts, not
   the raw record) and its stored rules' version and input hash; a trial is stale when it
   has no rules, an older compiler version, or a different input hash
   (``app.rules.is_stale``'s rule, computed from columns).
2. **compile** (``workers`` processes, spaCy ``nlp.pipe`` batching inside each through
   ``app.rules.compile_batch``): only the *distinct* inputs of the unit that no trial
   already has fresh rules for. The RuleSet is a pure function of (input, compiler
   version), so trials with an identical text and facts share one compilation: the
   registry repeats boilerplate texts, and a scale corpus repeats them a lot.
3. **write** (parent only, so SQLite's single writer is respected): the unit's rules in
   one transaction, with the catalog version bump, in unit order.

A crash or Ctrl-C loses at most the units in flight; a rerun finds the trials that are
still stale and continues where it stopped. Worker processes are started with ``spawn``
(no inherited database connections or threads) and ignore SIGINT, so the parent decides
how to stop.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import rules
from app.catalog_version import bump_catalog_version
from app.models import Trial, TrialRules, utcnow
from criteria_rules.ir import TrialFacts

log = logging.getLogger(__name__)

# One compile input: (input hash, eligibility text, registry facts as a dict).
CompileInput = tuple[str, str | None, dict]
# One compile outcome: (input hash, RuleSet JSON payload or None, failure reason or None).
CompileOutcome = tuple[str, dict | None, str | None]


# --- worker side -------------------------------------------------------------------------


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def compile_inputs(inputs: Sequence[CompileInput]) -> tuple[str | None, list[CompileOutcome]]:
    """Compile distinct inputs (in a worker or in process); returns the compiler version
    used and one outcome per input. A failure stays in its slot."""
    results = rules.compile_batch([(text, TrialFacts(**facts)) for _, text, facts in inputs])
    outcomes: list[CompileOutcome] = []
    for (digest, _, _), result in zip(inputs, results, strict=True):
        if isinstance(result, Exception):
            outcomes.append((digest, None, f"{type(result).__name__}: {result}"))
        else:
            outcomes.append((digest, result.model_dump(mode="json"), None))
    return rules.COMPILER_VERSION, outcomes


# --- parent side -------------------------------------------------------------------------


@dataclass
class Unit:
    """One batch of trials: what to write once its compilations are back."""

    index: int
    size: int  # trials read
    stale: list[tuple[str, str]] = field(default_factory=list)  # (nct_id, input hash)
    inputs: list[CompileInput] = field(default_factory=list)  # compiled for this unit
    outcome: Future | tuple | None = None  # (compiler version, outcomes) when done


@dataclass
class _RunState:
    version: str
    fresh: dict[str, str]  # input hash -> nct_id of a trial whose stored rules were compiled from it
    planned: set[str] = field(default_factory=set)  # hashes compiled by this run (written or in flight)
    failed: dict[str, str] = field(default_factory=dict)  # input hash -> reason


def _fresh_donors(session: Session, version: str) -> dict[str, str]:
    """Input hash -> a trial whose stored rules (current version) were compiled from it."""
    donors: dict[str, str] = {}
    statement = select(TrialRules.source_sha256, TrialRules.nct_id).where(
        TrialRules.compiler_version == version
    )
    for digest, nct_id in session.execute(statement.execution_options(yield_per=10_000)):
        donors.setdefault(digest, nct_id)
    return donors


def _iter_id_chunks(factory: sessionmaker[Session], size: int) -> Iterator[list[str]]:
    """Trial ids in order, ``size`` at a time (keyset pages: no long-lived cursor)."""
    last = ""
    while True:
        with factory() as session:
            ids = list(session.scalars(
                select(Trial.nct_id).where(Trial.nct_id > last).order_by(Trial.nct_id).limit(size)
            ))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _plan(session: Session, ids: list[str], unit: Unit, state: _RunState, force: bool) -> None:
    rows = session.execute(
        select(Trial.nct_id, Trial.eligibility_criteria, Trial.min_age_years, Trial.max_age_years,
               Trial.sex, Trial.healthy_volunteers, TrialRules.compiler_version, TrialRules.source_sha256)
        .outerjoin(TrialRules, TrialRules.nct_id == Trial.nct_id)
        .where(Trial.nct_id.in_(ids))
        .order_by(Trial.nct_id)
    )
    queued: set[str] = set()
    for row in rows:
        facts = rules.facts_of(row)
        digest = rules.source_sha256(row.eligibility_criteria, facts)
        if not force and row.compiler_version == state.version and row.source_sha256 == digest:
            continue
        unit.stale.append((row.nct_id, digest))
        if digest in state.fresh or digest in state.planned or digest in queued:
            continue  # shared with a trial compiled before (or earlier in this unit)
        queued.add(digest)
        unit.inputs.append((digest, row.eligibility_criteria, facts.model_dump()))
    state.planned |= queued


def _write(factory: sessionmaker[Session], unit: Unit, state: _RunState, report: rules.CompileReport) -> None:
    """Store the unit's rules in one transaction (parent only)."""
    compiled: dict[str, dict] = {}
    if unit.outcome is not None:
        outcome = unit.outcome.result() if isinstance(unit.outcome, Future) else unit.outcome
        worker_version, outcomes = outcome
        if worker_version != state.version:
            raise RuntimeError(f"a worker compiled with {worker_version!r}, not {state.version!r}: "
                               "the installed compiler changed during the run")
        for digest, payload, reason in outcomes:
            if payload is None:
                state.failed[digest] = reason or "compile failed"
            else:
                compiled[digest] = payload
    if not unit.stale:
        return
    with factory.begin() as session:
        donors = {digest: state.fresh[digest] for _, digest in unit.stale
                  if digest not in compiled and digest in state.fresh}
        shared: dict[str, dict] = {}
        if donors:
            by_donor = {nct_id: digest for digest, nct_id in donors.items()}
            for nct_id, payload in session.execute(
                select(TrialRules.nct_id, TrialRules.ruleset).where(TrialRules.nct_id.in_(list(by_donor)))
            ):
                shared[by_donor[nct_id]] = payload
        existing = {r.nct_id: r for r in session.scalars(
            select(TrialRules).where(TrialRules.nct_id.in_([nct_id for nct_id, _ in unit.stale]))
        )}
        now = utcnow()
        written = 0
        for nct_id, digest in unit.stale:
            payload = compiled.get(digest)
            reused = payload is None
            if payload is None:
                payload = shared.get(digest)
            if payload is None:
                reason = state.failed.get(digest, "no compiled rules for its input")
                log.warning("compiling %s failed: %s", nct_id, reason.split(":")[0])
                report.failures.append((nct_id, reason))
                continue
            row = existing.get(nct_id)
            if row is None:
                session.add(TrialRules(nct_id=nct_id, compiler_version=state.version, source_sha256=digest,
                                       ruleset=payload, compiled_at=now))
            else:
                row.compiler_version = state.version
                row.source_sha256 = digest
                row.ruleset = payload
                row.compiled_at = now
            written += 1
            report.reused += reused
        if written:
            bump_catalog_version(session)  # same transaction as the new rules
        report.compiled += written
    for nct_id, digest in unit.stale:
        if digest in compiled:
            state.fresh.setdefault(digest, nct_id)


def recompile(
    factory: sessionmaker[Session],
    *,
    workers: int = 1,
    batch_size: int = 200,
    force: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> rules.CompileReport:
    """Recompile every stale trial (every trial with ``force``); see the module docs."""
    rules.require_compiler()
    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    report = rules.CompileReport()
    version = rules.COMPILER_VERSION
    with factory() as session:
        fresh = {} if force else _fresh_donors(session, version)
    state = _RunState(version=version, fresh=fresh)
    pool = None
    if workers > 1:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init)
    in_flight: deque[Unit] = deque()
    window = 2 * workers  # units compiling ahead of the writer

    def write_oldest() -> None:
        unit = in_flight.popleft()
        _write(factory, unit, state, report)
        report.skipped += unit.size - len(unit.stale)
        if on_progress:
            on_progress(unit.size)

    try:
        for index, ids in enumerate(_iter_id_chunks(factory, batch_size)):
            unit = Unit(index=index, size=len(ids))
            with factory() as session:
                _plan(session, ids, unit, state, force)
            if unit.inputs:
                unit.outcome = (pool.submit(compile_inputs, unit.inputs) if pool is not None
                                else compile_inputs(unit.inputs))
            in_flight.append(unit)
            while len(in_flight) > (window if pool is not None else 0):
                write_oldest()
        while in_flight:
            write_oldest()
    finally:
        if pool is not None:
            # On an interruption: drop queued work, do not wait for compilations in flight.
            pool.shutdown(wait=not in_flight, cancel_futures=True)
    return report
