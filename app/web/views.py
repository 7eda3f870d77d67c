"""View models: match results turned into what a page shows, as small pure functions.

The patient sees each trial in plain words (what it studies, why it may fit, what is
still unknown, what rules it out, the nearest site); the clinician sees every criterion
with its outcome. Outcomes are never shown by colour alone: each has an icon and a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from matching.profile import PatientProfile
from matching.results import CriterionResult, NearestSite, TrialMatch

STATUS_WORDS = {
    "RECRUITING": "Recruiting now",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Status unknown",
}
PHASE_WORDS = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "No phase (not a drug trial)",
}
VERDICT_WORDS = {
    "eligible": "May fit: every criterion we could check fits",
    "possibly_eligible": "Might fit: some questions are still open",
    "ineligible": "Probably not a fit",
}
VERDICT_SHORT = {"eligible": "Eligible", "possibly_eligible": "Possibly eligible", "ineligible": "Ineligible"}
VERDICT_ICONS = {"eligible": "✓", "possibly_eligible": "?", "ineligible": "✗"}

# What an outcome means for the patient, by criterion kind: an exclusion that is met rules out.
EFFECTS = {
    ("inclusion", "met"): "fits",
    ("inclusion", "not_met"): "rules_out",
    ("exclusion", "met"): "rules_out",
    ("exclusion", "not_met"): "fits",
}
EFFECT_ICONS = {"fits": "✓", "rules_out": "✗", "open": "?", "na": "–"}
OUTCOME_WORDS = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", "not_applicable": "Not applicable"}
COMPILE_WORDS = {
    "compiled": "Understood",
    "partial": "Partly understood",
    "unsupported": "Not understood",
    "registry": "Registry field",
}
_REASON_PREFIX = re.compile(r'^(Met|Not met|Unknown|Not applicable|Triggered|Not triggered)\s*:\s*', re.I)


def status_words(status: str | None) -> str:
    if not status:
        return "Status not given"
    return STATUS_WORDS.get(status.upper(), status.replace("_", " ").capitalize())


def phase_words(phases: Iterable[str]) -> str:
    words = [PHASE_WORDS.get(p.upper(), p) for p in phases]
    return ", ".join(words) if words else "Phase not given"


def effect(kind: str, outcome: str) -> str:
    """fits | rules_out | open | na: what a criterion's outcome means for this patient."""
    if outcome == "unknown":
        return "open"
    if outcome == "not_applicable":
        return "na"
    return EFFECTS.get((kind, outcome), "open")


def outcome_label(kind: str, outcome: str) -> str:
    words = OUTCOME_WORDS.get(outcome, outcome)
    if kind == "exclusion" and outcome == "met":
        return f"{words}: excludes"
    return words


