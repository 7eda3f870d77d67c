"""The registry-age agreement of bench.compile_corpus reads the ages a compiled rule set
allows: criteria combine with AND, an AnyOf of cohorts gives their union, an exclusion
rules out only the ages at which it surely holds, and a condition (applies_if) no age."""

from __future__ import annotations

from bench.compile_corpus import age_agrees, text_age_bounds
from criteria_rules import compile_eligibility
from criteria_rules.ir import AgeAtom, AtomNode, Criterion, RuleSet, TrialFacts


def facts(low, high):
    return TrialFacts(min_age_years=low, max_age_years=high, sex="all")


def test_criteria_intersect():
    rs = compile_eligibility("Inclusion Criteria:\n- Aged 30 to 70 years\n- Non-pregnant females of age >= 18 years")
    assert text_age_bounds(rs) == (30, 70)
    assert age_agrees(facts(30, 70), rs)


def test_cohorts_in_one_criterion_unite():
    rs = compile_eligibility("Inclusion Criteria:\n- Children aged 1 to 14 years or adults aged 18 to 65 years")
    assert text_age_bounds(rs) == (1, 65)


def test_exclusions_rule_out_only_sure_ages():
    rs = compile_eligibility(
        "Inclusion Criteria:\n- Age >= 18 years\nExclusion Criteria:\n"
        "- Kellgren Lawrence grade 4 osteoarthritis in persons over 60 years of age\n"
        "- Age over 75 or under 18 years or legally dependent"
    )
    assert text_age_bounds(rs) == (18, 75)
    assert not age_agrees(facts(18, 60), rs)


def test_exclusive_bounds_match_the_whole_year():
    rs = compile_eligibility("Inclusion Criteria:\n- Older than 17 years\n- Younger than 76 years")
    assert age_agrees(facts(18, 75), rs) and age_agrees(facts(17, 76), rs)
    assert not age_agrees(facts(19, 75), rs)


def test_conditions_are_no_bounds():
    rs = compile_eligibility("Inclusion Criteria:\n- Karnofsky score 60% or greater if 10 yrs old or older")
    assert text_age_bounds(rs) == (None, None)
    assert age_agrees(facts(1.5, 17), rs) is None


def test_contradictory_ages_are_a_miss():
    # (the compiler reads such sibling items as alternatives; the bench must still count
    # a rule set whose ages rule out every age as a miss)
    rs = RuleSet(compiler_version="test", criteria=[
        Criterion(id=f"inc-{n}", kind="inclusion", text="", status="compiled",
                  expr=AtomNode(atom=AgeAtom(min_years=low, max_years=high)))
        for n, (low, high) in enumerate([(1, 55), (56, 80)], start=1)
    ])
    assert age_agrees(facts(1, 80), rs) is False
