"""Age cohorts written as separate inclusion items are alternatives, not a conjunction.

Trials that enrol several populations often give each its own inclusion item: "Children:
up to 18 years" and "Adults: 18-75 years"; per-arm items ("... 1 to 55 years
(Myeloablative Regimen 4)", "... 55 to 80 years (Nonmyeloablative Regimen 2)"); "Male
patients older than 50" and "Female patients older than 40"; or a whole set of inclusion
criteria per population (donors and patients, two sub-studies each under its own
"Inclusion criteria" header). Read with AND, as sibling criteria are, the age bound is
the intersection: too narrow, or empty. A patient needs to fit one of the cohorts.

``group_age_cohorts`` puts such sibling items under one parent criterion that combines
them with ``any`` (items of the same cohort stay together under an ``all``). Siblings are
cohorts when they state an age and differ in where they stand (another section, another
sub-header), in a population or arm label ("Children:", "(Part 2)", "Cohort B:") or in
the sex they name; or when their age ranges cannot hold together at all ("1 to 55" and
"56 to 80"), which no trial means as a conjunction. Everything else about the items is
kept; only their grouping changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Hashable

from criteria_rules.ir import AgeAtom, All, AtomNode, Criterion, SexAtom, criterion_id

ANY_TEXT = "One of the following groups (each states its own age):"
ALL_TEXT = "All of the following (one group):"

# A population or arm named as the item's label: "Children: ...", "Healthy volunteers -",
# "Part 2:", "Cohort B (adults):".
_POPULATION = (
    r"(?:children|child|p(?:a)?ediatrics?|adolescents?|teenagers?|adults?|infants?|neonates?|newborns?|elderly|"
    r"older\s+adults|healthy\s+(?:volunteers?|subjects?|participants?|controls?)|controls?|patients?|"
    r"donors?|recipients?|mothers?|men|women|males?|females?)"
)
_ARM = r"(?:cohort|group|arm|part|stage|stratum|phase|regimen|population|sub-?study|study)\s*[\w.-]{0,6}"
_LEAD_LABEL = re.compile(
    rf"^\W*(?P<label>(?:[\w/-]+\s+){{0,3}}?(?:{_POPULATION}|{_ARM})(?:\s+\([^)]{{0,30}}\))?)\s*(?::|-\s|–|—)",
    re.I,
)
# "(Myeloablative Regimen 4)", "(retrospective cohort)", "(Part A only)"
_PAREN_LABEL = re.compile(rf"\((?P<label>[^()]{{0,40}}\b{_ARM}[^()]{{0,20}})\)", re.I)


@dataclass(frozen=True)
class _AgeItem:
    index: int  # position among the siblings
    key: Hashable  # the cohort the item belongs to
    low: float
    high: float


def _conjuncts(expr) -> list:
    if isinstance(expr, All):
        return [x for arg in expr.args for x in _conjuncts(arg)]
    return [expr]


def _age_range(criterion: Criterion) -> tuple[float, float] | None:
    """The ages an inclusion's own expression requires (its age conjuncts), if any."""
    ages = [x.atom for x in _conjuncts(criterion.expr) if isinstance(x, AtomNode) and isinstance(x.atom, AgeAtom)]
    if not ages:
        return None
    low = max((a.min_years for a in ages if a.min_years is not None), default=float("-inf"))
    high = min((a.max_years for a in ages if a.max_years is not None), default=float("inf"))
    return low, high


def _sex(criterion: Criterion) -> str | None:
    sexes = {x.atom.sex for x in _conjuncts(criterion.expr) if isinstance(x, AtomNode) and isinstance(x.atom, SexAtom)}
    return sexes.pop() if len(sexes) == 1 else None


def cohort_label(text: str) -> str | None:
    """The population or arm an item is labelled with, normalised ("children", "regimen 4")."""
    m = _LEAD_LABEL.match(text) or _PAREN_LABEL.search(text)
    return " ".join(m.group("label").lower().split()) if m else None


