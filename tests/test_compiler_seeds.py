"""The seed trials compile to the rules a clinician would write."""

from __future__ import annotations

import pytest

from criteria_rules import compile_eligibility, explain
from criteria_rules.ir import TrialFacts
from test_compiler_support import atoms_of, criteria_by_kind, find_criterion, shape

NCT06599346 = """Inclusion Criteria:
  • Participants aged 18 years or older.
  • Patients who have undergone hematopoietic stem cell transplantation (HSCT).
  • Patients who have developed mucosal injuries (oral, skin, or bladder) after HSCT, chemotherapy, or radiotherapy.
  • Patients who are willing to provide informed consent and comply with the study procedures.
  • Exclusion Criteria:
  • Patients with severe organ dysfunction (e.g., heart, liver, kidney failure) that could interfere with the study.
  • Patients with uncontrolled active infections.
  • Known allergies or hypersensitivity to MSC supernatant.
  • Pregnant or breastfeeding women.
  • Patients with HIV or active hepatitis B or C infections.
  • Patients who have participated in another clinical trial within the last 4 weeks."""

NCT06536712 = (
    "Inclusion Criteria: -Patients with Stage II-III rectal cancer who underwent neoadjuvant chemoradiation "
    "therapy and are candidates for low anterior resection surgery Exclusion Criteria: - Patients who need "
    "emergency surgery (presenting with peritonitis or signs of obstruction) - Patients with apparent "
    "malnutrition or patients who have serum albumin levels of less than 3 g/dl - Patients who receive "
    "corticosteroids ( an equivalent dose of prednisolone 5 mg/day or more) - Patients with chronic pulmonary "
    "disease - Patients who need more than two units of blood transfusion perioperatively"
)

NCT05862675 = """Inclusion Criteria:
  • Clinical diagnosis of specific lung diseases, such as ALI/ARDS, asthma, et al.

  • Voluntary inclusion of researchers.

Exclusion Criteria:
  • Patients with hemodynamic instability

  • Patients with pulmonary hypertension

  • Patients with congenital heart disease, congenital genetic metabolic disease, epilepsy, acute and chronic renal insufficiency, nephrotic syndrome, diabetes, etc."""


@pytest.fixture(scope="module")
def hsct_mucositis():
    return compile_eligibility(NCT06599346)


def test_nct06599346_inclusions(hsct_mucositis):
    rs = hsct_mucositis
    age = atoms_of(rs, "inclusion", "age")
    assert [(a.min_years, a.max_years) for a in age] == [(18.0, None)]
    hsct = find_criterion(rs, "undergone hematopoietic")
    assert shape(hsct.expr) == "hsct" and hsct.status == "compiled"
    mucosal = find_criterion(rs, "mucosal injuries")
    assert shape(mucosal.expr) == "all(mucositis, any(hsct, chemotherapy, radiotherapy))"
    assert atoms_of(rs, "inclusion", "consent")


def test_nct06599346_exclusions(hsct_mucositis):
    rs = hsct_mucositis
    assert shape(find_criterion(rs, "Pregnant or breastfeeding").expr) == "any(pregnancy, breastfeeding)"
    infections = find_criterion(rs, "HIV or active hepatitis")
    assert shape(infections.expr) == "any(hiv, hepatitis_b, hepatitis_c)"
    hep = [a for a in atoms_of(rs, "exclusion", "condition") if a.concept.startswith("hepatitis")]
    assert {a.status for a in hep} == {"active"}
    trial = atoms_of(rs, "exclusion", "trial_participation")[0]
    assert trial.window.relation == "within" and trial.window.days == 28
    allergy = atoms_of(rs, "exclusion", "allergy")[0]
    assert allergy.concept == "investigational_product"
    assert shape(find_criterion(rs, "uncontrolled active").expr) == "active_infection"
    assert shape(find_criterion(rs, "organ dysfunction").expr) == "organ_dysfunction"
    assert all(c.status == "compiled" for c in criteria_by_kind(rs, "exclusion"))
    assert [c.id for c in rs.criteria] == ["inc-1", "inc-2", "inc-3", "inc-4", "exc-1", "exc-2", "exc-3", "exc-4", "exc-5", "exc-6"]


def test_nct06536712_flattened_single_paragraph():
    rs = compile_eligibility(NCT06536712, TrialFacts(min_age_years=18, max_age_years=75))
    assert len(criteria_by_kind(rs, "inclusion")) == 1
    assert len(criteria_by_kind(rs, "exclusion")) == 5
    albumin = atoms_of(rs, "exclusion", "lab")[0]
    assert (albumin.analyte, albumin.comparator, albumin.value, albumin.unit) == ("albumin", "<", 3.0, "g/dL")
    steroid = atoms_of(rs, "exclusion", "medication")[0]
    assert steroid.concept == "corticosteroid"
    assert (steroid.dose.value, steroid.dose.unit, steroid.dose_comparator, steroid.dose_of) == (5.0, "mg/day", ">=", "prednisolone")
    rectal = [a for a in atoms_of(rs, "inclusion", "condition") if a.concept == "rectal_cancer"][0]
    assert rectal.stage == "II-III"
    procedures = {a.concept for a in atoms_of(rs, "inclusion", "procedure")}
    assert "chemoradiotherapy" in procedures
    assert rs.facts.min_age_years == 18 and rs.facts.max_age_years == 75


def test_nct05862675_children_lung_disease():
    facts = TrialFacts(min_age_years=1, max_age_years=14, healthy_volunteers=True)
    rs = compile_eligibility(NCT05862675, facts)
    assert rs.facts.healthy_volunteers is True and rs.facts.max_age_years == 14
    assert shape(find_criterion(rs, "lung diseases").expr) == "lung_disease"
    excluded = {a.concept for a in atoms_of(rs, "exclusion", "condition")}
    assert {"pulmonary_hypertension", "congenital_heart_disease", "epilepsy", "renal_insufficiency", "diabetes"} <= excluded
    listing = find_criterion(rs, "congenital heart disease")
    assert shape(listing.expr).startswith("any(")  # any listed disease excludes
    voluntary = find_criterion(rs, "Voluntary inclusion")
    assert voluntary.status == "unsupported" and voluntary.expr is None  # kept, to ask later


def test_riom_trial_with_empty_text():
    rs = compile_eligibility("")
    assert rs.criteria == [] and "no eligibility criteria text" in rs.warnings
    assert compile_eligibility(None).warnings == rs.warnings


def test_explain_outlines_every_criterion(hsct_mucositis):
    text = explain(hsct_mucositis)
    assert "exc-6 [exclusion, compiled]" in text
    assert "other-trial participation within 28 days" in text
