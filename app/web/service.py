"""The one place the pages call matching.

The match service (``app/match_service.py``: ``match_profile``, ``evaluate_one``) is being
written alongside the pages; until it lands these two functions call the matching library
directly with the stored trials. Swapping to the service is a change in this file only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Trial
from app.repository import get_trial_summary, load_trial_summaries
from app.web.views import TrialTopic
from matching.engine import DEFAULT_STATUSES, match_trials, registry_url
from matching.evaluate import evaluate_trial
from matching.geo import locate_patient, nearest_site
from matching.profile import PatientProfile
from matching.results import MatchResult, NearestSite, TrialResult
from matching.trial import TrialSummary

PAGE_LIMIT = 50  # trials shown on a results page


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def match_profile(session: Session, profile: PatientProfile, *,
                  statuses: Iterable[str] = DEFAULT_STATUSES, limit: int = PAGE_LIMIT) -> MatchResult:
    """Ranked candidate trials for ``profile`` with the next questions."""
    statuses = tuple(statuses) or DEFAULT_STATUSES
    return match_trials(profile, load_trial_summaries(session), as_of=today(), statuses=statuses,
                        limit=limit)


@dataclass(frozen=True)
class Screening:
    """One trial evaluated for one patient, whatever its status or the patient's limits
    (a clinician screening a referral wants the reasons even for a trial that is closed)."""

    trial: TrialSummary
    result: TrialResult
    url: str
    nearest_site: NearestSite | None
    as_of: dt.date


def evaluate_one(session: Session, nct_id: str, profile: PatientProfile) -> Screening | None:
    trial = get_trial_summary(session, nct_id)
    if trial is None:
        return None
    as_of = today()
    result = evaluate_trial(trial, profile, as_of)
    nearest = None
    origin = locate_patient(profile.location)
    if origin is not None:
        found = nearest_site(trial.sites, origin)
        if found is not None:
            site = found.site
            nearest = NearestSite(
                facility=site.facility, city=site.city, state=site.state, zip=site.zip,
                country=site.country, status=site.status, distance_km=found.distance_km,
                located_by=found.point.located_by, contact_name=site.contact_name,
                contact_phone=site.contact_phone, contact_email=site.contact_email)
    return Screening(trial=trial, result=result, url=registry_url(trial), nearest_site=nearest, as_of=as_of)


def trial_topics(session: Session, nct_ids: Iterable[str]) -> dict[str, TrialTopic]:
    """What each trial studies (conditions, summary): a match result carries only titles."""
    ids = list(nct_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Trial.nct_id, Trial.conditions, Trial.brief_summary).where(Trial.nct_id.in_(ids)))
    return {nct_id: TrialTopic(tuple(conditions or ()), summary or "") for nct_id, conditions, summary in rows}
