"""Upsert ClinicalTrials.gov study records into the database.

Records arrive as an iterator of ``SourceRecord`` (files, or registry pages from
``sync``) and are written in batches, one transaction per batch: a crash or Ctrl-C loses
at most the batch in flight and never leaves a trial half-written. A record is written
only when it is newer than the stored one (``lastUpdatePostDate``), so re-importing the
same file changes nothing, not even ``updated_at``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app import rules as rules_module
from app.catalog_version import bump_catalog_version
from app.ctgov import ParsedStudy, RecordError, parse_study, search_key, study_id
from app.db import transaction
from app.models import ImportRun, Site, Trial, utcnow
from app.sources import SourceRecord

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000  # per import run; the summary still counts them all

Decision = Literal["insert", "update", "unchanged"]


@dataclass(frozen=True, slots=True)
class RecordIssue:
    position: str
    nct_id: str | None
    reason: str

    def describe(self) -> str:
        return f"{self.position} ({self.nct_id or 'no id'}): {self.reason}"


@dataclass
class ImportReport:
    run_id: int | None = None
    seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    compiled: int = 0
    errors: list[RecordIssue] = field(default_factory=list)
    compile_failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


@dataclass(frozen=True, slots=True)
class StoredVersion:
    last_update_posted: dt.date | None
    record_sha256: str


def decide(stored: StoredVersion | None, incoming: ParsedStudy) -> Decision:
    """Insert new trials; update only when the incoming record is newer.

    Without dates on both sides there is no order, so identical content is a no-op and
    different content is taken (a record with a date beats one without).
    """
    if stored is None:
        return "insert"
    new, old = incoming.last_update_posted, stored.last_update_posted
    if new is not None and old is not None:
        return "update" if new > old else "unchanged"
    if new is not None:
        return "update"
    if old is not None:
        return "unchanged"
    return "unchanged" if incoming.record_sha256 == stored.record_sha256 else "update"


def trial_columns(study: ParsedStudy) -> dict:
    """Column values of a Trial row for a parsed study (everything but raw and times)."""
    values = {
        f.name: getattr(study, f.name) for f in dataclasses.fields(study) if f.name != "sites"
    }
    values["phases_search"] = search_key(study.phases)
    values["conditions_search"] = search_key(
        study.conditions + study.keywords + study.mesh_terms + study.mesh_ancestors
    )
    values["text_search"] = search_key(
        [study.nct_id, study.brief_title, study.official_title, study.acronym or ""]
        + study.conditions
        + study.keywords
        + study.mesh_terms
    )
    return values


def site_rows(study: ParsedStudy) -> list[Site]:
    return [
        Site(position=index, **dataclasses.asdict(site)) for index, site in enumerate(study.sites)
    ]


def _batches(items: Iterable[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Importer:
    """Writes batches of records; collects what happened in an ``ImportReport``."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        source_kind: str = "ctgov",
        compile_rules: bool = True,
        batch_size: int = 200,
    ) -> None:
        self.factory = factory
        self.source_kind = source_kind
        self.compile_rules = compile_rules and rules_module.compiler_available()
        self.batch_size = batch_size

    def run(
        self,
        records: Iterable[SourceRecord],
        report: ImportReport,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        for batch in _batches(records, self.batch_size):
            parsed = self._parse(batch, report)
            self._write(parsed, report)
            if on_progress:
                on_progress(len(batch))
        return report

    def _parse(
        self, batch: list[SourceRecord], report: ImportReport
    ) -> list[tuple[SourceRecord, ParsedStudy, dict]]:
        parsed = []
        for record in batch:
            report.seen += 1
            if record.error:
                report.errors.append(RecordIssue(record.position, None, record.error))
                continue
            try:
                parsed.append((record, parse_study(record.payload), record.payload))
            except RecordError as error:
                report.errors.append(
                    RecordIssue(record.position, study_id(record.payload), str(error))
                )
        return parsed

    def _write(self, parsed: list[tuple[SourceRecord, ParsedStudy, dict]], report: ImportReport):
        if not parsed:
            return
        attempt = ImportReport()
        try:
            with transaction(self.factory) as session:
                self._apply(session, parsed, attempt)
        except SQLAlchemyError:
            # The database refused something in this batch (e.g. a value too long for a
            # column). Nothing of it was kept; redo it one record per transaction so
            # only the offending records are reported and the rest still land.
            for item in parsed:
                single = ImportReport()
                try:
                    with transaction(self.factory) as session:
                        self._apply(session, [item], single)
                except SQLAlchemyError as error:
                    reason = f"database rejected it: {getattr(error, 'orig', error)}"
                    report.errors.append(RecordIssue(item[0].position, item[1].nct_id, reason))
                    continue
                _add_counts(report, single)
            return
        _add_counts(report, attempt)

    def _apply(
        self,
        session: Session,
        parsed: list[tuple[SourceRecord, ParsedStudy, dict]],
        report: ImportReport,
    ) -> None:
        ids = list({study.nct_id for _, study, _ in parsed})
        stored = {
            row.nct_id: StoredVersion(row.last_update_posted, row.record_sha256)
            for row in session.execute(
                select(Trial.nct_id, Trial.last_update_posted, Trial.record_sha256).where(
                    Trial.nct_id.in_(ids)
                )
            )
        }
        changed: dict[str, Trial] = {}
        now = utcnow()
        for _record, study, raw in parsed:
            decision = decide(stored.get(study.nct_id), study)
            if decision == "unchanged":
                report.unchanged += 1
                continue
            columns = trial_columns(study)
            if decision == "insert":
                trial = Trial(
                    **columns,
                    source=self.source_kind,
                    raw=raw,
                    sites=site_rows(study),
                    created_at=now,
                    updated_at=now,
                )
                session.add(trial)
                report.inserted += 1
            else:
                trial = changed.get(study.nct_id) or session.get(Trial, study.nct_id)
                for name, value in columns.items():
                    setattr(trial, name, value)
                trial.raw = raw
                trial.source = self.source_kind
                trial.sites = site_rows(study)
                trial.updated_at = now
                report.updated += 1
            # Later records in the same batch compare against this one.
            stored[study.nct_id] = StoredVersion(study.last_update_posted, study.record_sha256)
            changed[study.nct_id] = trial
        session.flush()
        if self.compile_rules and changed:
            compiled = rules_module.compile_trials(list(changed.values()))
            report.compiled += compiled.compiled
            report.compile_failures.extend(compiled.failures)
        if changed:
            # Same transaction: workers' in-memory catalogs see the change when it commits.
            bump_catalog_version(session)


def _add_counts(total: ImportReport, part: ImportReport) -> None:
    total.inserted += part.inserted
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.compiled += part.compiled
    total.errors.extend(part.errors)
    total.compile_failures.extend(part.compile_failures)


# --- import runs ---------------------------------------------------------------------


def start_run(factory: sessionmaker[Session], kind: str, source: str) -> int:
    with transaction(factory) as session:
        run = ImportRun(kind=kind, source=source[:2000], status="running", errors=[])
        session.add(run)
        session.flush()
        return run.id


def finish_run(
    factory: sessionmaker[Session],
    run_id: int,
    report: ImportReport,
    status: str,
    message: str | None = None,
) -> None:
    with transaction(factory) as session:
        run = session.get(ImportRun, run_id)
        run.status = status
        run.finished_at = utcnow()
        run.records_seen = report.seen
        run.inserted = report.inserted
        run.updated = report.updated
        run.unchanged = report.unchanged
        run.failed = report.failed
        run.compiled = report.compiled
        run.errors = [dataclasses.asdict(issue) for issue in report.errors[:MAX_STORED_ERRORS]]
        run.message = message


def import_records(
    factory: sessionmaker[Session],
    records: Iterable[SourceRecord],
    *,
    kind: str = "import",
    source: str = "",
    source_kind: str = "ctgov",
    compile_rules: bool = True,
    batch_size: int = 200,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import records as one recorded run. Exceptions (incl. Ctrl-C) propagate after the
    run is marked; batches already committed stay, the one in flight is rolled back."""
    report = ImportReport(run_id=start_run(factory, kind, source))
    importer = Importer(
        factory, source_kind=source_kind, compile_rules=compile_rules, batch_size=batch_size
    )
    try:
        importer.run(records, report, on_progress)
    except KeyboardInterrupt:
        finish_run(factory, report.run_id, report, "interrupted", "stopped by the user")
        raise
    except BaseException as error:
        finish_run(factory, report.run_id, report, "failed", f"{type(error).__name__}: {error}")
        raise
    finish_run(factory, report.run_id, report, "with_errors" if report.errors else "ok")
    log.info(
        "import run %s: %s seen, %s inserted, %s updated, %s unchanged, %s failed",
        report.run_id, report.seen, report.inserted, report.updated, report.unchanged, report.failed,
    )
    return report
