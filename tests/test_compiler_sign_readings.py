"""Readings of the compiler lane: a number of standard deviations is not a unit, a disease
named as what a screening or vaccine is for is not the patient's disease, and a condition
offered beside the measurement that defines it ("heart failure or EF < 30%") under a
complete record (matching.sign_alternatives). Evaluated on the full and the fast path."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import iter_atoms
from matching.profile import Condition, LabResult, PatientProfile
from matching.trial import TrialSummary
from test_matching_support import criteria_by_text

AS_OF = dt.date(2024, 1, 1)


def exclusion(text: str):
    return compile_eligibility("Exclusion Criteria:\n- " + text)


def inclusion(text: str):
    return compile_eligibility("Inclusion Criteria:\n- " + text)


def atoms(ruleset) -> list:
    return [a for c in ruleset.criteria for a in iter_atoms(c.expr)]


def outcome(ruleset, profile: PatientProfile) -> str:
    [result] = criteria_by_text(TrialSummary(nct_id="NCT00000019", rules=ruleset), profile, AS_OF).values()
    return result.outcome


# --- standard deviations ----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "mean arterial pressure more than 2 standard deviations below the normal for age",
    "heart rate > 3 SD above the mean for age",
])
def test_a_number_of_standard_deviations_is_no_threshold(text):
    labs = [a for a in atoms(exclusion(text)) if a.type == "lab"]
    assert labs == []


@pytest.mark.parametrize("text, unit", [("PT > 15 secs", "s"), ("QTc > 470 msec", "ms"), ("QTc > 470 msecs", "ms"),
                                        ("haemoglobin below 9 gm/dl", "g/dL")])
def test_a_time_unit_is_still_read(text, unit):
    [lab] = [a for a in atoms(exclusion(text)) if a.type == "lab"]
    assert lab.unit == unit


def test_a_unit_letter_does_not_start_a_longer_word():
    # "5 stones" is not 5 seconds
    assert all(a.unit != "s" for a in atoms(exclusion("QTc more than 5 stones")) if a.type == "lab")


# --- screening / vaccination --------------------------------------------------------------


@pytest.mark.parametrize("text, disease", [
    ("Able to attend colorectal cancer screening", "colorectal"),
    ("Received influenza vaccination this season", "influenza"),
])
def test_the_disease_a_screening_or_vaccine_is_for_is_not_the_patients(text, disease):
    assert not [a for a in atoms(inclusion(text)) if a.type == "condition" and disease in (a.label + a.concept).lower()]


def test_a_positive_screening_result_is_still_the_disease():
    assert any(a.type == "condition" and a.concept == "hiv" for a in atoms(exclusion("Positive HIV screening test")))


def test_a_patient_with_the_disease_is_not_excluded_for_its_screening():
    profile = PatientProfile(conditions=[Condition(text="colorectal cancer")], absent_means_no=True)
    assert outcome(exclusion("Unable to attend colorectal cancer screening"), profile) != "met"


# --- a condition or the measurement that defines it -------------------------------------

HF_OR_EF = "Congestive heart failure or left ventricular ejection fraction below 35%"


def test_complete_record_without_the_condition_settles_its_measurement():
    profile = PatientProfile(age_years=60, sex="male", conditions=[Condition(text="hypertension")], absent_means_no=True)
    assert outcome(exclusion(HF_OR_EF), profile) == "not_met"


def test_a_record_that_is_not_complete_leaves_the_measurement_unknown():
    profile = PatientProfile(age_years=60, sex="male", conditions=[Condition(text="hypertension")])
    assert outcome(exclusion(HF_OR_EF), profile) == "unknown"


def test_a_stated_low_value_still_triggers():
    profile = PatientProfile(age_years=60, sex="male", absent_means_no=True,
                             labs=[LabResult(analyte="LVEF", value=25, unit="%")])
    assert outcome(exclusion(HF_OR_EF), profile) == "met"


def test_the_measurement_alone_stays_unknown():
    profile = PatientProfile(age_years=60, sex="male", absent_means_no=True)
    assert outcome(exclusion("Left ventricular ejection fraction below 35%"), profile) == "unknown"


def test_a_measurement_short_of_the_definition_is_not_settled():
    # 50 % is not a reduced ejection fraction by definition: silence on heart failure
    # does not say the value is above 50 %
    profile = PatientProfile(age_years=60, sex="male", absent_means_no=True)
    assert outcome(exclusion("Congestive heart failure or ejection fraction below 50%"), profile) == "unknown"
