"""Conditions, procedures and medications from lexicon / terminology mentions, with the
words around them: stage, active vs history, planned procedures, radiotherapy site and
drug dose limits ("corticosteroids (an equivalent dose of prednisolone 5 mg/day or more)")."""

from __future__ import annotations

import re

from criteria_rules import terminology
from criteria_rules.atoms.base import CriterionContext, Found, Mention, make
from criteria_rules.ir import BreastfeedingAtom, ConditionAtom, MedicationAtom, PregnancyAtom, ProcedureAtom, Quantity
from criteria_rules.quantities import COMPARATOR_PREFIX_RE, COMPARATOR_SUFFIX_RE, comparator_of, number_of

_ACTIVE = re.compile(r"\b(?:active|uncontrolled|current(?:ly)?|ongoing|untreated|symptomatic|progressive|unstable|existing|persistent|refractory|concurrent|present)\b[\w\s-]{0,25}$", re.I)
_HISTORY = re.compile(r"\b(?:history of|prior|previous(?:ly)?|past|former|had|treated|resolved|healed)\b[\w\s-]{0,25}$", re.I)
_PLANNED = re.compile(
    r"\b(?:candidates?\s+for|scheduled|planned|planning|plan\s+to|eligible\s+for|will\s+(?:undergo|receive)|awaiting|indicated\s+for|referred\s+for|intended|about\s+to|undergoing|to\s+undergo)\b[^.;]{0,40}$",
    re.I,
)
# "lesions that require extended hepatic resection", "patients requiring HSCT": an
# operation or transplant the patient needs is one to come. ("requiring dialysis",
# "requiring mechanical ventilation", "transfusion-requiring" name a current treatment.)
_REQUIRED = re.compile(r"\b(?:requir(?:e|es|ing)|in\s+need\s+of|need(?:s|ing)?)\b[^.;]{0,40}$", re.I)
_OPERATIONS = ("surgery", "transplant", "biopsy")
_STAGE = re.compile(
    r"\b(?:stages?|grades?|FIGO stage|AJCC stage)\s*(?P<stage>(?:[0IV]{1,4}|[1-4])[A-C]?\d?(?:\s*(?:-|–|to|or|and|through|/)\s*(?:[IV]{1,4}|[1-4])[A-C]?\d?)*)\b",
    re.I,
)
_SITES = re.compile(
    r"\b(?P<site>head and neck|head-and-neck|chest|thorax|thoracic|pelvis|pelvic|abdomen|abdominal|brain|cranial|cranium|breast|lung|mediastin\w+|spine|spinal|neck|oral cavity|whole body|total body|bone|liver|prostate|rectum|rectal)\b",
    re.I,
)
_DOSE = re.compile(
    r"^[^.;]{0,40}?(?:equivalent(?:\s+dose)?\s+(?:of|to)\s+)?(?P<ref>prednisone|prednisolone|methylprednisolone|dexamethasone|hydrocortisone)?\s*"
    rf"(?:equivalent\s+)?(?:of\s+)?(?P<cmp>{COMPARATOR_PREFIX_RE})?\s*(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>mg|µg|μg|mcg|g)\s*"
    r"(?P<per>(?:/|per|a|each)\s*(?:day|d|daily|24\s*h(?:ours?)?)|daily|qd|/\s*kg(?:\s*/\s*day)?)?\s*"
    # ("10 mg of prednisone or equivalent", "0.5 mg/kg prednisone or other steroid equivalent")
    rf"(?:(?:of\s+)?(?P<ref2>prednisone|prednisolone|methylprednisolone|dexamethasone|hydrocortisone))?\s*"
    r"(?:\(?\s*(?:or\s+(?:an?\s+)?(?:other\s+)?(?:(?:cortico)?steroids?\s+)?)?(?:equivalents?|equiv\.?)\)?)?\s*"
    rf"(?P<cmp2>{COMPARATOR_SUFFIX_RE})?",
    re.I,
)


