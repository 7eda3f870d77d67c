"""Each atom kind against patient facts: values, units, windows, drug classes, answers."""

import datetime as dt

import pytest

from criteria_rules.ir import (
    AgeAtom, AllergyAtom, BreastfeedingAtom, ChildbearingPotentialAtom, ComplianceAtom, ConditionAtom, ConsentAtom,
    ContraceptionAtom, HealthyVolunteerAtom, LabAtom, LifeExpectancyAtom, MedicationAtom,
    PerformanceStatusAtom, PregnancyAtom, ProcedureAtom, Quantity, SexAtom, TrialParticipationAtom, Window,
)
from matching.facts import PatientFacts, evaluate_atom
from matching.profile import PatientProfile

AS_OF = dt.date(2025, 6, 1)


def judge(atom, **profile):
    finding = evaluate_atom(atom, PatientFacts(PatientProfile(**profile), AS_OF))
    return finding


def value(atom, **profile):
    return judge(atom, **profile).value


# --- age and sex ---------------------------------------------------------------------------------

@pytest.mark.parametrize("age,expected", [(17.9, False), (18, True), (75, True), (75.9, True), (76, False)])
def test_age_range_is_inclusive_in_completed_years(age, expected):
    assert value(AgeAtom(min_years=18, max_years=75), age_years=age) is expected


def test_age_from_birth_date_and_reason():
    finding = judge(AgeAtom(min_years=18), birth_date=dt.date(1985, 3, 2))
    assert finding.value is True and "40 years old" in finding.reason


def test_age_unknown_asks_and_answer_settles():
    finding = judge(AgeAtom(min_years=18))
    assert finding.value is None and finding.question_id == "q:age"
    assert value(AgeAtom(min_years=18), answers={"q:age": 12}) is False


def test_sex():
    assert value(SexAtom(sex="female"), sex="female") is True
    assert value(SexAtom(sex="female"), sex="male") is False
    assert value(SexAtom(sex="female"), sex="other") is None
    assert value(SexAtom(sex="female")) is None


# --- conditions ------------------------------------------------------------------------------------

def test_condition_matches_through_terminology_and_reason_names_it():
    finding = judge(ConditionAtom(concept="lung_disease"), conditions=[{"text": "asthma"}])
    assert finding.value is True and "asthma" in finding.reason


def test_condition_unknown_when_not_mentioned_false_when_record_is_complete():
    atom = ConditionAtom(concept="hiv")
    finding = judge(atom, conditions=[{"text": "asthma"}])
    assert finding.value is None and finding.question_id == "q:condition:hiv"
    assert value(atom, conditions=[{"text": "asthma"}], absent_means_no=True) is False


def test_explicit_no_is_a_fact():
    assert value(ConditionAtom(concept="hiv"), conditions=[{"text": "HIV", "present": False}]) is False


def test_active_rule_is_not_met_by_history_but_history_rule_is():
    profile = {"conditions": [{"text": "hepatitis B", "status": "history"}]}
    assert value(ConditionAtom(concept="hepatitis_b", status="active"), **profile) is False
    assert value(ConditionAtom(concept="hepatitis_b", status="history"), **profile) is True
    assert value(ConditionAtom(concept="hepatitis_b", status="active"),
                 conditions=[{"text": "hepatitis B"}]) is True


def test_family_history_only_matches_relatives():
    own = {"conditions": [{"text": "rectal cancer"}]}
    relative = {"conditions": [{"text": "rectal cancer", "family": True}]}
    assert value(ConditionAtom(concept="rectal_cancer", family=True), **relative) is True
    assert value(ConditionAtom(concept="rectal_cancer", family=True), **own) is None
    assert value(ConditionAtom(concept="rectal_cancer"), **relative) is None


def test_condition_stage():
    atom = ConditionAtom(concept="rectal_cancer", stage="II-III")
    assert value(atom, conditions=[{"text": "rectal cancer", "stage": "III"}]) is True
    assert value(atom, conditions=[{"text": "rectal cancer", "stage": "IV"}]) is False
    assert value(atom, conditions=[{"text": "rectal cancer"}]) is None


