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
    rf"{_NUM}\s*(?:{_UNIT}\s*(?:old|of age)?)?\s*(?:-|–|—|to|and|through|~|until)\s*(?:≤|<=|=<)?\s*{_NUM2}\s*(?P<unit2>years?|yrs?|months?|mos?|weeks?|days?)?\b"
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
    r"individuals?|persons?|people|boys|girls|infants?|adolescents?|neonates?|donors?|recipients?)\W*(?:(?:ranging|range)\s+)?(?:from\s+)?$",
    re.I,
)
_NOT_AGE_BEFORE = re.compile(r"\b(?:for|within|since|past|last|previous|after|before|duration|history|over the|survival|prognosis)\s*$", re.I)
# Ages of someone or something other than the patient now: another person (donor,
# partner, caregiver, parent), an onset or diagnosis age, a gestation, a typical age.
_OTHER_AGE = re.compile(
    r"\b(?:onset|donors?|duration|gestation\w*|fetal|maternal|mothers?|fathers?|survival|prognosis|expectancy|persons over|"
    r"parents?|partners?|spouses?|caregivers?|care\s*givers?|siblings?|typically|usually)\b",
    re.I,
)
# "diagnosed at 40", "age at diagnosis": the age then, not now ("patients aged 18-65 who
# were diagnosed with ..." is the patient's age now).
_AT_DIAGNOSIS_BEFORE = re.compile(r"\b(?:diagnos\w*\s+(?:at|before|after|under|over|between|prior to|by)|at\s+(?:the\s+time\s+of\s+)?diagnosis)\b[^.;]{0,15}$", re.I)
_AT_DIAGNOSIS_AFTER = re.compile(r"^\W*(?:years?\s+)?(?:of\s+age\s+)?(?:at|of|before|by)\s+(?:the\s+time\s+of\s+)?(?:initial\s+|first\s+)?(?:diagnosis|onset|presentation)", re.I)
# "2 years or more post-prostatectomy", ">= 2 years from completion": a time span.
_DURATION_AFTER = re.compile(
    r"^\s*(?:or\s+(?:more|longer)\s+)?(?:post\w*|after|from|since|ago|prior|before|following|earlier|(?:of|in)\s+(?:follow|treatment|therapy|disease|illness|symptoms|remission|complete\s+remission))\b",
    re.I,
)
# "if 10 years or older", "for participants 1 to 18 years of age", "in children older than
# 6": the age chooses when the rest of the criterion applies (applies_if), it is no bound.
_CONDITION_BEFORE = re.compile(
    r"\b(?:if|when|for|in|unless|in\s+(?:the\s+)?case\s+of)\s+(?:the\s+)?(?:(?:adult|paediatric|pediatric|female|male)\s+)?"
    r"(?:(?:patients?|participants?|subjects?|children|adults?|persons?|people|individuals?|women|men|males?|females?|those|minors?|girls|boys)\s+)?"
    r"(?:who\s+are\s+|aged?\s+|of\s+age\s+)?$",
    re.I,
)
# "women of childbearing potential (>= 10 years of age) must ...", "mature minors (12-17
# years of age)": a parenthesised age defining a subgroup, also a condition.
_SUBGROUP_BEFORE = re.compile(r"\b(?:childbearing|reproductive)\s+(?:potential|age)\s*\(\s*$|\bminors?\s*\(\s*$", re.I)
# "at least 3 adult patients", "3 patients >= 12 years": enrolment counts of a cohort.
_COUNT = r"\b(?:at least|at most|a total of)?\s*(?:\d+|two|three|four|five|six|ten)\s+"
_COUNT_BEFORE = re.compile(
    _COUNT + r"(?:(?:adult|paediatric|pediatric)\s+)?(?:patients?|subjects?|participants?|children)\s*$"
    # "the first 2 subjects must be 18 years or older": the order of enrolment, not eligibility
    r"|\b(?:first|initial)\s+(?:\d+|two|three|four|five|six|ten)\s+(?:patients?|subjects?|participants?)\s+(?:must|will|should|may)\s+be\s*$"
    # "six subjects, three between 7-11 and three between 12-18 years": counts per age band
    r"|(?:^|[,;]|\band)\s*(?:\d+|two|three|four|five|six|ten)\s*$",
    re.I,
)
_COUNT_BEFORE_ADULT = re.compile(_COUNT + "$", re.I)
_AGE_NEAR = re.compile(r"\bage\b|\baged\b", re.I)
# "adult" is the patient's age when it names the patients ("Adults", "adult male patients",
# "adults with asthma"), not in "adult caregiver", "adult periodontitis", "hemoglobin adult
# type", nor "children and adults" (any age).
_ADULT = re.compile(
    r"\b(?:adults\b(?!\s+(?:caregivers?|care\s*givers?|study partners?|partners?|relatives?|family|guardians?|donors?|onset|type|form))"
    r"|adult\b(?=\s*(?:$|[.,;:()]|(?:(?:male|female|men|women)\s+)?(?:patients?|subjects?|participants?|volunteers?|men|women|males?|females?|persons?|"
    r"people|individuals?|candidates?|recipients?|outpatients?|inpatients?)\b)))",
    re.I,
)
_ANY_AGE = re.compile(r"\b(?:child(?:ren)?|p(?:a)?ediatric|adolescents?|infants?|minors?)\s+(?:and|or|&|/)\s+adults?\b|\badults?\s+(?:and|or|&|/)\s+(?:child(?:ren)?|p(?:a)?ediatric|adolescents?)", re.I)
# "4.18-65 years": a list number "4." run into the age.
_RUN_IN_NUMBER = re.compile(r"^(\d)\.(\d\d)$")
# "40 - 50 years of age or older": the upper number is no bound.
_OR_OLDER_AFTER = re.compile(r"^\s*(?:years?\s*)?(?:of\s+age\s*)?(?:or|and)\s+(?:older|above|over|more)\b", re.I)
# joins two bounds of one age: ">= 12 months and <= 18 years of age", "Age >= 18 years, <= 30 years"
_BOUND_JOIN = re.compile(r"^\s*(?:of\s+)?(?:,|and|but|to|-|–)\s*$", re.I)
_TO_YEARS = {"y": 1.0, "m": 1 / 12, "w": 7 / 365, "d": 1 / 365}


