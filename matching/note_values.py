"""Values written as numbers or fixed forms in notes: age, sex, labs, scores, doses.

Each finder is a pure function over the note text returning ``ValueMention``s with the
character span they came from; ``note`` attaches the sentence. Patterns are data-like
regular expressions; aliases and default units live in ``note_terms``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from matching import note_terms


@dataclass(frozen=True)
class ValueMention:
    kind: str
    value: object
    start: int
    end: int
    extra: dict = field(default_factory=dict)


_NUM = r"\d+(?:\.\d+)?"

# --- age -------------------------------------------------------------------------------
_AGE_UNITS = {"y": 1.0, "m": 1 / 12, "w": 7 / 365.25, "d": 1 / 365.25}
_AGE_PATTERNS = [
    re.compile(rf"\b(?P<n>{_NUM})\s*[- ]?\s*(?P<u>years?|yrs?|months?|mos?|weeks?|wks?|days?)\s*[- ]?\s*old\b", re.I),
    re.compile(rf"\b(?P<n>{_NUM})\s*-?\s*(?P<u>yo|y/o|y\.o\.|yoa|yr old|year old)(?![a-z])", re.I),
    re.compile(rf"\b(?P<n>\d{{1,3}})\s*[- ]?\s*(?:years?|yrs?)\s+(?=(?:man|woman|male|female|boy|girl|gentleman|lady|patient|child)\b)", re.I),
    re.compile(rf"\b(?:aged?|age:|age of)\s*(?P<n>{_NUM})\b(?!\s*(?:%|mg|kg))", re.I),
    re.compile(r"(?:^|\n)\s*(?:\d+\.\s+)?(?:pt is an?\s+|patient is an?\s+|this is an?\s+|an?\s+)?(?P<n>\d{1,3})\s?(?P<u>yo\s?|y/o\s?)?(?P<sex>[MF])\b", re.I),
]


def _age_factor(unit: str) -> float:
    unit = unit.strip().lower()
    if unit.startswith("mo"):
        return _AGE_UNITS["m"]
    return _AGE_UNITS.get(unit[0], 1.0) if unit[0] in "wd" else 1.0


def find_age(text: str) -> ValueMention | None:
    """The first age in the note, in years."""
    best: ValueMention | None = None
    for pattern in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            factor = _age_factor(m.groupdict().get("u") or "y")
            years = round(float(m["n"]) * factor, 2)
            if not 0 <= years <= 120:
                continue
            if best is None or m.start() < best.start:
                best = ValueMention("age", years, m.start("n"), m.end())
            break
    return best


# --- sex -------------------------------------------------------------------------------
_FEMALE_WORDS = r"woman|women|female|girl|lady|mrs\.?|ms\.?|miss|G\d+\s*P\d+"
_MALE_WORDS = r"man|male|boy|gentleman|mr\.?"
_SEX_WORD = re.compile(rf"\b(?:(?P<f>{_FEMALE_WORDS})|(?P<m>{_MALE_WORDS}))(?![\w-])", re.I)
_SEX_LETTER = re.compile(r"(?:^|\n)\s*(?:\d+\.\s+)?(?:[Aa]n?\s+)?\d{1,3}\s?(?:yo|y/o)?\s?(?P<s>[MF])\b")
_SOMEONE_ELSE = re.compile(r"\b(?:her|his|their|patient's)\s*$", re.I)
_PRONOUNS_F = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_PRONOUNS_M = re.compile(r"\b(?:he|his|him|himself)\b", re.I)


def find_sex(text: str) -> ValueMention | None:
    letter = _SEX_LETTER.search(text)
    if letter:
        value = "male" if letter["s"].upper() == "M" else "female"
        return ValueMention("sex", value, letter.start("s"), letter.end("s"))
    for m in _SEX_WORD.finditer(text):
        if _SOMEONE_ELSE.search(text[max(0, m.start() - 12):m.start()]):
            continue  # "her male partner", "his girlfriend": someone else
        return ValueMention("sex", "female" if m["f"] else "male", m.start(), m.end())
    female, male = len(_PRONOUNS_F.findall(text)), len(_PRONOUNS_M.findall(text))
    if female != male:
        first = (_PRONOUNS_F if female > male else _PRONOUNS_M).search(text)
        return ValueMention("sex", "female" if female > male else "male", first.start(), first.end(),
                            {"from": "pronouns"})
    return None


# --- labs and vital signs -----------------------------------------------------------------
_UNIT = (
    r"x\s?10\s?\^?\s?\d+\s?/\s?[uμµm]?L|10\^\d+\s?/\s?[uμµm]?L|[kK]/[uμµ]L|"
    # concentrations as notes write them, in any case ("ng/ml", "U/l", "mg/dl")
    r"(?i:g/dL|mg/dL|g/L|mg/L|[uμµ]mol/L|mmol/L|nmol/L|mEq/L|m?[IU]U/m?L|U/L|IU/L|ng/mL|pg/mL|[uμµ]g/mL|ng/dL|copies/mL)(?!\w)|"
    r"mL/min(?:/1\.73\s?m2)?|cells/(?:mm3|[uμµ]L)|/mm3|/[uμµ]L|mm\s?Hg|bpm|/min|kg/m2|kg|lbs?|cm|"
    r"°\s?[CF]|[CF]\b|sec|s\b|%"
)
_CASE_SENSITIVE = {"k", "t", "na", "cr", "hb", "ef", "hr", "rr", "alt", "ast", "alp", "ptt", "cea", "psa", "bun"}
_COUNTS = {"white blood cell count", "platelet count", "absolute neutrophil count"}


def _alias_pattern(aliases: list[str]) -> str:
    return "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in sorted(aliases, key=len, reverse=True))


_INSENSITIVE = [a for a in note_terms.LAB_ALIASES if a not in _CASE_SENSITIVE]
_SENSITIVE = sorted({v for a in _CASE_SENSITIVE for v in (a.upper(), a.capitalize())})
# "hemoglobin (Hb) of 9.0 g/dL": the abbreviation a note gives in brackets after the name;
# "LDH (2000 IU/L)": the value itself in brackets.
_ABBREVIATION = r"(?:\s*\([A-Za-z][\w-]{0,10}\))?"
_LINK = (_ABBREVIATION + r"(?:\s*(?:level|count|value|levels)?\s*(?:of|is|was|are|were|at|:|=|-|was\s+noted\s+to\s+be"
         r"|was\s+found\s+to\s+be)?\s*\(?\s*)")
_LAB = re.compile(
    rf"(?<![\w/])(?P<alias>(?i:{_alias_pattern(_INSENSITIVE)})|{_alias_pattern(_SENSITIVE)})(?![\w/])"
    rf"{_LINK}(?P<cmp>[<>]=?|≤|≥)?\s*(?P<n>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?P<k>\s?[kK](?![\w/]))?"
    rf"(?:\s*(?P<unit>{_UNIT}))?",
)
_PERCENT_OF = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*%\s+(?P<alias>eosinophils|lymphocytes|neutrophils|blasts|monocytes|bands)\b", re.I)
# "fever up to 39 C", "febrile to 38.6 °C", "fevers ranging from 38.2 to 39.4 degrees Celsius":
# a temperature written with the fever it measures (the highest reading of a range).
_FEVER = re.compile(
    r"\b(?:fevers?|febrile|pyrexia|pyrexial)\b[^.;\d]{0,25}?(?P<n>\d{2,3}(?:\.\d+)?)"
    r"(?:\s*(?:-|–|to|and)\s*(?P<n2>\d{2,3}(?:\.\d+)?))?\s*(?:°|º|˚)?\s*"
    r"(?P<u>C|F|(?:degrees?\s+)?(?:celsius|centigrade|fahrenheit)|degrees?\s+[CF])\b",
    re.I,
)
_PLAUSIBLE_TEMPERATURE = {"C": (30.0, 45.0), "F": (86.0, 113.0)}
_BP = re.compile(r"\b(?:BP|blood pressure)\s*(?:of|is|was|:)?\s*(?P<s>\d{2,3})\s*/\s*(?P<d>\d{2,3})", re.I)


# Concentration units as the conversions spell them, by their lower case ("ng/ml" -> "ng/mL").
_CONCENTRATIONS = {u.lower(): u for u in (
    "g/dL", "mg/dL", "g/L", "mg/L", "umol/L", "mmol/L", "nmol/L", "mEq/L", "IU/mL", "mIU/mL", "IU/L", "mIU/L", "U/L",
    "ng/mL", "pg/mL", "ug/mL", "ng/dL", "copies/mL", "uU/mL")}


def _unit(raw: str | None, thousands: bool, analyte: str, value: float) -> str:
    if thousands:
        return "10^3/uL"
    if raw:
        unit = re.sub(r"\s+", "", raw).replace("μ", "u").replace("µ", "u").replace("°", "")
        unit = re.sub(r"^x10\^?", "10^", unit)
        unit = _CONCENTRATIONS.get(unit.lower(), unit)
        return {"K/uL": "10^3/uL", "k/uL": "10^3/uL", "mmHg": "mmHg", "s": "sec"}.get(unit, unit)
    if analyte in _COUNTS:
        return "/uL" if value >= 1000 else "10^3/uL"
    for bound, unit in note_terms.LAB_UNITS_BY_MAGNITUDE.get(analyte, ()):
        if value < bound:
            return unit
    return note_terms.LAB_DEFAULT_UNITS.get(analyte, "")


_DECADE_WIDTH = 10
# "vitamin D 1000 IU daily", "magnesium 400 mg": a dose of the substance, not its level
_DOSE_FOLLOWS = re.compile(r"\s*(?:IU|I\.U\.|units?|mcg|[uμµ]g|mg)\b", re.I)
_PER_FIELD = re.compile(r"\s*[A-Za-z]*\s*/\s*(?:hpf|lpf|hpfs|high[- ]power\s+field)\b", re.I)


def _decade(m: re.Match) -> float | None:
    """"O2 sats 70s", "HR in the 120s": an "s" written onto a round number is a range of
    values (70 to 79), not seconds; read as the middle of it. Seconds need a number of
    their own ("PT 12 s", "PT 12.5s")."""
    if m["unit"] != "s" or m.start("unit") != m.end("n") or not m["n"].isdigit():
        return None
    number = int(m["n"])
    return float(number + _DECADE_WIDTH // 2) if number and number % _DECADE_WIDTH == 0 else None


def find_labs(text: str) -> list[ValueMention]:
    found: list[ValueMention] = []
    for m in _LAB.finditer(text):
        alias = " ".join(m["alias"].lower().split())
        analyte = note_terms.LAB_ALIASES.get(alias)
        if analyte is None:
            continue
        value = float(m["n"].replace(",", ""))
        if m["unit"] is None and _DOSE_FOLLOWS.match(text, m.end()):
            continue
        if _PER_FIELD.match(text, m.end()):
            continue  # "WBC: 2 WBCs/hpf": cells in a urine sample under the microscope, not a blood count
        decade = _decade(m)
        if decade is not None:
            value = decade
        unit = _unit(None if decade is not None else m["unit"], bool(m["k"]), analyte, value)
        if analyte == "body temperature" and unit not in {"C", "F"}:
            continue  # "T" without a temperature unit is too often something else
        extra = {"comparator": m["cmp"]} if m["cmp"] else {}
        found.append(ValueMention("lab", {"analyte": analyte, "value": value, "unit": unit}, m.start(), m.end(), extra))
    for m in _FEVER.finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        unit = "F" if m["u"].lower().rstrip().endswith(("f", "fahrenheit")) else "C"
        value = max(float(m["n"]), float(m["n2"] or 0))
        low, high = _PLAUSIBLE_TEMPERATURE[unit]
        if low <= value <= high:
            found.append(ValueMention("lab", {"analyte": "body temperature", "value": value, "unit": unit},
                                      m.start(), m.end()))
    for m in _PERCENT_OF.finditer(text):
        found.append(ValueMention("lab", {"analyte": m["alias"].lower(), "value": float(m["n"]), "unit": "%"},
                                  m.start(), m.end()))
    for m in _BP.finditer(text):
        for name, group in (("systolic blood pressure", "s"), ("diastolic blood pressure", "d")):
            found.append(ValueMention("lab", {"analyte": name, "value": float(m[group]), "unit": "mmHg"},
                                      m.start(), m.end()))
    return found


# --- performance status, life expectancy, pregnancy weeks ----------------------------------
_ECOG = re.compile(r"\b(?:ECOG|Zubrod|WHO)(?:\s*(?:performance\s*status|PS|score))?\s*(?:of|is|was|:|=)?\s*(?P<a>[0-5])(?:\s*(?:-|to)\s*(?P<b>[0-5]))?\b", re.I)
_KPS = re.compile(r"\b(?:KPS|Karnofsky(?:\s*performance\s*(?:status|score|scale))?)\s*(?:of|is|was|:|=)?\s*(?P<n>\d{2,3})\s*%?", re.I)
_LIFE = re.compile(r"\blife\s+expectancy\s*(?:of|is|was|:|estimated\s+at)?\s*(?:[<>]=?|less than|more than|greater than|at least|approximately|about|~|under|over)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<u>day|week|month|year)s?", re.I)
_GESTATION = re.compile(r"\b(?P<n>\d{1,2})(?:\s*\+\s*\d?|\s*\d/7)?\s*-?\s*(?:weeks?|wks?|w)(?:\s*\d\s*d)?\s*(?:of\s+)?(?:gestation|pregnant|pregnancy|GA|gestational age)\b", re.I)
_BORN = re.compile(r"\b(?:born|birth|delivered)\b", re.I)
# A recent birth ends a pregnancy: "gave birth 3 weeks ago", "delivered a healthy boy 5 days
# earlier", "she is 2 weeks postpartum". A birth without a recent time ("delivered her first
# child in 2015") says nothing about now.
_POSTPARTUM = re.compile(r"\bpost-?\s?partum\b|\bpuerper(?:ium|al)\b", re.I)
_RECENT_BIRTH = re.compile(
    r"\b(?:gave|given|giving)\s+birth\b|\bdelivered\s+(?:a|an|her|twins|the)\b|\b(?:vaginal|cesarean|caesarean)\s+delivery\b",
    re.I,
)
_RECENT = re.compile(r"^[^.;]{0,60}?\b(?:(?:\d{1,2}|one|two|three|four|five|six|a|an)\s+(?:days?|weeks?)\s+"
                     r"(?:ago|before|earlier|prior)|yesterday|last\s+week|this\s+week)\b", re.I)
_NEVER = re.compile(r"\b(?:never|not|no)\b[^.;]{0,20}$", re.I)
_EARLIER = re.compile(r"\b(?:previous|prior|past|earlier|last|first|history\s+of)\b[^.;]{0,15}$", re.I)
_MONTHS_PER = {"day": 1 / 30.44, "week": 7 / 30.44, "month": 1.0, "year": 12.0}


def find_scores(text: str) -> list[ValueMention]:
    found = []
    for m in _ECOG.finditer(text):
        worst = max(int(m["a"]), int(m["b"] or m["a"]))  # "ECOG 0-1": the worse bound is safe
        found.append(ValueMention("ecog", worst, m.start(), m.end()))
    for m in _KPS.finditer(text):
        if 0 <= int(m["n"]) <= 100:
            found.append(ValueMention("karnofsky", int(m["n"]), m.start(), m.end()))
    for m in _LIFE.finditer(text):
        months = round(float(m["n"]) * _MONTHS_PER[m["u"].lower()], 2)
        found.append(ValueMention("life_expectancy_months", months, m.start(), m.end()))
    for m in _POSTPARTUM.finditer(text):
        if not _EARLIER.search(text[max(0, m.start() - 30):m.start()]):  # "her previous postpartum period"
            found.append(ValueMention("pregnant", False, m.start(), m.end()))
    for m in _RECENT_BIRTH.finditer(text):
        if _RECENT.match(text[m.end():]) and not _NEVER.search(text[max(0, m.start() - 25):m.start()]):
            found.append(ValueMention("pregnant", False, m.start(), m.end()))
    for m in _GESTATION.finditer(text):
        if _BORN.search(text[max(0, m.start() - 30):m.start()]):
            continue  # "born at 38 weeks of gestation": the patient's own birth
        found.append(ValueMention("pregnant", True, m.start(), m.end(), {"gestation_weeks": int(m["n"])}))
    return found


# --- willingness to follow a study's procedures ---------------------------------------------
# "will comply with the trial protocol", "agrees to participate in the study", "unable to
# attend follow-up visits". Only statements about a study's demands count: "compliant with
# his medications" is about treatment adherence, not about taking part in a trial.
_STUDY_DEMAND = (r"(?:the\s+|all\s+|any\s+|study\s+|trial\s+|research\s+)*"
                 r"(?:protocol|procedures?|study|trial|research|visits?|follow[- ]?ups?|appointments?)\b")
_WILLINGNESS = re.compile(
    r"\b(?:(?P<neg>(?:will\s+not|won't)\s+be\s+able\s+to|will\s+not|won't|cannot|can\s?not|unable\s+to|unwilling\s+to|not\s+(?:willing|able)\s+to|"
    r"refuses\s+to|refused\s+to|declines?\s+to|declined\s+to)\s+)?"
    r"(?:(?:will|is\s+(?:willing|able)\s+to|are\s+(?:willing|able)\s+to|agrees?\s+to|agreed\s+to|"
    r"(?:willing|able)\s+(?:and\s+(?:willing|able)\s+)?to)\s+)?"
    rf"(?P<verb>comply\s+with|adhere\s+to|participate\s+in|take\s+part\s+in|attend)\s+{_STUDY_DEMAND}",
    re.I,
)
_ASSERTED = re.compile(r"\b(?:will|willing|able|agrees?|agreed)\b", re.I)


def find_willingness(text: str) -> list[ValueMention]:
    """Statements that the patient will (or will not) follow a study's procedures."""
    found = []
    for m in _WILLINGNESS.finditer(text):
        if not m["neg"] and not _ASSERTED.search(m.group(0)):
            continue  # "attend the clinic" alone says nothing about willingness
        found.append(ValueMention("will_comply", not m["neg"], m.start(), m.end()))
    return found