def test_condition_window_uses_onset():
    atom = ConditionAtom(concept="infection", window=Window(relation="within", days=30))
    assert value(atom, conditions=[{"text": "infection", "onset": "2025-05-20"}]) is True
    assert value(atom, conditions=[{"text": "infection", "onset": "2024-01-01"}]) is False
    assert value(atom, conditions=[{"text": "infection"}]) is None


def test_condition_answer_choices():
    atom = ConditionAtom(concept="hiv", status="active")
    assert value(atom, answers={"q:condition:hiv": "no"}) is False
    assert value(atom, answers={"q:condition:hiv": "active"}) is True
    assert value(atom, answers={"q:condition:hiv": "history"}) is False
    assert value(atom, answers={"q:condition:hiv": False}) is False


# --- procedures --------------------------------------------------------------------------------------

HSCT = {"procedures": [{"text": "allogeneic stem cell transplant", "date": "2023-05-01"}]}


def test_procedure_class_and_subtype():
    finding = judge(ProcedureAtom(concept="hsct"), **HSCT)
    assert finding.value is True and "2023-05-01" in finding.reason
    assert value(ProcedureAtom(concept="hsct", subtype="allogeneic"), **HSCT) is True
    assert value(ProcedureAtom(concept="hsct", subtype="autologous"), **HSCT) is False
    unknown = judge(ProcedureAtom(concept="hsct", subtype="allogeneic"),
                    procedures=[{"text": "bone marrow transplant"}])
    assert unknown.value is None and unknown.question_id == "q:procedure:hsct:subtype"


def test_procedure_windows():
    within_90 = ProcedureAtom(concept="hsct", window=Window(relation="within", days=90))
    more_than_100 = ProcedureAtom(concept="hsct", window=Window(relation="more_than", days=100))
    assert value(within_90, **HSCT) is False
    assert value(more_than_100, **HSCT) is True
    recent = {"procedures": [{"text": "stem cell transplant", "date": "2025-05-01"}]}
    assert value(within_90, **recent) is True
    assert value(more_than_100, **recent) is False
    assert value(within_90, procedures=[{"text": "stem cell transplant"}]) is None


def test_radiotherapy_window_uses_end_date():
    atom = ProcedureAtom(concept="radiotherapy", window=Window(relation="within", days=28))
    course = {"procedures": [{"text": "radiotherapy", "date": "2025-03-01", "end_date": "2025-05-15"}]}
    assert value(atom, **course) is True


def test_planned_and_done_procedures_are_different_facts():
    planned = {"procedures": [{"text": "surgery", "planned": True}]}
    assert value(ProcedureAtom(concept="surgery", planned=True), **planned) is True
    assert value(ProcedureAtom(concept="surgery"), **planned) is None


def test_procedure_answers_yes_no_and_dates():
    atom = ProcedureAtom(concept="radiotherapy", window=Window(relation="within", days=28))
    assert value(atom, answers={"q:procedure:radiotherapy": False}) is False
    assert value(atom, answers={"q:procedure:radiotherapy": "2025-05-20"}) is True
    assert value(atom, answers={"q:procedure:radiotherapy": "2024-05-20"}) is False
    assert value(atom, answers={"q:procedure:radiotherapy": True}) is None
    assert value(ProcedureAtom(concept="radiotherapy"), answers={"q:procedure:radiotherapy": "yes"}) is True


# --- medications -----------------------------------------------------------------------------------

STEROID_5 = MedicationAtom(concept="corticosteroid", dose=Quantity(value=5, unit="mg/day"),
                           dose_comparator=">=", dose_of="prednisolone")


def test_drug_class_covers_its_members():
    assert value(MedicationAtom(concept="corticosteroid"), medications=[{"text": "prednisone"}]) is True
    assert value(MedicationAtom(concept="corticosteroid"), medications=[{"text": "tacrolimus"}]) is None


