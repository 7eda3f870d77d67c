"""``match_trials``: profile + trials -> ranked, explained candidates and next questions.

Steps: cheap candidate filters (status; registry age and sex limits that the patient's
known age or sex falls outside; healthy-volunteer-only trials unless wanted), evaluation of
every criterion, nearest site and the distance filter, ranking (:mod:`matching.rank`:
eligible first, then text and concept relevance less penalties for criteria that rule a
trial out), paging, questions.

Text relevance needs word statistics of a whole collection: the service passes its
catalog's (``CandidateIndex.text``) so scores do not depend on the candidates; without
one, the trials given are the collection.

Every candidate is judged on outcomes alone (:mod:`matching.outcomes`); the full
explanation (reasons, deciding facts, question ids) is built only for the trials on the
returned page, from the same plans (:mod:`matching.explain`: no RuleSet is parsed); the
trials that vote on the next questions give only what the vote reads (:mod:`matching.ballots`).

A limit the trial does not give, or a fact the patient did not give, never removes a
trial. Nothing here logs: profiles are patient data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Iterable

from matching.ballots import Ballot, ballot
from matching.derived_conditions import derive_conditions
from matching.evaluate import Evaluation
from matching.explain import explain_trial
from matching.facts import PatientFacts
from matching.geo import Point, SiteDistance, active_sites, locate_patient, nearest_site
from matching.profile import PatientProfile
from matching.outcomes import TrialOutcome, judge_trial, prepare_plans
from matching.questions import MAX_QUESTIONS, VOTING_TRIALS, next_questions
from matching.rank import ScoreValues, score_model, score_values, values_sort_key
from matching.relevance import names_topic, patient_topics, prepare_topics, relevance
from matching.text_relevance import TermIndex, prepare_terms, query_terms
from matching.trial_subject import subject_concepts
from matching.results import MatchMeta, MatchResult, NearestSite, TrialMatch
from matching.trial import Site, TrialSummary

ENGINE_VERSION = "1"
DEFAULT_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")
_NCT = re.compile(r"^NCT\d{8}$")
_HEALTHY_WORDS = frozenset({"healthy", "healthy volunteer", "healthy volunteers", "healthy subjects",
                            "healthy participants", "healthy adults", "healthy adult volunteers"})


@dataclass(slots=True, init=False)
class _Candidate:
    trial: TrialSummary
    outcome: TrialOutcome
    score: ScoreValues
    nearest: SiteDistance | None
    evaluation: Evaluation | None  # the full explanation, built on demand

    # (a hand-written __init__: matching.native)
    def __init__(self, trial: TrialSummary, outcome: TrialOutcome, score: ScoreValues, nearest: SiteDistance | None,
                 evaluation: Evaluation | None = None):
        self.trial = trial
        self.outcome = outcome
        self.score = score
        self.nearest = nearest
        self.evaluation = evaluation

    def explained(self, facts: PatientFacts) -> Evaluation:
        if self.evaluation is None:
            self.evaluation = explain_trial(self.trial, facts)
        return self.evaluation


def _vote(candidate: _Candidate, facts: PatientFacts) -> Evaluation | Ballot:
    """What a voting trial gives the question ranking: the explanation of a trial on the
    page, already built, else its ballot (``matching.ballots``: the same fields, held equal
    to the explanation by tests/test_matching_ballots.py). Most voters of a first page are
    on it."""
    if candidate.evaluation is not None:
        return candidate.evaluation
    return ballot(candidate.trial, facts, candidate.outcome.verdict)


def registry_url(trial: TrialSummary) -> str:
    if trial.url:
        return trial.url
    if _NCT.match(trial.nct_id):
        return f"https://clinicaltrials.gov/study/{trial.nct_id}"
    return ""


def is_healthy_volunteer_only(trial: TrialSummary) -> bool:
    """Accepts healthy volunteers and studies no condition other than health itself."""
    if trial.healthy_volunteers is not True or not trial.conditions:
        return False
    return all(c.strip().lower() in _HEALTHY_WORDS for c in trial.conditions)


def passes_status(trial: TrialSummary, statuses: frozenset[str]) -> bool:
    # a record without a status is kept: missing trial data never removes a trial
    return trial.overall_status is None or trial.overall_status.upper() in statuses


def passes_age_sex(trial: TrialSummary, age: float | None, sex_given: str | None) -> bool:
    """False only when a limit the trial gives excludes the patient's known age (in years,
    ``PatientProfile.age_on``) or sex."""
    if age is not None:
        if trial.min_age_years is not None and age < trial.min_age_years:
            return False
        if trial.max_age_years is not None and int(age) > trial.max_age_years:
            return False
    sex = (trial.sex or "ALL").upper()
    if sex_given in ("female", "male") and sex in ("FEMALE", "MALE") and sex_given.upper() != sex:
        return False
    return True


def _location_note(origin: Point | None, profile: PatientProfile, trial: TrialSummary,
                   nearest: SiteDistance | None) -> str | None:
    if nearest is not None:
        return None
    if profile.location is None:
        return "No location was given, so distances are not shown."
    if origin is None:
        return "We could not find your location (postal code or city) in our offline gazetteer."
    if not trial.sites:
        return "This trial lists no sites."
    if not active_sites(trial.sites):
        return "None of this trial's sites is recruiting."
    return "None of this trial's sites could be placed on a map; contact the study for locations."


def _nearest_site_model(found: SiteDistance) -> NearestSite:
    site: Site = found.site
    return NearestSite(facility=site.facility, city=site.city, state=site.state, zip=site.zip, country=site.country,
                       status=site.status, distance_km=found.distance_km, located_by=found.point.located_by,  # type: ignore[arg-type]
                       contact_name=site.contact_name, contact_phone=site.contact_phone,
                       contact_email=site.contact_email)


def _trial_match(candidate: _Candidate, facts: PatientFacts, origin: Point | None) -> TrialMatch:
    trial, result = candidate.trial, candidate.explained(facts)
    return TrialMatch(
        nct_id=trial.nct_id,
        title=trial.brief_title or trial.official_title or trial.nct_id,
        status=trial.overall_status,
        phases=list(trial.phases),
        url=registry_url(trial),
        verdict=result.verdict,  # type: ignore[arg-type]
        verdict_reason=result.verdict_reason,
        score=score_model(candidate.score),
        summary=result.summary,  # type: ignore[arg-type]  # an explanation always has one
        criteria=[c.to_result() for c in result.criteria],
        question_ids=result.question_ids,
        nearest_site=_nearest_site_model(candidate.nearest) if candidate.nearest else None,
        # worded for the page only, like the explanation
        location_note=_location_note(origin, facts.profile, trial, candidate.nearest),
    )


def match_trials(
    profile: PatientProfile,
    trials: Iterable[TrialSummary],
    *,
    as_of: dt.date,
    statuses: Iterable[str] = DEFAULT_STATUSES,
    include_healthy_volunteer_trials: bool | None = None,
    limit: int = 20,
    offset: int = 0,
    max_questions: int = MAX_QUESTIONS,
    text_index: TermIndex | None = None,
    query_text: str | None = None,
    context_text: str | None = None,
) -> MatchResult:
    """Rank ``trials`` for ``profile`` as of ``as_of``; see the module docs for the steps.

    ``include_healthy_volunteer_trials`` defaults to the profile's ``healthy_volunteer``.
    ``limit``/``offset`` page the ranked trials; ``total`` and ``counts`` cover them all.
    ``text_index`` holds the collection's word statistics (default: ``trials``');
    ``query_text`` adds words to the profile's conditions and procedures for text
    relevance (e.g. a note's condition and procedure words as written), ``context_text``
    low-weight words (e.g. the note): :func:`matching.text_relevance.query_terms`.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    wanted_statuses = frozenset(s.upper() for s in statuses)
    include_healthy = (profile.healthy_volunteer is True if include_healthy_volunteer_trials is None
                       else include_healthy_volunteer_trials)
    facts = PatientFacts(profile, as_of)
    topics = patient_topics(profile, context_text)
    origin = locate_patient(profile.location)
    max_km = profile.location.max_distance_km if profile.location else None

    trials = list(trials)
    age = profile.age_on(as_of)  # once, not per trial (registry age limits)
    established = [d.condition.text for d in derive_conditions(profile, as_of) if d.topical and d.condition.text]
    tokens = query_terms(profile, query_text, context_text, established)
    if text_index is None and tokens:
        text_index = TermIndex(trials)
    text = text_index.relevance_of(trials, tokens) if tokens and text_index is not None else {}

    candidates: list[_Candidate] = []
    evaluated = 0
    for trial in trials:
        if not passes_status(trial, wanted_statuses) or not passes_age_sex(trial, age, profile.sex):
            continue
        if not include_healthy and is_healthy_volunteer_only(trial):
            continue
        nearest = nearest_site(trial.sites, origin) if origin is not None else None
        if max_km is not None and nearest is not None and nearest.distance_km > max_km:
            continue  # a trial with no located site is kept: it says so in location_note
        outcome = judge_trial(trial, facts)
        evaluated += 1
        score = score_values(outcome.verdict, relevance(trial, topics), outcome.settled_share,
                             nearest.distance_km if nearest else None, text_relevance=text.get(trial.nct_id, 0.0),
                             confident_failures=outcome.confident_failures,
                             doubtful_failures=outcome.doubtful_failures,
                             concepts_compared=names_topic(trial),
                             silent_requirements=outcome.silent_requirements)
        candidates.append(_Candidate(trial, outcome, score, nearest))

    candidates.sort(key=lambda c: values_sort_key(c.score, c.trial.nct_id))
    counts = {"eligible": 0, "possibly_eligible": 0, "ineligible": 0}
    for candidate in candidates:
        counts[candidate.outcome.verdict] += 1
    page = candidates[offset: offset + limit]
    trial_matches = [_trial_match(c, facts, origin) for c in page]
    # Only the best trials that are not ruled out vote on the questions (matching.questions).
    voters = itertools.islice((c for c in candidates if c.outcome.verdict != "ineligible"), VOTING_TRIALS)
    questions = next_questions((_vote(c, facts) for c in voters), answered=profile.answers.keys(),
                               limit=max_questions)
    return MatchResult(
        trials=trial_matches,
        questions=questions,
        total=len(candidates),
        counts=counts,  # type: ignore[arg-type]
        meta=MatchMeta(candidates_evaluated=evaluated, as_of=as_of, statuses=sorted(wanted_statuses),
                       engine_version=ENGINE_VERSION),
    )


def prepare_trials(trials: Iterable[TrialSummary]) -> None:
    """Work out now what every match reads of each trial and keeps while the trial is in
    memory: its outcome plans (:mod:`matching.outcomes`), the disease it studies
    (:mod:`matching.trial_subject`), its topical fields (:mod:`matching.relevance`) and its
    words for text relevance (:mod:`matching.text_relevance`).

    A catalog calls this when it builds a snapshot, before it serves from it and before
    it indexes the trials: otherwise the first requests that meet a trial pay for it
    (about 1.7 ms of CPU per trial whose rules no other trial shares; a fresh worker at
    10k trials answered its first matches at about 2.4x the CPU of later ones). Trials a
    reload keeps are the same objects, so their entries are found, not rebuilt. Plans
    follow the RuleSet, which trials with the same eligibility text share
    (``app.rules.packed_rules_of``); trials are prepared grouped by it, so a packed
    RuleSet is parsed once for all of them (``matching.packed_rules``).
    """
    for trial in sorted(trials, key=lambda t: id(t.rules)):
        prepare_plans(trial)
        subject_concepts(trial)
        prepare_topics(trial)
        prepare_terms(trial)


def warm_up() -> None:
    """Load the gazetteers and the terminology before the first request.

    The first match otherwise pays seconds of one-time loading (city index, HPO, ICD-10-CM);
    a service calls this at start-up.
    """
    from matching import concepts, geo

    geo.city_point("London", "United Kingdom")
    geo.us_zip_point("10001")
    concepts.resolve("stem cell transplant")
