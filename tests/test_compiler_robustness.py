"""Garbage in gets a clear result, never an exception; output is deterministic."""

from __future__ import annotations

from criteria_rules import COMPILER_VERSION, compile_eligibility, compile_many
from criteria_rules.ir import RuleSet, iter_criteria


def test_empty_and_none():
    for text in ("", "   \n\t ", None):
        rs = compile_eligibility(text)
        assert rs.criteria == [] and rs.warnings == ["no eligibility criteria text"]
        assert rs.compiler_version == COMPILER_VERSION


def test_html_is_stripped_and_spans_still_hold():
    text = "<p><b>Inclusion Criteria:</b></p><ul><li>Age &ge; 18 years</li><li>HIV infection</li></ul>"
    rs = compile_eligibility(text)
    assert "HTML markup removed" in rs.warnings
    assert [c.text for c in rs.criteria] == ["Age ≥ 18 years", "HIV infection"]
    hiv = rs.criteria[1]
    assert text[hiv.span.start : hiv.span.end] == "HIV infection"


def test_control_characters():
    rs = compile_eligibility("Exclusion Criteria:\n- HIV\x00 infection\x07\n- \x1bPregnant")
    assert len(rs.criteria) == 2 and rs.criteria[1].status == "compiled"


def test_one_megabyte_text():
    line = "- Patients with uncontrolled hypertension and a history of stroke within 6 months\n"
    text = "Exclusion Criteria:\n" + line * (1_000_000 // len(line))
    rs = compile_eligibility(text)
    assert len(rs.criteria) == 1_000_000 // len(line)  # every criterion kept
    assert any("kept unread" in w for w in rs.warnings)


def test_single_huge_criterion_is_kept_unread():
    rs = compile_eligibility("Inclusion Criteria:\n- " + "word " * 5000)
    [c] = rs.criteria
    assert c.status == "unsupported" and c.expr is None


def test_non_english_kept_as_unsupported():
    rs = compile_eligibility("纳入标准：\n1. 年龄18-75岁\n2. 签署知情同意书\n排除标准：\n1. 妊娠或哺乳期妇女")
    assert rs.criteria and all(c.status == "unsupported" for c in iter_criteria(rs.criteria))


def test_deterministic_and_json_round_trip():
    text = "Inclusion Criteria:\n- Age >= 18\n- ECOG 0-1\nExclusion Criteria:\n- Active hepatitis B or C"
    a, b = compile_eligibility(text), compile_eligibility(text)
    assert a.model_dump_json() == b.model_dump_json()
    assert RuleSet.model_validate_json(a.model_dump_json()) == a


def test_compile_many_matches_single():
    texts = [("Inclusion Criteria:\n- Asthma", None), (None, None), ("Exclusion Criteria:\n- COPD", None)]
    many = compile_many(texts)
    assert [r.model_dump() for r in many] == [compile_eligibility(t).model_dump() for t, _ in texts]