# --- allergies -------------------------------------------------------------------------
_ALLERGY = re.compile(r"\ballerg(?:y|ies|ic)\s*(?:to|:)\s*(?P<list>[A-Za-z][^.;\n]{0,80})", re.I)
_LIST_SPLIT = re.compile(r"\s*(?:,|\band\b|\bor\b|/)\s*", re.I)
_ALLERGY_STOP = re.compile(r"\b(?:with|which|that|causing|resulting|who|since|but)\b.*$", re.I)


_ALLERGY_NEGATED = re.compile(r"\b(?:no|denies|denied|without|not|never|nkda|nka)\b[^.;\n]*$", re.I)


def find_allergies(text: str) -> list[ValueMention]:
    """Allergens after "allergic to" / "allergies:"; "no allergies to any food" gives none."""
    found = []
    for m in _ALLERGY.finditer(text):
        line_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        if _ALLERGY_NEGATED.search(text[line_start:m.start()]):
            continue
        items = _ALLERGY_STOP.sub("", m["list"])
        offset = m.start("list")
        for item in _LIST_SPLIT.split(items):
            item = item.strip(" ()")
            if 2 < len(item) <= 60 and not item.lower().startswith(("no ", "none", "any ")):
                start = text.find(item, offset)
                found.append(ValueMention("allergy", item, start, start + len(item)))
    return found


