"""Study-related facts: other-trial participation, informed consent, allergy to the
investigational product or a drug, healthy volunteers."""

from __future__ import annotations

import re

from criteria_rules import terminology
from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import AllergyAtom, ConsentAtom, HealthyVolunteerAtom, TrialParticipationAtom

_TRIAL = re.compile(
    r"\b(?:participa[nt]\w*|enrol(?:l)?\w*|involve\w*|tak(?:e|ing) part|took part|included|inclusion)\b[^.;]{0,50}?"
    r"\b(?:another|other|any other|concurrent|simultaneous|an?|any|a different|previous)\b[^.;]{0,40}?"
    r"\b(?:clinical\s+|interventional\s+|investigational\s+|drug\s+|therapeutic\s+|research\s+)*(?:trials?|stud(?:y|ies)|investigations?|protocols?)\b"
    r"|\b(?:received|receiving|use of|used|treatment with|treated with|exposure to|administration of|taken|took|taking)\s+(?:an?\s+|any\s+)?(?:other\s+)?"
    r"investigational\s+(?:drugs?|agents?|products?|devices?|medications?|medicinal products?|treatments?|therap(?:y|ies)|compounds?|interventions?)"
    r"|\b(?:investigational\s+(?:drugs?|agents?|products?|devices?|therap(?:y|ies)|treatments?))\s+(?:within|in the)",
    re.I,
)
_CONSENT = re.compile(
    r"\b(?:(?:written\s+|signed\s+|voluntar\w+\s+)?informed\s+(?:consent|assent)(?:\s+form)?|consent\s+forms?|(?:give|provide|sign|obtain|understand)\w*\s+(?:\w+\s+){0,3}?consent"
    r"|(?:able|ability|capable|capacity|willing\w*)\s+to\s+(?:\w+\s+){0,4}?consent|\bassent\b|\bconsent\b)",
    re.I,
)
_CANNOT = re.compile(r"\b(?:unable|inability|not able|incapable|cannot|can ?not|lack\w*|refus\w*|unwilling\w*|not willing|missing|without|absence of)\b[^.;]{0,40}$", re.I)
# "Can not use heparin": an intolerance or contraindication, not "does not take heparin".
_CANNOT_USE = re.compile(
    r"\b(?:can\s?not|cannot|could\s+not|unable\s+to)\s+(?:use|take|receive|tolerate|be\s+given|be\s+treated\s+with)\s+"
    r"(?P<target>[^.;]{1,120})",
    re.I,
)
_ALLERGY = re.compile(
    r"\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|anaphyla\w*|contraindicat\w*|sensitivity)"
    r"(?:\s+(?:or|and/or|and|/)\s+(?:allerg\w*|hypersensitiv\w*|intoleran\w*|contraindicat\w*))?"
    r"(?:\s+reactions?)?\s+(?:to|with|against|of|for)\s+(?P<target>[^.;]{1,120})",
    re.I,
)
_PRODUCT_WORDS = re.compile(
    r"\b(?:study|trial|investigational|imp|excipients?|components?|ingredients?|constituents?|formulation|product|the drug|vaccine)\b",
    re.I,
)
_HEALTHY = re.compile(
    r"\bhealthy\s+(?:\w+\s+)?(?:volunteers?|subjects?|participants?|individuals?|adults?|children|controls?|donors?|people|persons|men|women|males|females|infants|adolescents)\b",
    re.I,
)


def _trial(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _TRIAL.finditer(ctx.text):
        if ctx.is_claimed(m.start(), m.end()) or re.search(r"\bthis\s+(?:study|trial)\b", m.group(0), re.I):
            continue
        found.append(make(ctx, m.start(), m.end(), TrialParticipationAtom))
    return found


def _consent(ctx: CriterionContext) -> list[Found]:
    m = _CONSENT.search(ctx.text)
    if not m:
        return []
    f = make(ctx, m.start(), m.end(), ConsentAtom)
    if _CANNOT.search(ctx.text[max(0, m.start() - 60) : m.start()]):
        f.negated = True
    return [f]


def _allergy_target(ctx: CriterionContext, start: int, end: int) -> tuple[str, str, int]:
    """(concept id, label, end of the target words) for the thing someone is allergic to."""
    for mention in ctx.mentions_in(start, end, ("drug", "drug_class", "other", "procedure")):
        if mention.concept_id == "investigational_product" or mention.kind in ("drug", "drug_class"):
            return mention.concept_id, terminology.label(mention.concept_id), mention.end
    target = ctx.text[start:end]
    first_clause = re.split(r",|\bor\b|\band\b|\bwhich\b|\bthat\b|\(", target, maxsplit=1)[0]
    if _PRODUCT_WORDS.search(target[:60]):
        return "investigational_product", terminology.label("investigational_product"), start + len(first_clause.rstrip())
    ids = terminology.resolve(first_clause)
    cid = ids[0] if ids else "term:" + terminology.normalise_term(first_clause)
    return cid, terminology.label(cid), start + len(first_clause.rstrip())


def _allergy(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in [*_ALLERGY.finditer(ctx.text), *_CANNOT_USE.finditer(ctx.text)]:
        cid, label, end = _allergy_target(ctx, m.start("target"), m.end("target"))
        end = max(end, m.start("target"))
        if "product" in cid or cid == "investigational_product":
            end = max(end, m.end("target"))  # the product's description is part of it
        f = make(ctx, m.start(), end, AllergyAtom, concept=cid, label=label)
        if m.re is _CANNOT_USE:
            f.negated = False  # "can not" is the intolerance itself, not a negation of it
        found.append(f)
    return found


def _healthy(ctx: CriterionContext) -> list[Found]:
    return [make(ctx, m.start(), m.end(), HealthyVolunteerAtom) for m in _HEALTHY.finditer(ctx.text)]


def extract(ctx: CriterionContext) -> list[Found]:
    found = []
    for fn in (_allergy, _trial, _consent, _healthy):
        for f in fn(ctx):
            if not ctx.is_claimed(f.start, f.end):
                found.append(f)
                ctx.claim(f.start, f.end)
    return found
