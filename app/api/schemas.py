"""Response models of the trial API (what clients see; independent of the tables)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class TrialBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nct_id: str
    brief_title: str
    overall_status: str | None
    phases: list[str]
    study_type: str | None
    conditions: list[str]
    min_age_years: float | None
    max_age_years: float | None
    sex: str
    healthy_volunteers: bool | None
    site_count: int = 0
    url: str = ""


class TrialDetail(TrialBrief):
    official_title: str
    acronym: str | None
    keywords: list[str]
    mesh_terms: list[str]
    mesh_ancestors: list[str]
    eligibility_criteria: str
    brief_summary: str
    lead_sponsor: str | None
    last_update_posted: dt.date | None
    source: str
    updated_at: dt.datetime
    sites: list[SiteOut]
    rules_compiled: bool = False


class TrialPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TrialBrief]


class RulesOut(BaseModel):
    nct_id: str
    compiler_version: str
    compiled_at: dt.datetime
    stale: bool
    ruleset: dict[str, Any]


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None = None
    trials: int | None = None
    detail: str | None = None
    # the matcher's build: "native" (compiled with mypyc, matching.native), "python" or "partial"
    matcher: str | None = None