# --- doses -------------------------------------------------------------------------------
_DOSE_UNIT = r"mg/kg(?:/day)?|mg/m2|mg/m\^2|mg/day|mg|mcg|µg|ug|g|units?|IU|mL|mEq"
_FREQUENCY = (
    r"once\s+daily|twice\s+daily|three\s+times\s+(?:a\s+)?daily|daily|nightly|weekly|monthly|"
    r"every\s+\d+\s+(?:hours|days|weeks)|every\s+(?:day|week|other\s+day|morning|night)|"
    r"q\.?\s?\d+\s?(?:h|hr|hrs|hours|d|days|w|wk|wks|weeks)|qd|bid|tid|qid|qhs|qam|qpm|qod|prn|per\s+day|a\s+day|/day"
)
_DOSE_AFTER = re.compile(
    rf"^[\s:,(]*(?:(?:po|iv|sc|im|oral|orally|intravenous|inhaled)\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>{_DOSE_UNIT})\b"
    rf"(?:\s*(?:po|iv|sc|im|orally|by mouth|intravenously|subcutaneously|x))?(?:\s*(?P<freq>{_FREQUENCY}))?",
    re.I,
)
_DOSE_BEFORE = re.compile(rf"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>{_DOSE_UNIT})\s+(?:of\s+)?$", re.I)
_FREQ_ONLY = re.compile(rf"^[\s,]*(?P<freq>{_FREQUENCY})\b", re.I)


