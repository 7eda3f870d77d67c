"""Helpers shared by the compiler tests (no tests here; conftest belongs to another owner)."""

from __future__ import annotations

from criteria_rules.ir import AnyOf, All, AtomNode, Not, RuleSet, iter_atoms, iter_criteria


def criteria_by_kind(ruleset: RuleSet, kind: str):
    return [c for c in iter_criteria(ruleset.criteria) if c.kind == kind]


def atoms_of(ruleset: RuleSet, kind: str | None = None, atom_type: str | None = None):
    found = []
    for c in iter_criteria(ruleset.criteria):
        if kind and c.kind != kind:
            continue
        for a in iter_atoms(c.expr):
            if atom_type is None or a.type == atom_type:
                found.append(a)
    return found


def concepts_of(ruleset: RuleSet, kind: str | None = None) -> set[str]:
    return {getattr(a, "concept", None) or a.type for a in atoms_of(ruleset, kind)}


def find_criterion(ruleset: RuleSet, words: str):
    for c in iter_criteria(ruleset.criteria):
        if words.lower() in c.text.lower():
            return c
    raise AssertionError(f"no criterion containing {words!r}")


def shape(expr) -> str:
    """A compact description of an expression tree for assertions."""
    if expr is None:
        return "-"
    if isinstance(expr, AtomNode):
        a = expr.atom
        return getattr(a, "concept", None) or getattr(a, "analyte", None) or a.type
    if isinstance(expr, Not):
        return f"not({shape(expr.arg)})"
    name = "all" if isinstance(expr, All) else "any"
    assert isinstance(expr, (All, AnyOf))
    return f"{name}({', '.join(shape(a) for a in expr.args)})"
