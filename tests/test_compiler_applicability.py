"""Rules that can only concern some patients (pregnancy rules) and drug names the
curated lexicon does not list, read through drug_named_entity_recognition."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching.evaluate import evaluate_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary
from test_compiler_support import atoms_of

AS_OF = dt.date(2024, 1, 1)


def exclusion(text: str):
    return compile_eligibility("Exclusion Criteria:\n- " + text)


def outcome(ruleset, **profile) -> str:
    trial = TrialSummary(nct_id="NCT00000001", rules=ruleset)
    result = evaluate_trial(trial, PatientProfile(**profile), AS_OF)
    [criterion] = [c for c in result.criteria if c.status != "registry"]
    return criterion.outcome


@pytest.mark.parametrize("text", ["Pregnant or lactating women", "Pregnancy", "breast-feeding"])
def test_pregnancy_rule_does_not_apply_to_a_man_a_child_or_past_menopause(text):
    rules = exclusion(text)
    assert outcome(rules, sex="male", age_years=40) == "not_applicable"
    assert outcome(rules, sex="female", age_years=5) == "not_applicable"
    assert outcome(rules, sex="female", age_years=70) == "not_applicable"
    assert outcome(rules, sex="female", age_years=30, pregnant=True, breastfeeding=True) == "met"
    assert outcome(rules, sex="female", age_years=30, absent_means_no=True) == "not_met"
    # nothing known: the rule may apply, and nothing says whether she is pregnant
    assert outcome(rules) == "unknown"


def test_postmenopausal_keeps_its_own_meaning():
    rules = exclusion("Postmenopausal women")
    [atom] = atoms_of(rules, atom_type="childbearing_potential")
    assert not atoms_of(rules, atom_type="age")
    assert outcome(rules, sex="male") == "not_applicable"
    assert outcome(rules, sex="female", age_years=70, childbearing_potential=False) == "met"


def test_rule_naming_men_or_other_facts_is_not_restricted():
    assert exclusion("Pregnancy or HIV infection").criteria[0].applies_if is None
    assert compile_eligibility("Inclusion Criteria:\n- Men and women must use effective contraception"
                               ).criteria[0].applies_if is None


def test_drug_names_outside_the_lexicon():
    rules = exclusion("Patients on glibenclamide or nicorandil (these medications may interfere)")
    concepts = {a.concept for a in atoms_of(rules, atom_type="medication")}
    assert concepts == {"term:glyburide", "term:nicorandil"}  # canonical names: glibenclamide = glyburide
    # a complete record that does not list them: not triggered; one that does: triggered
    assert outcome(rules, absent_means_no=True) == "not_met"
    assert outcome(rules, medications=[{"text": "glyburide 5 mg daily"}]) == "met"
    assert outcome(rules) == "unknown"


def test_substances_that_are_not_medications_stay_out():
    rules = exclusion("Oxygen saturation below 90% on room air")
    assert not atoms_of(rules, atom_type="medication")


@pytest.mark.parametrize("text, smoker", [("being a current smoker or smokeless tobacco user", "met"),
                                           # the unread amount ("pack") narrows it: a smoker may smoke less
                                           ("Cigarette smoking > 1 pack per month", "unknown")])
def test_smoking_is_tobacco_use(text, smoker):
    rules = exclusion(text)
    assert {a.concept for a in atoms_of(rules, atom_type="condition")} == {"tobacco_use"}
    assert outcome(rules, age_years=40, absent_means_no=True) == "not_met"
    # as the note extractor names smoking (an age: the rule applies from adolescence)
    assert outcome(rules, age_years=40, conditions=[{"text": "tobacco use"}]) == smoker


@pytest.mark.parametrize("text", ["participant in another clinical trial at the moment",
                                  "Participants in any other interventional study"])
def test_participant_in_another_trial(text):
    assert atoms_of(exclusion(text), atom_type="trial_participation")


def test_cannot_use_a_drug_is_an_intolerance_not_a_negation():
    rules = exclusion("Can not use heparin.")
    [allergy] = atoms_of(rules, atom_type="allergy")
    assert allergy.concept == "heparin" and not atoms_of(rules, atom_type="medication")
    assert outcome(rules, absent_means_no=True) == "not_met"  # was: "not taking heparin" -> triggered
    assert outcome(rules, allergies=[{"text": "heparin"}]) == "met"


def test_missing_consent_is_negated():
    rules = exclusion("missing informed consent")
    assert outcome(rules, can_consent=True) == "not_met"
    assert outcome(rules, can_consent=False) == "met"