def distance_words(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return "less than 1 km away"
    if km < 10:
        return f"about {km:.0f} km away"
    return f"about {round(km, -1):.0f} km away" if km < 1000 else f"about {round(km, -2):,.0f} km away"


def shorten(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- sites ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteView:
    name: str
    place: str
    distance: str
    status: str
    contacts: tuple[str, ...]
    email: str | None = None
    phone: str | None = None


def site_view(site: NearestSite) -> SiteView:
    place = ", ".join(p for p in (site.city, site.state, site.country) if p)
    contacts = tuple(c for c in (site.contact_name,) if c)
    return SiteView(
        name=site.facility or "Study site",
        place=place,
        distance=distance_words(site.distance_km),
        status=status_words(site.status) if site.status else "",
        contacts=contacts,
        email=site.contact_email,
        phone=site.contact_phone,
    )


# --- the patient's summary of a trial ---------------------------------------------------------


@dataclass(frozen=True)
class PlainReason:
    criterion: str  # the criterion as written, shortened
    detail: str  # the patient facts used, or what is missing


@dataclass
class PatientCard:
    nct_id: str
    title: str
    url: str
    conditions: list[str]
    summary: str
    status: str
    phases: str
    verdict: str
    verdict_words: str
    verdict_reason: str
    fits: list[PlainReason] = field(default_factory=list)
    unknown: list[PlainReason] = field(default_factory=list)
    rules_out: list[PlainReason] = field(default_factory=list)
    site: SiteView | None = None
    location_note: str | None = None


_CRITERION_IDS = re.compile(r"\s*\((?:(?:inc|exc|registry)-[\w.]+(?:,\s*)?|…|\.\.\.)+\)")


def plain_verdict_reason(reason: str) -> str:
    """The verdict's reason without criterion ids, which mean nothing to a patient."""
    return _CRITERION_IDS.sub("", reason)


def plain_reason(criterion: CriterionResult) -> PlainReason:
    detail = " ".join(criterion.facts_used) or _REASON_PREFIX.sub("", criterion.reason)
    return PlainReason(criterion=shorten(criterion.text), detail=shorten(detail, 300))


@dataclass(frozen=True)
class TrialTopic:
    """What a trial studies, beyond the match result: its conditions and summary."""

    conditions: tuple[str, ...] = ()
    brief_summary: str = ""


def patient_card(match: TrialMatch, topic: TrialTopic | None = None) -> PatientCard:
    topic = topic or TrialTopic()
    card = PatientCard(
        nct_id=match.nct_id,
        title=match.title,
        url=match.url,
        conditions=list(topic.conditions),
        summary=shorten(topic.brief_summary, 400) if topic.brief_summary else "",
        status=status_words(match.status),
        phases=phase_words(match.phases),
        verdict=match.verdict,
        verdict_words=VERDICT_WORDS[match.verdict],
        verdict_reason=plain_verdict_reason(match.verdict_reason),
        site=site_view(match.nearest_site) if match.nearest_site else None,
        location_note=match.location_note,
    )
    buckets = {"fits": card.fits, "open": card.unknown, "rules_out": card.rules_out}
    for criterion in match.criteria:
        bucket = buckets.get(effect(criterion.kind, criterion.outcome))
        reason = plain_reason(criterion)
        # the registry's age range and the text's "aged 18 or older" say the same thing twice
        if bucket is not None and all(r.detail != reason.detail for r in bucket):
            bucket.append(reason)
    return card


# --- the clinician's table ---------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRow:
    id: str
    kind: str
    text: str
    outcome: str
    outcome_label: str
    effect: str
    icon: str
    reason: str
    status: str
    status_words: str
    depth: int


def effect_counts(criteria: Iterable[CriterionResult]) -> dict[str, int]:
    """Top-level criteria by what they mean for the patient (fits / rules out / open / n.a.)."""
    counts = {"fits": 0, "rules_out": 0, "open": 0, "na": 0}
    for c in criteria:
        counts[effect(c.kind, c.outcome)] += 1
    return counts


def criterion_rows(criteria: Iterable[CriterionResult], depth: int = 0) -> list[CriterionRow]:
    """Criteria and their sub-criteria as table rows, parents first."""
    found = []
    for c in criteria:
        kind_effect = effect(c.kind, c.outcome)
        found.append(CriterionRow(
            id=c.id, kind=c.kind, text=c.text, outcome=c.outcome, outcome_label=outcome_label(c.kind, c.outcome),
            effect=kind_effect, icon=EFFECT_ICONS[kind_effect], reason=c.reason, status=c.status,
            status_words=COMPILE_WORDS.get(c.status, c.status), depth=depth))
        found.extend(criterion_rows(c.children, depth + 1))
    return found


# --- the patient, as the printable screening states it ---------------------------------------


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "not known")


def profile_lines(profile: PatientProfile) -> list[tuple[str, str]]:
    """(label, value) lines of what the screening was based on, for the printed page."""
    lines: list[tuple[str, str]] = []
    if profile.age_years is not None:
        lines.append(("Age", f"{profile.age_years:g} years"))
    if profile.sex:
        lines.append(("Sex", profile.sex))
    for c in profile.conditions:
        state = "absent" if not c.present else c.status
        lines.append(("Condition", f"{c.text or (c.code.display if c.code else '')} ({'family' if c.family else state})"))
    for p in profile.procedures:
        extra = ", ".join(x for x in (p.subtype, p.site, p.date.isoformat() if p.date else None) if x)
        lines.append(("Procedure", f"{p.text}{f' ({extra})' if extra else ''}{'' if p.present else ' (absent)'}"))
    for m in profile.medications:
        dose = f" {m.dose:g} {m.unit or ''}".rstrip() if m.dose is not None else ""
        lines.append(("Medication", f"{m.text}{dose}{'' if m.present else ' (not taking)'}"))
    for lab in profile.labs:
        when = f" on {lab.date.isoformat()}" if lab.date else ""
        lines.append(("Lab", f"{lab.analyte} {lab.value:g} {lab.unit}{when}".strip()))
    if profile.pregnant is not None:
        lines.append(("Pregnant", _yes_no(profile.pregnant)))
    if profile.breastfeeding is not None:
        lines.append(("Breastfeeding", _yes_no(profile.breastfeeding)))
    if profile.can_consent is not None:
        lines.append(("Can consent", _yes_no(profile.can_consent)))
    if profile.will_comply is not None:
        lines.append(("Will follow study procedures", _yes_no(profile.will_comply)))
    if profile.ecog is not None:
        lines.append(("ECOG", str(profile.ecog)))
    if profile.location is not None:
        loc = profile.location
        place = ", ".join(x for x in (loc.postal_code, loc.city, loc.country) if x)
        if loc.max_distance_km:
            place += f" (up to {loc.max_distance_km:g} km)"
        lines.append(("Location", place))
    if profile.absent_means_no:
        lines.append(("Record", "complete: what is not listed counts as absent"))
    return lines


# --- what the note adapter read, for the clinician to check ------------------------------------


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    value: str
    flags: str
    before: str  # the sentence, split around the words the fact was read from
    words: str
    after: str


def _value_words(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value_words(v)}" for k, v in value.items()
                         if v not in (None, "", [], {}, False) and k not in ("evidence", "present", "code"))
    return str(value)