@pytest.mark.parametrize("drug,dose,unit,frequency,expected", [
    ("prednisone", 10, "mg", "daily", True),
    ("prednisolone", 2.5, "mg", "bid", True),       # 5 mg a day: at the limit
    ("prednisolone", 2, "mg/day", None, False),
    ("dexamethasone", 1, "mg", "daily", True),      # ~6.7 mg prednisolone
    ("hydrocortisone", 10, "mg", "daily", False),   # 2.5 mg prednisolone
    ("methylprednisolone", 4, "mg", None, True),    # 5 mg prednisolone, taken once a day
])
def test_corticosteroid_dose_as_prednisolone_equivalent(drug, dose, unit, frequency, expected):
    finding = judge(STEROID_5, medications=[{"text": drug, "dose": dose, "unit": unit, "frequency": frequency}])
    assert finding.value is expected
    assert "prednisolone" in finding.reason


def test_steroid_without_dose_asks_for_it():
    finding = judge(STEROID_5, medications=[{"text": "prednisone"}])
    assert finding.value is None and finding.question_id == "q:medication:corticosteroid:dose"
    assert value(STEROID_5, medications=[{"text": "prednisone"}],
                 answers={"q:medication:corticosteroid:dose": 7.5}) is True


def test_medication_windows_and_ongoing():
    within_28 = MedicationAtom(concept="corticosteroid", window=Window(relation="within", days=28))
    assert value(within_28, medications=[{"text": "prednisone", "start": "2020-01-01"}]) is True  # ongoing
    assert value(within_28, medications=[{"text": "prednisone", "end": "2025-05-20"}]) is True
    assert value(within_28, medications=[{"text": "prednisone", "end": "2025-01-01"}]) is False
    # no window: "receives" means now
    assert value(MedicationAtom(concept="corticosteroid"),
                 medications=[{"text": "prednisone", "end": "2025-01-01"}]) is False
    assert value(MedicationAtom(concept="corticosteroid"), absent_means_no=True) is False


# --- labs ------------------------------------------------------------------------------------------

ALBUMIN_BELOW_3 = LabAtom(analyte="albumin", comparator="<", value=3, unit="g/dL")


def test_albumin_converts_units():
    finding = judge(ALBUMIN_BELOW_3, labs=[{"analyte": "albumin", "value": 28, "unit": "g/L"}])
    assert finding.value is True and "28 g/L" in finding.reason and "2.8 g/dL" in finding.reason
    assert value(ALBUMIN_BELOW_3, labs=[{"analyte": "serum albumin", "value": 35, "unit": "g/L"}]) is False


@pytest.mark.parametrize("count,unit,expected", [
    (1.5, "x10^9/L", True), (1500, "/uL", True), (1499, "cells/mm3", False), (1.2, "10^9/L", False),
    (1500, "/µL", True), (1.5, "K/uL", True),
])
def test_count_units(count, unit, expected):
    atom = LabAtom(analyte="anc", comparator=">=", value=1500, unit="/mm3")
    assert value(atom, labs=[{"analyte": "ANC", "value": count, "unit": unit}]) is expected


def test_creatinine_and_bilirubin_molar_conversion():
    creatinine = LabAtom(analyte="creatinine", comparator="<=", value=1.5, unit="mg/dL")
    assert value(creatinine, labs=[{"analyte": "creatinine", "value": 120, "unit": "µmol/L"}]) is True  # 1.36
    assert value(creatinine, labs=[{"analyte": "creatinine", "value": 150, "unit": "umol/L"}]) is False  # 1.70
    bilirubin = LabAtom(analyte="bilirubin", comparator="<", value=34, unit="umol/L")
    assert value(bilirubin, labs=[{"analyte": "total bilirubin", "value": 1.5, "unit": "mg/dL"}]) is True  # 25.6


