"""What keeps a worker's catalog small, checked for staying exact: packed RuleSets parse
back to equal ones and hold no parsed RuleSet alive, the catalog packs each distinct
RuleSet once, plans share one atom object per meaning, and the flat-array BM25 index scores
as the textbook formula does."""

from __future__ import annotations

import datetime as dt
import gc
import math
import pickle
import weakref
from collections import Counter

import pytest

from app.catalog import TrialCatalog
from app.importer import import_records
from app.match_service import match_profile
from app.rules import compiler_available
from app.sources import SourceRecord
from criteria_rules.ir import LabAtom, RuleSet
from matching import outcomes, packed_rules
from matching.engine import match_trials
from matching.facts import atom_number
from matching.packed_rules import PackedRules, has_criteria, rules_of
from matching.profile import PatientProfile
from matching.text_relevance import TermIndex, inclusion_side, terms
from matching.trial import TrialSummary

CRITERIA = ("Inclusion Criteria:\n\n* Age 18 years or older\n* Oral mucositis grade 2 or more\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n* Platelets below 50,000/uL")
OTHER = CRITERIA + "\n* HIV infection"
AS_OF = dt.date(2026, 1, 1)


def _compiled(text: str) -> RuleSet:
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    from criteria_rules import compile_eligibility
    from criteria_rules.ir import TrialFacts

    return compile_eligibility(text, TrialFacts(min_age_years=18))


@pytest.fixture(scope="module")
def ruleset_json() -> str:
    return _compiled(CRITERIA).model_dump_json()


def test_a_packed_ruleset_parses_back_equal_and_is_parsed_once_while_recent(ruleset_json):
    fresh = RuleSet.model_validate_json(ruleset_json)
    packed = PackedRules.pack(fresh, ruleset_json)
    assert packed.packed_size < len(ruleset_json) / 2
    assert packed.parse() == fresh and packed.parse() is not packed.parse()
    assert packed.load() == fresh and packed.load() is packed.load()  # kept while recently read
    assert packed == PackedRules.pack(fresh, ruleset_json) and hash(packed) == hash(PackedRules.pack(fresh, ruleset_json))
    assert packed == PackedRules.pack(fresh) or packed.parse() == PackedRules.pack(fresh).parse()
    assert pickle.loads(pickle.dumps(packed)) == packed
    assert packed.has_criteria and not PackedRules.pack(RuleSet(compiler_version="test")).has_criteria
    trial = TrialSummary(nct_id="NCT09000001", rules=packed)
    assert rules_of(trial) is packed.load() and has_criteria(trial)
    assert rules_of(TrialSummary(nct_id="NCT09000002", rules=fresh)) is fresh  # a trial may hold it parsed
    assert rules_of(TrialSummary(nct_id="NCT09000003")) is None and not has_criteria(TrialSummary(nct_id="NCT09000003"))


def test_recently_read_rulesets_are_bounded():
    recent = packed_rules._RecentlyParsed(2)
    packs = [PackedRules.pack(RuleSet(compiler_version="test", warnings=[str(n)])) for n in range(3)]
    first = recent.get(packs[0])
    recent.get(packs[1])
    assert recent.get(packs[0]) is first  # still among the last two
    recent.get(packs[2])  # pushes out packs[1], the least recently read
    kept = weakref.ref(recent.get(packs[1]))
    assert recent.get(packs[1]) is kept() and recent.get(packs[0]) is not first
    recent.resize(0)  # ELIGO_PARSED_RULESETS_KEPT=0: every read parses
    assert recent.get(packs[2]) is not recent.get(packs[2])
    with pytest.raises(ValueError):
        recent.resize(-1)


def test_a_trial_explained_from_packed_rules_reads_as_from_its_ruleset():
    rules = _compiled(OTHER)
    plain = TrialSummary(nct_id="NCT09000001", brief_title="Mucositis", overall_status="RECRUITING", rules=rules)
    packed = TrialSummary(nct_id="NCT09000001", brief_title="Mucositis", overall_status="RECRUITING",
                          rules=PackedRules.pack(rules))
    for profile in (PatientProfile(age_years=40, sex="female", conditions=[{"text": "oral mucositis"}]),
                    PatientProfile(age_years=30, sex="female", pregnant=True),
                    PatientProfile(age_years=16)):
        one, other = (match_trials(profile, [trial], as_of=AS_OF, query_text="oral mucositis")
                      for trial in (plain, packed))
        assert one.model_dump() == other.model_dump()