_HEADER_LABEL = re.compile(rf"^\W*(?:[\w/-]+\s+){{0,3}}?(?:{_POPULATION}|{_ARM})\b[^:]{{0,40}}$", re.I)


def header_cohort(header: str) -> str | None:
    """A sub-header that names a population or arm ("Healthy volunteers", "Cohort A",
    "Part 2 (expansion)"), normalised; None for other sub-headers ("Hepatic", "IPF")."""
    h = header.strip().rstrip(":").strip()
    return " ".join(h.lower().split()) if _HEADER_LABEL.match(h) else None


def _without_general(items: list[_AgeItem]) -> list[_AgeItem]:
    """Leave out an unlabelled age item standing beside labelled cohorts: "Age 18 or
    older", "Women: up to 50", "Men: up to 60" is 18 or older and one of the two."""
    marked = {i.key for i in items if i.key[1] is not None or i.key[2] is not None}
    if len(marked) < 2:
        return items
    places = {k[0] for k in marked}
    return [i for i in items if i.key in marked or i.key[0] not in places]


def _disjoint(items: list[_AgeItem]) -> bool:
    """The age ranges have no age in common (a conjunction nobody could meet)."""
    return max(i.low for i in items) > min(i.high for i in items)


def group_age_cohorts(criteria: list[Criterion], place: dict[int, Hashable]) -> bool:
    """Group cohort age items among ``criteria`` (siblings), in place, and inside every
    ``all`` group below. ``place`` maps ``id(criterion)`` to where the item stands in the
    outline (section and sub-headers). Returns whether anything was grouped."""
    changed = False
    for c in criteria:
        if c.children and c.combine != "any":
            changed |= group_age_cohorts(c.children, place)
    items = []
    for n, c in enumerate(criteria):
        if c.kind != "inclusion" or c.applies_if is not None:
            continue
        ages = _age_range(c)
        if ages is None:
            continue
        key = (place.get(id(c)), cohort_label(c.text), _sex(c))
        items.append(_AgeItem(n, key, *ages))
    items = _without_general(items)
    if len(items) < 2:
        return changed
    keys = list(dict.fromkeys(i.key for i in items))
    if len(keys) >= 2:
        groups = [[i for i in items if i.key == k] for k in keys]
    elif _disjoint(items):
        groups = [[i] for i in items]
    else:
        return changed
    _replace_with_group(criteria, groups)
    return True


def _replace_with_group(criteria: list[Criterion], groups: list[list[_AgeItem]]) -> None:
    first = min(i.index for g in groups for i in g)
    members = {i.index for g in groups for i in g}
    alternatives = []
    for g in groups:
        if len(g) == 1:
            alternatives.append(criteria[g[0].index])
        else:  # one cohort stated over several items: they hold together
            alternatives.append(_parent([criteria[i.index] for i in g], "all", ALL_TEXT))
    parent = _parent(alternatives, "any", ANY_TEXT)
    kept = [c for n, c in enumerate(criteria) if n not in members or n == first]
    criteria[:] = [parent if c is criteria[first] else c for c in kept]


def _parent(children: list[Criterion], combine: str, text: str) -> Criterion:
    outlines = [c.outline for c in children]
    common = []
    for parts in zip(*outlines):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return Criterion(id="", kind="inclusion", text=text, outline=common, status="compiled",
                     children=children, combine=combine)


def renumber(criteria: list[Criterion], prefix: str | None = None, counters: dict[str, int] | None = None) -> dict[str, str]:
    """Give every criterion the id its place implies ("inc-2", "inc-2.1"); old -> new."""
    counters = {"inclusion": 0, "exclusion": 0} if counters is None else counters
    moved: dict[str, str] = {}
    for n, c in enumerate(criteria, start=1):
        new = criterion_id(c.kind, n, prefix, counters)
        if c.id:
            moved[c.id] = new
        c.id = new
        moved.update(renumber(c.children, new, counters))
    return moved
