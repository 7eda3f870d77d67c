"""Kinds of one disease that exclude each other (the lexicon's ``exclusive`` groups):
type 1 and type 2 diabetes, Hodgkin and non-Hodgkin lymphoma, small-cell and non-small-cell
lung cancer, ischaemic and haemorrhagic stroke, Crohn disease and ulcerative colitis.

A complete record (a note) that names one kind does not meet an inclusion requiring
another: "not met", with the kind it names as the reason. A note naming only the disease
("diabetes") leaves the kind unknown, and a record that is not complete (a structured
profile) is not read this way. Notes written for the purpose, read by the real note
extractor; criteria compiled by the real compiler; the three evaluation paths agree.
"""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility, terminology
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.note import extract_profile
from matching.profile import Condition, PatientProfile
from matching.trial import TrialSummary
from single_criterion import agreed_result

AS_OF = dt.date(2024, 1, 1)

TYPE2 = "57-year-old man with type 2 diabetes mellitus for 8 years on metformin, HbA1c 8.1%."
DIABETIC = "57-year-old man with diabetes for 8 years, HbA1c 8.1%."
TYPE1 = "22-year-old woman with type 1 diabetes since childhood on an insulin pump."
DLBCL = "66-year-old woman with diffuse large B-cell lymphoma, relapsed after R-CHOP."
HODGKIN = "24-year-old man with classical Hodgkin lymphoma, stage IIB, after ABVD."
SMALL_CELL = "70-year-old man, heavy smoker, with small cell lung cancer, extensive stage."
NON_SMALL = "63-year-old woman with non-small cell lung cancer, adenocarcinoma, EGFR mutation."
INFARCT = "74-year-old man admitted with an acute ischemic stroke, right hemiparesis."
COLITIS = "41-year-old man with ulcerative colitis diagnosed in 2015, on mesalamine."


def trial(text: str) -> TrialSummary:
    return TrialSummary(nct_id="NCT00000001", overall_status="RECRUITING", rules=compile_eligibility(text))


def outcome(inclusion: str, note: str) -> tuple[str, str]:
    """The inclusion's outcome and reason; the three evaluation paths agree (``single_criterion``)."""
    found = agreed_result(inclusion, note)
    return found.outcome, found.reason


@pytest.mark.parametrize("inclusion, note", [
    ("Adults with type 1 diabetes mellitus", TYPE2),
    ("Type 2 diabetes treated with metformin", TYPE1),
    ("Histologically confirmed Hodgkin lymphoma", DLBCL),
    ("Relapsed or refractory non-Hodgkin lymphoma", HODGKIN),
    ("Stage IIIB or IV non-small cell lung cancer", SMALL_CELL),
    ("Extensive-stage small cell lung cancer", NON_SMALL),
    ("Intracerebral hemorrhage confirmed by CT", INFARCT),
    ("Moderate to severe Crohn disease", COLITIS),
])
def test_another_kind_of_the_disease_does_not_meet_the_inclusion(inclusion, note):
    found, reason = outcome(inclusion, note)
    assert found == "not_met"
    assert "a different kind" in reason


@pytest.mark.parametrize("inclusion, note", [
    ("Adults with type 2 diabetes mellitus", TYPE2),
    ("Diabetes mellitus", TYPE1),
    ("Type 1 or type 2 diabetes", TYPE1),
    ("Non-Hodgkin lymphoma", DLBCL),
    ("Lymphoma", HODGKIN),
    ("Small cell or non-small cell lung cancer", SMALL_CELL),
    ("Lung cancer", NON_SMALL),
    ("Ischemic or hemorrhagic stroke", INFARCT),
    ("Inflammatory bowel disease", COLITIS),
])
def test_the_kind_itself_its_parent_or_a_list_of_kinds_is_met(inclusion, note):
    assert outcome(inclusion, note)[0] == "met"


def test_the_parent_disease_alone_leaves_the_kind_unknown():
    assert outcome("Adults with type 1 diabetes mellitus", DIABETIC)[0] == "unknown"
    assert outcome("Adults with type 2 diabetes mellitus", DIABETIC)[0] == "unknown"


def test_a_record_that_is_not_complete_is_not_read_for_other_kinds():
    t = trial("Inclusion Criteria:\n- Adults with type 1 diabetes mellitus")
    profile = PatientProfile(age_years=57, conditions=[Condition(text="type 2 diabetes")])
    result = evaluate_trial_detailed(t, PatientFacts(profile, AS_OF))
    [found] = [c for c in result.criteria if c.status != "registry"]
    assert found.outcome == "unknown"


def test_an_exclusion_of_another_kind_does_not_rule_the_patient_out():
    t = trial("Exclusion Criteria:\n- Type 1 diabetes")
    profile = extract_profile(TYPE2, as_of=AS_OF).profile
    assert evaluate_trial_detailed(t, PatientFacts(profile, AS_OF)).verdict != "ineligible"


def test_kinds_are_concepts_below_their_disease_and_exclude_their_siblings_only():
    assert terminology.resolve("small cell lung cancer") == ["sclc"]
    assert terminology.resolve("NSCLC") == ["nsclc"]
    assert terminology.resolve("diabetes mellitus type 2") == ["diabetes_type2"]
    assert terminology.is_a("non_hodgkin_lymphoma", "lymphoma")
    assert terminology.exclusive_of("hodgkin_lymphoma") == {"non_hodgkin_lymphoma"}
    assert terminology.exclusive_of("lymphoma") == frozenset()
    assert terminology.exclusive_of("diabetes") == frozenset()
    # a concept below a kind is excluded by the kind's siblings too
    assert "sclc" in terminology.exclusive_of("nsclc")


def test_a_kind_named_before_a_list_word_is_read_as_its_own_concept():
    assert terminology.resolve("type 1 or type 2 diabetes") == ["diabetes_type1", "diabetes_type2"]
    assert terminology.resolve("small cell or non-small cell lung cancer") == ["sclc", "nsclc"]
    assert terminology.resolve("hypertension or type 2 diabetes") == ["hypertension", "diabetes_type2"]
