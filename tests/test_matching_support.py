"""Shared helper for matching tests: evaluate a trial in full and check that the fast path
(matching.outcomes) agrees with it, criterion by criterion and in the verdict, and that the
explanation a page shows (matching.explain) is the full evaluation."""

from __future__ import annotations

import datetime as dt

from matching.evaluate import evaluate_trial_detailed
from matching.explain import explain_trial
from matching.facts import PatientFacts
from matching.outcomes import judge_trial, top_outcome, trial_plans
from matching.profile import PatientProfile
from matching.rank import failures_of
from matching.trial import TrialSummary
from matching.trial_subject import Subject


def criteria_by_text(trial: TrialSummary, profile: PatientProfile, as_of: dt.date) -> dict[str, object]:
    """The trial's criterion results by criterion text (registry rows left out), once the
    fast path has been checked against the full evaluation."""
    evaluation = evaluate_trial_detailed(trial, PatientFacts(profile, as_of))
    fast_facts = PatientFacts(profile, as_of)
    subject = Subject(trial, fast_facts)
    fast = [top_outcome(p, trial.nct_id, fast_facts, subject) for p in trial_plans(trial, fast_facts)]
    assert fast == [c.outcome for c in evaluation.criteria]  # the fast path agrees
    outcome = judge_trial(trial, PatientFacts(profile, as_of))
    assert (outcome.verdict, outcome.settled_share) == (evaluation.verdict, evaluation.summary.settled_share)
    assert (outcome.confident_failures, outcome.doubtful_failures) == failures_of(evaluation.criteria)
    explained = explain_trial(trial, PatientFacts(profile, as_of))  # the page's explanation agrees
    assert explained.to_result() == evaluation.to_result()
    return {c.text: c for c in evaluation.criteria if c.status != "registry"}
