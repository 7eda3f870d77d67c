"""A condition offered together with the measurement that defines it ("heart failure or
ejection fraction < 30%", "anaemia or haemoglobin < 10 g/dL").

Written as alternatives, the measurement is the criterion's own sign of the condition it
names beside it: a value past the threshold *is* that condition
(:data:`matching.derived_conditions.LAB_SIGNS`). A complete record (``absent_means_no``)
that does not have the condition therefore does not have the measurement either, even when
it gives no value: a record that lists the patient's conditions would list that one. So,
under a complete record, such a measurement that is unknown counts as not met when its
sibling condition came out not met. Nothing changes for a record that is not complete, for
a measurement the record states, or for a measurement alone (a bare "LVEF < 30%" stays
unknown when no value is given).

Only a measurement whose abnormal side lies within the sign's (``< 30 %`` within
``<= 40 %``) counts as a sign: "EF < 50%" is not a reduced ejection fraction by
definition.
"""

from __future__ import annotations

import datetime as dt

from criteria_rules.ir import AnyOf, AtomNode, Expr, LabAtom, Not
from matching import concepts
from matching.derived_conditions import LAB_SIGNS
from matching.facts import AtomFinding
from matching.profile import PatientProfile
from matching.units import UnitProblem, analyte_id, convert


def _within(comparator: str, value: float, sign_comparator: str, threshold: float) -> bool:
    """Whether ``x comparator value`` implies ``x sign_comparator threshold``."""
    if comparator[0] != sign_comparator[0]:
        return False
    if comparator[0] == "<":
        strict = comparator == "<" or sign_comparator == "<="
        return value < threshold or (value == threshold and strict)
    strict = comparator == ">" or sign_comparator == ">="
    return value > threshold or (value == threshold and strict)


def sign_conditions(atom: LabAtom, profile: PatientProfile, as_of: dt.date) -> frozenset[str]:
    """Concepts (closed upwards) of the conditions a value past ``atom`` would be."""
    if atom.uln_multiple or atom.lln_multiple or atom.value is None:
        return frozenset()
    keys = {atom.analyte.lower(), analyte_id(atom.analyte)}
    found: set[str] = set()
    for sign in LAB_SIGNS:
        if not sign.analytes & keys:
            continue
        threshold = sign.threshold(profile, as_of)
        if threshold is None:
            continue
        try:
            value = convert(atom.value, atom.unit or "", sign.unit, analyte_id(atom.analyte)).value
        except UnitProblem:
            continue
        if _within(atom.comparator, value, sign.comparator, threshold):
            found |= concepts.closure(concepts.resolve(sign.condition))
    return frozenset(found)


def covered_measurements(expr: Expr | None) -> tuple[tuple[LabAtom, tuple], ...]:
    """(lab atom, its sibling condition atoms) for each ``any`` that offers both."""
    out: list[tuple[LabAtom, tuple]] = []
    stack = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        args: list = list(getattr(node, "args", None) or ()) or (
            [node.arg] if isinstance(node, Not) else [])
        stack.extend(args)
        if not isinstance(node, AnyOf):
            continue
        atoms = [a.atom for a in node.args if isinstance(a, AtomNode)]
        conditions = [a for a in atoms if a.type == "condition" and a.concept and not a.family]
        if conditions:
            out.extend((a, tuple(conditions)) for a in atoms if isinstance(a, LabAtom))
    return tuple(out)


def covered(pairs, value_of, profile: PatientProfile, as_of: dt.date) -> dict[int, str]:
    """``id(lab atom) -> the sibling condition's label`` for the measurements of ``pairs``
    (:func:`covered_measurements`) whose sibling condition ``value_of`` finds not met, under
    a complete record; empty otherwise."""
    if not pairs or not profile.absent_means_no:
        return {}
    found: dict[int, str] = {}
    for lab, conditions in pairs:
        signs = sign_conditions(lab, profile, as_of)
        for condition in conditions:
            if condition.concept in signs and value_of(condition) is False:
                found[id(lab)] = condition.label or condition.concept
                break
    return found


def reason(label: str, measurement_words: str | None) -> str:
    """Why a measurement is read as not met: ``measurement_words`` is the lab atom's text."""
    return f"Your record does not mention {label}, which {measurement_words} would be."


def wrap_judge(expr: Expr | None, judge, profile: PatientProfile, as_of: dt.date):
    """``judge`` with the measurements that are signs of an absent sibling condition read
    as not met (module docs); ``judge`` itself when there are none."""
    if not profile.absent_means_no:
        return judge
    labels = covered(covered_measurements(expr), lambda atom: judge(atom)[0], profile, as_of)
    if not labels:
        return judge

    def covered_judge(atom):
        value, finding = judge(atom)
        label = labels.get(id(atom))
        if value is None and label is not None:
            return False, AtomFinding(atom.type, False, reason(label, atom.text))
        return value, finding

    return covered_judge
