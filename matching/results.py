"""Response models of matching: what ``POST /v1/match`` and trial evaluation return.

Plain pydantic models with field descriptions, so the OpenAPI schema documents itself.
Every list is in a deterministic order, so the same request gives the same JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["met", "not_met", "unknown", "not_applicable"]
Verdict = Literal["eligible", "possibly_eligible", "ineligible"]
CompileStatus = Literal["compiled", "partial", "unsupported", "registry"]
AnswerType = Literal["yes_no", "number", "date", "choice", "text"]

VERDICT_TIER: dict[str, int] = {"eligible": 2, "possibly_eligible": 1, "ineligible": 0}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionResult(_Model):
    """One eligibility criterion evaluated for the patient."""

    id: str = Field(description="Stable id within the trial: 'inc-1', 'exc-3', 'inc-2.1' for a child, "
                                "'registry-age' for a registry field.")
    kind: Literal["inclusion", "exclusion"]
    text: str = Field(description="The criterion as written in the trial record.")
    outcome: Outcome = Field(description="Whether the criterion's statement holds for the patient: met, not_met, "
                                         "unknown (a fact is missing), not_applicable (e.g. a rule for women, for a man).")
    triggered: bool | None = Field(default=None, description="Exclusions only: true when the exclusion applies "
                                                              "(outcome met), null when unknown or for inclusions.")
    reason: str = Field(description="Plain-language reason quoting the criterion and naming the patient facts used.")
    status: CompileStatus = Field(description="How much of the text the compiler understood; 'registry' for "
                                              "structured registry fields such as the age range.")
    facts_used: list[str] = Field(default_factory=list, description="The patient facts (or missing facts) that "
                                                                    "decided the outcome, one sentence each.")
    question_ids: list[str] = Field(default_factory=list, description="Questions whose answers would settle "
                                                                      "this criterion (see MatchResult.questions).")
    children: list["CriterionResult"] = Field(default_factory=list, description="Sub-criteria of a parent item "
                                                                               "such as 'one of the following'.")


class CriteriaSummary(_Model):
    """Counts over a trial's top-level criteria (registry fields included)."""

    total: int = 0
    met: int = 0
    not_met: int = 0
    unknown: int = 0
    not_applicable: int = 0
    settled_share: float = Field(0.0, ge=0, le=1, description="Share of criteria whose outcome is known "
                                                              "(not unknown); 1.0 for a trial without criteria is "
                                                              "never claimed: it is 0.0.")


class TrialResult(_Model):
    """One trial evaluated for one patient."""

    nct_id: str
    verdict: Verdict = Field(description="eligible: every inclusion met and no exclusion triggered; ineligible: an "
                                         "inclusion not met or an exclusion triggered; otherwise possibly_eligible.")
    verdict_reason: str = Field(description="Why the verdict, in one or two sentences.")
    criteria: list[CriterionResult] = Field(default_factory=list)
    summary: CriteriaSummary = Field(default_factory=CriteriaSummary)
    question_ids: list[str] = Field(default_factory=list, description="Questions that would settle this trial's "
                                                                      "unknown criteria, most useful first.")


