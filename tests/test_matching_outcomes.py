"""The fast path of matching gives exactly what the full evaluation gives.

``matching.outcomes`` judges every candidate on outcomes alone (compiled plans, findings
memoised by atom number, outcomes by criterion shape); ``matching.evaluate`` explains
the trials a response shows. These tests hold the two to the same outcomes, verdicts
and settled shares, and check that the caches behind the fast path never change a
result: a cold run, a warm run and a run after clearing every cache agree, and the
engine's ranking equals one built from full evaluations of every trial.
"""

import datetime as dt
import json

import pytest

from criteria_rules.ir import (
    AgeAtom, Criterion, LabAtom, PregnancyAtom, ProcedureAtom, RuleSet, SexAtom, atom, any_of, not_,
)
from matching import facts as facts_module
from matching import outcomes, relevance, units
from matching.engine import match_trials
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts, atom_key, atom_number
from matching.outcomes import criterion_outcome, judge_trial, top_outcome, trial_plans
from matching.profile import PatientProfile
from matching.rank import failures_of, score_parts, silent_requirements_of, sort_key
from matching.relevance import patient_topics
from matching.text_relevance import TermIndex, profile_query
from matching.trial import TrialSummary
from matching.trial_subject import Subject
from test_matching_scenarios import ADULT_RIOM, CHILD_LUNG, HSCT_MUCOSITIS, RECTAL

AS_OF = dt.date(2025, 6, 1)


def crit(id, kind, text, expr=None, status="compiled", **kw):
    return Criterion(id=id, kind=kind, text=text, expr=expr, status=status, **kw)


def rules(*criteria):
    return RuleSet(compiler_version="hand", criteria=list(criteria))


# Trials exercising every branch: children (any/all), applies_if, unsupported parents,
# unit conversion, and two trials sharing one criterion shape under different ids.
NESTED = TrialSummary(nct_id="NCT00000101", overall_status="RECRUITING", conditions=("Asthma",), rules=rules(
    crit("inc-1", "inclusion", "Meeting 1 of the following:", combine="any", children=[
        crit("inc-1.1", "inclusion", "Aged 65 or older", atom(AgeAtom(min_years=65))),
        crit("inc-1.2", "inclusion", "Prior HSCT", atom(ProcedureAtom(concept="hsct"))),
    ]),
    crit("inc-2", "inclusion", "All of:", status="unsupported", combine="all", children=[
        crit("inc-2.1", "inclusion", "Male", atom(SexAtom(sex="male"))),
        crit("exc-x", "exclusion", "Pregnant", atom(PregnancyAtom()), applies_if=atom(SexAtom(sex="female"))),
    ]),
    crit("exc-1", "exclusion", "Women who are pregnant", atom(PregnancyAtom()),
         applies_if=atom(SexAtom(sex="female"))),
    crit("exc-2", "exclusion", "Albumin below 3 g/dL", atom(LabAtom(analyte="albumin", comparator="<", value=3,
                                                                     unit="g/dL"))),
    crit("exc-3", "exclusion", "Not an adult", not_(atom(AgeAtom(min_years=18)))),
    crit("inc-3", "inclusion", "Something we cannot read", status="unsupported"),
))
TWIN = TrialSummary(nct_id="NCT00000102", overall_status="RECRUITING", min_age_years=18, sex="FEMALE",
                    healthy_volunteers=False, rules=rules(
    crit("exc-9", "exclusion", "Pregnancy (same shape as NCT00000101 exc-1)", atom(PregnancyAtom()),
         applies_if=atom(SexAtom(sex="female"))),
    crit("inc-9", "inclusion", "Prior HSCT or age 65+", any_of(atom(ProcedureAtom(concept="hsct")),
                                                             atom(AgeAtom(min_years=65)))),
))
NO_RULES = TrialSummary(nct_id="NCT00000103", overall_status="RECRUITING", min_age_years=18)

TRIALS = [HSCT_MUCOSITIS, RECTAL, CHILD_LUNG, ADULT_RIOM, NESTED, TWIN, NO_RULES]

