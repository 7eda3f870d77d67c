"""A trial does not exclude the disease it studies (matching.trial_subject): notes written
for the purpose, read by the real note extractor, against criteria compiled by the real
compiler, through the full evaluation, the fast path, the ballots and the engine."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching.ballots import ballot
from matching.engine import match_trials
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.note import extract_profile
from matching.outcomes import judge_trial
from matching.trial import TrialSummary
from matching.trial_subject import subject_concepts_of
from test_matching_outcomes import assert_same_as_full_evaluation

AS_OF = dt.date(2024, 1, 1)

EARLY = ("62-year-old woman with ER-positive breast cancer of the right breast, stage II, diagnosed in 2023 "
         "on core biopsy. Hypertension on lisinopril.")
SPREAD = "58-year-old woman with stage IV breast cancer, metastases to bone and liver."
TB = "45-year-old man with pulmonary tuberculosis, sputum smear positive, started on isoniazid and rifampin."

BREAST = """Inclusion Criteria:
- Histologically confirmed breast cancer
- No clinical evidence of distant metastases
Exclusion Criteria:
- Prior history of malignancy
- Stage IV breast cancer
"""
# the same two criteria about cancer, in a trial about blood pressure
PRESSURE = """Inclusion Criteria:
- Diagnosis of hypertension
- No prior cancer
Exclusion Criteria:
- Prior history of malignancy
"""
TB_TEXT = """Inclusion Criteria:
- Adults aged 18 to 65
Exclusion Criteria:
- Bacterial infection
"""


def profile_of(note: str):
    return extract_profile(note, as_of=AS_OF).profile


def trial(text: str, conditions: tuple[str, ...] = (), nct_id: str = "NCT00000001") -> TrialSummary:
    return TrialSummary(nct_id=nct_id, overall_status="RECRUITING", conditions=conditions,
                        rules=compile_eligibility(text))


def outcomes(t: TrialSummary, note: str) -> tuple[dict[str, str], str, dict[str, str]]:
    """{criterion text: outcome}, the verdict and {criterion text: reason}, by the full
    evaluation; the fast path and the ballot must agree with it."""
    profile = profile_of(note)
    full = evaluate_trial_detailed(t, PatientFacts(profile, AS_OF))
    assert judge_trial(t, PatientFacts(profile, AS_OF)).verdict == full.verdict
    assert_same_as_full_evaluation([t], profile)
    voted = ballot(t, PatientFacts(profile, AS_OF), full.verdict)
    assert [c.outcome for c in voted.criteria] == [c.outcome for c in full.criteria]
    return ({c.text: c.outcome for c in full.criteria}, full.verdict,
            {c.text: c.reason for c in full.criteria})


@pytest.mark.parametrize("conditions", [("Breast Cancer",), ()], ids=["registry-conditions", "criteria-only"])
def test_a_breast_cancer_trial_does_not_exclude_breast_cancer_as_a_prior_malignancy(conditions):
    found, verdict, reasons = outcomes(trial(BREAST, conditions), EARLY)
    assert found["Histologically confirmed breast cancer"] == "met"
    # both read "cancer" and the patient's breast cancer satisfied them: they mean another one
    assert found["Prior history of malignancy"] == "unknown"
    assert found["No clinical evidence of distant metastases"] == "unknown"
    assert "the condition this trial studies" in reasons["Prior history of malignancy"]
    assert verdict == "possibly_eligible"


def test_the_same_criteria_in_a_trial_about_something_else_still_rule_the_patient_out():
    found, verdict, _ = outcomes(trial(PRESSURE, ("Hypertension",)), EARLY)
    assert found["Prior history of malignancy"] == "met"
    assert found["No prior cancer"] == "not_met"
    assert verdict == "ineligible"


def test_a_stage_of_the_studied_disease_still_excludes():
    found, verdict, reasons = outcomes(trial(BREAST, ("Breast Cancer",)), SPREAD)
    assert found["Stage IV breast cancer"] == "met"
    # the note says it spread: not cleared as "the condition this trial studies" (the unread
    # "distant" leaves it open: matching.unread_qualifiers)
    assert found["No clinical evidence of distant metastases"] != "met"
    assert "the condition this trial studies" not in reasons["No clinical evidence of distant metastases"]
    assert verdict == "ineligible"


def test_an_infection_trial_is_not_closed_to_its_own_infection():
    # tuberculosis is a bacterial infection, but it is what this trial studies
    found, verdict, _ = outcomes(trial(TB_TEXT, ("Tuberculosis",)), TB)
    assert found["Bacterial infection"] == "unknown"
    assert verdict != "ineligible"
    found, verdict, _ = outcomes(trial(TB_TEXT, ("Hypertension",)), TB)
    assert found["Bacterial infection"] == "met"


def test_subject_is_conditions_and_required_conditions_not_negated_or_excluded_ones():
    subject = subject_concepts_of(trial(BREAST, ("Breast Cancer",)))
    assert "breast_cancer" in subject
    assert "malignancy" not in subject  # only under "no ..." and in an exclusion
    assert subject_concepts_of(trial(TB_TEXT)) == frozenset()


def test_engine_ranks_the_on_topic_trial_without_the_ruled_out_penalty():
    on_topic = trial(BREAST, ("Breast Cancer",), "NCT00000001")
    off_topic = trial(PRESSURE, ("Hypertension",), "NCT00000002")
    result = match_trials(profile_of(EARLY), [on_topic, off_topic], as_of=AS_OF, limit=2)
    by_id = {t.nct_id: t for t in result.trials}
    assert by_id["NCT00000001"].verdict == "possibly_eligible"
    assert by_id["NCT00000001"].score.confident_failures == 0
    assert by_id["NCT00000002"].verdict == "ineligible"
    assert [t.nct_id for t in result.trials][0] == "NCT00000001"


def test_an_inclusion_the_subject_fails_by_its_timing_still_fails():
    # the trial requires the condition for longer than the patient has had it: that is a
    # real "not met", not the subject mistaken for something else
    text = """Inclusion Criteria:
- Type 2 diabetes for at least 10 years
"""
    note = "50-year-old man with type 2 diabetes diagnosed 2 years ago, on metformin."
    found, verdict, _ = outcomes(trial(text, ("Type 2 Diabetes",)), note)
    assert found["Type 2 diabetes for at least 10 years"] == "not_met"
    assert verdict == "ineligible"


GENERIC = ("42-year-old woman. Core biopsy revealed a 1.8 cm infiltrating ductal breast carcinoma. Lumpectomy was "
           "done. The tumor was HER2-positive.")
SECOND_CANCER = ("62-year-old woman with ER-positive breast cancer of the right breast, diagnosed in 2023. "
                 "Treated for lung cancer in 2015.")


def test_the_studied_disease_named_generally_is_still_the_studied_disease():
    """"The tumor" (neoplasm) beside "ductal breast carcinoma" is the same tumour named generally:
    it does not make "prior history of malignancy" hold when the breast cancer alone does not
    (TREC 2021 topic 25, NCT00148668)."""
    profile = profile_of(GENERIC)
    assert {"neoplasm", "ductal breast carcinoma"} <= {c.text for c in profile.conditions}
    found, verdict, _ = outcomes(trial(BREAST), GENERIC)
    assert found["Prior history of malignancy"] == "unknown"
    assert verdict == "possibly_eligible"


def test_another_named_cancer_still_excludes():
    found, verdict, _ = outcomes(trial(BREAST), SECOND_CANCER)
    assert found["Prior history of malignancy"] == "met"
    assert verdict == "ineligible"
