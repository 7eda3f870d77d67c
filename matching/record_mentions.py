"""Does a complete record mention an unread exclusion's subject at all?

A criterion the compiler could not read (``unsupported``), or read only in part and left
unknown (``partial``), is normally an open question. But a complete record
(``absent_means_no``: a clinical note, whose protocol says what it does not mention is
absent) that never mentions the criterion's subject says the patient does not have it. So,
for an *exclusion* only, with the record's own text (``PatientProfile.record_text``):

- the criterion's salient terms are its content words: lower case, English and eligibility
  boilerplate dropped (``data/record_mention_stop_words.txt``: "patient", "history",
  "investigator", "opinion", "significant" ...), numbers dropped, Snowball-stemmed;
- the criterion's phrases are its runs of consecutive salient terms ("Chest tubes",
  "umbilical level", "motor vehicle collision"): what lies between two stop words;
- the record mentions the criterion if it has most (more than half) of the stems of one
  of its phrases: "chest tubes" is not mentioned by a "chest x-ray", "injured child ...
  motor vehicle collision" not by "the child", but "marathon training programme" is by
  "training for a marathon"; or if any lexicon concept named in the criterion
  (``criteria_rules.terminology``, curated synonyms: "heart attack" for "myocardial
  infarction") is named in the record;
- no mention: not triggered, the reason naming the terms; any mention: still unknown.
- a criterion with no salient terms at all (a pure judgement clause: "any condition that
  in the opinion of the investigator would interfere") is not triggered under a complete
  record either: nothing in it names anything the record could mention.

Silence settles only what a record would state (:func:`silence_settles`). It does not
settle a bare measurement (a threshold whose words are all analyte names, units and
measurement words, ``data/record_silence_measurement_words.txt``: "Weighing less than 100
lbs", "Hematocrit < 25"): a value not reported is unknown, not normal. A disease defined by
a measurement ("severe renal disease (creatinine > 250 umol/L)") is still one a record would
name. Nor does it settle a subject records do not state (``data/record_silence_unrecorded_
words.txt``: health insurance, language spoken, ties to the study staff). Those stay unknown.

Inclusions are never affected: silence may not fail or satisfy an unread inclusion.
:mod:`matching.evaluate` and :mod:`matching.outcomes` both call :func:`record_mentions`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

from criteria_rules import terminology
from criteria_rules.lexicon_loader import load_lexicon
from criteria_rules.normalise import normalise_term

_DATA = Path(__file__).parent / "data"
_STOP_FILE = _DATA / "record_mention_stop_words.txt"
_MEASUREMENT_FILE = _DATA / "record_silence_measurement_words.txt"
_UNRECORDED_FILE = _DATA / "record_silence_unrecorded_words.txt"
# A threshold: a comparator sign, or comparator words, before a number (in digits or words:
# "greater than five times the upper limit of normal").
_NUMBER = r"(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|twice|double)\b)"
_THRESHOLD = re.compile(
    r"[<>≤≥]\s*=?\s*\d|\b(?:less|more|greater|fewer|lower|higher|other)\s+than\s+(?:or\s+equal\s+to\s+)?" + _NUMBER
    + r"|\b(?:below|above|exceeding|exceeds|over|under|at\s+least|at\s+most|up\s+to)\s+" + _NUMBER, re.I)
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:['-][a-z0-9]+)*")
_PUNCTUATION = re.compile(r"[^a-z0-9'\s-]+")
_STEMMER = SnowballStemmer("english")
MAX_TERMS_SHOWN = 6


def _word_file(path: Path) -> frozenset[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return _word_file(_STOP_FILE)


@lru_cache(maxsize=1)
def measurement_stems() -> frozenset[str]:
    """Stems of measurement words and of every analyte's names in the lexicon."""
    words = set(_word_file(_MEASUREMENT_FILE))
    for concept in load_lexicon():
        if concept.kind == "analyte":
            for name in (concept.id.replace("_", " "), concept.label, *concept.synonyms):
                words.update(_words(name))
    return frozenset(_stem(w) for w in words)


@lru_cache(maxsize=1)
def unrecorded_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in _words(" ".join(_word_file(_UNRECORDED_FILE))))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stem(word)


def _words(text: str) -> list[str]:
    # accents dropped so "Sécurité" and "securite" are one word
    plain = unicodedata.normalize("NFKD", (text or "").lower()).encode("ascii", "ignore").decode("ascii")
    return _TOKEN.findall(plain)


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


@lru_cache(maxsize=50_000)
def salient_phrases(text: str) -> tuple[tuple[str, ...], ...]:
    """The stems of each run of consecutive salient terms, in order (module docs).

    A stop word, a short word or punctuation other than a hyphen ends a run."""
    stops = stop_words()
    runs: list[list[str]] = [[]]
    plain = unicodedata.normalize("NFKD", (text or "").lower()).encode("ascii", "ignore").decode("ascii")
    for piece in _PUNCTUATION.split(plain):
        for word in _TOKEN.findall(piece):
            stem = _stem(word)
            if (len(word) < 3 and not word.isupper()) or word in stops or stem in stops:
                runs.append([])
            else:
                runs[-1].append(stem)
        runs.append([])
    return tuple(dict.fromkeys(tuple(run) for run in runs if run))


def _mostly_in(phrase: tuple[str, ...], stems: frozenset[str]) -> bool:
    return 2 * sum(stem in stems for stem in phrase) > len(phrase)


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


@lru_cache(maxsize=50_000)
def silence_settles(text: str) -> bool:
    """Whether a complete record's silence can settle this criterion (module docs)."""
    terms = salient_terms(text)
    stems = {stem for stem, _ in terms}
    if stems & unrecorded_stems():
        return False
    measurement = measurement_stems()
    if terms and _THRESHOLD.search(text) and all(stem in measurement for stem in stems):
        return False
    return True


def unmentioned_note(text: str, record_text: str | None, *, any_word: bool = False) -> str | None:
    """The reason an unread exclusion is not triggered, or None if the record mentions it
    or its silence cannot settle it. ``any_word``: one salient word in the record is a
    mention (for a short qualifying phrase, :mod:`matching.unread_qualifiers`, where a
    missed mention would clear a triggered exclusion)."""
    if not silence_settles(text):
        return None
    terms = salient_terms(text)
    if not terms:
        return ("The criterion names nothing specific the record could mention; as a complete "
                "record, what it does not mention counts as absent.")
    stems, concepts = _record_index(record_text or "")
    if any_word and any(stem in stems for stem, _ in terms):
        return None
    if any(_mostly_in(phrase, stems) for phrase in salient_phrases(text)):
        return None
    if criterion_concepts(text) & concepts:
        return None
    shown = [word for _, word in terms[:MAX_TERMS_SHOWN]]
    listed = ", ".join(f'"{w}"' for w in shown) + (", ..." if len(terms) > MAX_TERMS_SHOWN else "")
    return (f"The record does not mention {listed}; as a complete record, what it does not "
            f"mention counts as absent.")


__all__ = ["salient_terms", "salient_phrases", "unmentioned_note", "applies", "stop_words", "silence_settles"]
