"""Shortcuts the compiler takes for speed change no RuleSet: each is compared here with
the compiler taking the long way, on curated texts and real eligibility texts."""

from __future__ import annotations

import json

from criteria_rules import compile_many

TEXTS = [
    "Inclusion Criteria:\n- Adults with type 2 diabetes\n- HbA1c between 7% and 10%\n"
    "Exclusion Criteria:\n- No history of myocardial infarction\n- Pregnant or breastfeeding women\n"
    "- Family history of breast cancer\n- Planned surgery during the study\n- Prior chemotherapy within 4 weeks",
    "Exclusion Criteria:\n- Active hepatitis B or C infection\n- Known HIV\n- Metastatic disease\n"
    "- Patients who have not received radiotherapy\n- Denies smoking",
]


def _real_texts(shared_dir, limit: int) -> list[str]:
    with (shared_dir / "data/criteria/criteria-corpus.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line)["eligibility_criteria"] for line, _ in zip(handle, range(limit))]


def _compiled(texts: list[str]) -> list[str]:
    return [rules.model_dump_json() for rules in compile_many([(text, None) for text in texts])]


def test_context_is_skipped_only_where_it_would_set_no_flag(monkeypatch, shared_dir, shared_file):
    """A criterion without a ConText trigger word gets no entities and no ConText run: its
    atoms read the same as after a ConText run that flags nothing."""
    from criteria_rules import compiler

    shared_file("data/criteria/criteria-corpus.jsonl")
    texts = TEXTS + _real_texts(shared_dir, 40)
    short = _compiled(texts)
    monkeypatch.setattr(compiler, "may_need_context", lambda doc: True)
    assert _compiled(texts) == short


def test_a_tokens_word_depends_on_its_text_alone():
    """The concept matcher reads each token's word from its text (cached), as it read it
    from the token: spaces are skipped, inner punctuation is skipped, other punctuation
    breaks a phrase."""
    from criteria_rules.pipeline import _INNER_PUNCT, _word, get_nlp
    from criteria_rules.terminology import normalise_term

    def from_token(token):
        if token.is_space:
            return ""
        return normalise_term(token.text) or ("" if token.text in _INNER_PUNCT else None)

    doc = get_nlp().make_doc("Non-small cell  lung cancer (NSCLC), Crohn's\n\tdisease; ALI/ARDS - Leukaemias")
    assert [_word(token.text) for token in doc] == [from_token(token) for token in doc]
    assert (_word("\n "), _word("-"), _word(","), _word("Tumours")) == ("", "", None, "tumor")
