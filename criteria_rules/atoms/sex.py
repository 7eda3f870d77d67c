"""Sex restrictions stated in the text ("Female patients", "Men only", "Sex: male")."""

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


def extract(ctx: CriterionContext) -> list[Found]:
    m = _ONLY_SEX.match(ctx.text)
    if not m:
        return []
    rest = ctx.text[m.end() :].lower()
    # "Women of childbearing potential must ...", "Female patients have adequate birth
    # control": a rule for women (contraception, pregnancy), not a sex restriction
    if re.match(r"\s*(?:of|who|with|that|must|should|are|is|may|have|has|need|agree|use|using|\()", rest):
        return []
    sex = "female" if m.group("sex").lower() in _FEMALE else "male"
    ctx.claim(m.start("sex"), m.end())
    return [make(ctx, m.start("sex"), m.end(), SexAtom, sex=sex)]
