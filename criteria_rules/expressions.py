"""Atoms of one criterion -> an expression tree.

The words between consecutive atoms say how they combine: "or" / "nor" / "/" -> any;
"and" / "with" / "after" / a longer phrase -> all; a bare comma takes the conjunction
that closes its list ("HIV, hepatitis B or C" -> any). In an exclusion, "A and B"
between atoms of the same family is read as any (either one excludes). "No A or B"
(every atom of an any-group negated) becomes Not(AnyOf(A, B)). "At least k of the
following: a, b, c" in one line is any of the k-item conjunctions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from itertools import combinations

from criteria_rules.ir import All, AnyOf, AtomNode, Expr, Not, all_of

_PARENS = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[A-Za-z]+")
_OR = re.compile(r"\b(?:or|nor|either|and/or|otherwise)\b|/", re.I)
_AND = re.compile(r"\b(?:and|with|plus|after|following|who|that|but|while|as well as|due to|secondary to|because|caused by|for|in|on|by|under|without)\b", re.I)
# Words that may sit between listed conditions without relating them ("acute and chronic").
# A relative clause describing what precedes it ("... that is HPV 16 positive", "which has
# been confirmed by"); "or those who have ..." names another group, so "who" is not one.
_RELATIVE = re.compile(r"\b(?:that|which)\s+(?:is|are|was|were|has|have|had)\b(?:\s+[\w-]+){0,3}\s*$", re.I)
_LIST_GLUE = re.compile(
    r"^(?:\s|,|\band\b|\bacute\b|\bchronic\b|\bactive\b|\bsevere\b|\buncontrolled\b|\bknown\b|\bother\b|\bany\b|\bsignificant\b|\bhistory of\b|\bclinically\b|\bprior\b)*$",
    re.I,
)
_LIST_CONCEPT_TYPES = {"condition", "procedure", "medication", "pregnancy", "breastfeeding"}


@dataclass
class Part:
    start: int
    end: int
    node: AtomNode | AnyOf  # an atom, or one phrase's alternatives ("both sexes")
    negated: bool


def _family(part: Part) -> str | None:
    return part.node.atom.type if isinstance(part.node, AtomNode) else None


def qualifies_after_alternatives(separator: str) -> bool:
    """Whether the words between two atoms end in a relative clause opened after the last
    "or" ("carcinoma of the oropharynx or unknown primary that is HPV 16 positive"): the next
    atom then says what the alternatives must be, not a further alternative."""
    last_or = None
    for last_or in _OR.finditer(separator):
        pass
    return last_or is not None and bool(_RELATIVE.search(separator[last_or.end():]))


def _separator(text: str) -> str:
    s = _PARENS.sub(" ", text).strip()
    if not s:
        return "comma"
    if _OR.search(s):
        return "and" if qualifies_after_alternatives(s) else "or"
    words = _WORD.findall(s)
    if _AND.search(s) or len(words) > 2:
        return "and"
    return "comma" if "," in s or not words else "and"


def _resolve_commas(seps: list[str], kind: str) -> list[str]:
    resolved = list(seps)
    for i, sep in enumerate(seps):
        if sep != "comma":
            continue
        nxt = next((s for s in seps[i + 1 :] if s != "comma"), None)
        resolved[i] = nxt or ("or" if kind == "exclusion" else "and")
    return resolved


def _group(parts: list[Part]) -> Expr:
    if len(parts) == 1:
        p = parts[0]
        return Not(arg=p.node) if p.negated else p.node
    if all(p.negated for p in parts):
        return Not(arg=AnyOf(args=[p.node for p in parts]))
    return AnyOf(args=[Not(arg=p.node) if p.negated else p.node for p in parts])


_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
# "at least two of the following: fever, cough, dyspnoea", "two or more of: ...", "any 2 of
# these symptoms: ..." written in one line (a bulleted list is an outline group instead).
_K_OF_N = re.compile(
    r"\b(?:(?:at\s+least|a\s+minimum\s+of|any|≥|>=)\s*(?P<k>one|two|three|four|five|[1-5])(?:\s*\(\d\))?"
    r"|(?P<k2>one|two|three|four|five|[1-5])(?:\s*\(\d\))?\s+or\s+more)"
    r"\s+(?:of|from|out\s+of)\b[^:;.]{0,60}:",
    re.I,
)
_MEMBER_SPLIT = re.compile(r"[;,]|\b(?:and/or|or|and)\b", re.I)
MAX_COMBINATIONS = 35  # beyond this "k of n" is read as "any of n", the looser reading


def _k_of_n(text: str, parts: list[Part], kind: str) -> Expr | None:
    """"At least k of: a, b, c": any of the k-sized conjunctions of the listed items
    (exact, in the existing any/all tree); the words before the colon are a conjunct."""
    m = _K_OF_N.search(text)
    if m is None:
        return None
    k = (m.group("k") or m.group("k2")).lower()
    k = _NUMBERS.get(k) or int(k)
    listed = [p for p in parts if p.start >= m.end()]
    bounds = [0, *[b.end() for b in _MEMBER_SPLIT.finditer(text[m.end():])], len(text) - m.end()]
    members: dict[int, list[Part]] = {}
    for p in listed:
        segment = max(i for i, b in enumerate(bounds) if b <= p.start - m.end())
        members.setdefault(segment, []).append(p)
    groups = [_group([p]) if len(ps) == 1 else all_of(*[_group([q]) for q in ps])
              for ps in members.values() for p in ps[:1]]
    if len(groups) < 2:
        return None
    if k <= 1:
        chosen: Expr = AnyOf(args=groups)
    elif k >= len(groups):
        chosen = All(args=groups)
    else:
        combos = list(combinations(groups, k))
        chosen = AnyOf(args=groups) if len(combos) > MAX_COMBINATIONS else AnyOf(
            args=[All(args=[g.model_copy(deep=True) for g in combo]) for combo in combos])
    head = build_expression(text[: m.start()], [p for p in parts if p.end <= m.start()], kind)
    if head is None:
        return chosen
    return All(args=[*head.args, chosen]) if isinstance(head, All) else All(args=[head, chosen])


# "No hemolytic anemia requiring immunosuppressive therapy": what the condition needs, a
# qualifier of it under the same "no"
_QUALIFIER = re.compile(
    r"^\s*,?\s*(?:requiring|that\s+requires?|which\s+requires?|that\s+required|which\s+required|needing|"
    r"in\s+need\s+of|treated\s+with|that\s+(?:has|have)\s+required)\s*$", re.I)


def _join_qualified(text: str, parts: list[Part]) -> list[Part]:
    """Both atoms of "no A requiring B" are negated by the one "no", but the rule denies A
    *with* B: Not(All(A, B)), not "neither A nor B" (which a patient with B for another
    reason would fail). Consecutive negated parts joined by such a qualifier become one."""
    joined: list[Part] = []
    for part in parts:
        previous = joined[-1] if joined else None
        if previous is not None and previous.negated and part.negated and _QUALIFIER.match(
                text[previous.end:part.start]):
            joined[-1] = Part(previous.start, part.end, all_of(previous.node, part.node), True)
            continue
        joined.append(part)
    return joined


def build_expression(text: str, parts: list[Part], kind: str) -> Expr | None:
    """``text`` is the criterion text the parts' offsets point into."""
    if not parts:
        return None
    counted = _k_of_n(text, parts, kind)
    if counted is not None:
        return counted
    parts = _join_qualified(text, sorted(parts, key=lambda p: p.start))
    seps = [_separator(text[a.end : b.start]) for a, b in zip(parts, parts[1:])]
    if kind == "exclusion":
        for i, (a, b) in enumerate(zip(parts, parts[1:])):
            same_family = _family(a) in _LIST_CONCEPT_TYPES and _family(b) in _LIST_CONCEPT_TYPES
            if seps[i] == "and" and same_family and _LIST_GLUE.match(_PARENS.sub(' ', text[a.end : b.start])):
                seps[i] = "or"
    seps = _resolve_commas(seps, kind)
    groups: list[list[Part]] = [[parts[0]]]
    for sep, part in zip(seps, parts[1:]):
        if sep == "or":
            groups[-1].append(part)
        else:
            groups.append([part])
    return all_of(*[_group(g) for g in groups])
