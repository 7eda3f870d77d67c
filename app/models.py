"""Database models: trials, their sites, compiled rules, and import runs.

Normalised columns hold what matching and the API filter on; ``raw`` keeps the registry
record as received so nothing is lost and fields can be re-derived later. List-valued
fields are JSON (portable across SQLite and PostgreSQL); the ``*_search`` columns are
lower-cased, ``|``-delimited copies used for portable LIKE filtering.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend (SQLite drops the offset; we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use app.models.utcnow()")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[dict[str, Any]]: JSON}


class Trial(Base):
    __tablename__ = "trials"

    nct_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), default="ctgov")  # ctgov | demo | local
    brief_title: Mapped[str] = mapped_column(Text, default="")
    official_title: Mapped[str] = mapped_column(Text, default="")
    acronym: Mapped[str | None] = mapped_column(String(200))
    overall_status: Mapped[str | None] = mapped_column(String(64), index=True)
    phases: Mapped[list[str]] = mapped_column(default=list)
    study_type: Mapped[str | None] = mapped_column(String(64))
    conditions: Mapped[list[str]] = mapped_column(default=list)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    mesh_terms: Mapped[list[str]] = mapped_column(default=list)
    mesh_ancestors: Mapped[list[str]] = mapped_column(default=list)
    min_age_years: Mapped[float | None] = mapped_column(Float)
    max_age_years: Mapped[float | None] = mapped_column(Float)
    sex: Mapped[str] = mapped_column(String(16), default="ALL")  # ALL | FEMALE | MALE
    healthy_volunteers: Mapped[bool | None] = mapped_column(Boolean)
    eligibility_criteria: Mapped[str] = mapped_column(Text, default="")
    brief_summary: Mapped[str] = mapped_column(Text, default="")
    lead_sponsor: Mapped[str | None] = mapped_column(Text)
    last_update_posted: Mapped[dt.date | None] = mapped_column(Date)
    phases_search: Mapped[str] = mapped_column(Text, default="")
    conditions_search: Mapped[str] = mapped_column(Text, default="")
    text_search: Mapped[str] = mapped_column(Text, default="")
    record_sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites: Mapped[list[Site]] = relationship(
        back_populates="trial",
        cascade="all, delete-orphan",
        order_by="Site.position",
        passive_deletes=True,
    )
    rules: Mapped[TrialRules | None] = relationship(
        back_populates="trial", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_trials_age", "min_age_years", "max_age_years"),)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nct_id: Mapped[str] = mapped_column(
        ForeignKey("trials.nct_id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the record
    facility: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    zip: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(80))
    contact_email: Mapped[str | None] = mapped_column(Text)

    trial: Mapped[Trial] = relationship(back_populates="sites")


class TrialRules(Base):
    """The compiled RuleSet of one trial.

    ``source_sha256`` hashes what the compiler read (eligibility text and registry
    facts), so a trial is recompiled only when that input or the compiler version changes.
    """

    __tablename__ = "trial_rules"

    nct_id: Mapped[str] = mapped_column(
        ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True
    )
    compiler_version: Mapped[str] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    ruleset: Mapped[dict[str, Any]] = mapped_column()
    compiled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trial: Mapped[Trial] = relationship(back_populates="rules")


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # import | sync | demo
    source: Mapped[str] = mapped_column(Text)  # paths, or the registry query
    status: Mapped[str] = mapped_column(String(16), default="running")
    # running | ok | with_errors | interrupted | failed
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    records_seen: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    compiled: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # capped list
    message: Mapped[str | None] = mapped_column(Text)


class CatalogState(Base):
    """A single row whose ``version`` is bumped in the same transaction as every change to
    trials or their compiled rules, so each worker's in-memory trial catalog can tell with
    one tiny query that another process imported or recompiled something."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