_ACTIVE_NAME = re.compile(r"(?:active|uncontrolled|acute)\b")  # the mention itself says so
_FAMILY = re.compile(r"\bfamily\b|\brelatives?\b|\bsiblings?\b|\bparents?\b|first[- ]degree")


def _status(ctx: CriterionContext, m: Mention) -> str:
    before = ctx.text[max(0, m.start - 40) : m.start]
    surface = ctx.text[m.start : m.end].lower()
    concept = terminology.concept(m.concept_id)
    if (concept and concept.get("status") == "active") or _ACTIVE.search(before) or _ACTIVE_NAME.match(surface):
        return "active"
    if _HISTORY.search(before):
        return "history"
    return "any"


_SPREAD_WORDS = re.compile(r"\bmetasta(?:tic|ses|sis|sized|sised)\b", re.I)


def spread_stage(words: str) -> str | None:
    """"IV" when the words name a cancer as spread ("metastases", "metastatic breast cancer",
    "metastatic disease": spread to distant organs), else None. Criteria are compiled so (a
    cancer of unknown or earlier stage does not meet them) and the matcher reads a patient's
    cancer so (``matching.facts``): one reading for both sides."""
    return "IV" if _SPREAD_WORDS.search(words) else None


def _stage(ctx: CriterionContext, m: Mention) -> tuple[str, tuple[int, int]] | None:
    window_start = max(0, m.start - 30)
    for s in _STAGE.finditer(ctx.text[window_start : m.end + 40]):
        stage = re.sub(r"\s*(?:to|through|–|and|or|/)\s*", "-", s.group("stage").upper().strip(), flags=re.I)
        return re.sub(r"\s+", "", stage), (window_start + s.start(), window_start + s.end())
    spread = spread_stage(ctx.text[m.start : m.end]) if terminology.is_a(m.concept_id, "malignancy") else None
    return (spread, (m.start, m.end)) if spread else None


def _dose(ctx: CriterionContext, m: Mention) -> tuple[dict, int] | None:
    after = ctx.text[m.end : m.end + 90]
    d = _DOSE.match(after)
    if not d:
        return None
    cmp = comparator_of(d.group("cmp"), d.group("cmp2"))
    value = number_of(d.group("num"))
    if value is None:
        return None
    unit = d.group("unit").replace("μ", "µ").replace("mcg", "µg")
    per = (d.group("per") or "").lower()
    unit += "/kg/day" if "kg" in per else "/day"
    ref = d.group("ref") or d.group("ref2")
    fields = {"dose": Quantity(value=value, unit=unit), "dose_comparator": cmp or ">="}
    if ref:
        fields["dose_of"] = ref.lower()
    elif terminology.concept(m.concept_id) and terminology.is_a(m.concept_id, "corticosteroid"):
        fields["dose_of"] = m.concept_id
    return fields, m.end + d.end()


def _condition(ctx: CriterionContext, m: Mention) -> Found:
    if m.concept_id == "pregnancy":
        return make(ctx, m.start, m.end, PregnancyAtom)
    if m.concept_id == "breastfeeding":
        return make(ctx, m.start, m.end, BreastfeedingAtom)
    before = ctx.text[max(0, m.start - 30) : m.start].lower()
    stage = _stage(ctx, m)
    f = make(
        ctx,
        m.start,
        m.end,
        ConditionAtom,
        concept=m.concept_id,
        label=terminology.label(m.concept_id),
        stage=stage[0] if stage else None,
        status=_status(ctx, m),
        family=bool(_FAMILY.search(before)),
    )
    if stage:
        f.covers.append(stage[1])
    return f


def _procedure(ctx: CriterionContext, m: Mention) -> Found:
    concept = terminology.concept(m.concept_id)
    site = None
    if m.concept_id in ("radiotherapy", "chemoradiotherapy", "surgery"):
        near = ctx.text[max(0, m.start - 25) : m.end + 35]
        s = _SITES.search(near)
        site = s.group("site").lower().replace("-", " ") if s else None
    before = ctx.text[max(0, m.start - 60) : m.start]
    return make(
        ctx,
        m.start,
        m.end,
        ProcedureAtom,
        concept=m.concept_id,
        label=terminology.label(m.concept_id),
        subtype=concept.get("subtype") if concept else None,
        site=site,
        planned=bool(_PLANNED.search(before)) or bool(
            _REQUIRED.search(before) and any(terminology.is_a(m.concept_id, c) for c in _OPERATIONS)),
    )