@pytest.mark.parametrize("reading, unit, expected", [
    (38.6, "C", True), (37.9, "°C", False), (101.3, "F", True), (100.0, "F", False),
])
def test_temperatures_convert_with_their_offset(reading, unit, expected):
    fever = LabAtom(analyte="body_temperature", comparator=">", value=38, unit="degC")
    assert value(fever, labs=[{"analyte": "body temperature", "value": reading, "unit": unit}]) is expected


def test_rates_per_minute():
    tachycardia = LabAtom(analyte="heart_rate", comparator=">", value=100, unit="1/min")
    assert value(tachycardia, labs=[{"analyte": "heart rate", "value": 118, "unit": "bpm"}]) is True
    tachypnoea = LabAtom(analyte="respiratory_rate", comparator=">=", value=30, unit="1/min")
    assert value(tachypnoea, labs=[{"analyte": "respiratory rate", "value": 24, "unit": "/min"}]) is False


def test_memory_impairment_is_a_cognitive_impairment():
    impaired = ConditionAtom(concept="cognitive_impairment", label="cognitive impairment")
    assert value(impaired, conditions=[{"text": "memory impairment"}]) is True


def test_incompatible_or_unreadable_units_are_unknown_not_errors():
    for unit in ("mL/min", "bananas per fortnight", "%"):
        finding = judge(ALBUMIN_BELOW_3, labs=[{"analyte": "albumin", "value": 28, "unit": unit}])
        assert finding.value is None
        assert "albumin" in finding.reason


def test_uln_multiples_need_the_uln():
    atom = LabAtom(analyte="ast", comparator="<=", value=2.5, unit="", uln_multiple=True)
    finding = judge(atom, labs=[{"analyte": "AST", "value": 80, "unit": "U/L"}])
    assert finding.value is None and finding.question_id == "q:lab:ast:uln"
    assert value(atom, labs=[{"analyte": "AST", "value": 80, "unit": "U/L", "uln": 40}]) is True
    assert value(atom, labs=[{"analyte": "AST", "value": 120, "unit": "U/L", "uln": 40}]) is False
    assert value(atom, labs=[{"analyte": "AST", "value": 3, "unit": "x ULN"}]) is False
    assert value(atom, labs=[{"analyte": "AST", "value": 80, "unit": "U/L"}], answers={"q:lab:ast:uln": 40}) is True


def test_latest_lab_wins():
    labs = [{"analyte": "albumin", "value": 25, "unit": "g/L", "date": "2025-01-01"},
            {"analyte": "albumin", "value": 40, "unit": "g/L", "date": "2025-05-01"}]
    assert value(ALBUMIN_BELOW_3, labs=labs) is False


def test_lab_answers_in_default_unit_or_with_a_unit():
    finding = judge(ALBUMIN_BELOW_3)
    assert finding.value is None and finding.question_id == "q:lab:albumin"
    assert value(ALBUMIN_BELOW_3, answers={"q:lab:albumin": 2.8}) is True  # default unit g/dL
    assert value(ALBUMIN_BELOW_3, answers={"q:lab:albumin": "28 g/L"}) is True
    assert value(ALBUMIN_BELOW_3, answers={"q:lab:albumin": "35 g/L"}) is False
    assert value(ALBUMIN_BELOW_3, labs=[], absent_means_no=True) is None  # silence says nothing about a value


# --- flags ------------------------------------------------------------------------------------------

def test_pregnancy_and_breastfeeding():
    assert value(PregnancyAtom(), sex="male") is False
    assert value(BreastfeedingAtom(), sex="male") is False
    assert value(PregnancyAtom(), sex="female") is None
    assert value(PregnancyAtom(), sex="female", pregnant=True) is True
    assert value(PregnancyAtom(), sex="female", answers={"q:pregnancy": False}) is False
    assert value(PregnancyAtom(), sex="female", absent_means_no=True) is False


