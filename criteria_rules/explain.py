"""A RuleSet as a readable outline for curators: criterion id, kind, status, text, and
the expression with its atoms in plain words."""

from __future__ import annotations

from criteria_rules.ir import All, AnyOf, AtomNode, Criterion, Not, RuleSet

_CMP_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


def describe_atom(atom) -> str:
    t = atom.type
    if t == "age":
        parts = []
        if atom.min_years is not None:
            parts.append(f"{'≥' if atom.min_inclusive else '>'} {atom.min_years:g}")
        if atom.max_years is not None:
            parts.append(f"{'≤' if atom.max_inclusive else '<'} {atom.max_years:g}")
        return "age " + " and ".join(parts) + " years"
    if t == "sex":
        return f"sex {atom.sex}"
    if t in ("condition", "procedure", "medication", "allergy"):
        words = [f"{t} {atom.concept}"]
        for name in ("subtype", "stage", "site"):
            value = getattr(atom, name, None)
            if value:
                words.append(f"{name}={value}")
        if getattr(atom, "status", "any") != "any":
            words.append(f"status={atom.status}")
        if getattr(atom, "family", False):
            words.append("family history")
        if getattr(atom, "planned", False):
            words.append("planned")
        if getattr(atom, "dose", None) is not None:
            ref = f" {atom.dose_of}-equivalent" if atom.dose_of else ""
            words.append(f"dose {_CMP_WORDS[atom.dose_comparator or '>=']} {atom.dose.value:g} {atom.dose.unit}{ref}")
        if getattr(atom, "window", None) is not None:
            words.append(f"{atom.window.relation.replace('_', ' ')} {atom.window.days:g} days")
        return " ".join(words)
    if t == "lab":
        unit = " x ULN" if atom.uln_multiple else " x LLN" if atom.lln_multiple else f" {atom.unit}" if atom.unit else ""
        return f"lab {atom.analyte} {_CMP_WORDS[atom.comparator]} {atom.value:g}{unit}"
    if t == "performance_status":
        return f"{atom.scale} {_CMP_WORDS[atom.comparator]} {atom.value:g}"
    if t == "life_expectancy":
        return f"life expectancy {_CMP_WORDS[atom.comparator]} {atom.months:g} months"
    if t == "trial_participation" and atom.window is not None:
        return f"other-trial participation {atom.window.relation.replace('_', ' ')} {atom.window.days:g} days"
    return t.replace("_", " ")


def describe_expr(expr) -> str:
    if expr is None:
        return "-"
    if isinstance(expr, AtomNode):
        return describe_atom(expr.atom)
    if isinstance(expr, Not):
        return f"NOT ({describe_expr(expr.arg)})"
    joiner = " AND " if isinstance(expr, All) else " OR "
    if isinstance(expr, (All, AnyOf)):
        return "(" + joiner.join(describe_expr(a) for a in expr.args) + ")"
    return str(expr)


def _criterion_lines(c: Criterion, depth: int) -> list[str]:
    pad = "  " * depth
    head = f"{pad}{c.id} [{c.kind}, {c.status}]"
    if c.combine:
        head += f" children combine: {c.combine}"
    lines = [head, f"{pad}  text: {c.text}"]
    if c.applies_if is not None:
        lines.append(f"{pad}  applies if: {describe_expr(c.applies_if)}")
    if c.expr is not None:
        lines.append(f"{pad}  rule: {describe_expr(c.expr)}")
    if c.unparsed:
        lines.append(f"{pad}  unparsed: {'; '.join(c.unparsed)}")
    for child in c.children:
        lines += _criterion_lines(child, depth + 1)
    return lines


def explain(ruleset: RuleSet) -> str:
    f = ruleset.facts
    lines = [
        f"RuleSet (compiler {ruleset.compiler_version}, IR {ruleset.ir_version})",
        f"registry facts: age {f.min_age_years if f.min_age_years is not None else '-'} to "
        f"{f.max_age_years if f.max_age_years is not None else '-'} years, sex {f.sex}, "
        f"healthy volunteers {f.healthy_volunteers if f.healthy_volunteers is not None else '-'}",
    ]
    for w in ruleset.warnings:
        lines.append(f"warning: {w}")
    for c in ruleset.criteria:
        lines += _criterion_lines(c, 0)
    return "\n".join(lines)
