"""Silence may only help: a complete record's silence settles exclusions and negated
inclusions, but never makes an inclusion fail (matching.evaluate module docs)."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.outcomes import judge_trial
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)
TEXT = """Inclusion Criteria:
- Diagnosis of asthma
- Not pregnant
Exclusion Criteria:
- History of tuberculosis
"""


def judged(**profile):
    trial = TrialSummary(nct_id="NCT00000001", rules=compile_eligibility(TEXT))
    evaluation = evaluate_trial_detailed(trial, PatientFacts(PatientProfile(**profile), AS_OF))
    fast = judge_trial(trial, PatientFacts(PatientProfile(**profile), AS_OF))
    assert fast.verdict == evaluation.verdict  # the fast path follows the same rule
    return [c.outcome for c in evaluation.criteria if c.status != "registry"], evaluation.verdict


def test_complete_record_silent_on_an_inclusion_leaves_it_unknown():
    outcomes, verdict = judged(sex="female", age_years=30, absent_means_no=True)
    # asthma unmentioned: unknown, not "not met"; "not pregnant" and the exclusion: settled
    assert outcomes == ["unknown", "met", "not_met"]
    assert verdict == "possibly_eligible"


def test_an_explicit_no_still_fails_the_inclusion():
    outcomes, verdict = judged(sex="female", age_years=30, absent_means_no=True,
                               conditions=[{"text": "asthma", "present": False}])
    assert outcomes[0] == "not_met" and verdict == "ineligible"


def test_complete_record_with_everything_said_is_eligible():
    outcomes, verdict = judged(sex="female", age_years=30, absent_means_no=True, conditions=[{"text": "asthma"}])
    assert outcomes == ["met", "met", "not_met"] and verdict == "eligible"


def test_a_stated_fact_fails_an_inclusion_even_in_a_complete_record():
    outcomes, _ = judged(sex="female", age_years=30, pregnant=True, absent_means_no=True, conditions=[{"text": "asthma"}])
    assert outcomes[1] == "not_met"


@pytest.mark.parametrize("complete", [False])
def test_without_a_complete_record_silence_is_unknown(complete):
    outcomes, _ = judged(sex="female", age_years=30, absent_means_no=complete)
    assert outcomes == ["unknown", "unknown", "unknown"]


NEGATED_EXCLUSION = """Exclusion Criteria:
- Participant has not been diagnosed with sarcoidosis
"""


def judged_exclusion(**profile):
    trial = TrialSummary(nct_id="NCT00000005", rules=compile_eligibility(NEGATED_EXCLUSION))
    evaluation = evaluate_trial_detailed(trial, PatientFacts(PatientProfile(**profile), AS_OF))
    fast = judge_trial(trial, PatientFacts(PatientProfile(**profile), AS_OF))
    assert fast.verdict == evaluation.verdict and fast.settled_share == evaluation.summary.settled_share
    [result] = [c for c in evaluation.criteria if c.status != "registry"]
    return result


def test_silence_does_not_trigger_a_negated_exclusion():
    # a complete record that never mentions sarcoidosis does not rule the patient out by it
    result = judged_exclusion(sex="male", age_years=50, absent_means_no=True)
    assert result.outcome == "unknown" and result.triggered is None


def test_a_stated_no_still_triggers_a_negated_exclusion():
    result = judged_exclusion(sex="male", age_years=50, absent_means_no=True,
                              conditions=[{"text": "sarcoidosis", "present": False}])
    assert result.outcome == "met" and "sarcoidosis" in result.reason


def test_a_stated_yes_settles_a_negated_exclusion():
    result = judged_exclusion(sex="male", age_years=50, absent_means_no=True, conditions=[{"text": "sarcoidosis"}])
    assert result.outcome == "not_met"


# --- silent requirements: unknown for the verdict, a small step down for the ranking ----------

HCV_TRIAL = """Inclusion Criteria:
- Chronic hepatitis C infection
- Patients with HIV-1 infection
"""
HCV_NOTE = "A 55-year-old man with chronic hepatitis C infection for 2 years, on antiviral drugs."


def _hcv_outcome(note: str, text: str = HCV_TRIAL):
    from matching.note import extract_profile

    trial = TrialSummary(nct_id="NCT00000002", rules=compile_eligibility(text))
    return judge_trial(trial, PatientFacts(extract_profile(note, as_of=AS_OF).profile, AS_OF))


def test_an_inclusion_asking_for_a_condition_the_note_never_mentions_is_a_silent_requirement():
    outcome = _hcv_outcome(HCV_NOTE)
    assert outcome.verdict == "possibly_eligible"  # the verdict: unknown, silence may only help
    assert outcome.silent_requirements == 1


def test_the_full_evaluation_marks_the_same_silent_requirement():
    from matching.note import extract_profile
    from matching.rank import silent_requirements_of

    trial = TrialSummary(nct_id="NCT00000002", rules=compile_eligibility(HCV_TRIAL))
    full = evaluate_trial_detailed(trial, PatientFacts(extract_profile(HCV_NOTE, as_of=AS_OF).profile, AS_OF))
    assert [(c.outcome, c.silent) for c in full.criteria if c.status != "registry"] == [
        ("met", False), ("unknown", True)]
    assert silent_requirements_of(full.criteria) == 1


def test_a_mentioned_condition_is_no_silent_requirement():
    assert _hcv_outcome(HCV_NOTE + " He is also HIV positive.").silent_requirements == 0
    assert _hcv_outcome(HCV_NOTE, "Inclusion Criteria:\n- Chronic hepatitis C infection\n").silent_requirements == 0


def test_silence_counts_only_in_a_complete_record():
    trial = TrialSummary(nct_id="NCT00000002", rules=compile_eligibility(HCV_TRIAL))
    form = PatientProfile(age_years=55, sex="male", conditions=[{"text": "chronic hepatitis C"}])
    assert judge_trial(trial, PatientFacts(form, AS_OF)).silent_requirements == 0


def test_a_silent_requirement_lowers_the_score_a_little_and_never_an_eligible_trials():
    from matching.rank import SILENCE_PENALTY, score_values

    plain = score_values("possibly_eligible", 0.0, 0.5, None, text_relevance=0.8, concept_relevance=0.8)
    silent = score_values("possibly_eligible", 0.0, 0.5, None, text_relevance=0.8, concept_relevance=0.8,
                          silent_requirements=1)
    assert round(plain.score - silent.score, 4) == SILENCE_PENALTY < 0.05
    assert silent.silent_requirements == 1
    eligible = score_values("eligible", 0.0, 1.0, None, text_relevance=0.8, concept_relevance=0.8,
                            silent_requirements=1)
    assert eligible.score == plain.score
