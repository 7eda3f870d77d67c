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
