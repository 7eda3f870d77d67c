"""Criteria about what the patient says nothing of are unknown without being decided.

``matching.silent_kinds`` lets judging skip a criterion whose atoms are all of kinds the
patient lists nothing of (or, for their own conditions, name only concepts no listed
condition names or denies). These tests hold the shortcut to the outcomes deciding every
criterion gives, on the seed trials compiled by the real compiler and on hand-built
trials, for profiles that list, deny, answer or omit each kind; and check that it is
taken (the skipped atom is never judged) and not taken when the patient speaks.
"""

import datetime as dt

import pytest

from criteria_rules.ir import ConditionAtom, LabAtom, MedicationAtom, atom
from matching import outcomes, silent_kinds
from matching.facts import _SILENT_FINDINGS, PatientFacts, atom_number, evaluate_atom
from matching.outcomes import judge_trial, trial_plans
from matching.profile import PatientProfile
from matching.trial import TrialSummary
from test_matching_compiled import SEED_IDS, _summary
from test_matching_outcomes import NESTED, TRIALS, assert_same_as_full_evaluation, crit, rules

AS_OF = dt.date(2025, 6, 1)

STEROIDS = TrialSummary(nct_id="NCT00000201", overall_status="RECRUITING", rules=rules(
    crit("exc-1", "exclusion", "Systemic corticosteroids", expr=None),
    crit("exc-2", "exclusion", "On systemic corticosteroids", atom(MedicationAtom(concept="corticosteroid"))),
    crit("exc-3", "exclusion", "Known HIV infection", atom(ConditionAtom(concept="hiv"))),
))

PROFILES = [
    {},
    {"age_years": 50, "sex": "male"},
    {"age_years": 50, "conditions": [{"text": "asthma"}]},
    {"age_years": 40, "sex": "female", "conditions": [{"text": "oral mucositis"}, {"text": "HIV infection"}]},
    {"age_years": 40, "conditions": [{"text": "hepatitis", "present": False}]},
    {"age_years": 40, "conditions": [{"text": "breast cancer", "family": True}]},
    {"age_years": 40, "conditions": [{"text": "asthma"}], "answers": {"q:condition:hiv": "yes"}},
    {"age_years": 40, "answers": {"q:medication:corticosteroid": "yes", "q:allergy:penicillin": "no"}},
    {"age_years": 62, "medications": [{"text": "prednisone", "dose": 10, "unit": "mg", "frequency": "daily"}]},
    {"age_years": 62, "labs": [{"analyte": "albumin", "value": 28, "unit": "g/L"}]},
    {"age_years": 62, "allergies": [{"text": "drug allergies", "present": False}]},
    {"age_years": 30, "procedures": [{"text": "allogeneic stem cell transplant", "date": "2023-05-01"}]},
    {"age_years": 55, "ecog": 1, "can_consent": True, "will_comply": False, "life_expectancy_months": 6},
    {"age_years": 55, "karnofsky": 80, "in_other_trial": False},
    {"age_years": 55, "last_trial_participation": "2025-03-01", "answers": {"q:consent": "yes",
                                                                            "q:performance:ecog": 2}},
    {"age_years": 55, "answers": {"q:life_expectancy": 2, "q:trial_participation": "no", "q:compliance": "yes",
                                  "q:lab:albumin": "2.5 g/dL", "q:procedure:hsct": "yes"}},
    {"age_years": 40, "medications": [{"text": "metformin"}], "procedures": [{"text": "appendectomy"}],
     "labs": [{"analyte": "platelets", "value": 150, "unit": "10^9/L"}]},
    # a low hemoglobin derives a condition (anemia): conditions are listed then
    {"age_years": 62, "sex": "female", "labs": [{"analyte": "hemoglobin", "value": 8.9, "unit": "g/dL"}]},
]


def _judged(trials, profile, *, shortcut: bool):
    facts = PatientFacts(profile, AS_OF)
    if not shortcut:
        facts.quiet_kinds = None  # decide every criterion
    return [judge_trial(trial, facts) for trial in trials], facts


@pytest.fixture(scope="module")
def seed_trials():
    return [_summary(nct_id) for nct_id in SEED_IDS]


