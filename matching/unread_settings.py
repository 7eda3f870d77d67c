"""Does a partly read inclusion also ask where the patient lives or is cared for?

"Women aged 15-45 years resident in the predefined study area", "Seen at the university
medical center for stroke", "Followed at the maternity clinic from early pregnancy": the
compiler reads the age, the sex or the condition, not the place. The place is a requirement
of its own (someone who fits the rest may live or be treated elsewhere) and a medical record
does not settle it, so an inclusion met on what was read is not met on that alone: it stays
unknown and its own question is asked. :mod:`matching.evaluate` and :mod:`matching.outcomes`
both apply it.
"""

from __future__ import annotations

import re

from criteria_rules.ir import Criterion

_SETTING = re.compile(
    r"\b(?:resident|residents|residing|reside|residence|living\s+in|lives?\s+in|domiciled|catchment"
    r"|seen\s+(?:at|in)|followed(?:\s+up)?\s+(?:at|in)|treated\s+at|registered\s+(?:at|with|in)|attending"
    r"|study\s+area|enrolled\s+at)\b",
    re.I,
)


def unread_setting(criterion: Criterion) -> str | None:
    """The unread words of a partial inclusion that ask where the patient lives or is cared for."""
    if criterion.kind != "inclusion" or criterion.status != "partial" or not criterion.unparsed:
        return None
    unread_words = {w.lower() for phrase in criterion.unparsed for w in re.findall(r"\w+", phrase)}
    for m in _SETTING.finditer(criterion.text):
        if unread_words & {w.lower() for w in re.findall(r"\w+", m.group(0))}:
            return m.group(0)
    return None


def note(setting: str) -> str:
    return (f'What was read of this criterion fits you, but it also asks where you live or are cared for '
            f'("{setting}"), which we could not check.')


__all__ = ["unread_setting", "note"]
