"""Request and response models of the match API (``POST /v1/match``,
``POST /v1/trials/{id}/evaluate``, ``POST /v1/extract``).

A request describes the patient in exactly one way: a structured ``profile``, a free-text
clinical ``note``, or a FHIR R4 ``fhir`` Bundle. ``answers`` (question id -> answer) are
applied on top of whichever it is, so a client answering the returned questions can keep
sending the same note or bundle.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from matching.note import MAX_NOTE_CHARS, ExtractedFact
from matching.profile import MAX_ITEMS, AnswerValue, PatientProfile

Status = Literal[
    "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "COMPLETED",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD",
]

EXAMPLE_PROFILE: dict[str, Any] = {
    "age_years": 40,
    "sex": "female",
    "conditions": [
        {"text": "acute myeloid leukemia", "status": "history"},
        {"text": "oral mucositis", "status": "active", "onset": "2025-05-20"},
    ],
    "procedures": [{"text": "allogeneic hematopoietic stem cell transplant", "subtype": "allogeneic",
                    "date": "2025-05-02"}],
    "medications": [{"text": "tacrolimus", "dose": 1, "unit": "mg", "frequency": "bid", "start": "2025-04-30"}],
    "labs": [{"analyte": "albumin", "value": 34, "unit": "g/L", "date": "2025-05-28"}],
    "pregnant": False,
    "breastfeeding": False,
    "ecog": 1,
    "location": {"city": "Chengdu", "country": "China", "max_distance_km": 500},
    "answers": {},
}

EXAMPLE_NOTE = ("40-year-old woman, day +26 after allogeneic HSCT for AML, with grade 3 oral mucositis. "
                "Not pregnant. Albumin 34 g/L. ECOG 1.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatientInput(_Strict):
    profile: PatientProfile | None = Field(default=None, description="The patient as structured facts.")
    note: str | None = Field(default=None, min_length=1, max_length=MAX_NOTE_CHARS,
                             description="A clinical note in free text; facts are extracted from it. "
                                         "For ranking, the note's condition and procedure words, "
                                         "the words of its diagnosis phrases ('known case of "
                                         "acromegaly') and, at a fifth of their weight, its other "
                                         "words are also matched against the trials' text (score."
                                         "text_relevance).")
    fhir: dict[str, Any] | None = Field(default=None, description="A FHIR R4 Bundle (Patient, Condition, "
                                                                    "Observation, Procedure, Medication...).")
    answers: dict[str, AnswerValue] = Field(default_factory=dict, max_length=MAX_ITEMS,
                                            description="Answers to returned questions, by question id; "
                                                        "applied over the profile's own answers.")
    as_of: dt.date | None = Field(default=None, description="The date time windows are measured from "
                                                            "(default today; echoed in the response).")

    @model_validator(mode="after")
    def _exactly_one_source(self):
        given = [name for name in ("profile", "note", "fhir") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `profile`, `note` or `fhir` "
                             f"({', '.join(given) if given else 'none'} given)")
        return self

    @field_validator("answers")
    @classmethod
    def _answer_sizes(cls, value: dict[str, AnswerValue]):
        for key, answer in value.items():
            if len(key) > 200:
                raise ValueError("question id too long")
            if isinstance(answer, str) and len(answer) > 500:
                raise ValueError(f"answer to {key!r} is too long")
        return value


class MatchRequest(PatientInput):
    statuses: list[Status] | None = Field(default=None, max_length=14, description="Recruitment statuses to "
                                          "consider (default RECRUITING and NOT_YET_RECRUITING).")
    limit: int = Field(default=20, ge=0, le=100, description="Trials per page.")
    offset: int = Field(default=0, ge=0, le=100_000)
    include_criteria: bool = Field(default=True, description="Include every criterion's result in each trial "
                                                             "(false: verdicts, reasons and scores only).")

    @field_validator("statuses", mode="before")
    @classmethod
    def _upper(cls, value):
        if isinstance(value, list):
            return [v.upper() if isinstance(v, str) else v for v in value]
        return value

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"profile": EXAMPLE_PROFILE, "as_of": "2025-06-01", "limit": 20, "offset": 0, "include_criteria": True},
        {"note": EXAMPLE_NOTE, "as_of": "2025-06-01", "answers": {"q:consent": True}},
    ]})


class EvaluateRequest(PatientInput):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"profile": EXAMPLE_PROFILE, "as_of": "2025-06-01"},
    ]})


class ExtractRequest(_Strict):
    note: str | None = Field(default=None, min_length=1, max_length=MAX_NOTE_CHARS)
    fhir: dict[str, Any] | None = None
    as_of: dt.date | None = Field(default=None, description="Relative dates ('3 weeks ago') count back from "
                                                            "this date (default today).")

    @model_validator(mode="after")
    def _exactly_one_source(self):
        if (self.note is None) == (self.fhir is None):
            raise ValueError("give exactly one of `note` or `fhir`")
        return self

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": EXAMPLE_NOTE, "as_of": "2025-06-01"},
    ]})


class ExtractResponse(_Strict):
    source: Literal["note", "fhir"]
    as_of: dt.date
    profile: PatientProfile = Field(description="The profile to review, edit and send to /v1/match.")
    facts: list[ExtractedFact] = Field(default_factory=list, description="Note: each fact used, with the "
                                                                          "words and sentence it came from.")
    ignored: list[ExtractedFact] = Field(default_factory=list, description="Note: hypothetical or uncertain "
                                                                            "mentions and mentions about someone "
                                                                            "neither the patient nor a relative "
                                                                            "(other_person), shown but not used.")
    warnings: list[str] = Field(default_factory=list, description="FHIR: what was not read, and why.")