def evidence_view(fact) -> EvidenceView:
    """A fact read from a note (matching.note.ExtractedFact) with its sentence."""
    flags = [name.replace("_", " ") for name in ("negated", "historical", "family", "hypothetical", "uncertain",
                                             "other_person") if getattr(fact, name)]
    sentence = fact.sentence or fact.text
    at = sentence.find(fact.text) if fact.text else -1
    if at < 0:
        before, words, after = sentence, "", ""
    else:
        before, words, after = sentence[:at], fact.text, sentence[at + len(fact.text):]
    return EvidenceView(kind=fact.kind.replace("_", " "), value=_value_words(fact.value),
                        flags=", ".join(flags), before=before, words=words, after=after)


# --- filters on the clinician's results -----------------------------------------------------------

SCREEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
                   "UNKNOWN", "COMPLETED")
DEFAULT_SCREEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")
VERDICTS = ("eligible", "possibly_eligible", "ineligible")


@dataclass(frozen=True)
class ScreenFilters:
    verdicts: tuple[str, ...] = VERDICTS
    within_km: float | None = None
    phase: str = ""
    statuses: tuple[str, ...] = DEFAULT_SCREEN_STATUSES


def parse_filters(form: Mapping[str, list[str]]) -> tuple[ScreenFilters, dict[str, str]]:
    """Filters from the form (``form`` maps a name to every value posted for it)."""
    errors: dict[str, str] = {}
    submitted = bool(form.get("filters_shown"))
    verdicts = tuple(v for v in form.get("verdict", []) if v in VERDICTS)
    statuses = tuple(s for s in form.get("status", []) if s in SCREEN_STATUSES)
    within = (form.get("within_km") or [""])[0].strip()
    within_km = None
    if within:
        try:
            within_km = float(within)
            if within_km <= 0:
                raise ValueError
        except ValueError:
            errors["within_km"] = "Please enter a distance in km above 0, or leave it empty."
            within_km = None
    phase = (form.get("phase") or [""])[0].strip().upper()
    if phase not in PHASE_WORDS:
        phase = ""
    return ScreenFilters(
        verdicts=verdicts if submitted else VERDICTS,
        within_km=within_km,
        phase=phase,
        statuses=statuses if (submitted and statuses) else DEFAULT_SCREEN_STATUSES,
    ), errors


def apply_filters(trials: Iterable[TrialMatch], filters: ScreenFilters) -> list[TrialMatch]:
    """Keep the trials the filters allow. A trial whose distance is unknown is kept by the
    distance filter (the page says so): missing data never hides a trial."""
    kept = []
    for trial in trials:
        if trial.verdict not in filters.verdicts:
            continue
        if filters.phase and filters.phase not in [p.upper() for p in trial.phases]:
            continue
        distance = trial.nearest_site.distance_km if trial.nearest_site else None
        if filters.within_km is not None and distance is not None and distance > filters.within_km:
            continue
        kept.append(trial)
    return kept
