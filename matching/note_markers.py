"""A breast cancer's receptor status as a note states it: "The tumor was HER2-positive and
ER/PR negative", "ER+/PR+/HER2-".

Trials are written for one kind of breast cancer by receptor status (HER2-positive or
-negative, hormone-receptor-positive or -negative, triple negative); the lexicon holds these
as kinds that exclude each other (``exclusive`` groups in criteria_rules' conditions.yaml),
so a complete record naming one kind does not meet a criterion asking for another. Notes
state the status apart from the disease, in the pathology sentences. :func:`receptor_kinds`
reads those statements and names the kinds ("HER2-positive breast cancer"), which the note
reader adds as conditions when the note names a breast cancer of the patient; a status
alone (a gastric cancer may be HER2-positive too) names nothing. A status the note does not
state stays unknown; statements that contradict each other name nothing.

- HER2: positive or negative as stated ("HER2-positive", "HER2/neu negative", "HER2+",
  "HER-2 amplified");
- hormone receptors: positive when the oestrogen or progesterone receptor is positive, negative
  when both are negative ("ER/PR negative", "ER-negative and PR-negative") or the hormone
  receptors are; one receptor negative alone leaves the status unknown;
- triple negative: both negative, and the kind "triple-negative breast cancer".

Pure: text in, names with character spans out; nothing is logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HER2_POSITIVE = "HER2-positive breast cancer"
HER2_NEGATIVE = "HER2-negative breast cancer"
HR_POSITIVE = "hormone receptor-positive breast cancer"
HR_NEGATIVE = "hormone receptor-negative breast cancer"
TRIPLE_NEGATIVE = "triple-negative breast cancer"
# The lexicon ids of those kinds (criteria_rules/lexicon/conditions.yaml).
RECEPTOR_CONCEPTS: frozenset[str] = frozenset({
    "her2_positive_breast_cancer", "her2_negative_breast_cancer", "hr_positive_breast_cancer",
    "hr_negative_breast_cancer", "triple_negative_breast_cancer",
})

_STATUS = (r"\s*(?:status\s*)?(?:is|was|were|are|:|=)?\s*(?:-|\()?\s*"
           r"(?P<status>positive|negative|pos\b|neg\b|amplified|overexpress\w*|not\s+amplified|non-?amplified|"
           r"\+|-(?![\w-]))")
_HER2 = re.compile(r"\bHER-?2(?:\s*/\s*neu|-?neu)?" + _STATUS, re.I)
# ER and PR in capitals only ("er" is a word); "ER/PR" and "ER and PR" state both at once.
_RECEPTORS = re.compile(
    r"(?P<which>\bER\s*/\s*PR\b|\bPR\s*/\s*ER\b|\bER\s*(?:and|&)\s*PR\b|\bER\b|\bPg?R\b|\bHR\b|"
    r"(?i:\b(?:o?estrogen\s+and\s+progesterone|hormone|o?estrogen|progesterone)(?:\s*-?\s*receptors?)))" + _STATUS)
_TRIPLE = re.compile(r"\btriple[\s-]+negative\b", re.I)
_NEGATIVE = ("negative", "neg", "-", "not amplified", "nonamplified", "non-amplified", "non amplified")


@dataclass(frozen=True)
class ReceptorKind:
    name: str  # one of the names above
    start: int  # the statement it rests on
    end: int


def _negative(status: str) -> bool:
    return " ".join(status.lower().split()) in _NEGATIVE


def _settled(found: list[tuple[bool, int, int]]) -> tuple[bool, int, int] | None:
    """One status from its statements, or None when they disagree or there are none."""
    if not found or len({negative for negative, _, _ in found}) > 1:
        return None
    return found[0]


def receptor_kinds(text: str) -> list[ReceptorKind]:
    """The receptor kinds of breast cancer the note states (module docs)."""
    her2 = [(_negative(m["status"]), m.start(), m.end()) for m in _HER2.finditer(text)]
    oestrogen, progesterone, both = [], [], []
    for m in _RECEPTORS.finditer(text):
        which = " ".join(m["which"].lower().replace("-", " ").split())
        item = (_negative(m["status"]), m.start(), m.end())
        if which in ("er", "estrogen receptor", "estrogen receptors", "oestrogen receptor", "oestrogen receptors"):
            oestrogen.append(item)
        elif which in ("pr", "pgr", "progesterone receptor", "progesterone receptors"):
            progesterone.append(item)
        else:  # ER/PR, hormone receptors, HR
            both.append(item)
    for m in _TRIPLE.finditer(text):
        her2.append((True, m.start(), m.end()))
        both.append((True, m.start(), m.end()))
    kinds: list[ReceptorKind] = []
    her2_status = _settled(her2)
    if her2_status is not None:
        kinds.append(ReceptorKind(HER2_NEGATIVE if her2_status[0] else HER2_POSITIVE, *her2_status[1:]))
    hormone = _hormone_status(oestrogen, progesterone, both)
    if hormone is not None:
        kinds.append(ReceptorKind(HR_NEGATIVE if hormone[0] else HR_POSITIVE, *hormone[1:]))
    if her2_status is not None and hormone is not None and her2_status[0] and hormone[0]:
        kinds.append(ReceptorKind(TRIPLE_NEGATIVE, *hormone[1:]))
    return kinds


def _hormone_status(oestrogen, progesterone, both) -> tuple[bool, int, int] | None:
    """Positive if either receptor is; negative if both are (stated together or apart)."""
    every = oestrogen + progesterone + both
    positive = [s for s in every if not s[0]]
    if positive:
        return None if any(s[0] for s in both) else positive[0]
    if both:
        return both[0]
    if oestrogen and progesterone:
        return oestrogen[0]
    return None
