"""Matching as a service: the one place the API, the CLI and the HTML pages call.

    match_profile(source, profile, *, as_of=None, statuses=None, limit=20, offset=0,
                  include_criteria=True, include_healthy_volunteer_trials=None,
                  candidate_limit=DEFAULT_CANDIDATE_LIMIT, max_questions=MAX_QUESTIONS)
        -> ServiceMatchResult   (a matching.results.MatchResult with a richer ``meta``)

    evaluate_in_full(source, nct_id, profile, *, as_of=None) -> TrialEvaluation | None
        (one trial in full detail, whatever its status, with the questions that would
        settle it; None if there is no such trial)
    evaluate_one(source, nct_id, profile, *, as_of=None) -> TrialMatch | None
        (the same, just the trial)

``source`` is a :class:`app.catalog.TrialCatalog` (the web app keeps one per worker in
``app.state.catalog``; use ``app.api.deps.CatalogDep``), a ``CatalogSnapshot``, or a
SQLAlchemy ``Session`` (loads every trial: fine for the CLI, too slow per web request).

``as_of`` defaults to today and is echoed in ``meta.as_of``: the same request on the same
data gives the same response. Only the index's top ``candidate_limit`` trials that pass
the cheap filters are evaluated; ``meta.candidates_considered`` and
``meta.candidates_evaluated`` say how many. Profiles are neither stored nor logged.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Union

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.catalog import CatalogSnapshot, TrialCatalog, load_snapshot
from matching.engine import DEFAULT_STATUSES, ENGINE_VERSION, match_trials
from matching.evaluate import evaluate_trial
from matching.geo import locate_patient, nearest_site
from matching.profile import PatientProfile
from matching.questions import MAX_QUESTIONS
from matching.rank import failures_of, score_parts
from matching.relevance import names_topic, patient_topics, relevance
from matching.text_relevance import TermIndex, query_terms
from matching.results import MatchMeta, MatchResult, NearestSite, Question, TrialMatch
from matching.trial import TrialSummary

DEFAULT_CANDIDATE_LIMIT = 300  # ELIGO_MATCH_CANDIDATE_LIMIT in the service; see docs/benchmarks.md

TrialSource = Union[TrialCatalog, CatalogSnapshot, Session]


class ServiceMatchMeta(MatchMeta):
    candidates_considered: int = Field(description="Trials that passed the cheap filters (status, age, sex, "
                                                   "healthy volunteers); the most relevant of them, up to "
                                                   "candidate_limit, were evaluated.")
    candidate_limit: int = Field(description="Most trials one match evaluates.")
    catalog_version: int = Field(description="Version of the stored trials the match ran on.")


def _example_with_service_meta() -> dict:
    example = copy.deepcopy(MatchResult.model_config["json_schema_extra"]["example"])
    example["meta"].update(candidates_considered=1, candidate_limit=DEFAULT_CANDIDATE_LIMIT, catalog_version=7)
    return example


class ServiceMatchResult(MatchResult):
    meta: ServiceMatchMeta

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _example_with_service_meta()})


class EvaluationMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: dt.date
    catalog_version: int
    engine_version: str


class TrialEvaluation(BaseModel):
    """One trial evaluated in full for one patient."""

    model_config = ConfigDict(extra="forbid")

    trial: TrialMatch
    questions: list[Question] = Field(default_factory=list, description="Questions that would settle this "
                                                                         "trial's open criteria, most useful first.")
    meta: EvaluationMeta


def snapshot_of(source: TrialSource) -> CatalogSnapshot:
    if isinstance(source, CatalogSnapshot):
        return source
    if isinstance(source, TrialCatalog):
        return source.current()
    if isinstance(source, Session):
        return load_snapshot(source)
    raise TypeError(f"cannot match against {type(source).__name__}")


def wants_healthy_volunteer_trials(profile: PatientProfile, override: bool | None) -> bool:
    return profile.healthy_volunteer is True if override is None else override


def without_criteria(result: MatchResult) -> list[TrialMatch]:
    return [trial.model_copy(update={"criteria": []}) for trial in result.trials]


def match_profile(
    source: TrialSource,
    profile: PatientProfile,
    *,
    as_of: dt.date | None = None,
    statuses: Iterable[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    include_criteria: bool = True,
    include_healthy_volunteer_trials: bool | None = None,
    candidate_limit: int = DEFAULT_CANDIDATE_LIMIT,
    max_questions: int = MAX_QUESTIONS,
    query_text: str | None = None,
    context_text: str | None = None,
) -> ServiceMatchResult:
    """Ranked, explained trials for ``profile`` (see the module docs).

    ``query_text``: words added to the profile's conditions and procedures for text
    relevance; ``context_text``: words that count a fifth (the API passes a posted note's
    condition and procedure words and the note itself; ``text_relevance.query_terms``)."""
    snapshot = snapshot_of(source)
    as_of = as_of or dt.date.today()
    wanted = tuple(sorted({s.upper() for s in (statuses or DEFAULT_STATUSES)}))
    include_healthy = wants_healthy_volunteer_trials(profile, include_healthy_volunteer_trials)
    selection = snapshot.index.select(profile, as_of=as_of, statuses=wanted,
                                      include_healthy_volunteer_trials=include_healthy, limit=candidate_limit,
                                      query_text=query_text, context_text=context_text)
    result = match_trials(profile, selection.trials, as_of=as_of, statuses=wanted,
                          include_healthy_volunteer_trials=include_healthy, limit=limit, offset=offset,
                          max_questions=max_questions, text_index=snapshot.index.text, query_text=query_text,
                          context_text=context_text)
    meta = ServiceMatchMeta(**result.meta.model_dump(), candidates_considered=selection.considered,
                            candidate_limit=candidate_limit, catalog_version=snapshot.version)
    trials = result.trials if include_criteria else without_criteria(result)
    return ServiceMatchResult(trials=trials, questions=result.questions, total=result.total,
                              counts=result.counts, meta=meta)


def evaluate_in_full(source: TrialSource, nct_id: str, profile: PatientProfile, *,
                     as_of: dt.date | None = None) -> TrialEvaluation | None:
    """One trial for one patient, every criterion in full, whatever the trial's status and
    whether or not the registry's age/sex limits would have filtered it out of a match."""
    snapshot = snapshot_of(source)
    trial = snapshot.get(nct_id)
    if trial is None:
        return None
    as_of = as_of or dt.date.today()
    meta = EvaluationMeta(as_of=as_of, catalog_version=snapshot.version, engine_version=ENGINE_VERSION)
    # Through the engine when it keeps the trial, so the entry is exactly the one a match shows.
    result = match_trials(without_distance_limit(profile), [trial], as_of=as_of,
                          statuses=[trial.overall_status or "UNKNOWN"], include_healthy_volunteer_trials=True,
                          limit=1, text_index=snapshot.index.text)
    if result.trials:
        return TrialEvaluation(trial=result.trials[0], questions=result.questions, meta=meta)
    return TrialEvaluation(trial=ruled_out_by_registry(trial, profile, as_of, snapshot), meta=meta)


