"""Word normalisation shared by the lexicon index and the text matcher.

Both sides of every lookup pass through here, so the rules only need to be consistent,
not linguistically perfect: "Leukaemias" and "leukemia" meet at "leukemia".
"""

from __future__ import annotations

import re
from functools import lru_cache

# British -> American spellings that matter in clinical words (applied to whole words).
_SPELLING = [
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"ischaem"), "ischem"),
    (re.compile(r"oedem"), "edem"),
    (re.compile(r"oesoph"), "esoph"),
    (re.compile(r"paediat"), "pediat"),
    (re.compile(r"tumour"), "tumor"),
    (re.compile(r"foet"), "fet"),
    (re.compile(r"ae(?=mia|mic)"), "e"),
]
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s\b")
# plural endings that are not plurals
_KEEP_S = ("ss", "us", "is", "os", "as", "ys")


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """One word, lowercase, American spelling, crude singular."""
    w = word.lower()
    for pattern, repl in _SPELLING:
        w = pattern.sub(repl, w)
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(_KEEP_S):
        return w[:-1]
    return w


@lru_cache(maxsize=100_000)
def normalise_term(text: str) -> str:
    """Lowercase, punctuation-free, singular words separated by single spaces."""
    if not text:
        return ""
    lowered = _POSSESSIVE.sub("", text.lower())
    return " ".join(normalise_word(w) for w in _NON_WORD.split(lowered) if w)
