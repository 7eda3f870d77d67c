"""Time expressions in notes, resolved to dates relative to the note's date (``as_of``).

"in 2021", "March 2020", "2021-03-04", "03/2020", "3 weeks ago", "two years prior",
"last month", "yesterday"; and durations, resolved to when they began: "cough for 2 days",
"over the past three weeks", "12 weeks of amenorrhea" (precision ``duration``). A year or month alone resolves to the middle of that period
(capped at ``as_of``) and says so in ``precision``. De-identified or future dates (MIMIC's
shifted years such as "[**2148-10-1**]") resolve to nothing: a wrong date is worse than none.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TimeMention:
    start: int
    end: int
    date: dt.date
    precision: str  # day | month | year | relative | duration (when something that lasts began)


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "several": 3, "few": 3, "a few": 3, "couple": 2, "a couple of": 2,
}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_AMOUNT = r"(?P<n>\d+(?:\.\d+)?|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few)"
_UNIT = r"(?P<unit>day|week|wk|month|mo|year|yr)s?"
_AGO = re.compile(rf"\b{_AMOUNT}\s*-?\s*{_UNIT}\s+(?:ago|prior|earlier|before(?:\s+(?:admission|presentation))?|previously)\b", re.I)
_DURATIONS = (
    re.compile(rf"\b(?:for|over|during|throughout)\s+(?:the\s+)?(?:(?:past|last|previous|preceding)\s+)?"
               rf"{_AMOUNT}\s*-?\s*{_UNIT}\b", re.I),
    re.compile(rf"\b(?:in|within)\s+the\s+(?:past|last|previous|preceding)\s+{_AMOUNT}\s*-?\s*{_UNIT}\b", re.I),
    re.compile(rf"\b{_AMOUNT}\s*-?\s*{_UNIT}(?:'s?)?\s+(?:history\s+)?of\b"
               r"(?!\s+(?:age|life|gestation|pregnancy|treatment|therapy))", re.I),
)
_LAST = re.compile(r"\b(?:last|past|previous)\s+(?P<unit>week|month|year)\b", re.I)
_YESTERDAY = re.compile(r"\byesterday\b", re.I)
_ISO = re.compile(r"(?<![\d*])(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d*])")
_US = re.compile(r"(?<![\d/*])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d\d)(?![\d*])")
_MONTH_YEAR_NUM = re.compile(r"(?<![\d/*])(?P<m>\d{1,2})/(?P<y>(?:19|20)\d\d)(?![\d*])")
_MONTH_NAME = re.compile(
    r"\b(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(?:(?P<d>\d{1,2}),?\s+)?(?P<y>(?:19|20)\d\d)\b",
    re.I,
)
_YEAR = re.compile(r"(?<![\d\-/*.])(?P<y>(?:19|20)\d\d)(?![\d\-/*])")


def _amount(text: str) -> float:
    text = text.lower()
    return float(_NUMBER_WORDS.get(text, 0) or text)


def minus_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _before(as_of: dt.date, amount: float, unit: str) -> dt.date:
    unit = unit.lower()
    if unit.startswith(("d",)):
        return as_of - dt.timedelta(days=round(amount))
    if unit.startswith("w"):
        return as_of - dt.timedelta(days=round(amount * 7))
    if unit.startswith("m"):
        whole = int(amount)
        return minus_months(as_of, whole) - dt.timedelta(days=round((amount - whole) * 30))
    return minus_months(as_of, round(amount * 12))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _period_middle(year: int, month: int | None, as_of: dt.date) -> dt.date:
    day = dt.date(year, month, 15) if month else dt.date(year, 7, 1)
    return min(day, as_of)


def find_times(text: str, as_of: dt.date) -> list[TimeMention]:
    """Every time expression in ``text`` that resolves to a date on or before ``as_of``."""
    found: list[TimeMention] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, day: dt.date | None, precision: str) -> None:
        if day is None or day > as_of:
            return
        if any(s < match.end() and match.start() < e for s, e in taken):
            return
        taken.append((match.start(), match.end()))
        found.append(TimeMention(match.start(), match.end(), day, precision))

    for m in _ISO.finditer(text):
        add(m, _safe_date(int(m["y"]), int(m["m"]), int(m["d"])), "day")
    for m in _US.finditer(text):
        add(m, _safe_date(int(m["y"]), int(m["m"]), int(m["d"])), "day")
    for m in _MONTH_NAME.finditer(text):
        month, year = _MONTHS[m["mon"].lower()], int(m["y"])
        day = _safe_date(year, month, int(m["d"])) if m["d"] else _period_middle(year, month, as_of)
        add(m, day, "day" if m["d"] else "month")
    for m in _MONTH_YEAR_NUM.finditer(text):
        if 1 <= int(m["m"]) <= 12:
            add(m, _period_middle(int(m["y"]), int(m["m"]), as_of), "month")
    for m in _AGO.finditer(text):
        add(m, _before(as_of, _amount(m["n"]), m["unit"]), "relative")
    for pattern in _DURATIONS:
        for m in pattern.finditer(text):
            add(m, _before(as_of, _amount(m["n"]), m["unit"]), "duration")
    for m in _LAST.finditer(text):
        add(m, _before(as_of, 1, m["unit"]), "relative")
    for m in _YESTERDAY.finditer(text):
        add(m, as_of - dt.timedelta(days=1), "day")
    for m in _YEAR.finditer(text):
        add(m, _period_middle(int(m["y"]), None, as_of), "year")
    return sorted(found, key=lambda t: t.start)
