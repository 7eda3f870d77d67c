"""Who a rule is for: the subgroup a criterion names before or after its requirement.

"Recipients who have had a stem cell transplant must be at least 21 days after the
infusion", "Patients with diabetes must have HbA1c < 8%", "In patients who received
radiotherapy, at least 4 weeks since its end", "Recurrent hematoma, if the first surgery
was performed before study start": the clause names the patients the rule is about, not a
requirement. Its atoms become ``applies_if``, so the rule is ``not_applicable`` for a
patient outside the subgroup (DESIGN: evaluation semantics), instead of being failed,
met or triggered by the subgroup's own words.

An exclusion about a complication that only follows a procedure ("Active acute GVHD
grades II-IV" after a transplant) likewise applies only to patients who had it: the
lexicon gives such a concept ``occurs_after: <procedure id>``; and one about a habit
(smoking, alcohol or drug misuse) only from the age it is asked about (``from_age``), as
pregnancy rules apply to women of childbearing age (compiler). Only exclusions get this:
an inclusion that asks for the complication ("patients with steroid-refractory GVHD")
is a requirement, which a patient without the transplant does not meet.
"""

from __future__ import annotations

import re

from criteria_rules import terminology
from criteria_rules.atoms.base import Found
from criteria_rules.atoms.windows import find_windows
from criteria_rules.ir import AgeAtom, ProcedureAtom

_WHO = (r"(?:patients?|subjects?|participants?|recipients?|those|individuals?|people|persons?|women|men|"
        r"children|adults?|candidates?)")
# "Patients with diabetes must ...", "Recipients who have had a transplant must ...":
# a subject clause, then a modal verb that states what is required of them.
_LEADING_SUBJECT = re.compile(
    rf"^\W*(?:\d+\W+)?(?:all\s+|any\s+)?{_WHO}\s+(?:(?:who|that|with|having|undergoing|receiving|on|treated\s+with)\b"
    # "Patients ages 50-65 must provide a negative colonoscopy report": an age range in the
    # subject names who the requirement is for
    r"|(?=(?:aged?|ages|older|younger|over|under|above|below|between)\b))"
    r"(?P<group>[^;:.]{3,140}?),?\s+(?:must|should|shall|need\s+to|needs\s+to|have\s+to|has\s+to|"
    r"are\s+required\s+to|is\s+required\s+to|will\s+need\s+to|will\s+be\s+required\s+to)\b",
    re.I,
)
# "In patients who received radiotherapy, ...", "If the patient had surgery, ...",
# "For subjects with HIV: ..."
_LEADING_IF = re.compile(
    rf"^\W*(?:\d+\W+)?(?:(?:in|for)\s+(?:the\s+)?{_WHO}\s+(?:who|that|with|having|undergoing|receiving|on)\b|if\b)"
    r"(?P<group>[^;:,.]{3,140}?)\s*[,:]",
    re.I,
)
# "..., if the first surgery was performed before study start" (not "only if", "even if",
# "if applicable" and the like, and not an "if" that qualifies one alternative of an "or").
_TRAILING_IF = re.compile(r"(?<!\bonly)(?<!\beven)\s+(?:if|when|in\s+case)\b(?P<group>[^;:]{3,140})$", re.I)
_IF_FORMALITY = re.compile(
    r"^\s*(?:any|applicable|appropriate|available|known|necessary|needed|required|present|possible|so|not|"
    r"indicated|relevant|done|performed|clinically\s+indicated)\b",
    re.I,
)
_SUBGROUP_TYPES = frozenset({"condition", "procedure", "medication"})
# An inclusion's "Patients with <disease> must ..." usually names the trial's own population
# (a requirement: without the disease the patient is not eligible), so only a treatment
# history marks a subgroup there ("Recipients who have had a stem cell transplant must ...").
_INCLUSION_SUBGROUP_TYPES = frozenset({"procedure", "medication"})


def subgroup_span(text: str) -> tuple[int, int] | None:
    """Where the criterion names the patients it is about, if it does."""
    for pattern in (_LEADING_SUBJECT, _LEADING_IF):
        m = pattern.match(text)
        if m:
            return m.start("group"), m.end("group")
    m = _TRAILING_IF.search(text)
    if m and not _IF_FORMALITY.match(m.group("group")) and not re.search(r"\bor\b[^,;]*$", text[: m.start()]):
        return m.start("group"), m.end("group")
    return None


_AGE_SUBJECT = re.compile(r"^\s*(?:aged?|ages|older|younger|over|under|above|below|between)\b", re.I)
_AGE_REQUIREMENT = re.compile(r"^\W*(?:be|being|are|is)\b", re.I)


