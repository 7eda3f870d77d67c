"""One exclusion criterion, compiled alone, judged for one patient: the helper that the
reading tests share (compile -> evaluate -> the criterion's outcome)."""

from __future__ import annotations

import datetime as dt

from criteria_rules import compile_eligibility
from matching.evaluate import evaluate_trial
from matching.note import extract_profile
from matching.profile import PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)


def exclusion_outcome(text: str, profile: PatientProfile) -> str:
    """The outcome of the exclusion ``text`` for ``profile`` (registry limits left aside)."""
    rules = compile_eligibility("Exclusion Criteria:\n- " + text)
    result = evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), profile, AS_OF)
    [outcome] = [c.outcome for c in result.criteria if c.status != "registry"]
    return outcome


def exclusion_outcome_for_note(text: str, note: str) -> str:
    """``exclusion_outcome`` for the profile the note reader extracts from ``note``."""
    return exclusion_outcome(text, extract_profile(note, as_of=AS_OF).profile)


def exclusion_outcome_for_fields(text: str, **fields) -> str:
    """``exclusion_outcome`` for ``PatientProfile(**fields)``."""
    return exclusion_outcome(text, PatientProfile(**fields))


def inclusion_rules(text: str):
    """The RuleSet of a lone inclusion criterion."""
    return compile_eligibility("Inclusion Criteria:\n- " + text)


def exclusion_rules(text: str):
    """The RuleSet of a lone exclusion criterion."""
    return compile_eligibility("Exclusion Criteria:\n- " + text)


def ruleset_outcome(ruleset, profile: PatientProfile) -> str:
    """The outcome of a lone criterion's RuleSet for ``profile``, once the fast path has been
    checked against the full evaluation (``test_matching_support.criteria_by_text``)."""
    from test_matching_support import criteria_by_text

    [result] = criteria_by_text(TrialSummary(nct_id="NCT00000001", rules=ruleset), profile, AS_OF).values()
    return result.outcome


def agreed_result(criterion: str, note: str, kind: str = "Inclusion"):
    """The criterion's result (outcome, reason ...) by the full evaluation for the profile the
    note reader extracts from ``note``; the judging fast path and the question ballot must
    agree with it."""
    from matching.ballots import ballot
    from matching.evaluate import evaluate_trial_detailed
    from matching.facts import PatientFacts
    from matching.outcomes import judge_trial
    from test_matching_outcomes import assert_same_as_full_evaluation

    t = TrialSummary(nct_id="NCT00000001", overall_status="RECRUITING",
                     rules=compile_eligibility(f"{kind} Criteria:\n- {criterion}"))
    profile = extract_profile(note, as_of=AS_OF).profile
    full = evaluate_trial_detailed(t, PatientFacts(profile, AS_OF))
    assert judge_trial(t, PatientFacts(profile, AS_OF)).verdict == full.verdict
    assert_same_as_full_evaluation([t], profile)
    voted = ballot(t, PatientFacts(profile, AS_OF), full.verdict)
    assert [c.outcome for c in voted.criteria] == [c.outcome for c in full.criteria]
    [found] = [c for c in full.criteria if c.status != "registry"]
    return found
