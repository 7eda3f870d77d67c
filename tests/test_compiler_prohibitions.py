"""Exclusions written as the rule they enforce, and reactions to drugs (quality lane,
session 7). Criteria written for the purpose, compiled by the real compiler and judged for
real profiles or notes read by the real note extractor.

- "Exclusion: patients must not have osteoporosis": the prohibition names what excludes; read
  as a negation, every patient *without* osteoporosis was excluded (TREC 2021 topic 23: "a
  subject may not have used tobacco products within the past one year" excluded a patient
  who "doesn't smoke").
- "History of any adverse reaction to corticosteroid therapy" is an intolerance of the drug,
  not its use: a patient on oral corticosteroids was excluded by it.
"""

from __future__ import annotations

import pytest

from criteria_rules.ir import Not, iter_atoms
from matching.profile import Condition, Medication, PatientProfile
from single_criterion import exclusion_outcome_for_fields, exclusion_outcome_for_note, exclusion_rules, inclusion_rules

NON_SMOKER_NOTE = "A 39-year-old man with asthma. He doesn't smoke or use illicit drugs."
SMOKER_NOTE = "A 39-year-old man with asthma. He smokes a pack of cigarettes a day."


def _negated_top(ruleset) -> bool:
    [criterion] = ruleset.criteria
    return isinstance(criterion.expr, Not)


@pytest.mark.parametrize("text", [
    "A subject may not have used tobacco products within the past one year",
    "Patients must not be current smokers",
    "Subjects should not have smoked tobacco in the last year",
])
def test_a_prohibited_habit_excludes_who_has_it_not_who_has_not(text):
    assert exclusion_outcome_for_note(text, NON_SMOKER_NOTE) == "not_met"
    # (a smoker is excluded, or asked when the rule has a time window the note does not date)
    assert exclusion_outcome_for_note(text, SMOKER_NOTE) in ("met", "unknown")
    assert not _negated_top(exclusion_rules(text))


@pytest.mark.parametrize("text", [
    "Patients must not have diagnosis of osteoporosis",
    "Patients should not have osteoporosis",
])
def test_a_prohibited_disease_excludes_who_has_it(text):
    assert not _negated_top(exclusion_rules(text))
    osteoporosis = {"conditions": [Condition(text="osteoporosis")], "absent_means_no": True}
    assert exclusion_outcome_for_fields(text, **osteoporosis) == "met"
    assert exclusion_outcome_for_fields(text, conditions=[Condition(text="osteoporosis", present=False)],
                                        absent_means_no=True) == "not_met"


def test_an_exclusion_stating_an_absence_keeps_its_negation():
    # "who have not received" describes the excluded patients: those without chemotherapy
    assert _negated_top(exclusion_rules("Patients who have not received prior chemotherapy"))
    assert _negated_top(exclusion_rules("No prior chemotherapy"))


def test_a_negated_description_is_not_a_prohibition():
    # "that may not be corrected" describes the anaemia: its transfusion stays denied
    [criterion] = exclusion_rules("Anaemia that may not be corrected by transfusion").criteria
    denied = [a.concept for node in _nots(criterion.expr) for a in iter_atoms(node.arg)]
    assert denied == ["transfusion"]


def _nots(expr):
    if isinstance(expr, Not):
        yield expr
    for arg in getattr(expr, "args", ()):
        yield from _nots(arg)


def test_a_window_after_examples_belongs_to_the_general_condition():
    text = ("Patients must not have clinically significant cardiovascular disease (including myocardial "
            "infarction, unstable angina, serious uncontrolled cardiac arrhythmia) < 1 year before randomization.")
    [criterion] = exclusion_rules(text).criteria
    [atom] = list(iter_atoms(criterion.expr))
    assert atom.concept == "cardiovascular_disease" and atom.window is not None and atom.window.days == 365
    # a history of coronary disease, undated, may or may not fall in that year
    assert exclusion_outcome_for_note(text, "70-year-old woman with a history of CAD.") == "unknown"


def test_an_inclusions_prohibition_is_still_a_negation():
    assert _negated_top(inclusion_rules("Patients must not have diagnosis of osteoporosis"))


@pytest.mark.parametrize("text", [
    "History of any adverse reaction to any intranasal, inhaled or systemic corticosteroid therapy.",
    "Previous adverse drug reaction to prednisone",
])
def test_an_adverse_reaction_to_a_drug_is_not_taking_it(text):
    rules = exclusion_rules(text)
    assert "medication" not in {a.type for c in rules.criteria for a in iter_atoms(c.expr)}
    assert "allergy" in {a.type for c in rules.criteria for a in iter_atoms(c.expr)}
    on_steroids = PatientProfile(age_years=39, sex="male", absent_means_no=True,
                                 medications=[Medication(text="prednisone")])
    assert exclusion_outcome_for_fields(text, **on_steroids.model_dump()) != "met"


def test_admission_for_induction_of_labour_requires_a_pregnancy():
    # (TREC 2021 topic 71: a non-pregnant obese woman was "eligible" for a labour-induction trial)
    [criterion] = inclusion_rules("Morbidly obese patient (BMI >= 40 kg/m2) at admission for induction of labor").criteria
    assert "pregnancy" in {a.type for a in iter_atoms(criterion.expr)}