def _ages_name_subgroup(text: str, span: tuple[int, int]) -> bool:
    """"Patients ages 50-65 must provide a negative colonoscopy report", "Women over 40 must
    have had a mammogram": ages in the subject, then a requirement that is not about age,
    name the patients the requirement is for; the ages are not a limit on who may take part
    (a patient of 46 is not asked for the report). "Patients who are 18 or older must ..."
    and "Patients aged 18-75 must be able to ..." keep their ages as limits: the clause is
    not an age-led subject, or the requirement is a state ("be ...")."""
    if not _AGE_SUBJECT.match(text[span[0]:span[1]]):
        return False
    modal = re.match(r",?\s*\w+(?:\s+(?:to|be\s+required\s+to|required\s+to))?", text[span[1]:])
    after = text[span[1] + (modal.end() if modal else 0):]
    return bool(after.strip()) and not _AGE_REQUIREMENT.match(after)


def mark_subgroup(text: str, kind: str, found: list[Found]) -> None:
    """Atoms inside the subgroup clause become ``applies_if`` (in place)."""
    span = subgroup_span(text)
    if span is None:
        return
    inside = [f for f in found if f.role == "expr" and span[0] <= f.start and f.end <= span[1] + 1]
    types = _SUBGROUP_TYPES if kind == "exclusion" else _INCLUSION_SUBGROUP_TYPES
    if inside and all(f.atom.type == "age" for f in inside) and _ages_name_subgroup(text, span):
        types = frozenset({"age"})
    if not inside or any(f.atom.type not in types for f in inside):
        return  # ("patients who are 18 or older must ...": ages and the like keep their own readings)
    rest = [f for f in found if f.role == "expr" and f not in inside]
    if not rest and any(w.start >= span[1] or w.end <= span[0] for w in find_windows(text)):
        # "In patients who received radiotherapy, within 4 weeks before enrolment", "Patients who
        # have received radiotherapy must have completed it at least 4 weeks before": the clause
        # names the event and the rest times it. The subgroup is the event at any time; the
        # requirement is the event with its window (attached later).
        if any(f.atom.type not in ("procedure", "medication") for f in inside):
            return
        for f in inside:
            found.append(Found(f.start, f.start, f.atom.model_copy(deep=True), role="applies_if"))
        found.sort(key=lambda f: f.start)
        return
    for f in inside:
        f.role = "applies_if"


def _lexicon_value(concept_id: str, key: str):
    """A lexicon datum of the concept or, failing that, of its nearest ancestor that has it."""
    for cid in (concept_id, *sorted(terminology.ancestors(concept_id))):
        concept = terminology.concept(cid)
        if concept is not None and concept.get(key) is not None:
            return concept.get(key)
    return None


def occurs_after(concept_id: str) -> str | None:
    """The procedure a condition only follows (lexicon ``occurs_after``)."""
    value = _lexicon_value(concept_id, "occurs_after")
    return str(value) if value is not None else None


def from_age(concept_id: str) -> float | None:
    """The age before which a habit is not asked about (lexicon ``from_age``: smoking, alcohol)."""
    value = _lexicon_value(concept_id, "from_age")
    return float(value) if value is not None else None


def implied_subgroup(kind: str, found: list[Found]) -> list[Found]:
    """For an exclusion every atom of which concerns one kind of patient, who that is, as
    ``applies_if`` atoms: the patients who had the procedure its complications follow
    ("Active acute GVHD" after a transplant), or the ages at which a habit is asked about
    ("Cigarette smoking > 1 pack per month" for a 4-year-old does not apply). Nothing when
    another atom is not so scoped ("GVHD or active infection": the infection counts for
    everyone), or when the criterion names the procedure itself."""
    body = [f for f in found if f.role == "expr"]
    if kind != "exclusion" or not body or any(f.atom.type != "condition" or f.negated for f in body):
        return []
    named = {getattr(f.atom, "concept", None) for f in found} - {None}
    start = body[0].start
    procedures = {occurs_after(f.atom.concept) for f in body}
    if len(procedures) == 1 and None not in procedures:
        [procedure] = procedures
        if procedure in named or any(procedure in terminology.ancestors(c) for c in named):
            return []
        label = body[0].atom.label or body[0].atom.concept
        return [Found(start, start, ProcedureAtom(
            concept=procedure, label=terminology.label(procedure),
            text=f"{terminology.label(procedure)} (what {label} follows)"), role="applies_if")]
    ages = [from_age(f.atom.concept) for f in body]
    if None not in ages and not any(f.atom.type == "age" for f in found):
        return [Found(start, start, AgeAtom(min_years=max(ages), text="an age at which the habit is asked about"),
                      role="applies_if")]
    return []
