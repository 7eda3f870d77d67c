"""Queries over stored trials, shared by the API, the CLI and matching.

``load_trial_summaries`` / ``get_trial_summary`` turn rows into
``matching.trial.TrialSummary`` (with the parsed RuleSet), the form matching works on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Site, Trial
from app.rules import packed_rules_of, ruleset_of
from matching.trial import Site as SiteSummary
from matching.trial import TrialSummary

CTGOV_STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"


@dataclass(frozen=True, slots=True)
class TrialFilters:
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    condition: str | None = None  # substring of a condition, keyword or MeSH term
    q: str | None = None  # substring of id, titles, conditions, keywords
    sex: str | None = None  # FEMALE / MALE: trials that accept that sex
    age: float | None = None  # years: trials whose age range contains it (missing = open)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(statement: Select, filters: TrialFilters) -> Select:
    if filters.statuses:
        statement = statement.where(Trial.overall_status.in_([s.upper() for s in filters.statuses]))
    if filters.phases:
        statement = statement.where(
            or_(*(Trial.phases_search.like(_like(f"|{p}|"), escape="\\") for p in filters.phases))
        )
    if filters.condition:
        statement = statement.where(Trial.conditions_search.like(_like(filters.condition), escape="\\"))
    if filters.q:
        statement = statement.where(Trial.text_search.like(_like(filters.q), escape="\\"))
    if filters.sex:
        statement = statement.where(Trial.sex.in_(["ALL", filters.sex.upper()]))
    if filters.age is not None:
        statement = statement.where(
            or_(Trial.min_age_years.is_(None), Trial.min_age_years <= filters.age),
            or_(Trial.max_age_years.is_(None), Trial.max_age_years >= filters.age),
        )
    return statement


def list_trials(
    session: Session, filters: TrialFilters, *, limit: int = 20, offset: int = 0
) -> tuple[int, list[Trial]]:
    total = session.scalar(filtered(select(func.count()).select_from(Trial), filters)) or 0
    rows = session.scalars(
        filtered(select(Trial), filters)
        .options(selectinload(Trial.sites))
        .order_by(Trial.nct_id)
        .limit(limit)
        .offset(offset)
    )
    return total, list(rows)


def get_trial(session: Session, nct_id: str) -> Trial | None:
    return session.scalar(
        select(Trial)
        .where(Trial.nct_id == nct_id)
        .options(selectinload(Trial.sites), selectinload(Trial.rules))
    )


def count_trials(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Trial)) or 0


def shared_text(text: str | None) -> str | None:
    """One str object per distinct value: a catalog repeats a few thousand countries,
    cities, statuses and MeSH terms over 100k trials."""
    return sys.intern(text) if text is not None else None


def shared_texts(texts) -> tuple[str, ...]:
    return tuple(sys.intern(text) for text in texts or ())


def site_summary(site: Site) -> SiteSummary:
    return SiteSummary(
        facility=shared_text(site.facility),
        city=shared_text(site.city),
        state=shared_text(site.state),
        zip=site.zip,
        country=shared_text(site.country),
        status=shared_text(site.status),
        latitude=site.latitude,
        longitude=site.longitude,
        contact_name=site.contact_name,
        contact_phone=site.contact_phone,
        contact_email=site.contact_email,
    )


def trial_url(nct_id: str) -> str:
    return CTGOV_STUDY_URL.format(nct_id=nct_id) if nct_id.startswith("NCT") else ""


def trial_summary(trial: Trial, shared_rules: dict | None = None) -> TrialSummary:
    """The trial as matching reads it; with ``shared_rules`` (a catalog's table, filled
    in), its rules packed and shared by input (``app.rules.packed_rules_of``), else parsed."""
    return TrialSummary(
        nct_id=trial.nct_id,
        brief_title=trial.brief_title,
        official_title=trial.official_title,
        overall_status=shared_text(trial.overall_status),
        phases=shared_texts(trial.phases),
        study_type=shared_text(trial.study_type),
        conditions=shared_texts(trial.conditions),
        keywords=shared_texts(trial.keywords),
        mesh_terms=shared_texts(trial.mesh_terms),
        mesh_ancestors=shared_texts(trial.mesh_ancestors),
        min_age_years=trial.min_age_years,
        max_age_years=trial.max_age_years,
        sex=shared_text(trial.sex),
        healthy_volunteers=trial.healthy_volunteers,
        sites=tuple(site_summary(site) for site in trial.sites),
        rules=ruleset_of(trial) if shared_rules is None else packed_rules_of(trial, shared_rules),
        brief_summary=trial.brief_summary,
        url=trial_url(trial.nct_id),
    )


def load_trial_summaries(
    session: Session, statuses: Iterable[str] | None = None
) -> list[TrialSummary]:
    """Every stored trial (or those with one of ``statuses``) as TrialSummary, by id."""
    statement = (
        select(Trial)
        .options(selectinload(Trial.sites), selectinload(Trial.rules))
        .order_by(Trial.nct_id)
    )
    if statuses:
        statement = statement.where(Trial.overall_status.in_([s.upper() for s in statuses]))
    return [trial_summary(trial) for trial in session.scalars(statement)]


def get_trial_summary(session: Session, nct_id: str) -> TrialSummary | None:
    trial = get_trial(session, nct_id)
    return trial_summary(trial) if trial else None
