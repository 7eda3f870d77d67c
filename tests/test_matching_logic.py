"""Kleene three-valued logic: truth tables, and exclusions under negation."""

import datetime as dt
import itertools

import pytest

from criteria_rules.ir import (
    All, AnyOf, AtomNode, Criterion, Not, PregnancyAtom, RuleSet, TrialFacts,
)
from matching.evaluate import evaluate_trial
from matching.logic import Judged, and3, combine_judged, evaluate_expr, implies3, not3, or3
from matching.profile import PatientProfile
from matching.trial import TrialSummary

T, F, U = True, False, None
VALUES = (T, F, U)

# Kleene's strong three-valued tables, written out rather than derived.
AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}
NOT = {T: F, F: T, U: U}


@pytest.mark.parametrize("a,b", list(itertools.product(VALUES, VALUES)))
def test_and_or_tables(a, b):
    assert and3([a, b]) is AND[(a, b)]
    assert or3([a, b]) is OR[(a, b)]


@pytest.mark.parametrize("a", VALUES)
def test_not_table(a):
    assert not3(a) is NOT[a]


def test_empty_connectives():
    assert and3([]) is True
    assert or3([]) is False


@pytest.mark.parametrize("a,b", list(itertools.product(VALUES, VALUES)))
def test_de_morgan_holds_in_three_values(a, b):
    assert not3(and3([a, b])) is or3([not3(a), not3(b)])
    assert not3(or3([a, b])) is and3([not3(a), not3(b)])


@pytest.mark.parametrize("a,b", list(itertools.product(VALUES, VALUES)))
def test_implication(a, b):
    assert implies3(a, b) is OR[(NOT[a], b)]


class _Leaf:
    """A fake atom carrying its own truth value."""

    def __init__(self, value):
        self.value = value


def _tree_value(expr_builder, *values):
    leaves = [AtomNode.model_construct(op="atom", atom=_Leaf(v)) for v in values]
    expr = expr_builder(leaves)
    return evaluate_expr(expr, lambda leaf: (leaf.value, f"leaf={leaf.value}"))


@pytest.mark.parametrize("a,b", list(itertools.product(VALUES, VALUES)))
def test_evaluate_expr_matches_tables(a, b):
    assert _tree_value(lambda l: All.model_construct(op="all", args=l), a, b).value is AND[(a, b)]
    assert _tree_value(lambda l: AnyOf.model_construct(op="any", args=l), a, b).value is OR[(a, b)]
    assert _tree_value(lambda l: Not.model_construct(op="not", arg=All.model_construct(op="all", args=l)),
                       a, b).value is NOT[AND[(a, b)]]


def test_deciding_findings_explain_the_value():
    # false `all`: only the false part explains it
    judged = _tree_value(lambda l: All.model_construct(op="all", args=l), True, False, None)
    assert judged.value is False and judged.deciding == ("leaf=False",)
    # unknown `any`: the unknown parts explain it
    judged = _tree_value(lambda l: AnyOf.model_construct(op="any", args=l), False, None)
    assert judged.value is None and judged.deciding == ("leaf=None",)
    # true `any`: the true part
    judged = _tree_value(lambda l: AnyOf.model_construct(op="any", args=l), False, True, None)
    assert judged.deciding == ("leaf=True",)


def test_combine_judged_rejects_unknown_mode():
    with pytest.raises(ValueError):
        combine_judged([Judged(True)], "xor")


# --- exclusions under negation, end to end --------------------------------------------------

def _trial(kind, expr):
    rules = RuleSet(compiler_version="test", facts=TrialFacts(),
                    criteria=[Criterion(id="c-1", kind=kind, text="criterion", expr=expr, status="compiled")])
    return TrialSummary(nct_id="NCT00000001", rules=rules)


PREGNANT = AtomNode(atom=PregnancyAtom())


@pytest.mark.parametrize(
    "pregnant,kind,negated,outcome,triggered,verdict",
    [
        # "Pregnant women" as an exclusion
        (True, "exclusion", False, "met", True, "ineligible"),
        (False, "exclusion", False, "not_met", False, "eligible"),
        (None, "exclusion", False, "unknown", None, "possibly_eligible"),
        # "Not pregnant" as an inclusion: the same facts, the same verdicts
        (True, "inclusion", True, "not_met", None, "ineligible"),
        (False, "inclusion", True, "met", None, "eligible"),
        (None, "inclusion", True, "unknown", None, "possibly_eligible"),
        # "Not pregnant" as an exclusion (double negation): triggered by a non-pregnant patient
        (False, "exclusion", True, "met", True, "ineligible"),
        (True, "exclusion", True, "not_met", False, "eligible"),
        (None, "exclusion", True, "unknown", None, "possibly_eligible"),
    ],
)
def test_exclusions_under_negation(pregnant, kind, negated, outcome, triggered, verdict):
    expr = Not(arg=PREGNANT) if negated else PREGNANT
    profile = PatientProfile(sex="female", pregnant=pregnant)
    result = evaluate_trial(_trial(kind, expr), profile, dt.date(2025, 1, 1))
    criterion = result.criteria[0]
    assert criterion.outcome == outcome
    assert criterion.triggered is triggered
    assert result.verdict == verdict
