"""Does a partly read inclusion also ask where the patient lives or is cared for, or
another requirement of its own that a record does not settle?

"Women aged 15-45 years resident in the predefined study area", "Seen at the university
medical center for stroke", "Followed at the maternity clinic from early pregnancy": the
compiler reads the age, the sex or the condition, not the place. The place is a requirement
of its own (someone who fits the rest may live or be treated elsewhere) and a medical record
does not settle it, so an inclusion met on what was read is not met on that alone: it stays
unknown and its own question is asked. :mod:`matching.evaluate` and :mod:`matching.outcomes`
both apply it.

The same holds for an unread requirement that narrows what was read in a way a record
does not state: a time of life ("Immune deficiency ... in childhood"), the condition's role
in the stay ("heart failure as primary cause of admission"), a triage category
("present with an emergency department triage category of 3 or higher"). Most unread
words of an inclusion are formalities ("signed informed consent" from "parents/guardian"),
so only these kinds are listed.
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


_OWN_REQUIREMENT = re.compile(
    r"\b(?:(?:in|during|since|from|before)\s+(?:early\s+)?(?:childhood|infancy|adolescence|youth|early\s+life)"
    r"|childhood[- ]onset|(?:primary|main|principal|leading)\s+(?:cause|reason|diagnosis)"
    r"|(?:reason|cause)\s+(?:for|of)\s+(?:the\s+)?(?:admission|hospitali[sz]ation|referral|presentation)"
    r"|triage\s+(?:category|level|score))\b",
    re.I,
)


def _unread_match(criterion: Criterion, pattern: re.Pattern) -> str | None:
    unread_words = {w.lower() for phrase in criterion.unparsed for w in re.findall(r"\w+", phrase)}
    for m in pattern.finditer(criterion.text):
        if unread_words & {w.lower() for w in re.findall(r"\w+", m.group(0))}:
            return m.group(0)
    return None


def unread_setting(criterion: Criterion) -> str | None:
    """The unread words of a partial inclusion that ask where the patient lives or is cared
    for, or state another requirement a record does not settle (module docs)."""
    if criterion.kind != "inclusion" or criterion.status != "partial" or not criterion.unparsed:
        return None
    return _unread_match(criterion, _SETTING) or _unread_match(criterion, _OWN_REQUIREMENT)


def note(setting: str) -> str:
    if _OWN_REQUIREMENT.fullmatch(setting):
        return (f'What was read of this criterion fits you, but it also asks "{setting}", '
                f'which we could not check.')
    return (f'What was read of this criterion fits you, but it also asks where you live or are cared for '
            f'("{setting}"), which we could not check.')


__all__ = ["unread_setting", "note"]
