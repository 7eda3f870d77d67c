"""The trial page's view model: the stored record and its compiled rules as an outline a
reader can check against the eligibility text (criterion, kind, status, atoms in words),
plus the list of criteria the compiler could not understand."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.web.describe import ExprLine, describe_expr
from app.web.views import COMPILE_WORDS, phase_words, status_words
from criteria_rules.ir import Criterion, RuleSet


@dataclass
class CriterionView:
    id: str
    kind: str
    text: str
    status: str
    status_words: str
    outline: list[str]
    rule: ExprLine | None
    applies_if: ExprLine | None
    unparsed: list[str]
    combine: str | None
    children: list["CriterionView"] = field(default_factory=list)


@dataclass
class RulesView:
    compiler_version: str
    inclusion: list[CriterionView]
    exclusion: list[CriterionView]
    not_understood: list[CriterionView]  # unsupported, and partial ones with words left over
    counts: dict[str, int]
    warnings: list[str]


def criterion_view(criterion: Criterion) -> CriterionView:
    return CriterionView(
        id=criterion.id,
        kind=criterion.kind,
        text=criterion.text,
        status=criterion.status,
        status_words=COMPILE_WORDS.get(criterion.status, criterion.status),
        outline=[h for h in criterion.outline if h.strip().lower() not in ("inclusion criteria", "exclusion criteria")],
        rule=describe_expr(criterion.expr),
        applies_if=describe_expr(criterion.applies_if),
        unparsed=list(criterion.unparsed),
        combine=criterion.combine,
        children=[criterion_view(child) for child in criterion.children],
    )


def _walk(views: list[CriterionView]):
    for view in views:
        yield view
        yield from _walk(view.children)


def rules_view(ruleset: RuleSet) -> RulesView:
    views = [criterion_view(c) for c in ruleset.criteria]
    counts = {"compiled": 0, "partial": 0, "unsupported": 0}
    not_understood = []
    for view in _walk(views):
        counts[view.status] = counts.get(view.status, 0) + 1
        if view.status == "unsupported" or (view.status == "partial" and view.unparsed):
            not_understood.append(view)
    return RulesView(
        compiler_version=ruleset.compiler_version,
        inclusion=[v for v in views if v.kind == "inclusion"],
        exclusion=[v for v in views if v.kind == "exclusion"],
        not_understood=not_understood,
        counts=counts,
        warnings=list(ruleset.warnings),
    )


def age_words(min_years: float | None, max_years: float | None) -> str:
    if min_years is None and max_years is None:
        return "No age limits given"
    if min_years is not None and max_years is not None:
        return f"{min_years:g} to {max_years:g} years"
    if min_years is not None:
        return f"{min_years:g} years or older"
    return f"Up to {max_years:g} years"


SEX_WORDS = {"ALL": "All sexes", "FEMALE": "Women only", "MALE": "Men only"}


@dataclass
class TrialRecordView:
    nct_id: str
    title: str
    official_title: str | None
    acronym: str | None
    status: str
    phases: str
    study_type: str | None
    conditions: list[str]
    ages: str
    sex: str
    healthy_volunteers: str
    sponsor: str | None
    summary: str | None
    url: str
    sites: list
    eligibility_text: str | None


def record_view(trial, url: str) -> TrialRecordView:
    """``trial`` is the stored row (app.models.Trial)."""
    healthy = {True: "Accepts healthy volunteers", False: "Does not accept healthy volunteers"}.get(
        trial.healthy_volunteers, "Not stated")
    return TrialRecordView(
        nct_id=trial.nct_id,
        title=trial.brief_title or trial.official_title or trial.nct_id,
        official_title=trial.official_title if trial.official_title != trial.brief_title else None,
        acronym=trial.acronym,
        status=status_words(trial.overall_status),
        phases=phase_words(trial.phases or []),
        study_type=(trial.study_type or "").replace("_", " ").capitalize() or None,
        conditions=list(trial.conditions or []),
        ages=age_words(trial.min_age_years, trial.max_age_years),
        sex=SEX_WORDS.get((trial.sex or "ALL").upper(), trial.sex or "All sexes"),
        healthy_volunteers=healthy,
        sponsor=trial.lead_sponsor,
        summary=trial.brief_summary,
        url=url,
        sites=list(trial.sites),
        eligibility_text=trial.eligibility_criteria,
    )
