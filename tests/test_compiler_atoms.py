"""One test per atom type, plus negation, windows and units."""

from __future__ import annotations

import pytest

from criteria_rules import compile_eligibility
from test_compiler_support import atoms_of, shape


def inclusion(text: str):
    return compile_eligibility("Inclusion Criteria:\n- " + text)


def exclusion(text: str):
    return compile_eligibility("Exclusion Criteria:\n- " + text)


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("Aged 1 to 14 years", 1, 14),
        ("Age >= 18", 18, None),
        ("18 years or older", 18, None),
        ("Between 18 and 75 years of age", 18, 75),
        ("Patients younger than 65 years", None, 65),
        ("Age 6 months to 17 years", 0.5, 17),
        ("Adults", 18, None),
    ],
)
def test_age(text, low, high):
    [age] = atoms_of(inclusion(text), atom_type="age")
    assert (age.min_years, age.max_years) == (low, high)


def test_age_not_confused_with_durations():
    assert not atoms_of(inclusion("Diabetes for at least 5 years"), atom_type="age")
    assert not atoms_of(inclusion("Life expectancy of at least 2 years"), atom_type="age")


def test_sex():
    [sex] = atoms_of(inclusion("Female patients only"), atom_type="sex")
    assert sex.sex == "female"
    # "Male or female" restricts nothing: either sex (tests/test_compiler_readings.py)
    assert shape(inclusion("Male or female").criteria[0].expr) == "any(sex, sex)"


def test_condition_stage_status_family():
    [c] = atoms_of(inclusion("Histologically confirmed stage IV breast cancer"), atom_type="condition")
    assert (c.concept, c.stage) == ("breast_cancer", "IV")
    [h] = atoms_of(exclusion("History of myocardial infarction"), atom_type="condition")
    assert (h.concept, h.status) == ("myocardial_infarction", "history")
    [f] = atoms_of(exclusion("Family history of colorectal cancer"), atom_type="condition")
    assert f.family


def test_procedure_subtype_window_and_planned():
    [p] = atoms_of(exclusion("Allogeneic stem cell transplant within 3 months"), atom_type="procedure")
    assert (p.concept, p.subtype, p.window.relation, p.window.days) == ("hsct_allogeneic", "allogeneic", "within", 91.25)
    [s] = atoms_of(inclusion("Scheduled to undergo surgery"), atom_type="procedure")
    assert s.planned
    [rt] = atoms_of(exclusion("Prior radiotherapy to the pelvis"), atom_type="procedure")
    assert rt.site == "pelvis"


def test_window_more_than():
    [p] = atoms_of(inclusion("At least 6 months since prior chemotherapy"), atom_type="procedure")
    assert (p.window.relation, p.window.days) == ("more_than", 182.5)


@pytest.mark.parametrize("text, relation, days", [
    ("Headache lasting more than 3 days", "more_than", 3),
    ("Cough for at least two weeks", "more_than", 14),
    ("Vomiting for less than 48 hours", "within", 2),
])
def test_condition_duration_is_a_window_on_its_onset(text, relation, days):
    [c] = atoms_of(inclusion(text), atom_type="condition")
    assert (c.window.relation, c.window.days) == (relation, days)
    assert inclusion(text).criteria[0].status == "compiled"


def test_duration_goes_to_conditions_only_and_never_takes_an_age():
    [p] = atoms_of(inclusion("Radiotherapy for at least 4 weeks"), atom_type="procedure")
    assert p.window is None
    [c] = atoms_of(inclusion("Asthmatic patients aged over 12 years"), atom_type="condition")
    assert c.window is None


@pytest.mark.parametrize("text, analyte, comparator, number, unit", [
    ("Body temperature above 38.5 °C", "body_temperature", ">", 38.5, "degC"),
    ("Oral temperature of at least 100.4 degrees Fahrenheit", "body_temperature", ">=", 38.0, "degC"),
    ("Pulse rate below 50 beats per minute", "heart_rate", "<", 50, "1/min"),
    ("Respiratory rate > 24 breaths/min", "respiratory_rate", ">", 24, "1/min"),
])
def test_vital_sign_thresholds(text, analyte, comparator, number, unit):
    [lab] = atoms_of(inclusion(text), atom_type="lab")
    assert (lab.analyte, lab.comparator, round(lab.value, 2), lab.unit) == (analyte, comparator, number, unit)


def test_negation_in_inclusion():
    rs = inclusion("No prior radiotherapy")
    assert shape(rs.criteria[0].expr) == "not(radiotherapy)"
    rs = inclusion("No HIV or hepatitis B")
    assert shape(rs.criteria[0].expr) == "not(any(hiv, hepatitis_b))"


def test_non_prefix_negates_only_the_word_it_prefixes():
    # "non-licensed vaccines" are vaccines; "non-steroidal" drugs are drugs
    rs = exclusion("Licensed or non-licensed vaccines within 4 weeks")
    assert shape(rs.criteria[0].expr) == "vaccination"
    rs = exclusion("Implanted non-MRI-compatible pacemaker")
    assert "not(" not in shape(rs.criteria[0].expr)
    # ... but a word it prefixes is negated, with or without the hyphen
    rs = exclusion("Non-infectious fever")
    assert "not(infection)" in shape(rs.criteria[0].expr)
    rs = exclusion("non hepatitis B liver disease")
    assert "not(hepatitis_b)" in shape(rs.criteria[0].expr)


def test_asa_score_is_the_anaesthesia_score_not_aspirin():
    [lab] = atoms_of(exclusion("ASA score of 3 or more"), atom_type="lab")
    assert (lab.analyte, lab.value) == ("asa_physical_status", 3.0)
    assert not atoms_of(exclusion("ASA class > 2"), atom_type="medication")
    [drug] = atoms_of(exclusion("Daily ASA 325 mg"), atom_type="medication")
    assert drug.concept == "aspirin"


