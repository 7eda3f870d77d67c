"""Does a complete record mention an unread exclusion's subject at all?

A criterion the compiler could not read (``unsupported``), or read only in part and left
unknown (``partial``), is normally an open question. But a complete record
(``absent_means_no``: a clinical note, whose protocol says what it does not mention is
absent) that never mentions the criterion's subject says the patient does not have it. So,
for an *exclusion* only, with the record's own text (``PatientProfile.record_text``):

- the criterion's salient terms are its content words: lower case, English and eligibility
  boilerplate dropped (``data/record_mention_stop_words.txt``: "patient", "history",
  "investigator", "opinion", "significant" ...), numbers dropped, Snowball-stemmed;
- the record mentions the criterion if any salient stem occurs among the record's stems,
  or any lexicon concept named in the criterion (``criteria_rules.terminology``, curated
  synonyms: "heart attack" for "myocardial infarction") is named in the record;
- no mention: not triggered, the reason naming the terms; any mention: still unknown.
- a criterion with no salient terms at all (a pure judgement clause: "any condition that
  in the opinion of the investigator would interfere") is not triggered under a complete
  record either: nothing in it names anything the record could mention.

Inclusions are never affected: silence may not fail or satisfy an unread inclusion.
:mod:`matching.evaluate` and :mod:`matching.outcomes` both call :func:`record_mentions`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

from criteria_rules import terminology
from criteria_rules.normalise import normalise_term

_STOP_FILE = Path(__file__).parent / "data" / "record_mention_stop_words.txt"
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:['-][a-z0-9]+)*")
_STEMMER = SnowballStemmer("english")
MAX_TERMS_SHOWN = 6


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    words: set[str] = set()
    for line in _STOP_FILE.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stem(word)


def _words(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


@lru_cache(maxsize=50_000)
def salient_terms(text: str) -> tuple[tuple[str, str], ...]:
    """(stem, word) of the criterion's content words, in order of first occurrence."""
    stops = stop_words()
    out: dict[str, str] = {}
    for word in _words(text):
        if len(word) < 3 and not word.isupper():
            continue
        if word in stops:
            continue
        stem = _stem(word)
        if stem in stops:
            continue
        out.setdefault(stem, word)
    return tuple(out.items())


def _concepts(text: str) -> frozenset[str]:
    norm = normalise_term(text or "")
    if not norm:
        return frozenset()
    words: list[str | None] = list(norm.split())
    return frozenset(m.concept_id for m in terminology.find_mentions(words, fallbacks=False))


@lru_cache(maxsize=50_000)
def criterion_concepts(text: str) -> frozenset[str]:
    return _concepts(text)


@lru_cache(maxsize=16)
def _record_index(record_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The record's stems, and the lexicon concepts it names with their ancestors."""
    stems = frozenset(_stem(w) for w in _words(record_text))
    concepts: set[str] = set()
    for concept_id in _concepts(record_text):
        concepts |= terminology.ancestors(concept_id)
    return stems, frozenset(concepts)


def applies(profile, inclusion: bool) -> bool:
    """Whether the rule may settle an unread criterion of this kind for this profile."""
    return not inclusion and bool(profile.absent_means_no) and bool(profile.record_text)


def unmentioned_note(text: str, record_text: str) -> str | None:
    """The reason an unread exclusion is not triggered, or None if the record mentions it."""
    terms = salient_terms(text)
    if not terms:
        return ("The criterion names nothing specific the record could mention; as a complete "
                "record, what it does not mention counts as absent.")
    stems, concepts = _record_index(record_text)
    if any(stem in stems for stem, _ in terms):
        return None
    if criterion_concepts(text) & concepts:
        return None
    shown = [word for _, word in terms[:MAX_TERMS_SHOWN]]
    listed = ", ".join(f'"{w}"' for w in shown) + (", ..." if len(terms) > MAX_TERMS_SHOWN else "")
    return (f"The record does not mention {listed}; as a complete record, what it does not "
            f"mention counts as absent.")


__all__ = ["salient_terms", "unmentioned_note", "applies", "stop_words"]
