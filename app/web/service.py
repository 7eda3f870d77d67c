"""The one place the pages call matching: ``app.match_service`` over this worker's trial
catalog (``app.api.deps.CatalogDep``), plus what a page needs beside a match result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from app import match_service
from app.match_service import TrialSource
from app.web.views import TrialTopic
from matching.engine import DEFAULT_STATUSES
from matching.profile import PatientProfile
from matching.results import MatchResult, TrialMatch

PAGE_LIMIT = 50  # trials shown on a results page


def today() -> dt.date:
    return dt.date.today()


def match_profile(source: TrialSource, profile: PatientProfile, *,
                  statuses: Iterable[str] = DEFAULT_STATUSES, limit: int = PAGE_LIMIT) -> MatchResult:
    """Ranked candidate trials for ``profile`` with the next questions."""
    return match_service.match_profile(source, profile, statuses=tuple(statuses) or DEFAULT_STATUSES,
                                       limit=limit)


@dataclass(frozen=True)
class Screening:
    """One trial evaluated in full for one patient, whatever its status or the registry's
    limits (a clinician screening a referral wants the reasons even for a closed trial)."""

    match: TrialMatch
    as_of: dt.date


def evaluate_one(source: TrialSource, nct_id: str, profile: PatientProfile) -> Screening | None:
    evaluation = match_service.evaluate_in_full(source, nct_id, profile)
    if evaluation is None:
        return None
    return Screening(match=evaluation.trial, as_of=evaluation.meta.as_of)


def trial_topics(source: TrialSource, nct_ids: Iterable[str]) -> dict[str, TrialTopic]:
    """What each trial studies (conditions, summary): a match result carries only titles."""
    snapshot = match_service.snapshot_of(source)
    topics = {}
    for nct_id in nct_ids:
        trial = snapshot.get(nct_id)
        if trial is not None:
            topics[nct_id] = TrialTopic(tuple(trial.conditions), trial.brief_summary or "")
    return topics
