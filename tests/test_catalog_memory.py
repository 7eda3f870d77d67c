"""What keeps a worker's catalog small, checked for staying exact: compacted RuleSets are
equal to freshly parsed ones and fail loudly when written to, the catalog parses each distinct RuleSet
once, and the flat-array BM25 index scores as the textbook formula does."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import math
import pickle
import weakref
from collections import Counter

import pytest

import app.catalog
from app.catalog import TrialCatalog
from app.importer import import_records
from app.match_service import match_profile
from app.rules import compiler_available
from app.ruleset_sharing import SharedFieldNames, compact_ruleset
from app.sources import SourceRecord
from criteria_rules.ir import RuleSet
from matching import outcomes
from matching.profile import PatientProfile
from matching.text_relevance import TermIndex, inclusion_side, terms
from matching.trial import TrialSummary

CRITERIA = ("Inclusion Criteria:\n\n* Age 18 years or older\n* Oral mucositis grade 2 or more\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n* Platelets below 50,000/uL")


@pytest.fixture(scope="module")
def ruleset_json() -> str:
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    from criteria_rules import compile_eligibility
    from criteria_rules.ir import TrialFacts

    return compile_eligibility(CRITERIA, TrialFacts(min_age_years=18)).model_dump_json()


def test_a_compacted_ruleset_is_equal_and_dumps_the_same(ruleset_json):
    fresh = RuleSet.model_validate_json(ruleset_json)
    compacted = compact_ruleset(RuleSet.model_validate_json(ruleset_json))
    assert compacted == fresh
    assert compacted.model_dump_json() == fresh.model_dump_json()
    assert compacted.model_dump(exclude_unset=True) == fresh.model_dump(exclude_unset=True)
    assert copy.deepcopy(compacted) == fresh and pickle.loads(pickle.dumps(compacted)) == fresh


def test_compacted_rulesets_share_their_field_sets_and_refuse_changes(ruleset_json):
    first = compact_ruleset(RuleSet.model_validate_json(ruleset_json))
    second = compact_ruleset(RuleSet.model_validate_json(ruleset_json))
    assert isinstance(first.__pydantic_fields_set__, SharedFieldNames)
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    assert first.criteria[0].__pydantic_fields_set__ is second.criteria[0].__pydantic_fields_set__
    changed = first.criteria[0].model_copy(update={"text": "changed"})  # the way to change one
    assert changed.text == "changed" and first == second
    with pytest.raises(TypeError, match="read-only"):  # a bug that writes to a shared RuleSet is loud
        first.criteria[0].text = "changed"
    # equal string lists and empty lists are one shared, read-only list
    assert first.criteria[0].outline == ["Inclusion Criteria"]
    assert first.criteria[0].outline is second.criteria[1].outline is second.criteria[0].outline
    assert first.criteria[0].children == [] and first.criteria[0].children is second.criteria[2].children
    with pytest.raises(TypeError, match="read-only"):
        first.criteria[0].children.append(first.criteria[1])
    with pytest.raises(TypeError, match="read-only"):
        first.criteria[0].outline[0] = "changed"
    copied = first.model_copy(deep=True)  # a deep copy is private and can change
    copied.criteria[0].outline.append("Adults")
    assert first.criteria[0].outline == ["Inclusion Criteria"]


def test_the_catalog_parses_each_distinct_ruleset_once(session_factory, make_study, monkeypatch):
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    other = CRITERIA + "\n* HIV infection"
    import_records(session_factory, [SourceRecord(f"t{i}", make_study(f"NCT0900000{i}", criteria=text))
                                     for i, text in enumerate([CRITERIA, CRITERIA, other, CRITERIA, other], 1)])
    parsed = []
    real = app.catalog.compact_ruleset
    monkeypatch.setattr(app.catalog, "compact_ruleset", lambda ruleset: parsed.append(ruleset) or real(ruleset))
    monkeypatch.setattr(app.catalog, "LOAD_CHUNK", 2)  # inputs met again in later chunks are not re-read

    snapshot = TrialCatalog(session_factory).current()

    assert len(parsed) == 2
    rules = {nct_id: trial.rules for nct_id, trial in snapshot.by_id.items()}
    assert rules["NCT09000001"] is rules["NCT09000002"] is rules["NCT09000004"]
    assert rules["NCT09000003"] is rules["NCT09000005"] is not rules["NCT09000001"]
    assert all(isinstance(r.__pydantic_fields_set__, SharedFieldNames) for r in rules.values())


def test_a_reload_reuses_the_previous_snapshots_rulesets(session_factory, make_study, monkeypatch):
    """While a reload runs, the old and the new snapshot are both alive: trials whose rules
    did not change (a newer registry record with the same criteria) keep the very same
    RuleSet objects instead of a second parsed copy; a changed text is parsed anew, and a
    RuleSet no trial uses any more leaves the snapshot's table."""
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    other = CRITERIA + "\n* HIV infection"
    import_records(session_factory, [SourceRecord("a", make_study("NCT09000001", criteria=CRITERIA)),
                                     SourceRecord("b", make_study("NCT09000002", criteria=other))])
    catalog = TrialCatalog(session_factory, check_seconds=0)
    before = catalog.current()
    old_rules = {nct_id: trial.rules for nct_id, trial in before.by_id.items()}
    assert {id(r) for r in before.rulesets.values()} == {id(r) for r in old_rules.values()}

    parsed = []
    real = app.catalog.compact_ruleset
    monkeypatch.setattr(app.catalog, "compact_ruleset", lambda ruleset: parsed.append(ruleset) or real(ruleset))
    changed_text = CRITERIA + "\n* Active hepatitis B"
    import_records(session_factory, [  # both records newer: both trials reload
        SourceRecord("a2", make_study("NCT09000001", criteria=CRITERIA, updated="2024-06-01", title="Renamed")),
        SourceRecord("b2", make_study("NCT09000002", criteria=changed_text, updated="2024-06-01"))])
    after = catalog.refresh()

    assert after.version > before.version
    assert after.get("NCT09000001").brief_title == "Renamed"  # the trial itself was re-read
    assert after.get("NCT09000001").rules is old_rules["NCT09000001"]  # its RuleSet was not
    assert after.get("NCT09000002").rules is not old_rules["NCT09000002"]
    assert len(parsed) == 1  # only the changed text's RuleSet
    in_use = {id(trial.rules) for trial in after.trials}
    assert len(after.rulesets) == 2 and {id(r) for r in after.rulesets.values()} == in_use
    assert all(id(r) != id(old_rules["NCT09000002"]) for r in after.rulesets.values())



