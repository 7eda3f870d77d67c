"""What matching needs to know about one trial, independent of how it is stored.

The service builds these from database rows (``app``); tests and benchmarks build them
directly. Plain frozen dataclasses: cheap to hold 100k of them in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from criteria_rules.ir import RuleSet
from matching.packed_rules import PackedRules


@dataclass(frozen=True, slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None  # RECRUITING, NOT_YET_RECRUITING, ... (None = not given)
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True, slots=True, weakref_slot=True)  # (a test checks a reload frees it)
class TrialSummary:
    nct_id: str
    brief_title: str = ""
    official_title: str = ""
    overall_status: str | None = None  # API v2 enum: RECRUITING, NOT_YET_RECRUITING ...
    phases: tuple[str, ...] = ()
    study_type: str | None = None
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()  # derivedSection.conditionBrowseModule meshes
    mesh_ancestors: tuple[str, ...] = ()
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str = "ALL"  # ALL | FEMALE | MALE
    healthy_volunteers: bool | None = None
    sites: tuple[Site, ...] = ()
    rules: RuleSet | PackedRules | None = None  # packed in a catalog: matching.packed_rules.rules_of
    brief_summary: str = ""
    url: str = field(default="")
    # What matching works out of this trial once and reads on every request (outcome
    # plans, subject, topics, terms: see matching.derived). Not a field of the record: not
    # compared, not copied by dataclasses.replace, and it goes when the trial goes.
    derived: dict = field(init=False, default_factory=dict, compare=False, repr=False)
