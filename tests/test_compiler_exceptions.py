"""What a rule excepts ("other than", "except", "excluding") is not an alternative to it:
"current antibiotic treatment other than metronidazole or vancomycin" is not triggered by
metronidazole, "any malignancy other than basal cell carcinoma" not by a basal cell
carcinoma, while another antibiotic or another cancer still counts. Criteria
written for the purpose, compiled by the real compiler; notes read by the real extractor."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import All, Not
from matching.evaluate import evaluate_trial
from matching.note import extract_profile
from matching.trial import TrialSummary
from single_criterion import exclusion_outcome_for_note as exclusion_outcome

AS_OF = dt.date(2024, 1, 1)

ON_EXCEPTED = "67-year-old man with C. difficile colitis, on oral vancomycin and metronidazole since Monday."
ON_OTHER = "67-year-old man with pneumonia, on intravenous antibiotics since Monday."
SKIN = "59-year-old woman with hypertension; a basal cell carcinoma was excised in 2021."
BREAST = "59-year-old woman with hypertension; treated for breast cancer in 2019."

ANTIBIOTICS = "Current antibiotic treatment other than metronidazole or vancomycin"
MALIGNANCY = "Any malignancy except basal cell carcinoma of the skin"


def test_the_excepted_items_are_under_a_negation():
    [criterion] = compile_eligibility("Exclusion Criteria:\n- " + ANTIBIOTICS).criteria
    assert isinstance(criterion.expr, All)
    first, rest = criterion.expr.args
    assert first.atom.concept == "antibiotic"
    assert isinstance(rest, Not)


@pytest.mark.parametrize("criterion, note", [(ANTIBIOTICS, ON_EXCEPTED), (MALIGNANCY, SKIN)])
def test_an_excepted_drug_or_disease_does_not_trigger_the_exclusion(criterion, note):
    assert exclusion_outcome(criterion, note) == "not_met"


@pytest.mark.parametrize("criterion, note", [(ANTIBIOTICS, ON_OTHER), (MALIGNANCY, BREAST)])
def test_another_member_of_the_class_still_counts(criterion, note):
    # met, or unknown where only the record's silence says the excepted item is absent
    # (silence never triggers an exclusion: matching.evaluate)
    assert exclusion_outcome(criterion, note) in ("met", "unknown")


def test_a_list_without_an_exception_word_stays_a_list_of_alternatives():
    [criterion] = compile_eligibility("Exclusion Criteria:\n- Use of antibiotics, metronidazole or vancomycin").criteria
    assert not isinstance(criterion.expr, All)
    assert exclusion_outcome("Use of antibiotics, metronidazole or vancomycin", ON_EXCEPTED) == "met"


HYPERTENSIVE = "58-year-old man with hypertension on lisinopril."


def inclusion_outcome(criterion: str, note: str) -> str:
    rules = compile_eligibility("Inclusion Criteria:\n- " + criterion)
    profile = extract_profile(note, as_of=AS_OF).profile
    result = evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), profile, AS_OF)
    [outcome] = [c.outcome for c in result.criteria if c.status != "registry"]
    return outcome


def test_healthy_or_patients_with_a_disease_is_not_a_healthy_volunteers_rule():
    # the alternative admits patients with a disease: a disease does not fail the rule
    assert inclusion_outcome("Healthy subjects or subjects with well-controlled underlying disease", HYPERTENSIVE) != "not_met"
    assert inclusion_outcome("Healthy volunteers, or patients with a stable chronic illness", HYPERTENSIVE) != "not_met"
    assert inclusion_outcome("Healthy volunteers aged 18 to 75", HYPERTENSIVE) == "not_met"