def test_medication_dose_limit():
    [m] = atoms_of(exclusion("Systemic corticosteroids > 10 mg/day of prednisone or equivalent"), atom_type="medication")
    assert (m.concept, m.dose.value, m.dose_comparator, m.dose_of) == ("corticosteroid", 10.0, ">", "prednisone")


@pytest.mark.parametrize(
    "text, analyte, comparator, value, unit, uln",
    [
        ("ANC >= 1.5 x 10^9/L", "anc", ">=", 1.5, "10^9/L", False),
        ("Platelets at least 100,000/mm3", "platelets", ">=", 100.0, "10^9/L", False),
        ("Creatinine clearance ≥ 60 mL/min", "creatinine_clearance", ">=", 60.0, "mL/min", False),
        ("Total bilirubin =< 1.5 x ULN", "bilirubin", "<=", 1.5, "", True),
        ("Hemoglobin more than 9 g/dL", "hemoglobin", ">", 9.0, "g/dL", False),
        ("Serum albumin less than 30 g/L", "albumin", "<", 3.0, "g/dL", False),
        ("Serum creatinine ≤ 133 µmol/L", "creatinine", "<=", 1.5, "mg/dL", False),
    ],
)
def test_labs_and_units(text, analyte, comparator, value, unit, uln):
    [lab] = atoms_of(inclusion(text), atom_type="lab")
    assert (lab.analyte, lab.comparator, lab.unit, lab.uln_multiple) == (analyte, comparator, unit, uln)
    assert lab.value == pytest.approx(value, rel=0.01)


def test_childbearing_potential_applies_if():
    rs = inclusion("Women of childbearing potential must agree to use effective contraception")
    c = rs.criteria[0]
    assert shape(c.applies_if) == "childbearing_potential"
    assert shape(c.expr) == "contraception"


def test_negative_pregnancy_test():
    assert shape(inclusion("Negative serum pregnancy test").criteria[0].expr) == "not(pregnancy)"


def test_consent_and_inability():
    assert shape(inclusion("Able to give written informed consent").criteria[0].expr) == "consent"
    assert shape(exclusion("Unable to provide informed consent").criteria[0].expr) == "not(consent)"


def test_a_rule_for_women_is_not_a_sex_restriction():
    [criterion] = inclusion("Female participants have an adequate birth-control method").criteria
    assert shape(criterion.expr) == "contraception" and criterion.status == "compiled"
    assert shape(criterion.applies_if) == "sex"
    [need] = inclusion("Women need to use contraception").criteria
    assert shape(need.expr) == "contraception" and shape(need.applies_if) == "sex"


@pytest.mark.parametrize("text", [
    "Willing to return for every study visit",
    "Must be able to keep all clinic appointments during the trial",
    "Adheres to the study protocol",
    "Participants agree to donate tissue samples for research",
    "The participant is voluntary",
    "Able and willing to follow study instructions",
])
def test_willingness_to_follow_the_study(text):
    result = inclusion(text).criteria[0]
    assert shape(result.expr) == "compliance" and result.status == "compiled"


def test_unwillingness_and_non_compliance_are_negated():
    assert shape(exclusion("Subjects unwilling to attend follow-up visits").criteria[0].expr) == "not(compliance)"
    assert shape(exclusion("History of non-compliance with study procedures").criteria[0].expr) == "not(compliance)"


def test_willing_to_use_contraception_is_not_compliance():
    assert not atoms_of(inclusion("Willing to adhere to contraception requirements"), atom_type="compliance")
    assert not atoms_of(inclusion("Able to swallow tablets"), atom_type="compliance")


@pytest.mark.parametrize(
    "text, scale, comparator, value",
    [
        ("ECOG performance status 0-2", "ecog", "<=", 2),
        ("ECOG ≤ 1", "ecog", "<=", 1),
        ("Karnofsky performance status >= 70%", "karnofsky", ">=", 70),
        ("Lansky score of at least 50", "lansky", ">=", 50),
    ],
)
def test_performance_status(text, scale, comparator, value):
    [ps] = atoms_of(inclusion(text), atom_type="performance_status")
    assert (ps.scale, ps.comparator, ps.value) == (scale, comparator, value)


def test_life_expectancy():
    [le] = atoms_of(inclusion("Life expectancy of at least 3 months"), atom_type="life_expectancy")
    assert (le.comparator, le.months) == (">=", 3.0)


def test_trial_participation_and_healthy_volunteers_and_allergy():
    [t] = atoms_of(exclusion("Received an investigational drug within 30 days"), atom_type="trial_participation")
    assert t.window.days == 30
    assert atoms_of(inclusion("Healthy volunteers"), atom_type="healthy_volunteer")
    [a] = atoms_of(exclusion("Known hypersensitivity to penicillin"), atom_type="allergy")
    assert a.concept != "investigational_product" and a.concept
    [b] = atoms_of(exclusion("Allergy to any component of the study drug"), atom_type="allergy")
    assert b.concept == "investigational_product"


def test_spans_point_into_the_text():
    text = "Exclusion Criteria:\n- Patients with HIV infection"
    rs = compile_eligibility(text)
    [hiv] = atoms_of(rs, atom_type="condition")
    assert text[hiv.span.start : hiv.span.end] == "HIV infection"
    c = rs.criteria[0]
    assert text[c.span.start : c.span.end] == "Patients with HIV infection"


def test_partial_lists_unparsed_words():
    c = inclusion("Hemoglobin more than 9 g/dL and willing to wear a wristband actigraph").criteria[0]
    assert c.status == "partial" and any("wristband" in u for u in c.unparsed)
