"""Performance status (ECOG / WHO / Zubrod, Karnofsky, Lansky) and life expectancy."""

from __future__ import annotations

import re

from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import LifeExpectancyAtom, PerformanceStatusAtom
from criteria_rules.quantities import COMPARATOR_PREFIX_RE, COMPARATOR_SUFFIX_RE, NUMBER, comparator_of, number_of

_GAP = r"(?:\s*(?:\([^)]{0,60}\)|performance status|performance score|performance|status|score|scale|ps|grade|level|of|is|:|=|must be|should be|between|from|\d{0,2}\s*-\s*\d{1,2}\s*scale)\s*)*"
_ECOG = re.compile(
    r"\b(?:ECOG|Eastern Cooperative Oncology Group|WHO|World Health Organi[sz]ation|Zubrod|ECOG[- ]PS|PS)\b"
    + _GAP
    + rf"\s*(?P<cmp>{COMPARATOR_PREFIX_RE})?\s*(?P<a>[0-5])(?P<rest>(?:\s*(?:-|–|to|or|,|~|and)\s*[0-5]\b)*)\s*(?P<cmp2>{COMPARATOR_SUFFIX_RE}|or better)?",
    re.I,
)
_KARNOFSKY = re.compile(
    r"\b(?P<scale>Karnofsky|KPS|Lansky|LPS)\b"
    + _GAP
    + rf"\s*(?P<cmp>{COMPARATOR_PREFIX_RE})?\s*(?P<a>\d{{2,3}})\s*%?(?P<rest>\s*(?:-|–|to)\s*\d{{2,3}}\s*%?)?\s*(?P<cmp2>{COMPARATOR_SUFFIX_RE})?",
    re.I,
)
_LIFE = re.compile(
    r"\blife expectancy\b(?:\s*(?:of|is|:|should be|must be|estimated|expected to be|anticipated|greater than or equal to|longer than)\s*)*"
    rf"\s*(?P<cmp>{COMPARATOR_PREFIX_RE})?\s*(?P<a>{NUMBER})\s*(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
    rf"\s*(?P<cmp2>{COMPARATOR_SUFFIX_RE})?",
    re.I,
)
_MONTHS = {"d": 12 / 365, "w": 12 / 52.143, "m": 1.0, "y": 12.0}


def _ecog(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _ECOG.finditer(ctx.text):
        if m.group(0).upper().startswith(("WHO", "PS")) and not re.search(r"perform|ps", m.group(0)[3:], re.I) and m.group(0).upper().startswith("WHO"):
            continue  # "WHO classification" and the like
        values = [int(v) for v in re.findall(r"[0-5]", m.group("a") + (m.group("rest") or ""))]
        cmp = comparator_of(m.group("cmp"), m.group("cmp2"))
        if m.group("cmp2") and m.group("cmp2").lower() == "or better":
            cmp = "<="
        if cmp is None or cmp == "==":
            cmp = "<=" if len(values) > 1 or values[0] <= 2 else "=="
        value = max(values) if cmp in ("<=", "<", "==") else min(values)
        found.append(make(ctx, m.start(), m.end(), PerformanceStatusAtom, scale="ecog", comparator=cmp, value=float(value)))
    return found


def _karnofsky(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _KARNOFSKY.finditer(ctx.text):
        scale = "lansky" if m.group("scale").lower().startswith("l") else "karnofsky"
        value = float(m.group("a"))
        cmp = comparator_of(m.group("cmp"), m.group("cmp2"))
        if cmp is None or cmp == "==":
            cmp = ">="  # "Karnofsky 70-100%" and "KPS 70" both mean at least 70
        found.append(make(ctx, m.start(), m.end(), PerformanceStatusAtom, scale=scale, comparator=cmp, value=value))
    return found


def _life_expectancy(ctx: CriterionContext) -> list[Found]:
    found = []
    for m in _LIFE.finditer(ctx.text):
        value = number_of(m.group("a"))
        if value is None:
            continue
        cmp = comparator_of(m.group("cmp"), m.group("cmp2"))
        if cmp is None or cmp == "==":
            cmp = ">="
        months = round(value * _MONTHS[m.group("unit")[0].lower()], 3)
        found.append(make(ctx, m.start(), m.end(), LifeExpectancyAtom, comparator=cmp, months=months))
    return found


def extract(ctx: CriterionContext) -> list[Found]:
    found = _ecog(ctx) + _karnofsky(ctx) + _life_expectancy(ctx)
    for f in found:
        ctx.claim(f.start, f.end)
    return found