PROFILES = [
    {},
    {"age_years": 40, "sex": "female"},
    {"age_years": 70, "sex": "male", "procedures": [{"text": "HSCT"}]},
    {"age_years": 10, "sex": "male", "conditions": [{"text": "asthma"}]},
    {"age_years": 31, "sex": "female", "pregnant": True, "conditions": [{"text": "oral mucositis"}],
     "procedures": [{"text": "allogeneic stem cell transplant", "date": "2023-05-01"}]},
    {"age_years": 62, "sex": "male", "labs": [{"analyte": "albumin", "value": 28, "unit": "g/L"}],
     "medications": [{"text": "prednisone", "dose": 10, "unit": "mg", "frequency": "daily"}]},
    {"age_years": 50, "sex": "female", "absent_means_no": True, "conditions": [{"text": "hepatitis",
                                                                              "present": False}]},
    {"age_years": 25, "sex": "male", "healthy_volunteer": True},
    {"age_years": 45, "sex": "female", "answers": {"q:pregnancy": "no", "q:consent": "yes",
                                                   "q:criterion:NCT00000101:exc-1": "yes",
                                                   "q:criterion:NCT00000101:inc-1.2": "no",
                                                   "q:criterion:NCT06536712:exc-1": "no"}},
]


def _profiles():
    return [PatientProfile(**p) for p in PROFILES]


def _detailed_outcomes(criteria):
    return [(c.outcome, _detailed_outcomes(c.children)) for c in criteria]


def _fast_outcomes(plans, nct_id, facts):
    return [(criterion_outcome(p, nct_id, facts), _fast_outcomes(p.children, nct_id, facts)) for p in plans]


def _fast_trial_outcomes(trial, facts):
    """Top-level criteria as judged in their trial (the trial-subject rule), sub-criteria as such."""
    subject = Subject(trial, facts)
    return [(top_outcome(p, trial.nct_id, facts, subject), _fast_outcomes(p.children, trial.nct_id, facts))
            for p in trial_plans(trial, facts)]


def assert_same_as_full_evaluation(trials, profile):
    fast_facts, full_facts = PatientFacts(profile, AS_OF), PatientFacts(profile, AS_OF)
    for trial in trials:
        full = evaluate_trial_detailed(trial, full_facts)
        fast = judge_trial(trial, fast_facts)
        assert (fast.verdict, fast.settled_share) == (full.verdict, full.summary.settled_share), trial.nct_id
        assert (fast.confident_failures, fast.doubtful_failures) == failures_of(full.criteria), trial.nct_id
        assert fast.silent_requirements == silent_requirements_of(full.criteria), trial.nct_id
        assert _fast_trial_outcomes(trial, fast_facts) == _detailed_outcomes(full.criteria), trial.nct_id


@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_outcomes_equal_the_full_evaluation(profile):
    assert_same_as_full_evaluation(TRIALS, profile)


def test_an_answer_to_one_trials_criterion_does_not_leak_to_a_trial_sharing_its_shape():
    profile = PatientProfile(age_years=45, sex="female", answers={"q:criterion:NCT00000101:exc-1": "yes"})
    facts = PatientFacts(profile, AS_OF)
    nested = dict(zip((p.criterion_id for p in trial_plans(NESTED, facts)),
                      (criterion_outcome(p, NESTED.nct_id, facts) for p in trial_plans(NESTED, facts))))
    twin = dict(zip((p.criterion_id for p in trial_plans(TWIN, facts)),
                    (criterion_outcome(p, TWIN.nct_id, facts) for p in trial_plans(TWIN, facts))))
    assert nested["exc-1"] == "met"  # answered for this trial
    assert twin["exc-9"] == "unknown"  # same shape, not answered for this one
    assert judge_trial(NESTED, facts).verdict == "ineligible"


# --- the caches never change a result ----------------------------------------------------------------


def clear_matching_caches():
    facts_module._NUMBER_BY_ATOM.clear()
    facts_module._NUMBER_BY_KEY.clear()
    facts_module._SILENT_FINDINGS.clear()
    outcomes._PLANS.clear()
    outcomes._SHAPES.clear()
    outcomes._registry_plans.cache_clear()
    for trial in TRIALS:  # plans, subject, topics and terms kept on each trial
        trial.derived.clear()
    units._convert_cached.cache_clear()


def _match_json(profile, trials):
    result = match_trials(profile, trials, as_of=AS_OF, limit=len(trials), max_questions=20,
                          statuses=("RECRUITING", "NOT_YET_RECRUITING", "UNKNOWN"))
    return json.loads(result.model_dump_json())


@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_results_are_identical_cold_warm_and_after_clearing_caches(profile):
    clear_matching_caches()
    cold = _match_json(profile, TRIALS)
    warm = _match_json(profile, TRIALS)
    clear_matching_caches()
    cleared = _match_json(profile, TRIALS)
    assert cold == warm == cleared


def test_clearing_caches_mid_way_never_reuses_a_number():
    first = atom_number(PregnancyAtom())
    clear_matching_caches()
    second = atom_number(SexAtom(sex="female"))
    assert second != first


