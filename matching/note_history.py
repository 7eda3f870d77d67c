""""History of asthma": a lifelong disease written as history is a disease the patient has.

ConText marks "history of X", "h/o X", "PMH: X" as historical, and a historical condition
does not meet a criterion about a current one (``facts._judge_condition``). For a disease
that does not go away (asthma, diabetes, hypertension, COPD, HIV, multiple sclerosis ...)
"history of" is how notes list what the patient has, so such a mention stays current when:

- the disease, or a concept above it, is one of ``CHRONIC_CONCEPTS``;
- every history cue that reached it only says "has had" (``GENERIC_HISTORY_CUES``);
- its sentence says nothing of it having ended ("resolved", "in remission", "childhood",
  "remote", "prior", "former", "as a child" ...).

Otherwise the mention stays history. Pure: names and words in, a bool out.
"""

from __future__ import annotations

import re

from matching import concepts

# Lexicon / terminology ids of diseases that last for life once diagnosed (kept narrow:
# curable or episodic diseases such as hepatitis C, depression or atrial fibrillation are
# left out).
CHRONIC_CONCEPTS: frozenset[str] = frozenset({
    "asthma", "diabetes", "hypertension", "copd", "hiv", "coronary_artery_disease",
    "heart_failure", "epilepsy", "multiple_sclerosis", "rheumatoid_arthritis", "lupus",
    "crohn_disease", "ulcerative_colitis", "psoriasis", "schizophrenia", "bipolar_disorder",
    "parkinson_disease", "dementia", "cirrhosis",
    "hpo:HP:0012622",  # chronic kidney disease
    "hpo:HP:0003077",  # hyperlipidemia
})
# Cues that say the patient has had the disease, not that it ended.
GENERIC_HISTORY_CUES: frozenset[str] = frozenset({
    "history", "history of", "hx", "hx of", "h/o", "pmh", "pmhx", "phx", "past medical history",
    "medical history", "past history", "known history of", "significant history of",
})
_ENDED = re.compile(
    r"\b(?:resolved|resolution|remission|childhood|child|remote|remotely|outgrew|outgrown|cured|"
    r"no\s+longer|former|formerly|previous|previously|prior|quit|s/p|status\s+post|"
    r"in\s+the\s+past|years?\s+ago)\b", re.I)


def is_chronic(name: str) -> bool:
    """Whether the condition named ``name`` is a lifelong disease (see ``CHRONIC_CONCEPTS``)."""
    ids = concepts.resolve(name) if name else ()
    return bool(ids) and not ids[0].startswith("term:") and bool(concepts.ancestors(ids[0]) & CHRONIC_CONCEPTS)


def still_current(name: str, history_cues: list[str], sentence: str) -> bool:
    """Whether a condition marked historical is one the patient still has (module docs)."""
    cues = [" ".join(c.lower().split()) for c in history_cues]
    if any(c not in GENERIC_HISTORY_CUES for c in cues):
        return False
    if _ENDED.search(sentence):
        return False
    return is_chronic(name)
