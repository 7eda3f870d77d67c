"""Age bounds: "aged 18 years or older", ">= 18", "between 18 and 75 years", "1 to 14
years", "under 65", "adults", and NCI "Age" sub-headers followed by "18 to 55"."""

from __future__ import annotations

import re

from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import AgeAtom
from criteria_rules.quantities import COMPARATOR_PREFIX_RE, COMPARATOR_SUFFIX_RE, NUMBER, comparator_of, number_of

_UNIT = r"(?:(?P<unit>years?|yrs?|y\.?o\.?|months?|mos?|weeks?|wks?|days?)\b)"
_AGE_WORD = r"\b(?:ages?|aged|age range|age group)\b"
_NUM = rf"(?P<a>{NUMBER})"
_NUM2 = rf"(?P<b>{NUMBER})"

_RANGE = re.compile(
    rf"(?:(?P<ageword>{_AGE_WORD})\s*(?:of|:|is|from|between|range|in the range of|within)?\s*(?:of|from|between)?\s*)?(?:between\s+(?:the\s+)?(?:ages\s+of\s+)?)?"
    rf"{_NUM}\s*(?:{_UNIT}\s*(?:old|of age)?)?\s*(?:-|–|—|to|and|through|~|until)\s*{_NUM2}\s*(?P<unit2>years?|yrs?|months?|mos?|weeks?|days?)?\b"
    r"(?P<tail>\s*(?:years?\s*)?(?:old|of age|inclusive|\(inclusive\))?)",
    re.I,
)
_BOUND_PREFIX = re.compile(
    rf"(?:(?P<ageword>{_AGE_WORD})\s*(?:of|:|is|must be|should be|longer than)?\s*)?(?P<cmp>{COMPARATOR_PREFIX_RE})\s*(?:the\s+age\s+of\s+)?{_NUM}\s*{_UNIT}?"
    r"(?P<tail>\s*(?:old|of age))?",
    re.I,
)
_BOUND_SUFFIX = re.compile(
    rf"(?:(?P<ageword>{_AGE_WORD})\s*(?:of|:|is)?\s*)?{_NUM}\s*{_UNIT}?\s*(?:old|of age)?\s*(?P<cmp2>{COMPARATOR_SUFFIX_RE})",
    re.I,
)
_AGE_CONTEXT_BEFORE = re.compile(
    r"\b(?:ages?|aged|old|adults?|children|patients?|subjects?|participants?|volunteers?|men|women|males?|females?|"
    r"individuals?|persons?|people|boys|girls|infants?|adolescents?|neonates?|donors?|recipients?)\W*$",
    re.I,
)
_NOT_AGE_BEFORE = re.compile(r"\b(?:for|within|since|past|last|previous|after|before|duration|history|over the|survival|prognosis)\s*$", re.I)
# Ages of someone or something other than the patient now.
_OTHER_AGE = re.compile(r"\b(?:onset|diagnos\w*|donors?|duration|gestation\w*|fetal|maternal|mothers?|survival|prognosis|expectancy|persons over|parents?)\b", re.I)
_AGE_NEAR = re.compile(r"\bage\b|\baged\b", re.I)
_ADULT = re.compile(r"\badults?\b(?!\s+(?:onset|respiratory|form))", re.I)
_TO_YEARS = {"y": 1.0, "m": 1 / 12, "w": 7 / 365, "d": 1 / 365}


def _years(value: float, unit: str | None) -> float:
    factor = _TO_YEARS.get((unit or "y").lower()[0], 1.0)
    return round(value * factor, 4)


def _has_age_context(text: str, m: re.Match, outline: list[str]) -> bool:
    before = text[max(0, m.start() - 40) : m.start()]
    if _OTHER_AGE.search(before) or _OTHER_AGE.search(text[m.end() : m.end() + 25]):
        return False
    if m.groupdict().get("ageword"):
        return True
    unit = m.groupdict().get("unit") or m.groupdict().get("unit2")
    in_years = not unit or unit.lower().startswith("y")
    if re.search(r"\bage\b", m.group(0), re.I) or (in_years and re.search(r"of age|\bold\b|older|younger", m.group(0), re.I)):
        return True
    if any(h.strip().lower().startswith("age") for h in outline[-1:]):
        return True
    if _NOT_AGE_BEFORE.search(before):
        return False
    if not (unit and unit.lower().startswith("y")):
        return False  # bare numbers and weeks/months need an explicit age word
    if _AGE_NEAR.search(before[-30:]):
        return True
    return not re.search(r"\w", before) or bool(_AGE_CONTEXT_BEFORE.search(before))


_MAY_STATE_AGE = re.compile(r"\d.{0,40}?(?:y|mo|w|d)|age|old|adult", re.I | re.S)


def extract(ctx: CriterionContext) -> list[Found]:
    text = ctx.text
    found: list[Found] = []
    under_age_header = any(h.strip().lower().startswith("age") for h in ctx.outline[-1:])
    if not under_age_header and not _MAY_STATE_AGE.search(text):
        return found
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return not any(m.start() < e and s < m.end() for s, e in taken)

    for m in _RANGE.finditer(text):
        if not free(m) or not _has_age_context(text, m, ctx.outline):
            continue
        a, b = number_of(m.group("a")), number_of(m.group("b"))
        unit = m.group("unit") or m.group("unit2")
        if a is None or b is None or a > b or b > 130:
            continue
        found.append(make(ctx, m.start(), m.end(), AgeAtom, min_years=_years(a, unit), max_years=_years(b, m.group("unit2") or unit)))
        taken.append((m.start(), m.end()))
    for pattern in (_BOUND_PREFIX, _BOUND_SUFFIX):
        for m in pattern.finditer(text):
            if not free(m) or not _has_age_context(text, m, ctx.outline):
                continue
            value = number_of(m.group("a"))
            cmp = comparator_of(m.groupdict().get("cmp"), m.groupdict().get("cmp2"))
            if value is None or cmp is None or cmp == "==" or value > 130:
                continue
            years = _years(value, m.group("unit"))
            if cmp in (">=", ">"):
                atom_fields = {"min_years": years, "min_inclusive": cmp == ">="}
            else:
                atom_fields = {"max_years": years, "max_inclusive": cmp == "<="}
            found.append(make(ctx, m.start(), m.end(), AgeAtom, **atom_fields))
            taken.append((m.start(), m.end()))
    if not found:
        m = _ADULT.search(text)
        if m and not ctx.is_claimed(m.start(), m.end()):
            found.append(make(ctx, m.start(), m.end(), AgeAtom, min_years=18.0))
    for f in found:
        ctx.claim(f.start, f.end)
    return found
