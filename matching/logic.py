"""Kleene three-valued logic over the rule IR's expression tree.

Truth values are ``True``, ``False`` and ``None`` (unknown). The connectives follow
Kleene's strong logic: ``False`` dominates ``and``, ``True`` dominates ``or``, and
``not None`` is ``None``. An unknown never turns into "no" by itself.

:func:`evaluate_expr` folds a tree with a caller-supplied atom evaluator and keeps the
atom findings that *decided* the value, so a reason can name exactly the facts that
mattered (for a false ``all``: the false parts; for an unknown ``any``: the unknown ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from criteria_rules.ir import All, AnyOf, AtomNode, Expr, Not

Truth = bool | None


# Expressions compiled for judging (matching.outcomes.compile_expr), as nested tuples:
# (EXPR_ATOM, number, atom) | (EXPR_NOT, node) | (EXPR_ALL, nodes) | (EXPR_ANY, nodes)
EXPR_ATOM, EXPR_NOT, EXPR_ALL, EXPR_ANY = 0, 1, 2, 3


def not3(value: Truth) -> Truth:
    return None if value is None else not value


def and3(values: Iterable[Truth]) -> Truth:
    """Kleene conjunction; the empty conjunction is True."""
    saw_unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            saw_unknown = True
    return None if saw_unknown else True


def or3(values: Iterable[Truth]) -> Truth:
    """Kleene disjunction; the empty disjunction is False."""
    saw_unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            saw_unknown = True
    return None if saw_unknown else False


def combine3(values: Iterable[Truth], any_: bool) -> Truth:
    """Kleene "any" (``or3``) or "all" (``and3``) of ``values``, read only until one settles
    it: sub-criteria combine so, and later ones are not decided once one settles."""
    return or3(values) if any_ else and3(values)


def settled_if_may_not_apply(value: Truth, inclusion: bool) -> Truth:
    """A criterion's value when whether it applies is unknown: settled only if it comes out
    the same either way (an inclusion already met, an exclusion already not triggered;
    a criterion that does not apply holds for an inclusion and does not trigger)."""
    if inclusion:
        return True if value is True else None
    return False if value is False else None


def implies3(condition: Truth, consequence: Truth) -> Truth:
    """Material implication ``condition -> consequence`` (``not c or q``)."""
    return or3((not3(condition), consequence))


@dataclass(frozen=True, slots=True)
class Judged:
    """The value of a (sub)expression and the atom findings that decided it."""

    value: Truth
    deciding: tuple = ()  # the findings (e.g. facts.AtomFinding)


def evaluate_expr(expr: Expr, judge_atom: Callable[[object], tuple[Truth, object]]) -> Judged:
    """Evaluate ``expr`` with ``judge_atom(atom) -> (value, finding)`` for its leaves."""
    if isinstance(expr, AtomNode):
        value, finding = judge_atom(expr.atom)
        return Judged(value, (finding,))
    if isinstance(expr, Not):
        inner = evaluate_expr(expr.arg, judge_atom)
        return Judged(not3(inner.value), inner.deciding)
    if isinstance(expr, (All, AnyOf)):
        parts = [evaluate_expr(arg, judge_atom) for arg in expr.args]
        combine = and3 if isinstance(expr, All) else or3
        value = combine(part.value for part in parts)
        return Judged(value, _deciding(parts, value, dominant=isinstance(expr, AnyOf)))
    raise TypeError(f"not an expression node: {type(expr).__name__}")


def combine_judged(parts: list[Judged], how: str) -> Judged:
    """Combine already-evaluated parts with ``all`` or ``any`` (used for child criteria)."""
    if how not in ("all", "any"):
        raise ValueError(f"unknown combination {how!r}")
    combine = and3 if how == "all" else or3
    value = combine(part.value for part in parts)
    return Judged(value, _deciding(parts, value, dominant=how == "any"))


def _deciding(parts: list[Judged], value: Truth, *, dominant: bool) -> tuple:
    """The findings that explain ``value``.

    ``dominant`` is the value that short-circuits the connective (True for ``any``,
    False for ``all``): when the result equals it, only the parts with that value
    explain it; otherwise every part that carries the result does.
    """
    if value is None:
        chosen = [p for p in parts if p.value is None]
    elif value is dominant:
        chosen = [p for p in parts if p.value is dominant]
    else:
        chosen = parts
    return tuple(finding for part in chosen for finding in part.deciding)
