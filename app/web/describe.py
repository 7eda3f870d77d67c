"""Compiled rules in plain words, for the trial page.

``describe_atom`` turns one atom of the rule IR into a short sentence a patient or a
curator can check against the criterion text ("has had a stem cell transplant
(allogeneic) in the last 100 days"). ``describe_expr`` does the same for an expression
tree, as nested outline items. Pure functions over the IR: no database, no web.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from criteria_rules.ir import All, AnyOf, AtomNode, Not

COMPARATOR_WORDS = {
    "<": "below",
    "<=": "at most",
    ">": "above",
    ">=": "at least",
    "==": "exactly",
}

_SCALE_NAMES = {"ecog": "ECOG performance status", "karnofsky": "Karnofsky score", "lansky": "Lansky score"}
# Every description reads after "the patient": "the patient has had radiotherapy ...".


def number(value: float) -> str:
    """12.0 -> "12", 2.5 -> "2.5"."""
    return f"{value:g}"


def span_in_words(days: float) -> str:
    """A window length in the unit a person would say: 14 -> "2 weeks", 180 -> "6 months"."""
    if days >= 365 and days % 365 == 0:
        n, unit = days / 365, "year"
    elif days >= 28 and days % 30 == 0:
        n, unit = days / 30, "month"
    elif days >= 7 and days % 7 == 0:
        n, unit = days / 7, "week"
    else:
        n, unit = days, "day"
    return f"{number(n)} {unit}{'' if n == 1 else 's'}"


def window_words(window) -> str:
    if window is None:
        return ""
    if window.relation == "within":
        return f" in the last {span_in_words(window.days)}"
    return f" more than {span_in_words(window.days)} ago"


def _name(atom) -> str:
    label = getattr(atom, "label", "") or ""
    if label:
        return label
    concept = getattr(atom, "concept", "") or getattr(atom, "analyte", "")
    if ":" in concept:  # term:graft versus host disease, hpo:HP:..., icd10cm:C20
        prefix, _, rest = concept.partition(":")
        return rest if prefix == "term" else concept
    return concept.replace("_", " ")


def _age(atom) -> str:
    low, high = atom.min_years, atom.max_years
    if low is not None and high is not None:
        return f"is aged {number(low)} to {number(high)} years"
    if low is not None:
        return f"is aged {'at least' if atom.min_inclusive else 'over'} {number(low)} years"
    if high is not None:
        return f"is aged {'at most' if atom.max_inclusive else 'under'} {number(high)} years"
    return "is of any age (no limit given)"


def _condition(atom) -> str:
    who = "a close relative has had" if atom.family else {
        "active": "has", "history": "has a history of", "any": "has or has had"}[atom.status]
    words = f"{who} {_name(atom)}"
    if atom.stage:
        words += f" (stage {atom.stage})"
    return words + window_words(atom.window)


def _procedure(atom) -> str:
    name = _name(atom)
    if atom.subtype:
        name += f" ({atom.subtype})"
    if atom.site:
        name += f" to the {atom.site}"
    verb = "is planned to have" if atom.planned else "has had"
    return f"{verb} {name}{window_words(atom.window)}"


def _medication(atom) -> str:
    words = f"takes or has taken {_name(atom)}"
    if atom.dose is not None:
        comparator = COMPARATOR_WORDS.get(atom.dose_comparator or ">=", "at least")
        unit = f" {atom.dose.unit}" if atom.dose.unit else ""
        reference = f" of {atom.dose_of} or equivalent" if atom.dose_of else ""
        words += f" at {comparator} {number(atom.dose.value)}{unit}{reference}"
    return words + window_words(atom.window)


def _lab(atom) -> str:
    if atom.uln_multiple:
        limit = f"{number(atom.value)} × the upper limit of normal"
    elif atom.lln_multiple:
        limit = f"{number(atom.value)} × the lower limit of normal"
    else:
        limit = f"{number(atom.value)} {atom.unit}".strip()
    return f"has {_name(atom)} {COMPARATOR_WORDS[atom.comparator]} {limit}"


def describe_atom(atom) -> str:
    """One atom of the rule IR in plain words (the statement, before any negation)."""
    kind = atom.type
    if kind == "age":
        return _age(atom)
    if kind == "sex":
        return f"is {atom.sex}"
    if kind == "condition":
        return _condition(atom)
    if kind == "procedure":
        return _procedure(atom)
    if kind == "medication":
        return _medication(atom)
    if kind == "lab":
        return _lab(atom)
    if kind == "pregnancy":
        return "is pregnant"
    if kind == "breastfeeding":
        return "is breastfeeding"
    if kind == "childbearing_potential":
        return "could become pregnant (childbearing potential)"
    if kind == "contraception":
        return "uses or agrees to use effective contraception"
    if kind == "consent":
        return "can give informed consent"
    if kind == "compliance":
        return "is willing and able to follow the study's visits and procedures"
    if kind == "performance_status":
        scale = _SCALE_NAMES.get(atom.scale, atom.scale)
        return f"has an {scale} of {COMPARATOR_WORDS[atom.comparator]} {number(atom.value)}"
    if kind == "life_expectancy":
        return f"has a life expectancy of {COMPARATOR_WORDS[atom.comparator]} {number(atom.months)} months"
    if kind == "trial_participation":
        return "takes part in another clinical trial" + window_words(atom.window)
    if kind == "allergy":
        if atom.concept == "investigational_product":
            return "is allergic to the study treatment"
        return f"is allergic to {_name(atom)}"
    if kind == "healthy_volunteer":
        return "is a healthy volunteer"
    return kind.replace("_", " ")


@dataclass
class ExprLine:
    """One line of an expression outline: words, and the lines nested under it."""

    words: str
    children: list["ExprLine"] = field(default_factory=list)


def describe_expr(expr) -> ExprLine | None:
    """An expression tree as an outline: "all of these", "any of these", "not: ..."."""
    if expr is None:
        return None
    if isinstance(expr, AtomNode):
        return ExprLine(describe_atom(expr.atom))
    if isinstance(expr, Not):
        inner = describe_expr(expr.arg)
        if inner is not None and not inner.children:
            return ExprLine(f"not: {inner.words}")
        return ExprLine("none of this:", [inner] if inner else [])
    if isinstance(expr, (All, AnyOf)):
        heading = "all of these:" if isinstance(expr, All) else "any one of these:"
        return ExprLine(heading, [line for arg in expr.args if (line := describe_expr(arg)) is not None])
    return ExprLine(str(getattr(expr, "op", "expression")))
