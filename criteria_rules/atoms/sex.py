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


_SEX_WORD = r"(?:males?|men|man|boys|females?|women|woman|girls)"
# Both sexes named as who may take part, the first with a short qualifier between them
# ("Females of non-childbearing potential and male subjects"), the second perhaps with
# one ("Male or Eligible Female"); not a rule for those people ("... and men must use
# contraception", "... or men who ...").
_LEADING_ALTERNATIVES = re.compile(
    rf"^\W*(?:(?:sex|gender)\s*:?\s*)?(?P<first>{_SEX_WORD})\b(?P<between>[^.;:()]{{0,60}}?)"
    r"\s*(?:,|\band/or\b|\bor\b|\band\b|/)\s*"
    r"(?:(?:eligible|non-?pregnant|non-?lactating|non-?breast-?feeding)\s+)?"
    rf"(?P<second>{_SEX_WORD})\b(?:\s+(?:only|patients?|subjects?|participants?|volunteers?))?"
    r"(?!\s*(?:partners?|of\s+(?:childbearing|reproductive)|who|must|should|shall|agree|will|need))",
    re.I,
)


def _is_female(word: str) -> bool:
    return word.lower() in _FEMALE


def _either(ctx: CriterionContext, start: int, end: int) -> Found:
    """One atom for "female or male", read from [start, end)."""
    found = make(ctx, start, end, SexAtom, sex="female")
    found.either = (SexAtom(sex="male", text=found.atom.text, span=found.atom.span),)
    return found


def _leading_alternatives(ctx: CriterionContext) -> list[Found]:
    """An inclusion that opens by naming both sexes as who may take part: either sex."""
    if ctx.kind != "inclusion":
        return []
    m = _LEADING_ALTERNATIVES.match(ctx.text)
    if not m or _is_female(m.group("first")) == _is_female(m.group("second")):
        return []
    if not m.group("between").strip():
        # "Male or Eligible Female": one phrase, so its "or" joins nothing else
        ctx.claim(m.start("first"), m.end("second"))
        return [_either(ctx, m.start("first"), m.end("second"))]
    # only the two words are claimed: the qualifier between them is another atom's
    ctx.claim(m.start("first"), m.end("first"))
    ctx.claim(m.start("second"), m.end("second"))
    found = _either(ctx, m.start("first"), m.end("first"))
    found.covers = [(m.start("second"), m.end("second"))]
    return [found]


def _any_sex(ctx: CriterionContext) -> list[Found]:
    m = _ANY_SEX.search(ctx.text)
    if not m or ctx.is_claimed(m.start(), m.end()):
        return []
    ctx.claim(m.start(), m.end())
    return [_either(ctx, m.start(), m.end())]


def extract(ctx: CriterionContext) -> list[Found]:
    both = _leading_alternatives(ctx)
    if both:
        return both
    m = _ONLY_SEX.match(ctx.text)
    if not m:
        return _any_sex(ctx)
    rest = ctx.text[m.end() :].lower()
    # "Women of childbearing potential must ...", "Female patients have adequate birth
    # control": a rule for women (contraception, pregnancy), not a sex restriction
    if re.match(r"\s*(?:of|who|with|that|must|should|are|is|may|have|has|need|agree|use|using|\()", rest):
        return []
    sex = "female" if _is_female(m.group("sex")) else "male"
    ctx.claim(m.start("sex"), m.end())
    return [make(ctx, m.start("sex"), m.end(), SexAtom, sex=sex)]
