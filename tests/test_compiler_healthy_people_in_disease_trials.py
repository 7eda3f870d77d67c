""""In good general health" in a trial for a disease is a judgement about the rest of the
patient's health, not a rule for healthy volunteers: a patient with the trial's own disease
(and the usual company of other conditions) is not ruled out by it. Real compiler, real
evaluation. (Reading it as a healthy-volunteer rule made a type 2 diabetes patient
ineligible for a type 2 diabetes trial.)"""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching.evaluate import evaluate_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)
TEXT = ("Inclusion Criteria:\n- Type 2 diabetes mellitus, HbA1c 7-10%\n- {health}\n- Age 18-75\n"
        "Exclusion Criteria:\n- Pregnancy")


@pytest.mark.parametrize("health", ["In good general health", "Subjects must be in good general health",
                                    "Good general health as judged by the investigator"])
@pytest.mark.parametrize("conditions", [["type 2 diabetes"], ["type 2 diabetes", "hypertension"]])
def test_a_patient_with_the_trials_disease_is_not_ruled_out_by_good_general_health(health, conditions):
    rules = compile_eligibility(TEXT.format(health=health))
    patient = PatientProfile(age_years=50, sex="male", conditions=[{"text": c} for c in conditions])
    trial = TrialSummary(nct_id="NCT00000001", rules=rules, conditions=("Type 2 Diabetes",))
    result = evaluate_trial(trial, patient, AS_OF)
    [health_rule] = [c for c in result.criteria if "health" in c.text.lower()]
    assert health_rule.outcome != "not_met"
    assert result.verdict != "ineligible"