def test_childbearing_contraception_consent():
    assert value(ChildbearingPotentialAtom(), sex="male") is False
    assert value(ChildbearingPotentialAtom(), sex="female") is None
    # willingness is never inferred from a record's silence
    assert value(ContraceptionAtom(), absent_means_no=True) is None
    assert value(ConsentAtom(), can_consent=True) is True
    assert value(ConsentAtom(), answers={"q:consent": "no"}) is False


@pytest.mark.parametrize("age, complete, expected", [
    (36, True, True),    # a complete record of a woman of 36 names no menopause or sterilisation
    (15, True, True),
    (44.9, True, True),
    (50, True, None),    # around the menopause: the age alone does not say
    (12, True, None),    # menarche may not have come yet
    (62, True, False),   # past the age of menopause
    (36, False, None),   # a profile that is not a complete record: silence is unknown
    (62, False, None),
])
def test_childbearing_potential_from_a_complete_records_silence_and_age(age, complete, expected):
    assert value(ChildbearingPotentialAtom(), sex="female", age_years=age, absent_means_no=complete) is expected


def test_a_stated_childbearing_status_beats_the_age():
    assert value(ChildbearingPotentialAtom(), sex="female", age_years=36, absent_means_no=True,
                 childbearing_potential=False) is False
    assert value(ChildbearingPotentialAtom(), sex="female", age_years=36, absent_means_no=True,
                 answers={"q:childbearing_potential": "no"}) is False
    assert value(ChildbearingPotentialAtom(), sex="male", age_years=36, absent_means_no=True) is False
    assert "36" in judge(ChildbearingPotentialAtom(), sex="female", age_years=36, absent_means_no=True).reason


def test_compliance_is_said_or_answered_never_inferred_from_silence():
    assert value(ComplianceAtom(), will_comply=True) is True
    assert value(ComplianceAtom(), will_comply=False) is False
    assert value(ComplianceAtom(), absent_means_no=True) is None
    assert value(ComplianceAtom(), answers={"q:compliance": "yes"}) is True
    assert "follow the study's visits" in judge(ComplianceAtom(), will_comply=True).reason


def test_performance_status_and_scale_conversion():
    ecog_le_2 = PerformanceStatusAtom(scale="ecog", comparator="<=", value=2)
    assert value(ecog_le_2, ecog=1) is True
    assert value(ecog_le_2, ecog=3) is False
    assert value(ecog_le_2, karnofsky=70) is True
    kps_ge_70 = PerformanceStatusAtom(scale="karnofsky", comparator=">=", value=70)
    assert value(kps_ge_70, ecog=0) is True
    assert value(kps_ge_70, ecog=3) is False
    assert value(PerformanceStatusAtom(scale="karnofsky", comparator=">=", value=80), ecog=1) is None


def test_life_expectancy():
    atom = LifeExpectancyAtom(comparator=">=", months=3)
    assert value(atom, life_expectancy_months=6) is True
    assert value(atom, life_expectancy_months=2) is False
    assert value(atom) is None


def test_trial_participation_window():
    atom = TrialParticipationAtom(window=Window(relation="within", days=28))
    assert value(atom, in_other_trial=True) is True
    assert value(atom, last_trial_participation=dt.date(2025, 5, 20)) is True
    assert value(atom, last_trial_participation=dt.date(2024, 5, 20)) is False
    assert value(atom) is None
    assert value(atom, answers={"q:trial_participation": "no"}) is False
    assert value(atom, absent_means_no=True) is False


def test_allergy_to_the_investigational_product():
    atom = AllergyAtom(concept="investigational_product")
    assert value(atom) is None
    assert value(atom, allergies=[{"text": "any known drug", "present": False}]) is False
    assert value(atom, answers={"q:allergy:investigational_product": True}) is True
    assert value(AllergyAtom(concept="corticosteroid"), allergies=[{"text": "prednisone"}]) is True


def test_healthy_volunteer():
    assert value(HealthyVolunteerAtom(), healthy_volunteer=True) is True
    assert value(HealthyVolunteerAtom(), conditions=[{"text": "asthma"}]) is False
    assert value(HealthyVolunteerAtom()) is None
