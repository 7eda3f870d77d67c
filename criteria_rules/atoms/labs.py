"""Lab values: analyte + comparator + number + unit, normalised to the analyte's canonical
unit ("serum albumin levels of less than 3 g/dl", "ANC >= 1.5 x 10^9/L", "bilirubin <= 1.5
x ULN", "creatinine clearance ≥ 60 mL/min", "platelets > 100,000/mm3")."""

from __future__ import annotations

import re

from criteria_rules import terminology
from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import LabAtom
from criteria_rules.quantities import COMPARATOR_PREFIX_RE, COMPARATOR_SUFFIX_RE, comparator_of, normalise_value, number_of

_ULN = r"(?:x|×|\*|times|-fold|fold)?\s*(?:the\s+)?(?:institutional\s+|local\s+)?(?:(?P<uln>ULN|upper limits? of (?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?|upper normal limit|UNL)|(?P<lln>LLN|lower limits? of (?:the\s+)?normal))"
_COUNT = r"(?:(?:x|×|\*)\s*10\s*(?:\^|\*\*|\*|e|E)?\s*\d{1,2}\s*(?:cells?\s*)?/\s*(?:l|µl|μl|ul|mcl|mm3|mm\^3|mm³|cu\.?\s*mm|cmm)|(?:cells?|k|thousand)?\s*/\s*(?:µl|μl|ul|mcl|mm3|mm\^3|mm³|cu\.?\s*mm|cmm|l)\b)"
_SIMPLE = (
    r"(?:%|(?:g|gm|mg|µg|μg|ug|mcg|ng|pg|mmol|µmol|μmol|umol|nmol|pmol|mol|meq|mEq|U|IU|iu|mIU|mU|cells|copies|k)"
    r"\s*/\s*(?:dl|l|ml|µl|μl|ul|mm3|kg|24\s*h(?:ours?)?|day|d)\b"
    r"|(?:ml|mL)\s*/\s*min(?:ute)?(?:\s*/\s*1[.,]73\s*m(?:2|²|\^2)|\s*per\s*1[.,]73\s*m(?:2|²|\^2))?"
    r"|mmHg|mm\s*Hg|msecs?|ms|seconds?|secs?|s|kg/m2|kg/m²|kg/m\^2|kg|cm|mm|g|mg|µmol|mmol)(?![A-Za-zµμ])"
)
# A value counted in standard deviations from a reference mean ("2 SD below the mean for
# age", "z-score < -2") is relative to a norm the criterion does not give: not a threshold.
_DEVIATIONS = re.compile(r"\s*(?:standard\s+deviations?|SDs?|s\.d\.|sigma|σ)(?![A-Za-z])", re.I)
# Vital signs: temperatures ("38 °C", "38℃", "100.4 degrees Fahrenheit") and rates per minute.
_VITAL = (r"(?:°|º|˚)\s?[CF]\b|℃|℉|degrees?\s+(?:celsius|centigrade|fahrenheit|C\b|F\b)|celsius|centigrade|fahrenheit"
          r"|bpm\b|(?:beats?|breaths?)\s*(?:/|per)\s*min(?:ute)?\b|/\s*min(?:ute)?\b")
_UNIT = rf"(?P<unit>{_ULN}|{_COUNT}|{_VITAL}|{_SIMPLE})"
_NUM = r"(?P<num>\d+(?:[.,]\d+)*)"
_GAP = r"(?P<gap>(?:\s*(?:\([^)0-9]{0,40}\)|\b(?:levels?|values?|counts?|concentrations?|of|is|are|must|should|be|at|value|total|serum|plasma|in the blood|measured|result)\b|[:,]|-(?!\d)))*)\s*"
# (a suffix "or above" followed by a number is the next bound's comparator: "below 40 kg
# or above 150 kg" is two bounds, not ">= 40")
_VALUE = re.compile(
    _GAP + rf"(?P<cmp>{COMPARATOR_PREFIX_RE}|of|=|:)?\s*{_NUM}\s*{_UNIT}?\s*(?:(?P<cmp2>{COMPARATOR_SUFFIX_RE})(?!\s*(?:\d|than\b)))?",
    re.I,
)
# The other side of a two-sided limit: "< 18 or > 40 kg/m2", "below 40 kg or above 150 kg".
_OTHER_BOUND = re.compile(rf"\s*,?\s*(?:or|and/or)\s+(?P<cmp>{COMPARATOR_PREFIX_RE})\s*{_NUM}\s*{_UNIT}?", re.I)
_RANGE = re.compile(
    _GAP + rf"(?:between|from|within|range\s+of)?\s*(?P<num>\d+(?:[.,]\d+)*)\s*(?P<unit1>{_SIMPLE})?\s*(?:and|to|-|–)\s*(?P<num2>\d+(?:[.,]\d+)*)\s*{_UNIT}?",
    re.I,
)
_ULN_ONLY = re.compile(_GAP + rf"(?P<cmp>{COMPARATOR_PREFIX_RE})\s*{_ULN}", re.I)
_WITHIN_NORMAL = re.compile(_GAP + r"(?:within|in)\s+(?:the\s+)?normal\s+(?:limits?|range)|\bnormal\b", re.I)
_LOOKAHEAD = 70


