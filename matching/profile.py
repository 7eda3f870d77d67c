"""PatientProfile: the facts about one patient that matching evaluates rules against.

Strict by design: unknown fields are rejected (HTTP 422 names them), sizes are bounded,
numbers are range-checked. A fact the patient has not given is unknown (``None`` or
absent from a list), never "no"; an explicit "no" is ``present=False`` on a list item or
``False`` on a flag. ``absent_means_no`` is the explicit switch for complete records
(a clinical note, by its protocol), where what is not mentioned counts as absent.

Profiles are never stored or logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROFILE_VERSION = "1"

MAX_ITEMS = 200  # per list; a real record has far fewer, a bigger one is a mistake or abuse
MAX_TEXT = 500

Text = Field(default=None, max_length=MAX_TEXT)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Evidence(Strict):
    """Where an extracted fact came from (note adapter): the sentence and its offsets."""

    text: str = Field(max_length=2000)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)


class Code(Strict):
    system: Literal["snomed", "icd10cm", "loinc", "rxnorm", "mesh", "hpo", "atc", "other"]
    code: str = Field(min_length=1, max_length=40)
    display: str | None = Text


class Fact(Strict):
    present: bool = True  # False = the patient explicitly does not have it
    evidence: Evidence | None = None


class Condition(Fact):
    text: str | None = Text
    code: Code | None = None
    stage: str | None = Field(default=None, max_length=40)
    status: Literal["active", "history"] = "active"
    onset: dt.date | None = None
    family: bool = False  # a relative's condition, not the patient's

    @model_validator(mode="after")
    def _named(self):
        if not (self.text or self.code):
            raise ValueError("a condition needs `text` or `code`")
        return self


class Procedure(Fact):
    text: str | None = Text  # "allogeneic stem cell transplant", "radiotherapy" ...
    code: Code | None = None
    subtype: str | None = Field(default=None, max_length=60)  # allogeneic | autologous ...
    site: str | None = Field(default=None, max_length=120)
    date: dt.date | None = None  # when done (or started)
    end_date: dt.date | None = None
    planned: bool = False

    @model_validator(mode="after")
    def _named(self):
        if not (self.text or self.code):
            raise ValueError("a procedure needs `text` or `code`")
        return self


class Medication(Fact):
    text: str | None = Text  # a drug or a drug class, in words
    code: Code | None = None
    dose: float | None = Field(default=None, ge=0)
    unit: str | None = Field(default=None, max_length=30)  # "mg", "mg/day", "mg/kg" ...
    frequency: str | None = Field(default=None, max_length=40)  # "daily", "bid", ...
    start: dt.date | None = None
    end: dt.date | None = None  # None with a start = ongoing

    @model_validator(mode="after")
    def _named(self):
        if not (self.text or self.code):
            raise ValueError("a medication needs `text` or `code`")
        return self


class LabResult(Strict):
    analyte: str = Field(min_length=1, max_length=80)  # "albumin", "ANC", LOINC display
    code: Code | None = None
    value: float
    unit: str = Field(default="", max_length=30)
    date: dt.date | None = None
    # Reference range bounds in the same unit as `value`: they let rules written as
    # multiples of the upper/lower limit of normal ("AST <= 2.5 x ULN") be evaluated.
    uln: float | None = Field(default=None, gt=0)
    lln: float | None = Field(default=None, ge=0)
    evidence: Evidence | None = None


class Allergy(Fact):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    code: Code | None = None


class Location(Strict):
    postal_code: str | None = Field(default=None, max_length=12)
    country: str | None = Field(default=None, max_length=60)
    city: str | None = Field(default=None, max_length=120)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    max_distance_km: float | None = Field(default=None, gt=0, le=20000)

    @model_validator(mode="after")
    def _complete(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


AnswerValue = bool | float | str | None


class PatientProfile(Strict):
    profile_version: Literal["1"] = PROFILE_VERSION

    age_years: float | None = Field(default=None, ge=0, le=130)
    birth_date: dt.date | None = None
    sex: Literal["female", "male", "other"] | None = None

    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_ITEMS)
    procedures: list[Procedure] = Field(default_factory=list, max_length=MAX_ITEMS)
    medications: list[Medication] = Field(default_factory=list, max_length=MAX_ITEMS)
    labs: list[LabResult] = Field(default_factory=list, max_length=MAX_ITEMS)
    allergies: list[Allergy] = Field(default_factory=list, max_length=MAX_ITEMS)

    pregnant: bool | None = None
    breastfeeding: bool | None = None
    childbearing_potential: bool | None = None
    uses_contraception: bool | None = None
    can_consent: bool | None = None
    # Willing and able to follow a study's procedures (visits, samples, follow-up).
    will_comply: bool | None = None
    ecog: int | None = Field(default=None, ge=0, le=5)
    karnofsky: int | None = Field(default=None, ge=0, le=100)
    life_expectancy_months: float | None = Field(default=None, ge=0, le=1200)
    # Participation in another interventional trial: the date it ended (or today if ongoing).
    last_trial_participation: dt.date | None = None
    in_other_trial: bool | None = None

    healthy_volunteer: bool | None = None  # True = wants healthy-volunteer trials
    location: Location | None = None

    # Answers to next questions, by question id (see matching.questions).
    answers: dict[str, AnswerValue] = Field(default_factory=dict, max_length=MAX_ITEMS)

    # Complete record (e.g. a clinical note): what is not mentioned counts as absent.
    absent_means_no: bool = False
    # The complete record's own text (the note), so criteria the compiler could not read
    # can still be checked for whether the record mentions their subject at all
    # (matching.record_mentions). Only meaningful with absent_means_no; never logged or stored.
    record_text: str | None = Field(
        default=None, max_length=100_000,
        description="The complete record's text (e.g. the clinical note); only used with "
                    "absent_means_no, to tell whether the record mentions an unread exclusion's subject.")

    @field_validator("answers")
    @classmethod
    def _answer_ids(cls, value: dict[str, AnswerValue]):
        for key, answer in value.items():
            if len(key) > 200:
                raise ValueError("question id too long")
            if isinstance(answer, str) and len(answer) > MAX_TEXT:
                raise ValueError(f"answer to {key!r} is too long")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.sex == "male" and self.pregnant:
            raise ValueError("a profile with sex 'male' cannot be pregnant")
        return self

    def age_on(self, day: dt.date) -> float | None:
        """Age in years on `day`: from the birth date when given, else `age_years`."""
        if self.birth_date is not None:
            if self.birth_date > day:
                return None
            return (day - self.birth_date).days / 365.2425
        return self.age_years
