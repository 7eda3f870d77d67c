"""Do the unread words of a partly read criterion narrow what was read?

A ``partial`` criterion is evaluated on the words the compiler read. For an exclusion that
comes out triggered, that is sound only when the unread words add alternatives ("A, B or
[unread C]"). When they qualify what was read ("a [traumatic cause] of dyspnoea",
"chest pain in combination with [positive tests for myocardial ischaemia]", "deep infection
due to a [non-Aspergillus mould]") the patient may have what was read without the narrower
thing the criterion means, so what was read cannot rule them out.

:func:`narrowing_phrases` finds such words: an unread phrase that names something (it has
salient terms, :mod:`matching.record_mentions`) joined to the atom it stands nearest
without "or", "and", a comma, a slash or a semicolon between them (adjacent, or through
"of", "with", "due to" ...). The atom then means "atom and phrase". :func:`settle`
re-evaluates a triggered partial exclusion that way, the same for :mod:`matching.evaluate`
and :mod:`matching.outcomes`. A phrase counts as:

- absent (false) under a complete record with its text that mentions none of its terms
  and whose silence may settle it (:func:`matching.record_mentions.silence_settles`);
- unknown otherwise.

The same holds for an inclusion that what was read *fails* through a negation: "no
[excisional] biopsy" for a patient with a core biopsy, "no [distant] metastases". Read as
"no (biopsy and excisional)", it is met when the qualifier is absent and unknown when the
qualifier is not known; an inclusion that fails on what it requires ("fever [plus other
symptoms]" without fever) still fails, since a qualifier only narrows what it joins. Under
a complete record an inclusion is only failed on what was said (:mod:`matching.evaluate`),
so there a qualified "no ..." becomes unknown.

So "a traumatic cause of dyspnoea" for a breathless patient whose record never mentions
trauma is not triggered; with trauma in the record, or a profile that is not a complete
record, it is unknown; "pregnancy or [unread] lactation" for a pregnant woman stays
triggered (the phrase is an alternative, not a qualifier).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from criteria_rules.ir import All, AnyOf, AtomNode, Criterion, Not
from matching import record_mentions
from matching.facts import evaluate_atom
from matching.logic import EXPR_ALL, EXPR_ATOM, EXPR_NOT, Truth, and3, not3, or3

_ALTERNATIVE = re.compile(r"[,;/]|\b(?:or|nor|and)\b", re.I)
# Words joining a condition to what it is from or where it is: "due to", "caused by", "in the".
# An adjective or a manner ("typical", "signed", "based on screening") rarely settles whether
# the patient has the condition; a named cause or site does.
_CAUSE_OR_SITE = re.compile(r"^\s*(?:due to|caused by|secondary to|induced by|attributable to|resulting from|"
                            r"related to|in the|of the|involving the|affecting the|involving|affecting)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Unread phrases that qualify the atoms of one partial criterion."""

    # The criterion's expression: its IR, or in a plan its compiled form (matching.logic:
    # a plan keeps one atom object per meaning, not the criterion's IR).
    expr: Any  # (mypyc: not 'object')
    phrases: tuple[tuple[int, str], ...]  # (position of the qualified atom, depth first; phrase)
    # the phrases that follow a condition through a cause or place ("rhinitis due to
    # [ragweed]"): the ones that narrow a met inclusion (met_inclusion_outcome)
    linked: tuple[tuple[int, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phrases)


def _atoms(expr) -> list:
    if isinstance(expr, AtomNode):
        return [expr.atom]
    if isinstance(expr, Not):
        return _atoms(expr.arg)
    if isinstance(expr, (All, AnyOf)):
        return [a for arg in expr.args for a in _atoms(arg)]
    return []


def _place(text: str, phrase: str) -> tuple[int, int] | None:
    at = text.lower().find(phrase.lower())
    return None if at < 0 or not phrase else (at, at + len(phrase))


def narrowing_phrases(criterion: Criterion) -> Narrowing | None:
    """The unread phrases of a partial criterion that qualify an atom (module docs)."""
    if criterion.status != "partial" or not criterion.unparsed \
            or criterion.expr is None or criterion.children:
        return None
    text = criterion.text
    atoms = _atoms(criterion.expr)
    found = [(position, _place(text, atom.text or "")) for position, atom in enumerate(atoms)]
    placed = [(position, where) for position, where in found if where is not None]
    if not placed:
        return None
    out: list[tuple[int, str]] = []
    linked: list[tuple[int, str]] = []
    for phrase in dict.fromkeys(criterion.unparsed):
        where = _place(text, phrase)
        if where is None or not record_mentions.salient_terms(phrase):
            continue
        start, end = where
        if any(a < end and start < b for _, (a, b) in placed):
            continue  # inside an atom's own words: read with it
        position, (a, b) = min(placed, key=lambda p: min(abs(start - p[1][1]), abs(p[1][0] - end)))
        gap = text[b:start] if b <= start else text[end:a]
        if not _ALTERNATIVE.search(gap):
            out.append((position, phrase))
            if b <= start and atoms[position].type == "condition" and _CAUSE_OR_SITE.match(gap):
                linked.append((position, phrase))
    return Narrowing(criterion.expr, tuple(out), tuple(linked)) if out else None


def _phrase_value(phrase: str, profile) -> Truth:
    if record_mentions.applies(profile, inclusion=False) and record_mentions.salient_terms(phrase) \
            and record_mentions.unmentioned_note(phrase, profile.record_text, any_word=True) is not None:
        return False
    return None


def _value(expr, facts, qualifier: dict[int, Truth], positions: itertools.count) -> Truth:
    """The expression's value with each qualified atom read as "atom and its phrases";
    atoms are counted depth first, left to right, as :func:`narrowing_phrases` counts them."""
    if isinstance(expr, tuple):  # compiled
        kind = expr[0]
        if kind == EXPR_ATOM:
            return _qualified(evaluate_atom(expr[2], facts, expr[1]).value, next(positions), qualifier)
        if kind == EXPR_NOT:
            return not3(_value(expr[1], facts, qualifier, positions))
        values = [_value(arg, facts, qualifier, positions) for arg in expr[1]]
        return and3(values) if kind == EXPR_ALL else or3(values)
    if isinstance(expr, AtomNode):
        return _qualified(evaluate_atom(expr.atom, facts).value, next(positions), qualifier)
    if isinstance(expr, Not):
        return not3(_value(expr.arg, facts, qualifier, positions))
    values = [_value(arg, facts, qualifier, positions) for arg in expr.args]
    return and3(values) if isinstance(expr, All) else or3(values)


def _qualified(value: Truth, position: int, qualifier: dict[int, Truth]) -> Truth:
    return and3((value, qualifier[position])) if position in qualifier else value


def _narrowed_value(narrowing: Narrowing, facts, phrases=None) -> Truth:
    """The criterion's value with each unread qualifier (of ``phrases``, by default all)
    read as the record allows."""
    values: dict[int, list[Truth]] = {}
    for position, phrase in narrowing.phrases if phrases is None else phrases:
        values.setdefault(position, []).append(_phrase_value(phrase, facts.profile))
    qualifier = {position: and3(vs) for position, vs in values.items()}
    return _value(narrowing.expr, facts, qualifier, itertools.count())


def settled_outcome(narrowing: Narrowing, facts, *, inclusion: bool = False) -> str:
    """The outcome of :func:`settle` without its note: judging a hundred such criteria per
    match reads only the outcome, and the note's sentences cost more than the value."""
    value = _narrowed_value(narrowing, facts)
    return "met" if value is True else "not_met" if value is False else "unknown"


def settle(narrowing: Narrowing, facts, *, inclusion: bool = False) -> tuple[str, str]:
    """(outcome, note) for a partial exclusion that what was read triggers, or a partial
    inclusion that what was read fails (``inclusion``)."""
    value = _narrowed_value(narrowing, facts)
    quoted = ", ".join(f'"{p}"' for _, p in narrowing.phrases[:3])
    read_says = "rules you out" if inclusion else "fits you"
    settled_by_silence = _narrowed(read_says, quoted) + (", and the record does not mention them; as a complete "
                                                         "record, what it does not mention counts as absent.")
    unsettled = _narrowed(read_says, quoted) + ", so it is not settled."
    if inclusion:
        if value is False:
            return "not_met", ""
        if value is True:
            return "met", settled_by_silence
        return "unknown", unsettled
    if value is True:
        return "met", ""
    if value is False:
        return "not_met", settled_by_silence
    return "unknown", unsettled


def met_inclusion_outcome(narrowing: Narrowing, facts) -> str:
    """The outcome of a partial inclusion that what was read meets: "unknown" when a complete
    record never mentions a cause or a place joined to a condition ("allergic rhinitis [due
    to ragweed]" for a note whose rhinitis comes in summer; ``Narrowing.linked``), else "met".
    Silence may only help, so the inclusion is not failed; a qualifier the record mentions,
    or a profile that is not a complete record, leaves what was read to decide, as before.
    (Adjectives and manners, "[typical] chest pain", "consent [given]", are left out: they
    mostly restate what was read, and judged rows lost more than they gained.)"""
    if not narrowing.linked:
        return "met"
    return "unknown" if _narrowed_value(narrowing, facts, narrowing.linked) is False else "met"


def settle_met_inclusion(narrowing: Narrowing, facts) -> tuple[str, str]:
    """(outcome, note) of :func:`met_inclusion_outcome`."""
    if met_inclusion_outcome(narrowing, facts) == "met":
        return "met", ""
    quoted = ", ".join(f'"{p}"' for _, p in narrowing.linked[:3])
    return "unknown", _narrowed("fits you", quoted) + (", and the record does not mention them, so it is not "
                                                       "settled.")


def _narrowed(read_says: str, quoted: str) -> str:
    return f"What was read of this criterion {read_says}, but words we could not check narrow it ({quoted})"


__all__ = ["Narrowing", "met_inclusion_outcome", "narrowing_phrases", "settle", "settle_met_inclusion", "settled_outcome"]
