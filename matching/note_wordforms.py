"""Phrase matching through word forms: the note's words and the vocabulary's, normalised alike.

The phrase matchers in ``note_pipeline`` need a note's words as the vocabulary writes them,
so "ST-segment elevations" missed HPO's "ST segment elevation" and "rashes" missed "rash".
Here both sides go through the same normalisation, a phrase being the tuple of its words':
- a hyphen between words is dropped ("ST-segment" = "ST segment");
- a possessive ending is dropped ("Parkinson's disease" = "Parkinson disease", "Graves'
  disease" = "Graves disease"): eponyms are written both ways, and the terminologies
  mostly without it;
- each word is lowercased, spelled the American way and made singular by the shared
  ``criteria_rules.normalise.normalise_word`` ("elevations" -> "elevation", "anaemia" ->
  "anemia"), plus the "-es" plurals of sibilants it leaves alone ("rashes" -> "rash",
  "abscesses" -> "abscess").

The match is a walk over the note's normalised words with a prefix set, so a note costs
a few dictionary lookups per word. The rules only need to be consistent on both sides,
not linguistically exact.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, TypeVar

from spacy.tokens import Doc

from criteria_rules.normalise import normalise_word

T = TypeVar("T")
HYPHENS = frozenset({"-", "‐", "‑", "–"})
_SIBILANT_PLURALS = ("shes", "sses", "xes", "zzes")  # rashes, abscesses, boxes, buzzes
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})


def word_form(word: str) -> str:
    """The form two spellings of one word share: "Elevations" -> "elevation"."""
    low = word.lower()
    if len(low) > 5 and low.endswith(_SIBILANT_PLURALS):
        low = low[:-2]
    return normalise_word(low)


def _is_joining_hyphen(text: str, has_space_before: bool, has_space_after: bool) -> bool:
    return text in HYPHENS and not has_space_before and not has_space_after


def _kept_forms(tokens: list) -> list[tuple[str, int]]:
    """(word form, position) of the tokens, hyphens that join two words and possessive
    endings left out."""
    kept = []
    for k, token in enumerate(tokens):
        before = k == 0 or bool(tokens[k - 1].whitespace_)
        if _is_joining_hyphen(token.text, before, bool(token.whitespace_)) and 0 < k < len(tokens) - 1:
            continue
        if token.text in _POSSESSIVES and not before:
            continue
        kept.append((word_form(token.text), k))
    return kept


def doc_forms(doc: Doc) -> list[tuple[str, int]]:
    """(word form, token index) of a doc's words, joining hyphens left out."""
    return _kept_forms(list(doc))


def phrase_forms(tokens: Iterable) -> tuple[str, ...]:
    """The word forms of a tokenised phrase, as ``doc_forms`` reads a note."""
    return tuple(form for form, _ in _kept_forms(list(tokens)))


class WordFormMatcher:
    """Finds the phrases of ``table`` (surface -> value) in a doc by their word forms.

    Where two surfaces share a form, the first in the table's order keeps it (the
    vocabulary lists curated terms before terminology ones)."""

    def __init__(self, tokenizer: Callable[[str], Doc], table: Mapping[str, T]):
        self.phrases: dict[tuple[str, ...], T] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        surfaces = list(table)
        for surface, tokens in zip(surfaces, tokenizer.pipe(surfaces) if hasattr(tokenizer, "pipe")
                                   else map(tokenizer, surfaces)):
            forms = phrase_forms(tokens)
            if not forms or forms in self.phrases:
                continue
            self.phrases[forms] = table[surface]
            self.prefixes.update(forms[:k] for k in range(1, len(forms)))

    def __call__(self, doc: Doc) -> list[tuple[int, int, T]]:
        """(start token, end token, value) of every phrase found, overlaps included."""
        forms = doc_forms(doc)
        found = []
        for i in range(len(forms)):
            key: tuple[str, ...] = ()
            for j in range(i, len(forms)):
                key += (forms[j][0],)
                value = self.phrases.get(key)
                if value is not None:
                    found.append((forms[i][1], forms[j][1] + 1, value))
                if key not in self.prefixes:
                    break
        return found