def test_plans_hold_one_atom_object_per_meaning_and_atoms_are_not_pinned_by_their_number():
    first, second = _compiled(CRITERIA), _compiled(OTHER)
    atoms_of = [{node[1]: node[2] for plan in outcomes.plan_rules(rules) if plan.expr
                 for node in [plan.expr] if node[0] == outcomes._ATOM} for rules in (first, second)]
    shared = atoms_of[0].keys() & atoms_of[1].keys()
    assert shared and all(atoms_of[0][n] is atoms_of[1][n] for n in shared)

    lab = LabAtom(analyte="albumin", comparator="<", value=2.9, unit="g/dL", text="albumin < 2.9 g/dL")
    number = atom_number(lab)
    again = weakref.ref(lab)
    del lab
    gc.collect()
    assert again() is None  # numbering it did not keep it alive
    assert atom_number(LabAtom(analyte="albumin", comparator="<", value=2.9, unit="g/dL")) == number


def _parsed_rulesets() -> set[int]:
    return {id(o) for o in gc.get_objects() if isinstance(o, RuleSet)}


def test_the_catalog_packs_each_distinct_ruleset_once_and_keeps_none_parsed(session_factory, make_study,
                                                                              monkeypatch):
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    import_records(session_factory, [SourceRecord(f"t{i}", make_study(f"NCT0900000{i}", criteria=text))
                                     for i, text in enumerate([CRITERIA, CRITERIA, OTHER, CRITERIA, OTHER], 1)])
    packed = []
    real = PackedRules.pack.__func__
    monkeypatch.setattr(PackedRules, "pack", classmethod(lambda cls, *a: packed.append(a) or real(cls, *a)))
    import app.catalog

    monkeypatch.setattr(app.catalog, "LOAD_CHUNK", 2)  # inputs met again in later chunks are not re-read
    gc.collect()
    before = _parsed_rulesets()

    snapshot = TrialCatalog(session_factory).current()

    assert len(packed) == 2
    rules = {nct_id: trial.rules for nct_id, trial in snapshot.by_id.items()}
    assert all(isinstance(r, PackedRules) for r in rules.values())
    assert rules["NCT09000001"] is rules["NCT09000002"] is rules["NCT09000004"]
    assert rules["NCT09000003"] is rules["NCT09000005"] is not rules["NCT09000001"]
    packed_rules._recent.clear()
    gc.collect()
    assert _parsed_rulesets() - before == set()  # plans, subjects and terms keep no RuleSet alive
    result = match_profile(snapshot, PatientProfile(age_years=40, conditions=[{"text": "oral mucositis"}]),
                           as_of=AS_OF, statuses=["RECRUITING", "COMPLETED", "UNKNOWN"])
    assert {t.nct_id for t in result.trials} == set(rules) and all(t.criteria for t in result.trials)


def test_a_reload_reuses_the_previous_snapshots_rulesets(session_factory, make_study, monkeypatch):
    """While a reload runs, the old and the new snapshot are both alive: trials whose rules
    did not change (a newer registry record with the same criteria) keep the very same
    packed RuleSets (and so their plans) instead of a second copy; a changed text is packed
    anew, and a RuleSet no trial uses any more leaves the snapshot's table."""
    if not compiler_available():
        pytest.skip("the criteria compiler is not installed")
    import_records(session_factory, [SourceRecord("a", make_study("NCT09000001", criteria=CRITERIA)),
                                     SourceRecord("b", make_study("NCT09000002", criteria=OTHER))])
    catalog = TrialCatalog(session_factory, check_seconds=0)
    before = catalog.current()
    old_rules = {nct_id: trial.rules for nct_id, trial in before.by_id.items()}
    assert {id(r) for r in before.rulesets.values()} == {id(r) for r in old_rules.values()}

    packed = []
    real = PackedRules.pack.__func__
    monkeypatch.setattr(PackedRules, "pack", classmethod(lambda cls, *a: packed.append(a) or real(cls, *a)))
    changed_text = CRITERIA + "\n* Active hepatitis B"
    import_records(session_factory, [  # both records newer: both trials reload
        SourceRecord("a2", make_study("NCT09000001", criteria=CRITERIA, updated="2024-06-01", title="Renamed")),
        SourceRecord("b2", make_study("NCT09000002", criteria=changed_text, updated="2024-06-01"))])
    after = catalog.refresh()

    assert after.version > before.version
    assert after.get("NCT09000001").brief_title == "Renamed"  # the trial itself was re-read
    assert after.get("NCT09000001").rules is old_rules["NCT09000001"]  # its rules were not
    assert after.get("NCT09000002").rules is not old_rules["NCT09000002"]
    assert len(packed) == 1  # only the changed text's RuleSet
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
