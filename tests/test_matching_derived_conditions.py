"""Conditions a patient's measurements and treatments establish (matching.derived_conditions),
read from notes written for the purpose and judged against compiled criteria."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching.derived_conditions import derive_conditions
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.note import extract_profile
from matching.outcomes import judge_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)


def outcome(note: str, criterion: str, kind: str = "Exclusion") -> tuple[str, str]:
    """(outcome, reason) of one criterion for the profile a note gives."""
    profile = extract_profile(note, as_of=AS_OF).profile
    trial = TrialSummary(nct_id="NCT00000001", rules=compile_eligibility(f"{kind} Criteria:\n- {criterion}\n"))
    evaluation = evaluate_trial_detailed(trial, PatientFacts(profile, AS_OF))
    fast = judge_trial(trial, PatientFacts(profile, AS_OF))
    assert fast.verdict == evaluation.verdict  # the fast path reads the same facts
    [result] = [c for c in evaluation.criteria if c.status != "registry"]
    return result.outcome, result.reason


def derived(**profile) -> list[str]:
    return [d.condition.text for d in derive_conditions(PatientProfile(**profile), AS_OF)]


@pytest.mark.parametrize("note, expected", [
    ("A 30-year-old woman with fatigue. Hb 8.9 g/dL.", "met"),
    ("A 30-year-old man with fatigue. Hemoglobin 12.5 g/dL.", "met"),  # below the 13 g/dL for men
    ("A 30-year-old woman with fatigue. Hemoglobin 12.5 g/dL.", "not_met"),  # normal for a woman
    ("A 30-year-old woman with fatigue. Haemoglobin 85 g/L.", "met"),  # converted to g/dL
    ("A 30-year-old woman with fatigue.", "not_met"),  # silence: absent, never derived
])
def test_anaemia_from_a_stated_haemoglobin_by_sex(note, expected):
    assert outcome(note, "Anemia")[0] == expected


def test_the_reason_names_the_measurement():
    result, reason = outcome("A 30-year-old woman with fatigue. Hb 8.9 g/dL.", "Anemia")
    assert result == "met" and "8.9" in reason and "anemia" in reason


def test_pregnancy_and_childhood_change_the_anaemia_cut_off():
    assert derived(sex="female", age_years=28, pregnant=True, labs=[{"analyte": "hemoglobin", "value": 11.5, "unit": "g/dL"}]) == []
    assert derived(sex="female", age_years=28, labs=[{"analyte": "hemoglobin", "value": 11.5, "unit": "g/dL"}]) == ["anemia"]
    assert derived(sex="male", age_years=4, labs=[{"analyte": "hemoglobin", "value": 11.2, "unit": "g/dL"}]) == []


@pytest.mark.parametrize("labs, expected", [
    ([{"analyte": "oxygen saturation", "value": 86, "unit": "%"}], ["hypoxemia"]),
    ([{"analyte": "oxygen saturation", "value": 95, "unit": "%"}], []),
    ([{"analyte": "platelet count", "value": 90, "unit": "10^9/L"}], ["thrombocytopenia"]),
    ([{"analyte": "platelets", "value": 90000, "unit": "/uL"}], ["thrombocytopenia"]),
    ([{"analyte": "creatinine", "value": 2.4, "unit": "mg/dL"}], ["renal insufficiency"]),
    ([{"analyte": "creatinine", "value": 80, "unit": "umol/L"}], []),
    ([{"analyte": "sodium", "value": 128, "unit": "mmol/L"}], ["hyponatremia"]),
    ([{"analyte": "body temperature", "value": 101.5, "unit": "F"}], ["fever"]),
    ([{"analyte": "hemoglobin", "value": 9, "unit": "mmHg"}], []),  # a unit that cannot be read counts for nothing
    ([{"analyte": "ejection fraction", "value": 35, "unit": "%"}], ["reduced ejection fraction"]),
    ([{"analyte": "ejection fraction", "value": 55, "unit": "%"}], []),
])
def test_lab_signs(labs, expected):
    assert derived(sex="male", age_years=50, labs=labs) == expected


def test_renal_insufficiency_from_creatinine_in_a_note():
    note = "A 67-year-old man with swollen ankles. Serum creatinine 2.6 mg/dL."
    assert outcome(note, "Renal insufficiency")[0] == "met"


def test_a_reduced_ejection_fraction_is_heart_failure_as_the_lexicon_files_it():
    assert outcome("A 70-year-old man with dyspnea. Echo: EF 25%.", "Heart failure")[0] == "met"
    assert outcome("A 70-year-old man with dyspnea. Echo: EF 60%.", "Heart failure")[0] == "not_met"


def test_a_stated_condition_keeps_its_own_dates():
    # the fever the note names is 2 days old; the temperature must not add an undated one
    note = "An 8-year-old boy with fever up to 39 C and cough for 2 days."
    assert outcome(note, "patients have fever more than one week", kind="Inclusion")[0] == "not_met"


@pytest.mark.parametrize("note, expected", [
    ("A 62 yo man on immunosuppressive medications after a kidney transplant.", "met"),
    ("A 55 yo woman with rheumatoid arthritis on tacrolimus.", "met"),
    ("A 55 yo woman with asthma on prednisone 5 mg daily.", "not_met"),  # a steroid alone: dose unknown
    ("A 55 yo woman with asthma.", "not_met"),
])
def test_immunosuppressive_treatment_makes_a_patient_immunocompromised(note, expected):
    assert outcome(note, "Immunocompromised patients")[0] == expected


def test_suspicion_of_a_condition_does_not_narrow_it():
    # "suspicion" is a degree of certainty, not a qualifier the record must also mention
    note = "A 62 yo man on immunosuppressive medications."
    assert outcome(note, "Diagnosis or suspicion of immunodeficiency state")[0] == "met"


@pytest.mark.parametrize("note, expected", [
    ("A 34-year-old woman with joint pain. Vit D: 14ng/ml.", ["vitamin D deficiency"]),
    ("A 34-year-old woman with joint pain. 25(OH)D 30 nmol/L.", ["vitamin D deficiency"]),  # 12 ng/mL
    ("A 34-year-old woman with joint pain. Vitamin D level of 32 ng/mL.", []),
    # a dose of the vitamin, not its level
    ("A 34-year-old woman with joint pain. She takes vitamin D 1000 IU daily.", []),
])
def test_vitamin_d_deficiency_from_a_stated_level(note, expected):
    profile = extract_profile(note, as_of=AS_OF).profile
    assert [d.condition.text for d in derive_conditions(profile, AS_OF)] == expected


def test_a_dose_is_not_read_as_a_level():
    from matching.note_values import find_labs

    assert find_labs("magnesium 400 mg daily, vitamin D 1000 IU") == []
    assert [m.value["analyte"] for m in find_labs("Magnesium 1.4, vitamin D 12 ng/mL")] == ["magnesium", "vitamin D"]
