"""Age cohorts written as separate inclusion items are alternatives (criteria_rules.cohorts):
the compiled trial admits the union of the cohorts' ages, not their intersection."""

from __future__ import annotations

import datetime as dt

from bench.compile_corpus import text_age_bounds
from criteria_rules import compile_eligibility
from criteria_rules.cohorts import ANY_TEXT, cohort_label, header_cohort
from criteria_rules.ir import AgeAtom, iter_atoms, iter_criteria
from matching.evaluate import evaluate_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)


def verdict(ruleset, **profile) -> str:
    trial = TrialSummary(nct_id="NCT00000001", rules=ruleset)
    return evaluate_trial(trial, PatientProfile(**profile), AS_OF).verdict


def test_children_and_adults_items_are_alternatives():
    rs = compile_eligibility(
        "Inclusion Criteria:\n"
        "- Children: Up to 18 yrs. Refractory to at least 2 previous therapy lines.\n"
        "- Adults: 18-75 yrs. Refractory to at least 2 previous therapy lines. ECOG <2.\n"
        "- Measurable disease.\n"
        "Exclusion Criteria:\n"
        "- Pregnancy."
    )
    group, measurable, pregnancy = rs.criteria
    assert group.text == ANY_TEXT and group.combine == "any" and group.kind == "inclusion"
    assert [c.id for c in group.children] == ["inc-1.1", "inc-1.2"]
    assert group.children[0].text.startswith("Children:") and group.children[1].text.startswith("Adults:")
    # the other items keep their place and get the ids the new outline implies
    assert (measurable.id, measurable.text) == ("inc-2", "Measurable disease.")
    assert pregnancy.id == "exc-1"
    assert text_age_bounds(rs) == (None, 75)


def test_a_cohort_is_enough_for_the_matcher():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Children: 2-17 years of age with asthma\n- Adults 18-75 years with asthma"
    )
    assert verdict(rs, age_years=10, conditions=[{"text": "asthma"}]) == "eligible"
    assert verdict(rs, age_years=40, conditions=[{"text": "asthma"}]) == "eligible"
    assert verdict(rs, age_years=80, conditions=[{"text": "asthma"}]) == "ineligible"


def test_arms_labelled_in_brackets():
    rs = compile_eligibility(
        "Inclusion Criteria:\n"
        "- Multiple Myeloma: stage II or III, symptomatic, requiring treatment.\n"
        "- Age greater than or equal to 1 year but less than or equal to 55 years (Myeloablative Regimen 4).\n"
        "- Age greater than 55 years and less than or equal to 80 years (Nonmyeloablative Regimen 2)\n"
        "- Zubrod performance status less than 3."
    )
    assert text_age_bounds(rs) == (1, 80)
    [group] = [c for c in rs.criteria if c.combine == "any"]
    assert len(group.children) == 2


def test_sexes_with_their_own_ages():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Male patients older than 50 yrs old.\n- Female patients older than 40 years old.\n"
        "Exclusion Criteria:\n- Patients under 20 years old"
    )
    assert text_age_bounds(rs) == (40, None)
    assert verdict(rs, age_years=45, sex="female") != "ineligible"
    assert verdict(rs, age_years=45, sex="male") == "ineligible"


def test_an_age_for_everyone_stays_beside_the_cohorts():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Age 18 years or older\n- Women: up to 50 years of age\n- Men: up to 60 years of age"
    )
    general, group = rs.criteria
    assert general.text == "Age 18 years or older" and general.combine is None
    assert group.combine == "any" and len(group.children) == 2
    assert text_age_bounds(rs) == (18, 60)


def test_repeated_inclusion_sections_are_two_populations():
    rs = compile_eligibility(
        "Criteria breast augmentation:\n\nInclusion criteria\n\nAge 18 - 50 years\nBMI 18-30\n\n"
        "Exclusion criteria\n\nSmoking\n\nCriteria fascial filling\n\nInclusion criteria\n\nAge 25 - 65 years\n\n"
        "Exclusion criteria\n\nActive infection"
    )
    assert text_age_bounds(rs) == (18, 65)