def _years(value: float, unit: str | None) -> float:
    factor = _TO_YEARS.get((unit or "y").lower()[0], 1.0)
    return round(value * factor, 4)


# words in a matched number that make it an age
_SAYS_AGE = re.compile(r"\bage\b|of age|\bold\b", re.I)
_AGE = re.compile(r"\bage\b", re.I)
_YEARS_OF_AGE = re.compile(r"of age|\bold\b|older|younger", re.I)
_DIAGNOSIS = re.compile(r"\bdiagnos\w*\b", re.I)
_WORD_CHAR = re.compile(r"\w")


def _age_role(text: str, m: re.Match, outline: list[str]) -> str | None:
    """"expr" for the patient's age now, "applies_if" for an age that says when the
    criterion applies, None when the number is no age of the patient (someone else's,
    a duration, an onset age, a count of patients of that age)."""
    before = text[max(0, m.start() - 40) : m.start()]
    after = text[m.end() : m.end() + 40]
    if _OTHER_AGE.search(before) or _OTHER_AGE.search(after[:25]):
        return None
    if _AT_DIAGNOSIS_BEFORE.search(before) or _AT_DIAGNOSIS_AFTER.search(after):
        return None
    if _COUNT_BEFORE.search(before):
        return None
    explicit = bool(m.groupdict().get("ageword")) or bool(_SAYS_AGE.search(m.group(0)))
    if not explicit and (_DURATION_AFTER.search(after) or _DIAGNOSIS.search(before)):
        return None  # "> 5 years in remission", "diagnosis of PD between 4 to 7 years"
    if not _is_age(text, m, outline, before):
        return None
    if _CONDITION_BEFORE.search(before) or _SUBGROUP_BEFORE.search(before):
        return "applies_if"
    return "expr"


# "<= 12 years (11 years, 364 days)", "18 years (17 years and 11 months)": up to the birthday
_LAST_DAY = re.compile(r"^\W*\(\s*(\d+)\s*years?\W*(?:and\s+)?(?:36[45]\s*days|11\s*months)\s*\)", re.I)


def _before_birthday(after: str, bound: float) -> bool:
    m = _LAST_DAY.match(after)
    return bool(m) and float(m.group(1)) == bound - 1


def _age_role_other_ok(text: str, m: re.Match) -> bool:
    """Not someone else's age nor a duration (for a bound joined to an age bound)."""
    before = text[max(0, m.start() - 40) : m.start()]
    after = text[m.end() : m.end() + 40]
    return not (_OTHER_AGE.search(before) or _DURATION_AFTER.search(after) or _COUNT_BEFORE.search(before))