def test_a_trial_a_reload_replaced_is_freed_and_its_successor_comes_prepared(session_factory, make_study):
    """What matching derives from a trial (plans, subject, topics, terms) lives on the trial:
    once a reload has swapped in the new snapshot and a match has run on it, nothing keeps
    the replaced trial objects alive, and the new ones were prepared before serving."""
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    import_records(session_factory, [SourceRecord("a", make_study("NCT09000001", criteria=CRITERIA)),
                                     SourceRecord("b", make_study("NCT09000002", criteria=CRITERIA + "\n* HIV"))])
    catalog = TrialCatalog(session_factory, check_seconds=0)
    profile = PatientProfile(age_years=40, sex="female", conditions=[{"text": "oral mucositis"}])
    match_profile(catalog.current(), profile, as_of=dt.date(2026, 1, 1), query_text="oral mucositis")
    old = weakref.ref(catalog.current().get("NCT09000001"))
    assert {"outcomes", "subject", "topics", "inclusion_terms"} <= set(old().derived)
    old_rules = weakref.ref(catalog.current().get("NCT09000002").rules)
    plans_before = len(outcomes._PLANS)

    import_records(session_factory, [  # a newer record of one trial; the other's text changes
        SourceRecord("a2", make_study("NCT09000001", criteria=CRITERIA, updated="2024-06-01", title="Renamed")),
        SourceRecord("b2", make_study("NCT09000002", criteria=CRITERIA + "\n* HIV infection",
                                      updated="2024-06-01"))])
    after = catalog.refresh()
    fresh = after.get("NCT09000001")
    assert fresh.brief_title == "Renamed" and {"outcomes", "subject", "topics"} <= set(fresh.derived)
    result = match_profile(after, profile, as_of=dt.date(2026, 1, 1), query_text="oral mucositis")
    assert {t.nct_id for t in result.trials} == {"NCT09000001", "NCT09000002"}
    gc.collect()
    assert old() is None
    assert old_rules() is None and len(outcomes._PLANS) == plans_before  # its plans went with it


