"""Lab units: parse the ways reports write them and convert with pint.

Counts are written many ways (``x10^9/L``, ``10*9/L``, ``/uL``, ``cells/mm3``, ``K/uL``);
they all become "number per volume" so 1.5 x10^9/L equals 1500 /uL. Mass and substance
concentrations (mg/dL vs umol/L) convert through the analyte's molar mass, kept as data
in ``data/lab_units.json``. Anything unparsable or incompatible is reported as
:class:`UnitProblem`, never raised past this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pint

_DATA = json.loads((Path(__file__).parent / "data" / "lab_units.json").read_text())
ANALYTES: dict[str, dict] = _DATA["analytes"]

_ureg = pint.UnitRegistry()
# Reports say "cells", "IU" for enzyme units and "K" for thousands; none change a value.
_ureg.define("cell = [] = cells")
_ureg.define("IU = [enzyme_unit] = iu")
_ureg.define("U = IU")


class UnitProblem(ValueError):
    """A unit that cannot be read, or two units that cannot be compared."""


@dataclass(frozen=True, slots=True)
class ConvertedValue:
    value: float  # in the target unit
    unit: str  # the target unit as written by the rule


_POWER = re.compile(r"(?:x|\*|×)?\s*10\s*(?:\^|\*|\*\*|e|E)\s*(\d+)")
_ULN = re.compile(r"^\s*(?:x|×|times)?\s*uln\s*$", re.I)


def is_uln_unit(unit: str) -> bool:
    """True for units that express a value as a multiple of the upper limit of normal."""
    return bool(_ULN.match(unit or ""))


def _clean(unit: str) -> str:
    text = unit.strip()
    text = text.replace("µ", "u").replace("μ", "u").replace("³", "3").replace("²", "2")
    text = re.sub(r"(?i)\bmcl\b", "uL", text)  # US reports write microlitre as mcL
    text = re.sub(r"(?i)\bcu\s*mm\b", "mm3", text)
    text = re.sub(r"(?i)^k\s*/", "1000/", text)  # K/uL = thousands per microlitre
    text = _POWER.sub(lambda m: f"1e{m.group(1)} ", text)
    text = re.sub(r"(?i)\bcells?\b", "", text)
    text = re.sub(r"(?i)\bdl\b", "dL", text)
    text = re.sub(r"(?i)\bml\b", "mL", text)
    text = re.sub(r"(mm|cm|m)(\d)", r"\1^\2", text)  # mm3 -> mm^3, 1.73m2 -> 1.73m^2
    text = text.replace("%", "percent")
    text = re.sub(r"(?i)^(?:bpm|(?:beats?|breaths?)\s*/\s*min(?:ute)?)$", "1/min", text)
    text = re.sub(r"\s+", " ", text).strip()
    if text.startswith("/"):
        text = "1" + text
    return text


@lru_cache(maxsize=2048)
def parse_unit(unit: str) -> pint.Quantity:
    """A unit string as a pint quantity of one unit ("x10^9/L" -> 1e9 / litre)."""
    if not unit or not unit.strip():
        return _ureg.Quantity(1, "dimensionless")
    cleaned = _clean(unit)
    if not cleaned:
        return _ureg.Quantity(1, "dimensionless")
    # "mL/min/1.73m^2": the per-body-surface normalisation does not change the comparison
    cleaned = re.sub(r"/\s*1\.73\s*m\^2", "", cleaned)
    try:
        parsed = _ureg.parse_expression(cleaned)
    except Exception as error:  # pint raises several unrelated types
        raise UnitProblem(f"unit {unit!r} is not one we can read") from error
    if not isinstance(parsed, pint.Quantity):
        parsed = _ureg.Quantity(parsed, "dimensionless")
    return parsed


def convert(value: float, unit: str, target_unit: str, analyte: str | None = None) -> ConvertedValue:
    """Express ``value unit`` in ``target_unit``; raises :class:`UnitProblem`."""
    converted, problem = _convert_cached(value, unit, target_unit, analyte)
    if problem is not None:
        raise UnitProblem(problem)
    return converted


@lru_cache(maxsize=20_000)
def _convert_cached(value: float, unit: str, target_unit: str,
                    analyte: str | None) -> tuple[ConvertedValue | None, str | None]:
    # Cached: pint arithmetic costs far more than judging an atom, and one request checks
    # the same few lab values against hundreds of rules written in a handful of units.
    # Keyed by the exact value, so results are exactly those of the uncached conversion;
    # a problem is kept as its message and raised afresh each time.
    try:
        return _convert(value, unit, target_unit, analyte), None
    except UnitProblem as problem:
        return None, str(problem)


# Temperatures have an offset (0 °C is not 0 °F), so pint converts them only as a value with
# its unit, never by multiplying units; "C" alone would be coulomb.
_TEMPERATURES = ((re.compile(r"^(?:°|º|˚)?\s?C$|^℃$|^(?:deg\s?C|(?:degrees?\s+)?(?:celsius|centigrade))$", re.I), "degC"),
                 (re.compile(r"^(?:°|º|˚)?\s?F$|^℉$|^(?:deg\s?F|(?:degrees?\s+)?fahrenheit)$", re.I), "degF"))


def _temperature_unit(unit: str) -> str | None:
    for pattern, name in _TEMPERATURES:
        if pattern.match((unit or "").strip()):
            return name
    return None


def _convert(value: float, unit: str, target_unit: str, analyte: str | None = None) -> ConvertedValue:
    source_temperature, target_temperature = _temperature_unit(unit), _temperature_unit(target_unit)
    if source_temperature and target_temperature:
        degrees = _ureg.Quantity(value, source_temperature).to(target_temperature).magnitude
        return ConvertedValue(float(degrees), target_unit)
    source = value * parse_unit(unit)
    target = parse_unit(target_unit)
    try:
        return ConvertedValue(float((source / target).to("dimensionless").magnitude), target_unit)
    except pint.DimensionalityError:
        pass
    molar_mass = ANALYTES.get(analyte or "", {}).get("molar_mass_g_per_mol")
    if molar_mass:
        mass = _ureg.Quantity(molar_mass, "g/mol")
        for bridged in (source * mass, source / mass):
            try:
                return ConvertedValue(float((bridged / target).to("dimensionless").magnitude), target_unit)
            except pint.DimensionalityError:
                continue
    raise UnitProblem(f"{unit or 'no unit'} cannot be compared with {target_unit or 'no unit'}")


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for analyte, info in ANALYTES.items():
        index[analyte.replace("_", " ")] = analyte
        for alias in info.get("aliases", []):
            index[alias.lower()] = analyte
    return index


@lru_cache(maxsize=20_000)  # called for every lab atom against every patient lab
def analyte_id(text: str) -> str | None:
    """The analyte id a lab name refers to, from the aliases in the data file."""
    key = re.sub(r"[^a-z0-9+ ]+", " ", text.lower())
    key = re.sub(r"\s+", " ", key).strip()
    return _alias_index().get(key)


def default_unit(analyte: str) -> str:
    return ANALYTES.get(analyte, {}).get("default_unit", "")
