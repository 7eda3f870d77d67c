"""Numbers, comparators and units as criteria write them ("at least", "=<", "x 10^9/L").

Lab values are normalised to the analyte's canonical unit from the lexicon with pint;
cell counts (``x 10^9/L``, ``/mm3``, ``/µL``, ``K/µL``) are scaled by hand because pint
cannot hold a unit with a scaling factor such as 10^9/L.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pint

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "a": 1, "an": 1,
}
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_UNITS = "one two three four five six seven eight nine".split()
# Number words a NUMBER may be, tried in this order: "sixty-five" before "sixty" (read as 60,
# "between eighteen and sixty-five years" was an upper age of 60).
_COMPOUND = rf"(?:{'|'.join(_TENS)})[- ](?:{'|'.join(_UNITS)})\b"
# (the teens before the units they start with: "eighteen", not "eight" and "een")
_NUMBER_WORDS_READ = ("eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen one two three four "
                      "five six seven eight nine ten twenty thirty forty fifty sixty seventy eighty ninety").split()
# The look-ahead on the words' first letters matches exactly what the words alone match,
# but lets a scan turn down most positions of a text with one test instead of trying every
# word in turn (every pattern with a NUMBER in it is scanned over every criterion).
NUMBER = (r"(?:\d+(?:[.,]\d+)*|"
          rf"(?=[{''.join(sorted({w[0] for w in _NUMBER_WORDS_READ}))}])(?:{_COMPOUND}|{'|'.join(_NUMBER_WORDS_READ)}))")
_COMPOUND_WORDS = re.compile(rf"({'|'.join(_TENS)})[- ]({'|'.join(_UNITS)})")

# Ordered: longer phrases first so "greater than or equal to" wins over "greater than".
_COMPARATOR_PREFIX = [
    (r"≥|>=|=>|≧|⩾|greater than or equal to|more than or equal to|equal to or greater than|equal or greater than|at least|no less than|not less than|minimum(?: of)?|min\.?|above or equal to|over or equal to", ">="),
    (r"≤|<=|=<|≦|⩽|less than or equal to|equal to or less than|equal or less than|no more than|not more than|not exceeding|not to exceed|no greater than|not greater than|up to|at most|maximum(?: of)?|max\.?|below or equal to|under or equal to", "<="),
    (r">|greater than|more than|higher than|longer than|above|over|exceeding|exceeds|in excess of|older than", ">"),
    (r"<|less than|lower than|below|under|fewer than|younger than", "<"),
    (r"=|equal to|of|is|:", "=="),
]
_COMPARATOR_SUFFIX = [
    (r"or (?:more|greater|higher|above|over|older)|and (?:above|over|older)|or more|\+", ">="),
    (r"or (?:less|lower|below|fewer|younger|under)|and (?:below|under|younger)", "<="),
]
COMPARATOR_PREFIX_RE = "|".join(p for p, _ in _COMPARATOR_PREFIX[:4])
COMPARATOR_SUFFIX_RE = "|".join(p for p, _ in _COMPARATOR_SUFFIX)
_PREFIX_COMPILED = [(re.compile(rf"^(?:{p})$", re.I), c) for p, c in _COMPARATOR_PREFIX]
_SUFFIX_COMPILED = [(re.compile(rf"^(?:{p})$", re.I), c) for p, c in _COMPARATOR_SUFFIX]


def comparator_of(prefix: str | None, suffix: str | None = None) -> str | None:
    """The comparator named by words before (or after) a number."""
    for text, table in ((suffix, _SUFFIX_COMPILED), (prefix, _PREFIX_COMPILED)):
        if text:
            t = " ".join(text.lower().split())
            for pattern, comparator in table:
                if pattern.match(t):
                    return comparator
    return None


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")  # "100,000"


def number_of(text: str) -> float | None:
    t = text.strip().lower()
    if t in NUMBER_WORDS:
        return float(NUMBER_WORDS[t])
    compound = _COMPOUND_WORDS.fullmatch(t)
    if compound:
        return float(NUMBER_WORDS[compound.group(1)] + NUMBER_WORDS[compound.group(2)])
    # "100,000" is a thousands separator; "1,5" a decimal comma
    if _THOUSANDS.fullmatch(t):
        t = t.replace(",", "")
    t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


# --- units ---------------------------------------------------------------------------

_ureg = pint.UnitRegistry()
_ureg.define("enzyme_unit = [enzyme] = U = IU = iu")
_ureg.define("international_unit_milli = 0.001 * enzyme_unit = mIU")

_COUNT_PER_VOLUME = re.compile(
    r"^(?:(?:x|×|\*)?\s*10\s*(?:\^|\*\*|\*|e)?\s*(?P<exp>\d{1,2})|(?P<k>k|thousand))?\s*"
    r"(?:cells?)?\s*/\s*(?P<vol>l|µl|μl|ul|mcl|mm3|mm\^3|mm³|cu\s*mm|cmm|nl)$",
    re.I,
)
_VOLUME_LITRES = {"l": 1.0, "nl": 1e-9, "µl": 1e-6, "μl": 1e-6, "ul": 1e-6, "mcl": 1e-6, "mm3": 1e-6, "mm^3": 1e-6, "mm³": 1e-6, "cmm": 1e-6}


def _count_per_litre(value: float, unit: str) -> float | None:
    m = _COUNT_PER_VOLUME.match(unit.strip())
    if not m:
        return None
    scale = 10 ** int(m.group("exp")) if m.group("exp") else (1000 if m.group("k") else 1)
    vol = re.sub(r"\s+", "", m.group("vol").lower())
    litres = _VOLUME_LITRES.get(vol, 1e-6 if "mm" in vol else 1.0)
    return value * scale / litres


_TEMPERATURE_UNITS = (
    (re.compile(r"^(?:°|º|˚)?\s?C$|^℃$|^(?:degrees?\s+)?(?:celsius|centigrade|C)$", re.I), "degC"),
    (re.compile(r"^(?:°|º|˚)?\s?F$|^℉$|^(?:degrees?\s+)?(?:fahrenheit|F)$", re.I), "degF"),
)
_PER_MINUTE = re.compile(r"^(?:bpm|(?:beats?|breaths?)?\s*(?:/|per)\s*min(?:ute)?)$", re.I)


def _pint_unit(unit: str) -> str:
    for pattern, name in _TEMPERATURE_UNITS:
        if pattern.match(unit.strip()):
            return name
    if _PER_MINUTE.match(unit.strip()):
        return "1/min"
    u = unit.strip().replace("μ", "µ").replace("µ", "u").replace("mcg", "ug").replace("²", "^2").replace("³", "^3")
    u = re.sub(r"(?i)\bdl\b", "dL", u)
    u = re.sub(r"(?i)\bml\b", "mL", u)
    u = re.sub(r"(?i)(?<![a-z])l\b", "L", u)
    u = re.sub(r"(?i)\bmg\b", "mg", u)
    u = re.sub(r"(?i)\bgm\b", "g", u)  # "gm/dl"
    u = re.sub(r"(?<![a-zA-Z])(m|cm|mm)(\d)", r"\1^\2", u)  # kg/m2 -> kg/m^2
    u = u.replace("%", "percent")
    return u


@lru_cache(maxsize=4096)
def _parse_unit(unit: str):
    try:
        return _ureg.Unit(_pint_unit(unit))
    except Exception:  # pint raises many kinds of errors on odd strings
        return None


def normalise_value(value: float, unit: str, canonical: str, molar_mass: float | None) -> tuple[float, str] | None:
    """``value unit`` in the analyte's canonical unit, or None when they do not convert."""
    unit = unit.strip()
    if canonical == "10^9/L":
        per_litre = _count_per_litre(value, unit) if unit else None
        if per_litre is None:
            return None
        return per_litre / 1e9, canonical
    if not unit:
        return None
    src, dst = _parse_unit(unit), _parse_unit(canonical)
    if src is None or dst is None:
        return None
    q = _ureg.Quantity(value, src)
    try:
        return float(q.to(dst).magnitude), canonical
    except pint.DimensionalityError:
        pass
    if molar_mass:
        mm = _ureg.Quantity(molar_mass, "g/mol")
        for converted in (q * mm, q / mm):
            try:
                return float(converted.to(dst).magnitude), canonical
            except pint.DimensionalityError:
                continue
    return None
