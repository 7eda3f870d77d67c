""""Healthy male and female volunteers", "healthy adult men or women": words saying which
healthy people (sex, age group, origin, smoking) between "healthy" and the people do not
hide the healthy-volunteer rule. Before, the sex words were read and "healthy" was taken
for filler, so a child with asthma was *eligible* for a healthy-volunteer study. Real
compiler, real evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import iter_atoms
from matching.evaluate import evaluate_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)

WHICH_HEALTHY_PEOPLE = [
    "Healthy male and female volunteers",
    "Healthy males or females aged 18 to 55",
    "Healthy male or female subjects",
    "healthy adult men or women",
    "Healthy, non-smoking Japanese male subjects",
    "Healthy elderly males and females",
]


def _criterion(text: str):
    [criterion] = compile_eligibility("Inclusion Criteria:\n- " + text).criteria
    return criterion


@pytest.mark.parametrize("text", WHICH_HEALTHY_PEOPLE)
def test_the_rule_is_read_as_one_for_healthy_volunteers(text):
    criterion = _criterion(text)
    assert "healthy_volunteer" in {atom.type for atom in iter_atoms(criterion.expr)}
    assert criterion.status == "compiled"


@pytest.mark.parametrize("text", WHICH_HEALTHY_PEOPLE[:3])
def test_a_patient_with_an_active_disease_does_not_meet_it(text):
    rules = compile_eligibility("Inclusion Criteria:\n- " + text)
    child = PatientProfile(age_years=30, sex="female", conditions=[{"text": "asthma"}])
    result = evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), child, AS_OF)
    assert result.verdict == "ineligible"
    volunteer = PatientProfile(age_years=30, sex="male", healthy_volunteer=True)
    assert evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), volunteer, AS_OF).verdict == "eligible"


@pytest.mark.parametrize("text", ["Healthy subjects or subjects with stable asthma",
                                  "healthy and schizophrenic participants"])
def test_other_people_named_beside_the_healthy_are_not_a_healthy_volunteers_rule(text):
    criterion = _criterion(text)
    assert "healthy_volunteer" not in {atom.type for atom in iter_atoms(criterion.expr)} if criterion.expr else True
