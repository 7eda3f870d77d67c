"""The per-worker trial catalog and its version, on SQLite and PostgreSQL: imports and
recompiles bump the version in their own transaction (a no-op import does not), a worker
checks at most once per interval, reloads only what changed, and the candidate index
keeps the engine's filter rules."""

from __future__ import annotations

import datetime as dt

import pytest

from app.catalog import TrialCatalog
from app.catalog_version import read_catalog_version
from app.importer import import_records
from app.match_service import match_profile
from app.sources import SourceRecord
from matching.engine import match_trials
from matching.index import CandidateIndex
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2025, 6, 1)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def version(factory) -> int:
    with factory() as session:
        return read_catalog_version(session)


def records(*studies):
    return [SourceRecord(f"test:{i}", study) for i, study in enumerate(studies)]


def test_imports_bump_the_version_and_a_no_op_import_does_not(session_factory, make_study):
    start = version(session_factory)
    study = make_study("NCT09000001", conditions=["Asthma"])
    import_records(session_factory, records(study))
    after_insert = version(session_factory)
    assert after_insert > start
    import_records(session_factory, records(study))  # same record again: unchanged
    assert version(session_factory) == after_insert
    import_records(session_factory, records(make_study("NCT09000001", updated="2024-06-01")))
    assert version(session_factory) > after_insert


def test_the_catalog_checks_at_most_once_per_interval_and_reloads_only_changes(session_factory, make_study):
    import_records(session_factory, records(make_study("NCT09000001"), make_study("NCT09000002")))
    clock = FakeClock()
    catalog = TrialCatalog(session_factory, check_seconds=5, clock=clock)
    first = catalog.current()
    assert set(first.by_id) == {"NCT09000001", "NCT09000002"}

    import_records(session_factory, records(make_study("NCT09000003")))
    clock.now += 1
    assert catalog.current() is first  # within the interval: no query, same snapshot
    assert not catalog.refreshing
    clock.now += 5
    assert catalog.current() is first  # a check is due: it runs in the background, not in this call
    assert catalog.wait_for_refresh(timeout=120)
    second = catalog.current()
    assert set(second.by_id) == {"NCT09000001", "NCT09000002", "NCT09000003"}
    assert second.version > first.version
    # the unchanged trials are the very same objects: not re-read, not re-parsed
    assert second.get("NCT09000001") is first.get("NCT09000001")

    catalog.invalidate()
    assert catalog.current() is second
    assert catalog.wait_for_refresh(timeout=120)
    assert catalog.current() is second  # checked again: nothing changed


def test_match_profile_accepts_a_session_or_a_catalog(session_factory, make_study):
    import_records(session_factory, records(make_study("NCT09000001", conditions=["Asthma"])))
    profile = PatientProfile(age_years=30, conditions=[{"text": "asthma"}])
    with session_factory() as session:
        from_session = match_profile(session, profile, as_of=AS_OF)
    from_catalog = match_profile(TrialCatalog(session_factory), profile, as_of=AS_OF)
    assert from_session == from_catalog
    assert [t.nct_id for t in from_catalog.trials] == ["NCT09000001"]


def _trial(nct_id, **fields) -> TrialSummary:
    return TrialSummary(nct_id=nct_id, overall_status=fields.pop("status", "RECRUITING"), **fields)


def test_the_index_filters_like_the_engine_and_keeps_the_most_relevant():
    trials = [
        _trial("NCT00000001", conditions=("Asthma",), min_age_years=1, max_age_years=14),
        _trial("NCT00000002", conditions=("Rectal Cancer",), min_age_years=18),
        _trial("NCT00000003", conditions=("Asthma",), sex="FEMALE"),
        _trial("NCT00000004", conditions=("Asthma",), status="COMPLETED"),
        _trial("NCT00000005", conditions=("Healthy",), healthy_volunteers=True),
        _trial("NCT00000006", conditions=("Childhood Asthma",), status=None),  # no status: kept
        _trial("NCT00000007", brief_title="Knee pain"),  # no limits at all: kept
    ]
    index = CandidateIndex(trials)
    child = PatientProfile(age_years=10, sex="male", conditions=[{"text": "asthma"}])
    statuses = ("RECRUITING", "NOT_YET_RECRUITING")
    chosen = index.select(child, as_of=AS_OF, statuses=statuses, include_healthy_volunteer_trials=False, limit=100)
    engine = match_trials(child, trials, as_of=AS_OF, statuses=statuses, limit=100)
    assert {t.nct_id for t in chosen.trials} == {t.nct_id for t in engine.trials}
    assert {t.nct_id for t in chosen.trials} == {"NCT00000001", "NCT00000006", "NCT00000007"}

    top = index.select(child, as_of=AS_OF, statuses=statuses, include_healthy_volunteer_trials=False, limit=2)
    assert top.considered == 3
    assert {t.nct_id for t in top.trials} == {"NCT00000001", "NCT00000006"}  # the asthma trials


def test_a_forced_recompile_bumps_the_version_and_a_no_op_one_does_not(session_factory, make_study):
    from app.rules import compiler_available, recompile_stale

    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    import_records(session_factory, records(make_study("NCT09000001")))
    compiled = version(session_factory)
    recompile_stale(session_factory)  # nothing stale
    assert version(session_factory) == compiled
    recompile_stale(session_factory, force=True)
    assert version(session_factory) > compiled


def test_trials_with_the_same_compiler_input_share_one_parsed_ruleset(session_factory, make_study):
    same = "Inclusion Criteria:\n\n* Age 18 years or older\n\nExclusion Criteria:\n\n* Pregnancy"
    import_records(session_factory, records(
        make_study("NCT09000001", criteria=same),
        make_study("NCT09000002", criteria=same),
        make_study("NCT09000003", criteria=same + "\n* HIV infection"),
    ))
    snapshot = TrialCatalog(session_factory, check_seconds=5, clock=FakeClock()).current()
    first, second, third = (snapshot.by_id[i].rules for i in ("NCT09000001", "NCT09000002", "NCT09000003"))
    assert first is not None and first is second  # one object held once per worker
    assert third is not first and third != first


def test_a_preloading_app_has_its_catalog_before_the_first_request(
        make_client, migrated_db_url, session_factory, make_study):
    import_records(session_factory, records(make_study("NCT09000001", conditions=["Asthma"])))
    client = make_client(migrated_db_url, preload_catalog=True, load_demo=False)
    catalog = client.app.state.catalog  # built during start-up, not by a request
    assert "NCT09000001" in catalog.current().by_id
    assert client.get("/healthz").status_code == 200


def test_the_service_keeps_as_many_parsed_rulesets_as_configured(make_client, migrated_db_url, session_factory,
                                                                  make_study):
    """ELIGO_PARSED_RULESETS_KEPT trades memory for CPU (matching.packed_rules): a worker
    applies it when it builds its catalog."""
    from matching import packed_rules

    import_records(session_factory, records(make_study("NCT09000001", conditions=["Asthma"])))
    try:
        make_client(migrated_db_url, preload_catalog=True, load_demo=False, parsed_rulesets_kept=3)
        assert packed_rules._recent.size == 3
    finally:
        packed_rules.keep_parsed(packed_rules.PARSED_KEPT)
