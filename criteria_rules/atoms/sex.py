"""Sex restrictions stated in the text ("Female patients", "Men only", "Sex: male"), and
the statement that any sex may take part ("Both genders are eligible", "Male or female,
aged 18 or over", "All sexes"): female or male, met for everyone whose sex is known."""

from __future__ import annotations

import re

from criteria_rules.atoms.base import CriterionContext, Found, make
from criteria_rules.ir import SexAtom

_ONLY_SEX = re.compile(
    r"^\W*(?:(?:sex|gender)\s*:?\s*)?(?P<sex>male|female|men|women|boys|girls|males|females|man|woman)\b"
    r"(?:\s+(?:only|patients?|subjects?|participants?|volunteers?))?(?!\s+(?:or|and|/)\s)",
    re.I,
)
_FEMALE = {"female", "females", "women", "woman", "girls"}
_ANY_SEX = re.compile(
    r"\b(?:(?:both|either|all|any)\s+(?:sexes|sex|genders?)"
    r"|(?:sex|gender)\s*:\s*(?:all|both|any)"
    r"|(?:males?|men|boys)\s*(?:and/or|or|and|/|&)\s*(?:females?|women|girls)"
    r"|(?:females?|women|girls)\s*(?:and/or|or|and|/|&)\s*(?:males?|men|boys))\b"
    # "male or female partners of ...", "men and women of childbearing potential must ...":
    # a rule for those people, not who may take part
    r"(?!\s*(?:partners?|of\s+(?:childbearing|reproductive)|who|must|should|agree))",
    re.I,
)


def _any_sex(ctx: CriterionContext) -> list[Found]:
    m = _ANY_SEX.search(ctx.text)
    if not m or ctx.is_claimed(m.start(), m.end()):
        return []
    ctx.claim(m.start(), m.end())
    found = make(ctx, m.start(), m.end(), SexAtom, sex="female")
    found.either = (SexAtom(sex="male", text=found.atom.text, span=found.atom.span),)
    return [found]


def extract(ctx: CriterionContext) -> list[Found]:
    m = _ONLY_SEX.match(ctx.text)
    if not m:
        return _any_sex(ctx)
    rest = ctx.text[m.end() :].lower()
    # "Women of childbearing potential must ...", "Female patients have adequate birth
    # control": a rule for women (contraception, pregnancy), not a sex restriction
    if re.match(r"\s*(?:of|who|with|that|must|should|are|is|may|have|has|need|agree|use|using|\()", rest):
        return []
    sex = "female" if m.group("sex").lower() in _FEMALE else "male"
    ctx.claim(m.start("sex"), m.end())
    return [make(ctx, m.start("sex"), m.end(), SexAtom, sex=sex)]