def _is_age(text: str, m: re.Match, outline: list[str], before: str) -> bool:
    if m.groupdict().get("ageword"):
        return True
    unit = m.groupdict().get("unit") or m.groupdict().get("unit2")
    in_years = not unit or unit.lower().startswith("y")
    if _AGE.search(m.group(0)) or (in_years and _YEARS_OF_AGE.search(m.group(0))):
        return True
    if any(h.strip().lower().startswith("age") for h in outline[-1:]):
        return True
    unit2 = m.groupdict().get("unit2") or ""
    if unit2.lower().startswith("y") and re.search(r"\bbetween\s*$", before + m.group(0)[:8], re.I):
        return True  # "between 6 months and 17 years"
    if _NOT_AGE_BEFORE.search(before):
        return False
    if not (unit and unit.lower().startswith("y")):
        return False  # bare numbers and weeks/months need an explicit age word
    if _AGE_NEAR.search(before[-30:]):
        return True
    return not _WORD_CHAR.search(before) or bool(_AGE_CONTEXT_BEFORE.search(before))


# "Patients younger than 65 whose eGFR ...", "> 55 years of age AND have ...": in an
# exclusion, an age followed by more about the same people says whom the rest concerns.
# (For an exclusion, "applies if age" and "age and ..." are the same rule; but when the
# rest is not read, the age alone would exclude everyone of that age.)
_QUALIFIED_AFTER = re.compile(
    r"^\s*(?:years?\s*)?(?:old|of\s+age)?\s*,?\s*(?:who|whose|that|which|and\s+(?:have|has|are|is|with|who))\b", re.I
)
# "7 to 17 years of age must be signed by the guardian", "under the age of 18 must be
# capable of giving signed consent": a consent rule for minors says who signs, not who
# may enrol.
_CONSENT_AFTER = re.compile(
    r"^[^.;]{0,25}?\b(?:must|should|shall|will|need\s+to)\s+(?:also\s+)?(?:be\s+)?"
    r"(?:signed|capable\s+of\s+giving|able\s+to\s+(?:give|sign|provide)|sign|give|provide)\b[^.;]{0,40}?\b(?:consent|assent|signed)",
    re.I,
)
ADULTHOOD_YEARS = 18


def _condition_after(ctx: CriterionContext, f: Found) -> bool:
    after = ctx.text[f.end : f.end + 120]
    if ctx.kind == "exclusion" and _QUALIFIED_AFTER.match(after):
        return True
    minors = f.atom.max_years is not None and f.atom.max_years <= ADULTHOOD_YEARS
    return minors and bool(_CONSENT_AFTER.match(after))


# a criterion that starts "For paediatric participants:" / "If older than 65:" is a condition
_CONDITION_LABEL = re.compile(r"\W*(?:for|if|in)\b[^:.;]{0,60}:", re.I)
_NEGATION_BEFORE = re.compile(r"\b(?:not|no|never|without)\s+(?:be\s+|being\s+)?(?:aged?\s+|of\s+age\s+)?$", re.I)
# Outside an "Age" header, a criterion is read for ages only when it names one of these
# (so number words alone do not count: "five patients" is not read, but "younger than five
# years" is: "younger" names an age as "older" does).
_MAY_STATE_AGE = re.compile(r"\d.{0,40}?(?:y|mo|w|d)|age|old|young|adult", re.I | re.S)
# What every age reading below needs: an age word ("age" starts a word in each of them),
# "old" / "older" / "younger", "adult", or a number in years ("18 years", "65y"; the
# other units need an age word). A criterion with none of them is skipped before the
# costly patterns run; most criteria that pass _MAY_STATE_AGE have none ("stage",
# "dosage", "2 weeks").
_AGE_READING_NEEDS = re.compile(rf"\bage|old|younger|adult|{NUMBER}\s*y", re.I)


def _may_state_age(text: str, outline: list[str]) -> bool:
    if any(h.strip().lower().startswith("age") for h in outline[-1:]):
        return True
    return bool(_MAY_STATE_AGE.search(text)) and bool(_AGE_READING_NEEDS.search(text))


