"""Pregnancy, breastfeeding, childbearing potential and contraception.

"Women of childbearing potential must use contraception" compiles to applies_if
ChildbearingPotential with expr Contraception, so the rule is not applicable to others.
"""

from __future__ import annotations

import re

from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import BreastfeedingAtom, ChildbearingPotentialAtom, ContraceptionAtom, PregnancyAtom, SexAtom

_CBP = re.compile(
    r"\b(?:(?:women|woman|females?|girls|patients?|subjects?|participants?)\s+(?:\w+\s+){0,2}?(?:of|with)\s+)?"
    r"(?:child[- ]?bearing|reproductive|procreative)\s+(?:potential|age|capacity)\b|\bWOCBP\b|\bWCBP\b|\bfertile\s+(?:women|females?|patients?|subjects?)\b"
    r"|\b(?:pre|peri)[- ]?menopausal\s+(?:women|females?)",
    re.I,
)
_NOT_CBP = re.compile(
    r"\bpost[- ]?menopausal\b|\bsurgically\s+steril\w*|\bnot\s+of\s+child[- ]?bearing\s+potential\b|\bnon[- ]?child[- ]?bearing\b",
    re.I,
)
# men named as the rule's subjects ("men and women of childbearing potential"), not as a
# woman's partner ("sexually active with a male partner")
_MALE = re.compile(r"\b(?:men|males?|man)\b(?!\s+(?:sexual\s+)?partners?)", re.I)
_CONTRACEPTION = re.compile(
    r"\b(?:contracepti\w+|birth[- ]control|barrier method\w*|abstinen\w+|abstain\w*|intrauterine device|IUD|condoms?|double[- ]barrier|steriliz\w+|sterilis\w+|vasectom\w+)(?:\s+methods?)?\b",
    re.I,
)
_NEGATIVE_TEST = re.compile(
    r"\bnegative\s+(?:\w+\s+){0,3}?(?:pregnancy|β-?hcg|beta[- ]?hcg|b-?hcg|hcg)\s*(?:tests?)?|\b(?:pregnancy|hcg)\s+tests?\s+(?:\w+\s+){0,4}?negative\b",
    re.I,
)
_PLANNING = re.compile(
    r"\b(?:plan\w*|intend\w*|wish\w*|desir\w*|want\w*|hop\w*|trying)\s+(?:to\s+)?(?:become|get)\s+pregnant|\bplanning\s+(?:a\s+)?pregnancy\b",
    re.I,
)


def _sentence_of(text: str, at: int) -> str:
    """The sentence around ``at``: "Gender: Male or Eligible Female. ..., females of
    childbearing potential must ..." names men in another sentence, so the contraception
    rule is for women who could become pregnant only."""
    breaks = [m.end() for m in re.finditer(r"[.;]\s", text[:at])]
    end = re.search(r"[.;](?:\s|$)", text[at:])
    return text[breaks[-1] if breaks else 0 : at + end.start() if end else len(text)]


def extract(ctx: CriterionContext) -> list[Found]:
    found: list[Found] = []
    text = ctx.text
    for m in _NEGATIVE_TEST.finditer(text):
        f = make(ctx, m.start(), m.end(), PregnancyAtom)
        f.negated = True
        found.append(f)
    for m in _PLANNING.finditer(text):
        found.append(make(ctx, m.start(), m.end(), PregnancyAtom))
    cbp = list(_CBP.finditer(text))
    contraception = _CONTRACEPTION.search(text)
    if cbp and contraception:
        m = cbp[0]
        f = make(ctx, m.start(), m.end(), ChildbearingPotentialAtom)
        f.role = "applies_if"
        f.negated = False
        if _MALE.search(_sentence_of(text, m.start())):
            # "Men and women of childbearing potential must use contraception": for women who
            # could become pregnant and for men (a man cannot become pregnant, so read as a
            # requirement the childbearing atom failed every man)
            f.either = (SexAtom(sex="male", text=f.atom.text, span=f.atom.span),)
        found.append(f)
    elif cbp:
        for m in cbp:
            f = make(ctx, m.start(), m.end(), ChildbearingPotentialAtom)
            found.append(f)
    for m in _NOT_CBP.finditer(text):
        f = make(ctx, m.start(), m.end(), ChildbearingPotentialAtom)
        f.negated = True
        found.append(f)
    if contraception:
        # one atom for the whole contraception requirement, however many methods it lists
        ends = [m.end() for m in _CONTRACEPTION.finditer(text)]
        f = make(ctx, contraception.start(), contraception.end(), ContraceptionAtom)
        f.covers = [(contraception.start(), max(ends))]
        found.append(f)
    kept = []
    for f in found:
        if not ctx.is_claimed(f.start, f.end):
            kept.append(f)
            ctx.claim(f.start, f.end)
            for start, end in f.covers:
                ctx.claim(start, end)
    return kept