def _textbook_bm25(trials, query_terms, k1=1.2, b=0.75) -> list[float]:
    docs = [Counter(terms(inclusion_side(t))) for t in trials]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(lengths)
    scores = []
    for doc, length in zip(docs, lengths):
        score = 0.0
        for term in query_terms:
            tf = doc.get(term, 0)
            if tf:
                df = sum(1 for d in docs if term in d)
                idf = math.log((len(docs) - df + 0.5) / (df + 0.5) + 1.0)
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
        scores.append(score)
    return scores


def test_the_flat_array_bm25_index_scores_as_the_formula_does():
    trials = [
        TrialSummary(nct_id="NCT00000001", brief_title="Oral mucositis after stem cell transplant",
                     conditions=("Oral Mucositis",)),
        TrialSummary(nct_id="NCT00000002", brief_title="Asthma in children", conditions=("Asthma", "Asthma")),
        TrialSummary(nct_id="NCT00000003", brief_title="Mucositis and asthma: a transplant registry",
                     brief_summary="Children with asthma after a transplant; mucositis is recorded weekly."),
        TrialSummary(nct_id="NCT00000004"),  # no words at all
    ]
    query = terms("asthma mucositis transplant children")
    got = TermIndex(trials).raw_scores(query)
    expected = _textbook_bm25(trials, query)
    assert got.tolist() == pytest.approx(expected, rel=1e-6)
    assert got[3] == 0 and got[0] > 0 and got[1] > 0
    assert TermIndex([]).raw_scores(query).tolist() == []


def test_a_loaded_catalog_has_planned_its_trials_so_no_request_does(session_factory, make_study, monkeypatch):
    """Planning a trial's criteria costs more than judging them; a worker does it when it
    loads its catalog (``matching.engine.prepare_trials``), not in the first requests."""
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")

    other = CRITERIA + "\n* HIV infection"
    import_records(session_factory, [SourceRecord("a", make_study("NCT09000001", criteria=CRITERIA)),
                                     SourceRecord("b", make_study("NCT09000002", criteria=other))])
    snapshot = TrialCatalog(session_factory).current()
    planned = []
    real = outcomes.plan_criterion
    monkeypatch.setattr(outcomes, "plan_criterion", lambda criterion: planned.append(criterion) or real(criterion))

    for profile in (PatientProfile(age_years=40, sex="female", conditions=[{"text": "oral mucositis"}]),
                    PatientProfile(age_years=30, healthy_volunteer=True)):
        result = match_profile(snapshot, profile, statuses=["RECRUITING", "COMPLETED", "UNKNOWN"])
        assert {t.nct_id for t in result.trials} == {"NCT09000001", "NCT09000002"}

    assert planned == []


def test_shared_values_hand_out_one_object_per_distinct_value_within_their_bound():
    from matching.shared_values import SharedValues

    shared = SharedValues(limit=2)
    first = shared(frozenset({"breast", "cancer"}))
    assert shared(frozenset({"cancer", "breast"})) is first  # an equal value: the kept object
    assert shared(frozenset({"lymphoma"})) is not first
    shared(frozenset({"melanoma"}))  # past the bound the table starts over
    again = frozenset({"breast", "cancer"})
    assert shared(again) is again and first == again