def extract(ctx: CriterionContext) -> list[Found]:
    text = ctx.text
    found: list[Found] = []
    if not _may_state_age(text, ctx.outline):
        return found
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return not any(m.start() < e and s < m.end() for s, e in taken)

    pending: list[tuple[re.Match, dict]] = []  # bounds read as ages only when joined to one

    def add(m: re.Match, role: str, fields: dict, start: int | None = None) -> None:
        f = make(ctx, m.start() if start is None else start, m.end(), AgeAtom, **fields)
        f.role = role
        found.append(f)
        taken.append((m.start(), m.end()))

    def run_in(m: re.Match) -> tuple[float | None, int | None]:
        """The first number, without a list number run into it ("2.18 to 65" -> 18)."""
        raw = m.group("a")
        r = _RUN_IN_NUMBER.match(raw)
        if r and not text[: m.start("a")].strip(" \t") or r and re.search(r"[;:,.)\n]\s*$", text[: m.start("a")]):
            return float(r.group(2)), m.start("a") + 2
        return number_of(raw), None

    for m in _RANGE.finditer(text):
        if not free(m):
            continue
        role = _age_role(text, m, ctx.outline)
        if role is None:
            continue
        a, start = run_in(m)
        b = number_of(m.group("b"))
        unit = m.group("unit") or m.group("unit2")
        if a is None or b is None or a > b or b > 130:
            continue
        fields = {"min_years": _years(a, unit)}
        if not _OR_OLDER_AFTER.match(text[m.end() : m.end() + 30]):
            fields["max_years"] = _years(b, m.group("unit2") or unit)
            if _before_birthday(text[m.end() : m.end() + 40], b):
                fields["max_inclusive"] = False
        add(m, role, fields, start if start is not None and m.start() == m.start("a") else None)
    for pattern in (_BOUND_PREFIX, _BOUND_SUFFIX):
        for m in pattern.finditer(text):
            if not free(m):
                continue
            value, _ = run_in(m)
            cmp = comparator_of(m.groupdict().get("cmp"), m.groupdict().get("cmp2"))
            if value is None or cmp is None or cmp == "==" or value > 130:
                continue
            years = _years(value, m.group("unit"))
            if cmp in (">=", ">"):
                fields = {"min_years": years, "min_inclusive": cmp == ">="}
            else:
                fields = {"max_years": years, "max_inclusive": cmp == "<=" and not _before_birthday(text[m.end() : m.end() + 40], value)}
            role = _age_role(text, m, ctx.outline)
            if role is None:
                pending.append((m, fields))
                continue
            add(m, role, fields)
    # a bound joined to an age bound is an age too ("≥ 12 months and ≤ 18 years of age")
    changed = True
    while changed and pending and found:
        changed = False
        for m, fields in list(pending):
            for f in found:
                gap = text[m.end() : f.start] if m.end() <= f.start else text[f.end : m.start()]
                # the other end of the same age: one lower and one upper bound
                other_end = ("min_years" in fields) != (f.atom.min_years is not None)
                if other_end and free(m) and _BOUND_JOIN.match(gap) and _age_role_other_ok(text, m):
                    add(m, f.role, fields)
                    pending.remove((m, fields))
                    changed = True
                    break
    # "Cognitively impaired adults" excluded: "adults" names whom the exclusion is about
    if not found and (ctx.kind != "exclusion" or re.match(r"\W*adults?\W*$", text, re.I)):
        m = _ADULT.search(text)
        if m and not ctx.is_claimed(m.start(), m.end()) and not _ANY_AGE.search(text):
            before = text[max(0, m.start() - 40) : m.start()]
            if not _COUNT_BEFORE_ADULT.search(before) and not _OTHER_AGE.search(before[-15:]):
                f = make(ctx, m.start(), m.end(), AgeAtom, min_years=18.0)
                if _CONDITION_BEFORE.search(before):
                    f.role = "applies_if"
                found.append(f)
    if _CONDITION_LABEL.match(text):
        for f in found:  # "For pediatric participants: ... (< 18 years old)"
            f.role = "applies_if"
    for f in found:
        if f.role == "expr" and _condition_after(ctx, f):
            f.role = "applies_if"
    for f in found:
        ctx.claim(f.start, f.end)
        # "Non-pregnant females of age >= 18": a negation cue elsewhere in the criterion
        # does not negate the age; only one right before it does ("not older than 65").
        if not _NEGATION_BEFORE.search(text[max(0, f.start - 20) : f.start]):
            f.negated = False
    return found