def evaluate_one(source: TrialSource, nct_id: str, profile: PatientProfile, *,
                 as_of: dt.date | None = None) -> TrialMatch | None:
    evaluation = evaluate_in_full(source, nct_id, profile, as_of=as_of)
    return evaluation.trial if evaluation is not None else None


def without_distance_limit(profile: PatientProfile) -> PatientProfile:
    if profile.location is None or profile.location.max_distance_km is None:
        return profile
    return profile.model_copy(update={"location": profile.location.model_copy(update={"max_distance_km": None})})


def with_answers(profile: PatientProfile, answers: dict) -> PatientProfile:
    """The profile with ``answers`` applied over its own (a later answer wins)."""
    if not answers:
        return profile
    return profile.model_copy(update={"answers": {**profile.answers, **answers}})


def ruled_out_by_registry(trial: TrialSummary, profile: PatientProfile, as_of: dt.date,
                          snapshot: CatalogSnapshot | None = None) -> TrialMatch:
    """The full evaluation of a trial the engine's age/sex filter drops before evaluating."""
    evaluated = evaluate_trial(trial, profile, as_of)
    origin = locate_patient(profile.location)
    nearest = nearest_site(trial.sites, origin) if origin is not None else None
    text = snapshot.index.text if snapshot is not None else TermIndex([trial])
    confident, doubtful = failures_of(evaluated.criteria)
    score = score_parts(evaluated.verdict, relevance(trial, patient_topics(profile)),
                        evaluated.summary.settled_share, nearest.distance_km if nearest else None,
                        text_relevance=text.relevance_of([trial], query_terms(profile))[trial.nct_id],
                        confident_failures=confident, doubtful_failures=doubtful,
                        concepts_compared=names_topic(trial))
    site = nearest.site if nearest else None
    return TrialMatch(
        nct_id=trial.nct_id,
        title=trial.brief_title or trial.official_title or trial.nct_id,
        status=trial.overall_status,
        phases=list(trial.phases),
        url=trial.url,
        verdict=evaluated.verdict,
        verdict_reason=evaluated.verdict_reason,
        score=score,
        summary=evaluated.summary,
        criteria=evaluated.criteria,
        question_ids=evaluated.question_ids,
        nearest_site=NearestSite(facility=site.facility, city=site.city, state=site.state, zip=site.zip,
                                 country=site.country, status=site.status, distance_km=nearest.distance_km,
                                 located_by=nearest.point.located_by, contact_name=site.contact_name,
                                 contact_phone=site.contact_phone, contact_email=site.contact_email)
        if nearest else None,
        location_note=None if nearest else "Distance not shown for a trial your age or sex rules out.",
    )