@pytest.mark.parametrize("profile", [PatientProfile(**p) for p in PROFILES], ids=[str(n) for n in range(len(PROFILES))])
def test_the_shortcut_gives_what_deciding_every_criterion_gives(profile, seed_trials):
    trials = seed_trials + TRIALS + [STEROIDS]
    fast, facts = _judged(trials, profile, shortcut=True)
    slow, slow_facts = _judged(trials, profile, shortcut=False)
    assert fast == slow
    # what the shortcut memoises is what deciding gives
    assert all(slow_facts.outcomes.get(key, outcome) == outcome for key, outcome in facts.outcomes.items())
    assert_same_as_full_evaluation(trials, profile)


def _atom_judged(profile: PatientProfile, concept_atom) -> tuple[str, bool]:
    """The verdict of STEROIDS and whether judging it judged ``concept_atom``'s meaning
    (rather than finding it silent by kind or concept)."""
    judged = []

    def judging(atom, facts, number=None):
        judged.append(atom_number(atom))
        return evaluate_atom(atom, facts, number)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outcomes, "evaluate_atom", judging)
        verdict = judge_trial(STEROIDS, PatientFacts(profile, AS_OF)).verdict
    return verdict, atom_number(concept_atom) in judged


def test_a_kind_the_patient_lists_nothing_of_is_not_judged():
    steroid, hiv = MedicationAtom(concept="corticosteroid"), ConditionAtom(concept="hiv")
    assert _atom_judged(PatientProfile(age_years=40), steroid) == ("possibly_eligible", False)
    assert _atom_judged(PatientProfile(age_years=40), hiv) == ("possibly_eligible", False)
    # listed items that name something else: still unknown, not judged
    assert _atom_judged(PatientProfile(conditions=[{"text": "asthma"}]), hiv) == ("possibly_eligible", False)
    assert _atom_judged(PatientProfile(medications=[{"text": "metformin"}]), steroid) == ("possibly_eligible", False)


def test_what_the_patient_says_is_judged():
    steroid, hiv = MedicationAtom(concept="corticosteroid"), ConditionAtom(concept="hiv")
    on_prednisone = PatientProfile(medications=[{"text": "prednisone"}])
    assert _atom_judged(on_prednisone, steroid) == ("ineligible", True)
    answered = PatientProfile(answers={"q:medication:corticosteroid": "yes"})
    assert _atom_judged(answered, steroid) == ("ineligible", True)
    assert _atom_judged(PatientProfile(conditions=[{"text": "HIV infection"}]), hiv) == ("ineligible", True)
    denied = PatientProfile(conditions=[{"text": "HIV", "present": False}])
    assert _atom_judged(denied, hiv)[1]
    assert _atom_judged(PatientProfile(answers={"q:condition:hiv": "no"}), hiv)[1]


def test_no_shortcut_for_a_complete_record_or_answers_to_a_trials_criteria():
    note = PatientProfile(absent_means_no=True, record_text="Asthma.", conditions=[{"text": "asthma"}])
    assert PatientFacts(note, AS_OF).quiet_kinds is None
    answered = PatientProfile(answers={"q:criterion:NCT00000201:exc-3": "no"})
    assert PatientFacts(answered, AS_OF).quiet_kinds is None


def test_a_criterions_kinds_cover_its_sub_criteria():
    nested = {p.criterion_id: p for p in trial_plans(NESTED, PatientFacts(PatientProfile(), AS_OF))}
    assert nested["inc-1"].kinds & silent_kinds.LOUD  # age, in a sub-criterion
    assert nested["inc-1"].kinds & silent_kinds.atom_kind(MedicationAtom(concept="x")) == 0
    albumin = LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL")
    assert nested["exc-2"].kinds == silent_kinds.atom_kind(albumin) != silent_kinds.LOUD


def test_what_judging_finds_silent_is_memoised_as_evaluate_atom_finds_it():
    """The page and the question vote read the findings of atoms judging skipped: the memo
    holds what evaluate_atom gives them (the finding kept for silence)."""
    steroid = MedicationAtom(concept="corticosteroid")
    evaluate_atom(steroid, PatientFacts(PatientProfile(), AS_OF))  # a meaning seen silent once
    facts = PatientFacts(PatientProfile(age_years=40, conditions=[{"text": "asthma"}]), AS_OF)
    judge_trial(STEROIDS, facts)
    number = atom_number(steroid)
    assert facts.memo[number] is _SILENT_FINDINGS[number]
    assert evaluate_atom(steroid, PatientFacts(facts.profile, AS_OF)) is facts.memo[number]
