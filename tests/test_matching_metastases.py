""""Metastases" in a criterion means a cancer spread to distant organs (stage IV), not any
cancer: a cancer of unknown extent leaves such a criterion open, an earlier stage fails it,
and a cancer named as spread meets it. Criteria compiled by the real compiler, judged by
the full evaluation with the fast path agreeing."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import iter_atoms
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.outcomes import judge_trial
from matching.profile import Condition, PatientProfile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 1, 1)


def outcome(criterion: str, condition: Condition, kind: str = "Exclusion") -> str:
    t = TrialSummary(nct_id="NCT00000001", overall_status="RECRUITING",
                     rules=compile_eligibility(f"{kind} Criteria:\n- {criterion}"))
    profile = PatientProfile(age_years=60, sex="female", conditions=[condition])
    full = evaluate_trial_detailed(t, PatientFacts(profile, AS_OF))
    assert judge_trial(t, PatientFacts(profile, AS_OF)).verdict == full.verdict
    [found] = [c for c in full.criteria if c.status != "registry"]
    return found.outcome


@pytest.mark.parametrize("criterion", ["Presence of known metastases", "Metastatic breast cancer",
                                       "Evidence of metastatic disease"])
def test_metastases_compile_as_a_stage_iv_cancer(criterion):
    rules = compile_eligibility("Inclusion Criteria:\n- " + criterion)
    [atom] = [a for c in rules.criteria for a in iter_atoms(c.expr) if a.type == "condition"]
    assert atom.stage == "IV"


def test_a_cancer_of_unknown_extent_leaves_metastases_open():
    assert outcome("Presence of known metastases", Condition(text="breast cancer")) == "unknown"


def test_an_earlier_stage_is_not_metastatic():
    assert outcome("Presence of known metastases", Condition(text="breast cancer", stage="II")) == "not_met"
    assert outcome("Metastatic breast cancer", Condition(text="breast cancer", stage="II"), "Inclusion") == "not_met"


@pytest.mark.parametrize("condition", [Condition(text="liver metastases"), Condition(text="metastatic breast cancer"),
                                       Condition(text="breast cancer", stage="IV")])
def test_a_cancer_named_as_spread_or_stage_iv_meets_it(condition):
    assert outcome("Presence of known metastases", condition) == "met"


def test_a_stage_named_in_words_still_wins():
    rules = compile_eligibility("Inclusion Criteria:\n- Stage III or IV metastatic colorectal cancer")
    [atom] = [a for c in rules.criteria for a in iter_atoms(c.expr) if a.type == "condition"]
    assert atom.stage == "III-IV"