def find_dose(before: str, after: str) -> dict:
    """Dose, unit and frequency written right after (or before) a medication name."""
    m = _DOSE_AFTER.match(after)
    if m:
        dose = {"dose": float(m["n"]), "unit": m["unit"].lower().replace("µg", "mcg").replace("ug", "mcg")}
        if m["freq"]:
            dose["frequency"] = " ".join(m["freq"].lower().split())
        return dose
    m = _DOSE_BEFORE.search(before)
    if m:
        return {"dose": float(m["n"]), "unit": m["unit"].lower()}
    m = _FREQ_ONLY.match(after)
    return {"frequency": " ".join(m["freq"].lower().split())} if m else {}


# --- stage and grade, procedure site ----------------------------------------------------------
_STAGE = re.compile(r"\b(?P<kind>stage|grade)\s*(?P<v>IV|I{1,3}V?|0|[1-4])(?P<sub>[ABCabc]\d?)?\b")
_SITE = re.compile(r"^\s*(?:to|of|on)\s+(?:the\s+)?(?P<site>(?:left|right|bilateral|whole)?\s*[a-z]+(?:\s(?!and|in|on|at|for|with|of)[a-z]+)?)", re.I)
_SITE_STOP = {"and", "in", "on", "at", "for", "with", "of", "was", "is", "which", "who", "the", "a"}


def find_stage(window: str) -> str | None:
    m = _STAGE.search(window)
    if not m:
        return None
    value = m["v"].upper() + (m["sub"] or "").upper()
    return value if m["kind"].lower() == "stage" else f"grade {value}"


def find_site(after: str) -> str | None:
    m = _SITE.match(after)
    if not m:
        return None
    words = [w for w in m["site"].split() if w.lower() not in _SITE_STOP]
    return " ".join(words).lower() or None