def _medication(ctx: CriterionContext, m: Mention) -> Found:
    fields = {"concept": m.concept_id, "label": terminology.label(m.concept_id)}
    end = m.end
    dose = _dose(ctx, m)
    if dose:
        fields.update(dose[0])
        end = dose[1]
    f = make(ctx, m.start, m.end, MedicationAtom, **fields)
    if end > m.end:
        f.covers.append((m.end, end))
    return f


_BUILDERS = {
    "condition": _condition,
    "procedure": _procedure,
    "drug": _medication,
    "drug_class": _medication,
}


# A disease named as what a test, screening or vaccine is for ("cervical cancer screening",
# "hepatitis B vaccination") is not the patient's disease.
# ("a positive HIV screening" is still the disease: a result of the screening is given.)
_FOR_DISEASE = re.compile(r"[\s-]*(?:screening|vaccin\w*|immuni[sz]ations?|immuni[sz]ed)\b", re.I)
_RESULT_BEFORE = re.compile(r"\b(?:positive|reactive|abnormal|seropositive)\b[\w\s-]{0,20}$", re.I)


def names_screening_target(ctx: CriterionContext, m: Mention) -> bool:
    """Whether the condition mention is only what a screening or vaccine is for."""
    if m.kind != "condition" or m.concept_id in ("pregnancy", "breastfeeding"):
        return False
    return bool(_FOR_DISEASE.match(ctx.text, m.end)) and not _RESULT_BEFORE.search(ctx.text[max(0, m.start - 30) : m.end])


# "At high risk of breast cancer", "increased risk for developing colorectal cancer",
# "risk factors for stroke": a disease someone is at risk of is one they do not have (yet);
# having it neither meets nor rules out such a criterion. ("Risk of recurrence of breast
# cancer" still names the disease: the words just before it are not a risk phrase.)
_RISK_BEFORE = re.compile(
    r"\brisks?(?:\s+factors?)?\s+(?:of|for|to)\s+(?:(?:developing|develop|getting|acquiring|contracting|an?)\s+){0,2}$",
    re.I)


def names_risk_target(ctx: CriterionContext, m: Mention) -> bool:
    """Whether the condition mention is only what the patient is at risk of."""
    if m.kind != "condition":
        return False
    return bool(_RISK_BEFORE.search(ctx.text[max(0, m.start - 60) : m.start]))


# "medical or surgical condition", "a surgical disease": the adjective names a kind of
# illness (one treated by surgery), not an operation the patient had.
_SURGICAL_ADJECTIVE = re.compile(r"(?:surgical|operative)$", re.I)
_ILLNESS_NOUN = re.compile(r"\s+(?:conditions?|diseases?|illness(?:es)?|disorders?|problems?)\b", re.I)


def names_kind_of_illness(ctx: CriterionContext, m: Mention) -> bool:
    """Whether the procedure mention is the adjective of an illness ("surgical condition")."""
    return (m.kind == "procedure" and bool(_SURGICAL_ADJECTIVE.match(ctx.text[m.start : m.end]))
            and bool(_ILLNESS_NOUN.match(ctx.text, m.end)))


def extract(ctx: CriterionContext) -> list[Found]:
    found: list[Found] = []
    for m in ctx.mentions:
        build = _BUILDERS.get(m.kind)
        if build is None or ctx.is_claimed(m.start, m.end):
            continue
        if names_screening_target(ctx, m) or names_kind_of_illness(ctx, m) or names_risk_target(ctx, m):
            continue
        f = build(ctx, m)
        found.append(f)
        ctx.claim(f.start, f.end)
        for start, end in f.covers:
            ctx.claim(start, end)
    return found
