"""Rows -> matching.TrialSummary, the compile wiring (store, staleness, recompile), and
log hygiene."""

from __future__ import annotations

import logging

import pytest

from app import rules
from app.demo import load_demo
from app.repository import get_trial_summary, load_trial_summaries
from criteria_rules.ir import Criterion, RuleSet, TrialFacts
from matching.trial import TrialSummary


def test_trial_summaries_for_matching(session_factory):
    load_demo(session_factory, compile_rules=False)
    with session_factory() as session:
        summaries = load_trial_summaries(session)
        recruiting = load_trial_summaries(session, statuses=["recruiting"])
        single = get_trial_summary(session, "NCT06599346")
        missing = get_trial_summary(session, "NCT00000000")
    assert len(summaries) == 5 and all(isinstance(s, TrialSummary) for s in summaries)
    assert [s.nct_id for s in recruiting] == ["NCT06599346"]
    assert single.min_age_years == 18 and single.sex == "ALL" and single.phases == ()
    assert single.sites[0].city == "Chengdu" and single.sites[0].status == "RECRUITING"
    assert single.url == "https://clinicaltrials.gov/study/NCT06599346"
    assert missing is None


# A stand-in compiler that only splits lines: it checks the service's wiring (what is
# stored, when a trial counts as stale) independently of the real compiler's output.
def _line_compiler(text: str | None, facts: TrialFacts | None = None) -> RuleSet:
    lines = [line.strip("*- ") for line in (text or "").splitlines() if line.strip("*- ")]
    return RuleSet(
        compiler_version="line-1",
        facts=facts or TrialFacts(),
        criteria=[Criterion(id=f"c-{i}", kind="inclusion", text=line) for i, line in enumerate(lines, 1)],
        warnings=[] if text else ["no eligibility text"],
    )


@pytest.fixture
def line_compiler(monkeypatch):
    monkeypatch.setattr(rules, "compile_eligibility", _line_compiler)
    monkeypatch.setattr(rules, "COMPILER_VERSION", "line-1")


def test_rules_are_stored_at_import_and_recompiled_only_when_stale(session_factory, line_compiler, monkeypatch):
    report = load_demo(session_factory)
    assert report.compiled == 5  # the empty-criteria trial gets an (empty) rule set too
    with session_factory() as session:
        summaries = {s.nct_id: s for s in load_trial_summaries(session)}
    assert summaries["LOCAL-RIOM-0001"].rules.criteria == []
    assert summaries["LOCAL-RIOM-0001"].rules.warnings == ["no eligibility text"]
    assert summaries["NCT06536712"].rules.facts.max_age_years == 75

    assert rules.recompile_stale(session_factory).compiled == 0
    monkeypatch.setattr(rules, "COMPILER_VERSION", "line-2")
    assert rules.recompile_stale(session_factory).compiled == 5
    assert rules.recompile_stale(session_factory).skipped == 5


def test_rules_endpoint_reports_staleness(make_client, db_url, line_compiler, monkeypatch):
    client = make_client(db_url)
    body = client.get("/v1/trials/NCT06599346/rules").json()
    assert body["compiler_version"] == "line-1" and body["stale"] is False
    assert body["ruleset"]["criteria"][0]["text"] == "Inclusion Criteria:"
    monkeypatch.setattr(rules, "COMPILER_VERSION", "line-2")
    assert client.get("/v1/trials/NCT06599346/rules").json()["stale"] is True


def test_a_compiler_failure_does_not_fail_the_import(session_factory, monkeypatch):
    def broken(text, facts=None):
        raise RuntimeError("compiler bug")

    monkeypatch.setattr(rules, "compile_eligibility", broken)
    monkeypatch.setattr(rules, "COMPILER_VERSION", "broken-1")
    report = load_demo(session_factory)
    assert report.inserted == 5 and report.compiled == 0 and len(report.compile_failures) == 5


def test_access_log_drops_query_strings():
    from app.main import RedactQueryString

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/v1/trials?age=67&sex=female", "1.1", 200), None,
    )
    RedactQueryString().filter(record)
    assert "age=67" not in record.getMessage() and "/v1/trials?" in record.getMessage()
