"""Time windows: "within the last 4 weeks" -> within 28 days; "at least 6 months since" ->
more_than 182.5 days.

A condition's duration is a window on its onset: "fever for more than one week" is a fever
that began at least 7 days ago (more_than 7 days), "diarrhoea for less than 3 days" one that
began within the last 3 days. Such windows are marked ``duration`` and go to conditions only:
"chemotherapy for at least 3 months" is how long a treatment lasted, not when it began."""

from __future__ import annotations

import re
from dataclasses import dataclass

from criteria_rules.ir import Window
from criteria_rules.quantities import NUMBER, number_of

DAYS_PER_UNIT = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365 / 12, "year": 365.0}
_UNIT = r"(?P<unit>hours?|hrs?|days?|d|weeks?|wks?|months?|mos?|years?|yrs?)\b"

_WITHIN = re.compile(
    r"\b(?:within|in|during|over|for)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*"
    rf"(?P<n>{NUMBER})?\s*(?:-|–|to)?\s*(?:{NUMBER})?\s*{_UNIT}",
    re.I,
)
_MORE_THAN = re.compile(
    r"(?:\b(?:at least|more than|greater than|longer than|over|a minimum of|minimum of|min\.?)|≥|>=|>)\s*"
    rf"(?P<n>{NUMBER})\s*{_UNIT}\s*(?:have\s+)?(?:elapsed\s+|passed\s+)?"
    r"(?:since|after|from|prior|before|ago|following|between|elapsed|must)",
    re.I,
)
_BEFORE_EVENT = re.compile(
    rf"\b(?P<n>{NUMBER})\s*{_UNIT}\s*(?:prior to|before|preceding)\s+"
    r"(?:the\s+)?(?:study|enrol|randomi|screening|inclusion|entry|first|day|baseline|registration|treatment|signing|consent|start|initiation)",
    re.I,
)
_AGO = re.compile(rf"\b(?P<n>{NUMBER})\s*{_UNIT}\s+ago\b", re.I)
_LONGER = re.compile(
    r"(?:\b(?:for|lasting|of|with\s+a\s+duration\s+of)\s+)?(?:\b(?:at least|more than|greater than|longer than|over|a minimum of)|≥|>=|>)\s*"
    rf"(?P<n>{NUMBER})\s*{_UNIT}(?!\s*(?:since|after|from|prior|before|ago|following|of\s+(?:the\s+)?(?:study|screening|enrol)))",
    re.I,
)
_SHORTER = re.compile(
    r"\b(?:for|lasting|of|with\s+a\s+duration\s+of)\s+(?:(?:less|fewer|shorter)\s+than|under|no\s+more\s+than|up\s+to|at\s+most|<|≤|<=)\s*"
    rf"(?P<n>{NUMBER})\s*{_UNIT}",
    re.I,
)


_FOR_BEFORE = re.compile(r"\bfor\s+(?:a\s+(?:period|duration)\s+of\s+)?$", re.I)
_DENIED = re.compile(r"^\W*(?:no|not|without|free\s+of|off)\b", re.I)


@dataclass
class FoundWindow:
    start: int
    end: int
    window: Window
    duration: bool = False  # how long a condition has lasted (attaches to conditions only)


def _unit_days_strict(unit: str) -> float:
    u = unit.lower()
    if u.startswith("h"):
        return DAYS_PER_UNIT["hour"]
    if u.startswith("w"):
        return DAYS_PER_UNIT["week"]
    if u.startswith("mo"):
        return DAYS_PER_UNIT["month"]
    if u.startswith("y"):
        return DAYS_PER_UNIT["year"]
    return DAYS_PER_UNIT["day"]


_HAS_TIME_UNIT = re.compile(r"\d\s*(?:h|d|w|m|y)|(?:day|week|wk|month|year|yr|hour)", re.I)


def find_windows(text: str) -> list[FoundWindow]:
    found: list[FoundWindow] = []
    if not _HAS_TIME_UNIT.search(text):
        return found
    taken: list[tuple[int, int]] = []

    def add(m: re.Match, relation: str, duration: bool = False) -> None:
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        n = number_of(m.group("n")) if m.group("n") else 1.0
        if n is None:
            return
        days = round(n * _unit_days_strict(m.group("unit")), 4)
        found.append(FoundWindow(m.start(), m.end(), Window(relation=relation, days=days, text=m.group(0).strip()),
                                 duration))
        taken.append((m.start(), m.end()))

    for m in _MORE_THAN.finditer(text):
        if _FOR_BEFORE.search(text, 0, m.start()):
            # "use of an inhaled corticosteroid for at least 4 weeks prior to screening" is how
            # long it has been used (a duration), not a use that ended 4 weeks before; "no
            # chemotherapy for at least 4 weeks prior to enrolment" denies it in those weeks
            if _DENIED.match(text):
                add(m, "within")
            else:
                add(m, "more_than", duration=True)
            continue
        add(m, "more_than")
    for m in _AGO.finditer(text):
        add(m, "more_than")
    for m in _WITHIN.finditer(text):
        # "for 5 years" without last/past is a duration, not a window
        if m.group(0).lower().startswith(("for", "over")) and not re.search(r"last|past|previous|preceding", m.group(0), re.I):
            continue
        if m.group(0).lower().startswith("in ") and not re.search(r"last|past|previous|preceding|prior", m.group(0), re.I):
            continue
        add(m, "within")
    for m in _BEFORE_EVENT.finditer(text):
        add(m, "within")
    for m in _LONGER.finditer(text):
        add(m, "more_than", duration=True)
    for m in _SHORTER.finditer(text):
        add(m, "within", duration=True)
    found.sort(key=lambda w: w.start)
    return found