def test_population_headers_name_their_kind_and_cohort():
    rs = compile_eligibility(
        "Donor-Inclusion Criteria:\n\n1. Pregnant women who are aged >= 20, <50 years old on the date of consent.\n"
        "2. Pregnant women whose gestation age >= 34 weeks.\n\nDonor-Exclusion Criteria:\n\n"
        "1. Pregnant women who tested positive for HIV.\n\nSubject-Inclusion Criteria:\n\n"
        "1. Male or female who are age >= 20, <= 80 years old on date of consent.\n"
        "2. Acute ischemic stroke within the past 36 hours.\n\nSubject-Exclusion Criteria:\n\n1. Severe aortic stenosis."
    )
    kinds = {c.text: c.kind for c in iter_criteria(rs.criteria)}
    assert kinds["Pregnant women who tested positive for HIV."] == "exclusion"
    assert kinds["Severe aortic stenosis."] == "exclusion"
    assert text_age_bounds(rs) == (20, 80)


def test_sub_headers_naming_cohorts():
    rs = compile_eligibility(
        "Inclusion Criteria:\n\nHealthy volunteers:\n- Aged 18 to 45 years\n- BMI between 18 and 30 kg/m2\n"
        "Patients:\n- Aged 40 to 80 years\n- Diagnosis of Parkinson's disease\n- On a stable dose of levodopa"
    )
    assert text_age_bounds(rs) == (18, 80)


def test_several_items_of_one_cohort_hold_together():
    rs = compile_eligibility(
        "Inclusion Criteria:\nCohort A:\n- Age 18 years or older\n- Age 65 years or younger\n"
        "Cohort B:\n- Age 66 years or older"
    )
    [group] = rs.criteria
    first, second = group.children
    assert first.combine == "all" and [c.text for c in first.children] == ["Age 18 years or older", "Age 65 years or younger"]
    assert second.text == "Age 66 years or older"
    assert text_age_bounds(rs) == (18, None)
    assert [c.id for c in iter_criteria(rs.criteria)] == ["inc-1", "inc-1.1", "inc-1.1.1", "inc-1.1.2", "inc-1.2"]


def test_ages_that_cannot_hold_together_are_alternatives():
    rs = compile_eligibility("Inclusion Criteria:\n- Age 1 to 55 years\n- Age 56 to 80 years")
    assert text_age_bounds(rs) == (1, 80)


def test_overlapping_ages_of_one_population_still_intersect():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Aged 30 to 70 years\n- Non-pregnant females of age >= 18 years\n- Age under 65"
    )
    assert all(c.combine is None for c in rs.criteria)
    assert text_age_bounds(rs) == (30, 65)


def test_exclusions_and_conditions_are_never_grouped():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Adults: aged 18 to 60 years\n- Karnofsky score 60% or greater if 10 yrs old or older\n"
        "Exclusion Criteria:\n- Children: under 2 years\n- Age over 75"
    )
    assert all(c.combine is None for c in rs.criteria)
    ages = [a for c in iter_criteria(rs.criteria) for a in iter_atoms(c.expr) if isinstance(a, AgeAtom)]
    assert len(ages) == 3


def test_labels():
    assert cohort_label("Children: up to 18 years") == "children"
    assert cohort_label("Healthy volunteers - aged 18 to 45") == "healthy volunteers"
    assert cohort_label("Age 1 to 55 years (Myeloablative Regimen 4).") == "myeloablative regimen 4"
    assert cohort_label("Age: 18 to 75 years") is None
    assert cohort_label("Patients must have measurable disease") is None
    assert header_cohort("Cohort A") == "cohort a"
    assert header_cohort("Part 2 (dose expansion):") == "part 2 (dose expansion)"
    assert header_cohort("Hepatic") is None
    assert header_cohort("Inclusion Criteria") is None
