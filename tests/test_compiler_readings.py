"""Compiler readings that decide a criterion's outcome: two-sided limits, "any sex", and
the subgroup a rule is for (applies_if). Each reading is checked on the compiled rule and
on a real evaluation against profiles (full path and fast path agree)."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules.subgroups import subgroup_span
from matching.profile import Condition, LabResult, PatientProfile, Procedure
from single_criterion import exclusion_rules as exclusion, inclusion_rules as inclusion, ruleset_outcome as outcome
from test_compiler_support import atoms_of, shape

AS_OF = dt.date(2024, 1, 1)



# --- two-sided limits -------------------------------------------------------------------


@pytest.mark.parametrize("text, analyte, low, high, unit", [
    ("Body weight below 40 kg or above 150 kg", "body_weight", 40, 150, "kg"),
    ("weight <40 kg or >150 kg", "body_weight", 40, 150, "kg"),
    ("BMI < 18.5 or > 40 kg/m2", "bmi", 18.5, 40, "kg/m^2"),
    ("Hemoglobin less than 8 g/dL or greater than 18 g/dL", "hemoglobin", 8, 18, "g/dL"),
    ("Hemoglobin > 18 g/dL or < 8", "hemoglobin", 8, 18, "g/dL"),
    ("Platelets < 50,000 or > 1,000,000/mm3", "platelets", 50, 1000, "10^9/L"),
])
def test_an_out_of_range_limit_keeps_both_bounds(text, analyte, low, high, unit):
    c = exclusion(text).criteria[0]
    assert shape(c.expr) == f"any({analyte}, {analyte})"
    bounds = sorted((a.comparator[0], a.value, a.unit) for a in atoms_of(exclusion(text), atom_type="lab"))
    assert bounds == [("<", pytest.approx(low), unit), (">", pytest.approx(high), unit)]
    assert c.status == "compiled"


@pytest.mark.parametrize("text, comparator", [
    ("BMI of 30 kg/m2 or more", ">="),
    ("Hemoglobin 9 g/dL or higher", ">="),
    ("Platelets 100,000/mm3 or less", "<="),
])
def test_a_one_sided_suffix_is_still_one_bound(text, comparator):
    [lab] = atoms_of(inclusion(text), atom_type="lab")
    assert lab.comparator == comparator


@pytest.mark.parametrize("kg, expected", [(35, "met"), (70, "not_met"), (160, "met")])
def test_both_bounds_decide_the_exclusion(kg, expected):
    rules = exclusion("Body weight below 40 kg or above 150 kg")
    profile = PatientProfile(age_years=50, sex="male", labs=[LabResult(analyte="body weight", value=kg, unit="kg")])
    assert outcome(rules, profile) == expected


# --- any sex ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Both genders are eligible for study",
    "Male or female patients",
    "Men and women",
    "Sex: all",
    "Either sex",
])
def test_any_sex_is_met_for_everyone_whose_sex_is_known(text):
    rules = inclusion(text)
    assert shape(rules.criteria[0].expr) == "any(sex, sex)"
    assert outcome(rules, PatientProfile(age_years=30, sex="female")) == "met"
    assert outcome(rules, PatientProfile(age_years=30, sex="male")) == "met"
    assert outcome(rules, PatientProfile(age_years=30)) == "unknown"


def test_any_sex_beside_an_age_is_a_conjunct_that_always_holds():
    rules = inclusion("Male or female, aged 18 years or older")
    assert shape(rules.criteria[0].expr) == "all(any(sex, sex), age)"
    assert outcome(rules, PatientProfile(age_years=30, sex="male")) == "met"
    assert outcome(rules, PatientProfile(age_years=12, sex="male")) == "not_met"


@pytest.mark.parametrize("text", [
    "Male or female partners who are pregnant",
    "Men and women of childbearing potential must use effective contraception",
    "Female patients",
])
def test_not_any_sex(text):
    assert not any(isinstance(n, object) and shape(n) == "any(sex, sex)"
                   for c in inclusion(text).criteria for n in [c.expr])


# --- the subgroup a rule is for ---------------------------------------------------------


def test_a_treatment_history_subject_clause_is_the_subgroup():
    rules = inclusion("Patients who have received radiotherapy must have completed it at least 4 weeks before enrolment")
    c = rules.criteria[0]
    assert shape(c.applies_if) == "radiotherapy"
    assert c.applies_if.atom.window is None  # the window is the requirement's
    assert shape(c.expr) == "radiotherapy" and c.expr.atom.window.relation == "more_than"
    none = PatientProfile(age_years=50, sex="female", absent_means_no=True)
    assert outcome(rules, none) == "not_applicable"
    long_ago = none.model_copy(update={"procedures": [Procedure(text="radiotherapy", date=dt.date(2023, 6, 1))]})
    assert outcome(rules, long_ago) == "met"
    recent = none.model_copy(update={"procedures": [Procedure(text="radiotherapy", date=dt.date(2023, 12, 25))]})
    assert outcome(rules, recent) == "not_met"


def test_an_inclusion_about_a_disease_population_stays_a_requirement():
    c = inclusion("Patients with diabetes must have HbA1c below 8%").criteria[0]
    assert c.applies_if is None
    assert shape(c.expr) == "all(diabetes, hba1c)"


def test_an_exclusion_subject_clause_is_the_subgroup():
    rules = exclusion("Patients with diabetes must not have HbA1c above 10%")
    c = rules.criteria[0]
    assert shape(c.applies_if) == "diabetes"
    assert outcome(rules, PatientProfile(age_years=50, sex="male", absent_means_no=True)) == "not_applicable"


def test_a_trailing_if_clause_is_the_subgroup():
    rules = exclusion("Residual tumour if surgery was performed before enrolment")
    c = rules.criteria[0]
    assert shape(c.applies_if) == "surgery"
    assert not c.applies_if.atom.planned  # "if" is the subgroup's wording, not a plan
    assert outcome(rules, PatientProfile(age_years=50, sex="male", absent_means_no=True)) == "not_applicable"
    operated = PatientProfile(age_years=50, sex="male",
                              procedures=[Procedure(text="surgery", date=dt.date(2023, 3, 1))])
    assert outcome(rules, operated) == "unknown"  # the rest ("residual tumour") was not read


@pytest.mark.parametrize("text", [
    "Patients with creatinine > 3 will be enrolled only if able to receive oral voriconazole",
    "Largest fibroid 8 cm in diameter or 12 cm if receiving GnRH agonists",
    "Prior chemotherapy, if applicable",
    "Active hepatitis B or C infection",
])
def test_not_a_subgroup(text):
    assert exclusion(text).criteria[0].applies_if is None


def test_a_subgroup_timed_by_the_rest_keeps_its_event_in_the_requirement():
    c = exclusion("In patients who received radiotherapy, within 4 weeks before enrolment").criteria[0]
    assert shape(c.applies_if) == shape(c.expr) == "radiotherapy"
    assert c.applies_if.atom.window is None and c.expr.atom.window.relation == "within"


def test_subgroup_span_names_the_clause():
    text = "In patients who received radiotherapy, within 4 weeks"
    start, end = subgroup_span(text)
    assert "received radiotherapy" in text[start:end]


def test_a_transplant_complication_applies_after_a_transplant():
    rules = exclusion("Active acute GVHD grades II-IV")
    assert shape(rules.criteria[0].applies_if) == "transplant"
    none = PatientProfile(age_years=40, sex="male", absent_means_no=True)
    assert outcome(rules, none) == "not_applicable"
    transplanted = none.model_copy(update={
        "procedures": [Procedure(text="allogeneic stem cell transplant", date=dt.date(2023, 6, 1))],
        "conditions": [Condition(text="acute graft versus host disease", stage="III")]})
    assert outcome(rules, transplanted) == "met"


def test_a_transplant_complication_named_with_its_transplant_or_required_stays_as_written():
    assert exclusion("GVHD after allogeneic stem cell transplant").criteria[0].applies_if is None
    assert inclusion("Steroid-refractory acute GVHD").criteria[0].applies_if is None


def test_a_complication_beside_an_unscoped_condition_is_not_scoped():
    assert exclusion("Active GVHD or active infection").criteria[0].applies_if is None


@pytest.mark.parametrize("text", ["Current cigarette smoking", "History of alcohol abuse", "Drug addiction"])
def test_a_habit_is_asked_about_from_adolescence(text):
    rules = exclusion(text)
    assert shape(rules.criteria[0].applies_if) == "age"
    child = PatientProfile(age_years=5, sex="male", absent_means_no=True)
    assert outcome(rules, child) == "not_applicable"
    adult = PatientProfile(age_years=40, sex="male", absent_means_no=True)
    assert outcome(rules, adult) == "not_met"
    smoker = adult.model_copy(update={"conditions": [Condition(text="smoking"), Condition(text="alcohol abuse"),
                                                     Condition(text="drug addiction")]})
    assert outcome(rules, smoker) == "met"


def test_a_habit_required_by_an_inclusion_or_beside_a_disease_is_not_scoped():
    assert inclusion("Current smokers").criteria[0].applies_if is None
    assert exclusion("History of alcoholism or liver cirrhosis").criteria[0].applies_if is None


# --- procedures a record names ----------------------------------------------------------


@pytest.mark.parametrize("criterion, note_sentence, concept", [
    ("Prior central venous catheterization", "She has a PICC line in the left arm.", "central_venous_catheter"),
    ("Presence of a central line", "A tunneled central venous catheter was placed in 2019.", "central_venous_catheter"),
    ("Chest tubes", "A chest drain was inserted for the effusion.", "chest_tube"),
])
def test_lines_and_drains_are_procedures_a_note_settles(criterion, note_sentence, concept):
    from matching.note import extract_profile

    rules = exclusion(criterion)
    assert concept in {getattr(a, "concept", "") for a in atoms_of(rules)}
    with_it = extract_profile(f"A 60-year-old man with pneumonia. {note_sentence}", as_of=AS_OF).profile
    without = extract_profile("A 60-year-old man with pneumonia after cardiac catheterization.", as_of=AS_OF).profile
    assert outcome(rules, with_it) == "met"
    assert outcome(rules, without) == "not_met"


@pytest.mark.parametrize("text, concept, planned", [
    ("Liver metastases that require extended hepatic resection", "surgery", True),
    ("Patients requiring allogeneic HSCT", "hsct_allogeneic", True),
    ("Patients requiring dialysis", "dialysis", False),  # a current treatment
    ("Patients requiring mechanical ventilation", "mechanical_ventilation", False),
    ("Prior surgery", "surgery", False),
])
def test_an_operation_the_patient_requires_is_one_to_come(text, concept, planned):
    [atom] = [a for a in atoms_of(inclusion(text), atom_type="procedure") if a.concept == concept]
    assert atom.planned is planned


def test_a_required_operation_is_not_met_by_a_past_one():
    rules = inclusion("Liver metastases that require extended hepatic resection")
    operated = PatientProfile(age_years=60, sex="male", conditions=[Condition(text="liver metastases")],
                              procedures=[Procedure(text="laparotomy", date=dt.date(2023, 1, 5))])
    assert outcome(rules, operated) != "met"
    planned = operated.model_copy(update={"procedures": [Procedure(text="liver resection", planned=True)]})
    assert outcome(rules, planned) == "met"


# --- "at least k of" in one line --------------------------------------------------------


def test_at_least_two_of_a_one_line_list():
    rules = inclusion("Pneumonia and at least two of the following: fever, cough, dyspnea")
    c = rules.criteria[0]
    assert shape(c.expr).startswith("all(pneumonia, any(all(")
    def patient(*present, absent=()):
        return PatientProfile(age_years=50, sex="male", conditions=[
            Condition(text="pneumonia"), *[Condition(text=t) for t in present],
            *[Condition(text=t, present=False) for t in absent]])
    assert outcome(rules, patient("fever", "dyspnea")) == "met"
    assert outcome(rules, patient("cough", absent=("fever", "dyspnea"))) == "not_met"
    assert outcome(rules, patient("cough")) == "unknown"


@pytest.mark.parametrize("text, expected", [
    ("Any 1 of the following: diabetes, hypertension, obesity", "any(diabetes, hypertension, obesity)"),
    ("At least three of: diabetes, hypertension and obesity", "all(diabetes, hypertension, obesity)"),
    ("Two or more of these: diabetes, hypertension", "all(diabetes, hypertension)"),
])
def test_k_of_n_edges(text, expected):
    assert shape(inclusion(text).criteria[0].expr) == expected


# --- qualifiers a patient's fact must carry ---------------------------------------------


def _noted(text: str) -> PatientProfile:
    from matching.note import extract_profile

    return extract_profile(text, as_of=AS_OF).profile


def test_mild_cognitive_impairment_is_not_met_by_a_severe_one():
    rules = inclusion("Diagnosis of mild cognitive impairment")
    assert shape(rules.criteria[0].expr) == "mild_cognitive_impairment"
    assert outcome(rules, _noted("A 75-year-old man with mild cognitive impairment.")) == "met"
    assert outcome(rules, _noted("A 75-year-old man with severe cognitive impairment.")) != "met"
    # the broader rule is still met by either
    broad = inclusion("Cognitive impairment")
    assert outcome(broad, _noted("A 75-year-old man with mild cognitive impairment.")) == "met"


def test_a_definition_does_not_widen_what_it_defines():
    c = exclusion("Mild cognitive impairment defined by objective cognitive impairment at testing").criteria[0]
    assert shape(c.expr) == "mild_cognitive_impairment"


def test_anti_tuberculosis_medicines_are_a_treatment_not_the_disease():
    rules = inclusion("Taking anti-tuberculosis medicines")
    assert shape(rules.criteria[0].expr) == "antituberculosis_drug"
    assert outcome(rules, _noted("A 50-year-old man on isoniazid and rifampin for tuberculosis.")) == "met"
    assert outcome(rules, _noted("A 50-year-old man with a history of tuberculosis.")) != "met"


@pytest.mark.parametrize("text, value, unit, ref", [
    ("Steroids < 0.5 mg/kg prednisone or other steroid equivalent", 0.5, "mg/kg/day", "prednisone"),
    ("Systemic corticosteroids > 10 mg/day of prednisone or equivalent", 10, "mg/day", "prednisone"),
    ("Corticosteroids at 20 mg prednisolone or an equivalent dose", 20, "mg/day", "prednisolone"),
])
def test_a_dose_named_by_its_reference_steroid_is_one_limit(text, value, unit, ref):
    [m] = atoms_of(inclusion(text), atom_type="medication")
    assert (m.concept, m.dose.value, m.dose.unit, m.dose_of) == ("corticosteroid", value, unit, ref)


def test_a_steroid_of_unknown_dose_does_not_meet_a_dose_limit():
    rules = inclusion("Steroids < 0.5 mg/kg prednisone or other steroid equivalent")
    from matching.profile import Medication
    assert outcome(rules, PatientProfile(age_years=50, sex="male", medications=[Medication(text="prednisone")])) == "unknown"


# --- a listed set of drugs after "intolerance to" ---------------------------------------


@pytest.mark.parametrize("text, drugs", [
    ("Intolerance to dasatinib and/or bortezomib", 2),
    ("Known hypersensitivity to aspirin, clopidogrel or heparin", 3),
    ("Can not take aspirin or clopidogrel", 2),
])
def test_every_drug_of_an_intolerance_list_is_an_intolerance(text, drugs):
    rules = exclusion(text)
    assert len(atoms_of(rules, atom_type="allergy")) == drugs
    assert not atoms_of(rules, atom_type="medication")
    taking_the_last = PatientProfile(age_years=60, sex="male", medications=[{"text": text.split()[-1]}],
                                     absent_means_no=True)
    assert outcome(rules, taking_the_last) == "not_met"  # taking a drug is not being intolerant of it
    intolerant = PatientProfile(age_years=60, sex="male", allergies=[{"text": text.split()[-1]}])
    assert outcome(rules, intolerant) == "met"


def test_a_drug_after_the_list_ends_is_still_a_drug_being_taken():
    rules = exclusion("Allergy to penicillin and currently taking warfarin")
    assert [a.concept for a in atoms_of(rules, atom_type="allergy")] == ["penicillin"]  # (a lexicon concept since session 5)
    assert [a.concept for a in atoms_of(rules, atom_type="medication")] == ["warfarin"]


# --- a relative clause after alternatives ------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    # "that is HPV 16 positive" says what the carcinoma must be, not a third alternative
    ("Squamous cell carcinoma of the oropharynx or unknown primary that is HPV 16 positive",
     "all(malignancy, hpv_infection)"),
    # "or those who have had ..." names another group: still alternatives
    ("History of stroke or patients who have had a transient ischemic attack", None),
])
def test_a_relative_clause_after_alternatives_qualifies_them(text, expected):
    c = inclusion(text).criteria[0]
    if expected is None:
        assert c.expr.op == "any"
    else:
        assert shape(c.expr) == expected


def test_a_qualified_alternative_is_not_met_by_the_qualifier_alone():
    rules = inclusion("Squamous cell carcinoma of the oropharynx or unknown primary that is HPV 16 positive")
    profile = PatientProfile(age_years=54, sex="female", absent_means_no=True,
                             conditions=[Condition(text="HPV 16 infection")])
    assert outcome(rules, profile) != "met"


@pytest.mark.parametrize("text", ["The presence of other neurologic conditions",
                                  "Significant medical or neurological conditions"])
def test_a_neurological_condition_is_the_class_of_neurological_diseases(text):
    """"neurologic conditions" was left unread; multiple sclerosis is one, asthma is not."""
    rules = exclusion(text)
    assert "neurological_disease" in {a.concept for a in atoms_of(rules, atom_type="condition")}
    with_ms = PatientProfile(age_years=20, sex="female", absent_means_no=True,
                             conditions=[Condition(text="relapsing remitting multiple sclerosis")])
    with_asthma = PatientProfile(age_years=20, sex="female", absent_means_no=True,
                                 conditions=[Condition(text="asthma")])
    assert outcome(rules, with_ms) == "met"
    assert outcome(rules, with_asthma) == "not_met"


@pytest.mark.parametrize("text", [
    "Non-smoker or ex-smoker (quit >= 6 months prior to Visit 1) with a total smoking history of <= 10 pack years",
    "Non-smoker (total lifetime smoking history < 10 pack-years)",
])
def test_an_upper_bound_on_a_habit_does_not_require_the_habit(text):
    """"smoking history of <= 10 pack years" bounds the exposure: a patient who never smoked
    meets it (it was read as requiring a smoking history, and failed them)."""
    rules = inclusion(text)
    assert all(a.text.lower() != "smoking" for a in atoms_of(rules, atom_type="condition"))
    never_smoked = PatientProfile(age_years=39, sex="male", absent_means_no=True,
                                  conditions=[Condition(text="tobacco use", present=False)])
    smoker = PatientProfile(age_years=39, sex="male", absent_means_no=True,
                            conditions=[Condition(text="tobacco use", status="active")])
    assert outcome(rules, never_smoked) == "met"
    assert outcome(rules, smoker) != "met"


@pytest.mark.parametrize("text", ["Former smokers with a smoking history of 10 pack-years or less",
                                  "Current smoker or a smoking history of 10 pack years or more"])
def test_a_habit_named_beside_its_bound_is_still_required(text):
    """Only the atom the bound follows goes: "former smokers" and a lower bound stay."""
    rules = inclusion(text)
    assert atoms_of(rules, atom_type="condition")
    never_smoked = PatientProfile(age_years=39, sex="male", absent_means_no=True,
                                  conditions=[Condition(text="tobacco use", present=False)])
    assert outcome(rules, never_smoked) != "met"