def test_atoms_with_the_same_meaning_share_a_number():
    a = LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL", text="albumin < 3 g/dL")
    b = LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL", text="serum albumin under 3 g/dL")
    c = LabAtom(analyte="albumin", comparator="<", value=2.5, unit="g/dL")
    assert atom_key(a) == atom_key(b)
    assert atom_number(a) == atom_number(b) != atom_number(c)


@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_engine_ranking_equals_ranking_by_full_evaluation(profile):
    """The engine explains only its page; its order must be the order full evaluations give."""
    result = match_trials(profile, TRIALS, as_of=AS_OF, limit=len(TRIALS),
                          statuses=("RECRUITING", "NOT_YET_RECRUITING", "UNKNOWN"),
                          include_healthy_volunteer_trials=True)
    shown = {t.nct_id for t in result.trials}
    facts, topics = PatientFacts(profile, AS_OF), patient_topics(profile)
    text = TermIndex(TRIALS).relevance_of(TRIALS, profile_query(profile))
    reference = []
    for trial in TRIALS:
        if trial.nct_id not in shown:
            continue  # filtered out before evaluation (age, sex, distance)
        full = evaluate_trial_detailed(trial, facts)
        confident, doubtful = failures_of(full.criteria)
        score = score_parts(full.verdict, relevance.relevance(trial, topics), full.summary.settled_share, None,
                            text_relevance=text[trial.nct_id], confident_failures=confident,
                            doubtful_failures=doubtful, silent_requirements=silent_requirements_of(full.criteria))
        reference.append((sort_key(score, trial.nct_id), trial.nct_id, full.verdict, full.summary))
    reference.sort()
    assert [(t.nct_id, t.verdict, t.summary) for t in result.trials] == [r[1:] for r in reference]


# --- the real corpus ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_sample(shared_file):
    """Sixty real trials from the msc corpus, compiled by the real compiler."""
    from criteria_rules import compile_many
    from criteria_rules.ir import TrialFacts

    lines = shared_file("data/ctgov/msc-trials.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines[::25] if line.strip()][:60]
    studies = []
    for record in records:
        ps = record["protocolSection"]
        studies.append((ps["identificationModule"]["nctId"],
                        ps.get("eligibilityModule", {}).get("eligibilityCriteria"),
                        ps.get("eligibilityModule", {}).get("sex", "ALL")))
    compiled = compile_many([(text, TrialFacts()) for _, text, _ in studies])
    return [TrialSummary(nct_id=nct_id, overall_status="RECRUITING", sex=sex, rules=ruleset)
            for (nct_id, _, sex), ruleset in zip(studies, compiled)]


@pytest.mark.corpus
@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_outcomes_equal_the_full_evaluation_on_compiled_trials(corpus_sample, profile):
    assert_same_as_full_evaluation(corpus_sample, profile)


# An exclusion with applies_if and a nested any/not over atoms: a general criterion without
# children, decided by one pass over its atoms when all of them are unknown.
MIXED = TrialSummary(nct_id="NCT00000104", overall_status="RECRUITING", rules=rules(
    crit("exc-1", "exclusion", "Women with prior HSCT, or under 18, or albumin below 3 g/dL",
         any_of(atom(ProcedureAtom(concept="hsct")), not_(atom(AgeAtom(min_years=18))),
                atom(LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL")),
                atom(ProcedureAtom(concept="hsct"))),
         applies_if=atom(SexAtom(sex="female"))),
))


def test_a_criterion_whose_atoms_are_all_unknown_is_decided_from_its_atoms_alone():
    plan = trial_plans(MIXED, PatientFacts(PatientProfile(), AS_OF))[0]
    # applies_if's atom first, then the expression's in walk order, each meaning once
    assert [atom.type for _, atom in plan.atoms] == ["sex", "procedure", "age", "lab"]
    silent = PatientFacts(PatientProfile(), AS_OF)
    assert criterion_outcome(plan, MIXED.nct_id, silent) == "unknown"
    for profile in (PatientProfile(), PatientProfile(sex="female"), PatientProfile(sex="male"),
                    PatientProfile(sex="female", age_years=15),
                    PatientProfile(age_years=40, labs=[{"analyte": "albumin", "value": 2.5, "unit": "g/dL"}]),
                    PatientProfile(sex="female", age_years=40, procedures=[{"text": "HSCT"}])):
        assert_same_as_full_evaluation([MIXED], profile)
    assert judge_trial(MIXED, PatientFacts(PatientProfile(sex="female", age_years=15), AS_OF)).verdict == "ineligible"
