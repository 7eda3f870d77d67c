"""What a criterion's atoms did not explain: the words left after atoms, their context
words, time windows and filler words/phrases (``lexicon/filler.yaml``)."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from criteria_rules.lexicon_loader import LEXICON_DIR
from criteria_rules.normalise import normalise_word

MAX_UNPARSED = 6
_LETTER = re.compile(r"[a-z]")  # a normalised word with a letter is a content word


@lru_cache(maxsize=1)
def _filler() -> tuple[frozenset[str], re.Pattern | None]:
    data = yaml.safe_load((LEXICON_DIR / "filler.yaml").read_text(encoding="utf-8"))
    words = frozenset(normalise_word(str(w)) for w in data.get("words", []))
    phrases = data.get("phrases") or []
    pattern = re.compile("|".join(f"(?:{p})" for p in phrases), re.I) if phrases else None
    return words, pattern


def filler_words() -> frozenset[str]:
    return _filler()[0]


def filler_spans(text: str) -> list[tuple[int, int]]:
    _, pattern = _filler()
    return [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern else []


def unparsed_phrases(doc, covered: list[tuple[int, int]], text: str | None = None) -> list[str]:
    """Runs of content words not inside any covered span (``text``: the doc's text, when
    the caller has it already; Doc.text rebuilds it from the tokens)."""
    words, _ = _filler()
    if text is None:
        text = doc.text
    mask = bytearray(len(text) + 1)
    for start, end in covered + filler_spans(text):
        mask[max(0, start) : max(0, end)] = b"\x01" * (max(0, end) - max(0, start))
    runs: list[list[str]] = []
    current: list[str] = []
    for token in doc:
        if token.is_space or token.is_punct or mask[token.idx]:
            if current and not token.is_space and (token.is_punct or mask[token.idx]):
                runs.append(current)
                current = []
            continue
        word = normalise_word(token.text)
        if word in words or not _LETTER.search(word):
            if current:
                runs.append(current)
                current = []
            continue
        current.append(token.text)
    if current:
        runs.append(current)
    return [" ".join(r) for r in runs[:MAX_UNPARSED]]