def _lab(ctx: CriterionContext, mention, m: re.Match, end: int) -> Found | None:
    cmp = comparator_of(m.groupdict().get("cmp"), m.groupdict().get("cmp2"))
    if cmp is None or cmp == "==":
        return None
    concept = terminology.concept(mention.concept_id)
    canonical = concept.get("unit", "") if concept else ""
    unit_text = (m.groupdict().get("unit") or "").strip()
    fields: dict = {"analyte": mention.concept_id, "label": concept.label if concept else mention.concept_id, "comparator": cmp}
    num = m.groupdict().get("num")
    if num and _DEVIATIONS.match(m.string, m.end("num")):
        return None
    value = number_of(num) if num else 1.0
    if value is None:
        return None
    if m.groupdict().get("uln") or m.groupdict().get("lln"):
        fields.update(value=value, unit="", uln_multiple=bool(m.group("uln")), lln_multiple=bool(m.group("lln")))
    elif unit_text and canonical != "" and canonical is not None:
        if unit_text == "%" and canonical == "percent":
            fields.update(value=value, unit="percent")
        else:
            converted = normalise_value(value, unit_text, canonical, concept.get("molar_mass") if concept else None)
            if converted is not None:
                fields.update(value=round(converted[0], 6), unit=converted[1])
            else:
                fields.update(value=value, unit=unit_text)
    elif not unit_text and canonical == "10^9/L" and value >= 1000:
        # "platelets > 100,000" without a unit: a count per microlitre
        fields.update(value=value / 1000, unit="10^9/L")
    else:
        fields.update(value=value, unit=unit_text if unit_text != "%" else "percent")
    found = make(ctx, mention.start, end, LabAtom, **fields)
    return found


_DIGIT = re.compile(r"\d")  # (a number between the analyte and its bound is some other value)


def _range(ctx: CriterionContext, mention, window: str) -> list[Found]:
    """"BMI between 18.5 and 30 kg/m2" -> lab >= 18.5 and lab <= 30."""
    m = _RANGE.match(window)
    if not m or _DIGIT.search(m.group("gap") or ""):
        return []
    low, high = number_of(m.group("num")), number_of(m.group("num2"))
    if low is None or high is None or low >= high:
        return []
    base = mention.end
    lower = _VALUE.match(f"{m.group('gap')}>= {m.group('num')} {m.group('unit') or m.group('unit1') or ''}")
    upper = _VALUE.match(f"<= {m.group('num2')} {m.group('unit') or ''}")
    first = _lab(ctx, mention, lower, base + m.start("num2") - 1) if lower else None
    second = _lab(ctx, mention, upper, base + m.end()) if upper else None
    if not first or not second:
        return []
    second.start = base + m.start("num2")
    second.atom.span = ctx.span(second.start, second.end)
    second.atom.text = ctx.text[second.start : second.end]
    first.end = base + m.start("num2") - 1
    first.atom.span = ctx.span(first.start, first.end)
    first.atom.text = ctx.text[first.start : first.end]
    return [first, second]


def _direction(comparator: str) -> str:
    return "<" if comparator.startswith("<") else ">"


def _other_bound(ctx: CriterionContext, mention, window: str, m: re.Match, first: Found) -> list[Found]:
    """"BMI < 18 or > 40 kg/m2": the first bound and the opposite one after "or" (an
    out-of-range limit). The unit written once, after the second number, serves both.
    Returns the bounds to keep (the first alone when there is no other side)."""
    o = _OTHER_BOUND.match(window, m.end())
    cmp = comparator_of(o.group("cmp")) if o else None
    if o is None or cmp is None or cmp == "==" or _direction(cmp) == _direction(first.atom.comparator):
        return [first]
    start = mention.end + o.start("cmp")
    unit = (m.group("unit") or "").strip()
    if unit and not (o.group("unit") or "").strip():  # "> 9 g/dL or < 8": the unit written once
        redone = _VALUE.match(f"{o.group('cmp')} {o.group('num')} {unit}")
        second = _lab(ctx, mention, redone, mention.end + o.end()) if redone else None
    else:
        second = _lab(ctx, mention, o, mention.end + o.end())
    if second is None:
        return [first]
    second.start = start
    second.atom.span = ctx.span(start, second.end)
    second.atom.text = ctx.text[start : second.end]
    if not (m.group("unit") or "").strip() and (o.group("unit") or "").strip():
        redone = _VALUE.match(f"{m.group('cmp') or ''} {m.group('num')} {o.group('unit')}")
        again = _lab(ctx, mention, redone, first.end) if redone else None
        if again is not None:
            first = again
    return [first, second]


_CLAUSE_END = re.compile(r"[;\n]")
# "(ANC)" right after the analyte: blanked, so the value after it is the analyte's
_LEADING_ASIDE = re.compile(r"^(\s*\()([^)0-9]{1,30})(\))")


def extract(ctx: CriterionContext) -> list[Found]:
    found: list[Found] = []
    analytes = [m for m in ctx.mentions if m.kind == "analyte"]
    for i, mention in enumerate(analytes):
        if ctx.is_claimed(mention.start, mention.end):
            continue
        # "absolute neutrophil count (ANC) >= 1500": the abbreviation is not a new analyte
        later = [a for a in analytes[i + 1 :] if a.concept_id != mention.concept_id]
        stop = later[0].start if later else len(ctx.text)
        window = ctx.text[mention.end : min(stop, mention.end + _LOOKAHEAD)]
        window = _CLAUSE_END.split(window, maxsplit=1)[0]
        window = _LEADING_ASIDE.sub(lambda g: " " * len(g.group(0)), window)
        ranged = _range(ctx, mention, window)
        if ranged:
            found += ranged
            for f in ranged:
                ctx.claim(f.start, f.end)
            continue
        for pattern in (_ULN_ONLY, _VALUE):
            m = pattern.match(window)
            if m and (m.group("cmp") or m.groupdict().get("cmp2")) and not _DIGIT.search(m.group("gap") or ""):
                lab = _lab(ctx, mention, m, mention.end + m.end())
                if lab is not None:
                    for bound in _other_bound(ctx, mention, window, m, lab) if pattern is _VALUE else [lab]:
                        found.append(bound)
                        ctx.claim(bound.start, bound.end)
                    break
    return found