class ScoreParts(_Model):
    """Why a trial is ranked where it is (see ``matching.rank``): by ``verdict_tier``, then
    ``score``, then ``settled_share``, then ``distance_km``; ties broken by nct_id."""

    verdict_tier: int = Field(description="2 eligible; 1 any other trial, including one its criteria rule out "
                                          "(that one loses score instead: confident_failures, doubtful_failures) "
                                          "(higher first).")
    score: float = Field(default=0.0, ge=-1, le=1, description="Orders trials within a tier: relevance, less "
                                                               "0.2 when confident_failures > 0, 0.2 when "
                                                               "doubtful_failures > 0 and 0.02 when "
                                                               "silent_requirements > 0 (higher first).")
    relevance: float = Field(ge=0, le=1, description="Topical relevance of the trial to the patient's conditions: "
                                                     "0.7 x text_relevance + 0.3 x concept_relevance, or "
                                                     "text_relevance alone when concepts_compared is false.")
    text_relevance: float = Field(default=0.0, ge=0, le=1, description="BM25 of the patient's condition and "
                                  "procedure words against the trial's title, conditions, keywords and inclusion "
                                  "criteria, with the catalog's word statistics, mapped to 0..1.")
    concept_relevance: float = Field(default=0.0, ge=0, le=1, description="How closely the trial's conditions, "
                                     "MeSH terms, keywords and titles name the patient's conditions (concepts).")
    concepts_compared: bool = Field(default=True, description="False when the trial record names no topic "
                                    "(no conditions, MeSH terms, keywords or title, only eligibility text): "
                                    "concept_relevance is then unknown and left out of relevance.")
    confident_failures: int = Field(default=0, ge=0, description="Criteria the compiler understood fully (or "
                                    "registry limits) that rule the trial out: they lower the score.")
    doubtful_failures: int = Field(default=0, ge=0, description="Criteria that rule the trial out but that the "
                                   "compiler understood only in part: they lower the score.")
    settled_share: float = Field(ge=0, le=1, description="Share of criteria settled for this patient (higher first).")
    distance_km: float | None = Field(default=None, description="Distance to the nearest recruiting site "
                                                                "(nearer first; unknown last).")
    silent_requirements: int = Field(default=0, ge=0, description="Fully read inclusion criteria asking for a "
                                     "condition that a complete record (a note) never mentions: unknown, not "
                                     "failed, but the score is 0.02 lower when there is one.")


class NearestSite(_Model):
    """The trial site nearest the patient, with how to contact it."""

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    distance_km: float | None = Field(default=None, description="Great-circle distance from the patient.")
    located_by: Literal["geopoint", "postal_code", "city"] = Field(
        description="How the site's position was found: the record's coordinates or the offline gazetteer.")
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class TrialMatch(_Model):
    """A candidate trial in a match result."""

    nct_id: str
    title: str
    status: str | None = Field(default=None, description="Overall recruitment status from the registry.")
    phases: list[str] = Field(default_factory=list)
    url: str = Field(description="The registry page of the trial.")
    verdict: Verdict
    verdict_reason: str
    score: ScoreParts
    summary: CriteriaSummary
    criteria: list[CriterionResult]
    question_ids: list[str] = Field(default_factory=list)
    nearest_site: NearestSite | None = None
    location_note: str | None = Field(default=None, description="Why there is no distance, when there is none "
                                                                 "(no patient location, no located site).")


class Question(_Model):
    """A question whose answer would settle criteria across the candidate trials."""

    id: str = Field(description="Stable id; send the answer back as profile.answers[id].")
    text: str = Field(description="Plain-language wording.")
    answer_type: AnswerType
    unit: str | None = Field(default=None, description="For numbers: the unit the answer is read in.")
    choices: list[str] = Field(default_factory=list)
    settles: int = Field(description="How many unknown criteria across the candidate trials it bears on.")
    trials: int = Field(description="In how many candidate trials.")
    weight: float = Field(description="Rank-weighted usefulness used to order the questions.")
    examples: list[str] = Field(default_factory=list, description="Up to two criteria it bears on, quoted.")


class MatchMeta(_Model):
    candidates_evaluated: int = Field(description="Trials that passed the status and age/sex filters and were "
                                                  "evaluated.")
    as_of: dt.date = Field(description="The date time windows were measured from.")
    statuses: list[str] = Field(description="Recruitment statuses considered.")
    engine_version: str


