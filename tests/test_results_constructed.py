"""``matching.results.constructed`` gives exactly what pydantic's ``model_construct`` gives."""

from __future__ import annotations

from matching.evaluate import _quote, summarise
from matching.results import CriteriaSummary, CriterionResult, TrialResult, constructed


def _fields() -> dict:
    child = {"id": "inc-1.1", "kind": "inclusion", "text": "ECOG 0-1", "outcome": "unknown", "triggered": None,
             "reason": 'Not yet known: "ECOG 0-1"', "status": "compiled", "facts_used": [],
             "question_ids": ["q:ecog"], "children": []}
    return {"id": "inc-1", "kind": "inclusion", "text": "Adequate function:", "outcome": "unknown",
            "triggered": None, "reason": 'Not yet known: "Adequate function:"', "status": "partial",
            "facts_used": ["We do not know your ECOG."], "question_ids": ["q:ecog"],
            "children": [CriterionResult.model_construct(**child)]}


def test_constructed_equals_model_construct():
    fields = _fields()
    built = constructed(CriterionResult, dict(fields))
    reference = CriterionResult.model_construct(**fields)
    assert built == reference
    assert built.model_dump_json() == reference.model_dump_json()
    assert built.model_fields_set == reference.model_fields_set == set(CriterionResult.model_fields)
    assert list(built.__dict__) == list(reference.__dict__)
    # and what it builds is valid as it stands
    assert CriterionResult.model_validate(built.model_dump()) == built


def test_summary_and_trial_result_dump_as_validated_models():
    summary = CriteriaSummary(total=3, met=1, not_met=1, unknown=1, settled_share=0.6667)
    assert constructed(CriteriaSummary, summary.model_dump()).model_dump_json() == summary.model_dump_json()
    trial = TrialResult(nct_id="NCT00000001", verdict="possibly_eligible", verdict_reason="Open.",
                        criteria=[CriterionResult(**{**_fields(), "children": []})], summary=summary)
    fields = {name: getattr(trial, name) for name in TrialResult.model_fields}
    assert constructed(TrialResult, fields).model_dump_json() == trial.model_dump_json()


def test_summarise_counts_outcomes():
    class Outcome:
        def __init__(self, outcome: str):
            self.outcome = outcome

    summary = summarise([Outcome("met"), Outcome("unknown"), Outcome("not_applicable")])
    assert summary == CriteriaSummary(total=3, met=1, unknown=1, not_applicable=1, settled_share=0.6667)
    assert summary.model_dump_json() == CriteriaSummary.model_validate(summary.model_dump()).model_dump_json()


def test_quote_folds_whitespace_and_shortens():
    assert _quote("Age  18\n or older") == "Age 18 or older"
    long = "word " * 100
    assert _quote(long).endswith("…") and len(_quote(long)) <= 300
