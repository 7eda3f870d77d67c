"""Atoms of one criterion -> an expression tree.

The words between consecutive atoms say how they combine: "or" / "nor" / "/" -> any;
"and" / "with" / "after" / a longer phrase -> all; a bare comma takes the conjunction
that closes its list ("HIV, hepatitis B or C" -> any). In an exclusion, "A and B"
between atoms of the same family is read as any (either one excludes). "No A or B"
(every atom of an any-group negated) becomes Not(AnyOf(A, B)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from criteria_rules.ir import AnyOf, AtomNode, Expr, Not, all_of

_PARENS = re.compile(r"\([^()]*\)")
_OR = re.compile(r"\b(?:or|nor|either|and/or|otherwise)\b|/", re.I)
_AND = re.compile(r"\b(?:and|with|plus|after|following|who|that|but|while|as well as|due to|secondary to|because|caused by|for|in|on|by|under|without)\b", re.I)
# Words that may sit between listed conditions without relating them ("acute and chronic").
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


def _separator(text: str) -> str:
    s = _PARENS.sub(" ", text).strip()
    if not s:
        return "comma"
    if _OR.search(s):
        return "or"
    words = re.findall(r"[A-Za-z]+", s)
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


def build_expression(text: str, parts: list[Part], kind: str) -> Expr | None:
    """``text`` is the criterion text the parts' offsets point into."""
    if not parts:
        return None
    parts = sorted(parts, key=lambda p: p.start)
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