class MatchResult(_Model):
    """Ranked candidate trials for a patient, with the next most useful questions."""

    trials: list[TrialMatch] = Field(description="The requested page of ranked trials.")
    questions: list[Question] = Field(default_factory=list)
    total: int = Field(description="Ranked trials before paging.")
    counts: dict[Verdict, int] = Field(description="Trials by verdict, before paging.")
    meta: MatchMeta

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "trials": [
                    {
                        "nct_id": "NCT06599346",
                        "title": "Effects of Mesenchymal Stem Cell Supernatant on Prevention and Treatment of "
                                 "Skin/Mucosal Injury in Hematology Patients",
                        "status": "RECRUITING",
                        "phases": ["NA"],
                        "url": "https://clinicaltrials.gov/study/NCT06599346",
                        "verdict": "possibly_eligible",
                        "verdict_reason": "No criterion rules you out; 2 are still open.",
                        "score": {"verdict_tier": 1, "score": 0.82, "relevance": 0.82, "text_relevance": 0.71,
                                  "concept_relevance": 0.93, "doubtful_failures": 0, "settled_share": 0.6,
                                  "distance_km": 12.4},
                        "summary": {"total": 10, "met": 4, "not_met": 2, "unknown": 4, "not_applicable": 0,
                                    "settled_share": 0.6},
                        "criteria": [
                            {"id": "inc-2", "kind": "inclusion",
                             "text": "Patients who have undergone hematopoietic stem cell transplantation (HSCT).",
                             "outcome": "met", "triggered": None,
                             "reason": "Met: \"Patients who have undergone hematopoietic stem cell transplantation "
                                       "(HSCT).\" Allogeneic stem cell transplant on 2023-05-01.",
                             "status": "compiled",
                             "facts_used": ["Allogeneic stem cell transplant on 2023-05-01."],
                             "question_ids": [], "children": []},
                            {"id": "exc-4", "kind": "exclusion", "text": "Pregnant or breastfeeding women.",
                             "outcome": "unknown", "triggered": None,
                             "reason": "Unknown: \"Pregnant or breastfeeding women.\" We do not know whether you "
                                       "are pregnant.",
                             "status": "compiled", "facts_used": ["We do not know whether you are pregnant."],
                             "question_ids": ["q:pregnancy"], "children": []},
                        ],
                        "question_ids": ["q:pregnancy"],
                        "nearest_site": {"facility": "The General Hospital of Western Theater Command",
                                         "city": "Chengdu", "country": "China", "distance_km": 12.4,
                                         "located_by": "city", "status": "RECRUITING"},
                        "location_note": None,
                    }
                ],
                "questions": [
                    {"id": "q:pregnancy", "text": "Are you pregnant?", "answer_type": "yes_no", "unit": None,
                     "choices": [], "settles": 3, "trials": 3, "weight": 1.83,
                     "examples": ["Pregnant or breastfeeding women."]}
                ],
                "total": 1,
                "counts": {"eligible": 0, "possibly_eligible": 1, "ineligible": 0},
                "meta": {"candidates_evaluated": 1, "as_of": "2025-06-01",
                         "statuses": ["RECRUITING", "NOT_YET_RECRUITING"], "engine_version": "1"},
            }
        },
    )


CriterionResult.model_rebuild()


# --- building validated values into models ------------------------------------------------------
#
# A page carries ~500 criterion results; pydantic's ``model_construct`` walks every field of
# the model for each (aliases, defaults) and was a tenth of explaining a page. Where every
# field is given and already valid, :func:`constructed` sets the instance's state directly:
# the same object ``model_construct`` gives (same ``__dict__`` in field order, every field in
# the fields-set), so equality, dumps and JSON are unchanged.

_set_attribute = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def constructed(model: type[M], fields: dict) -> M:
    """``model.model_construct(**fields)`` for ``fields`` naming every field, in field order."""
    instance = model.__new__(model)
    _set_attribute(instance, "__dict__", fields)
    _set_attribute(instance, "__pydantic_fields_set__", set(fields))
    _set_attribute(instance, "__pydantic_extra__", None)
    _set_attribute(instance, "__pydantic_private__", None)
    return instance
