"""Topical relevance of a trial to the patient's conditions, 0..1.

A weighted concept-and-word overlap, chosen over corpus statistics (BM25) so a trial's
score does not depend on which other trials happen to be candidates: the same trial and
patient always score the same.

For each of the patient's own conditions, each trial field scores
``field weight x match``, where match is 1.0 when the field names the same concept,
0.8 when it names a broader one (asthma vs "Lung Diseases"), else the share of the
condition's words found in the field. A condition's score is its best field; conditions
combine as a noisy-or (two matching conditions beat one), past history counting half.

A trial that names another kind of the patient's disease and not the patient's own (type 2
diabetes for a patient with type 1, small cell lung cancer for one with non-small cell:
the lexicon's ``exclusive`` kinds, :func:`matching.concepts.exclusive_of`) is about other
patients: that condition scores 0 for it, though its words ("diabetes mellitus type")
are all shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from matching import concepts
from matching.note_diagnoses import diagnosis_phrases
from matching.profile import PatientProfile
from matching.shared_values import SharedValues
from matching.derived import derived_once
from matching.trial import TrialSummary

# How much a match in each field says about the trial's topic.
FIELD_WEIGHTS = {
    "conditions": 1.0,
    "mesh_terms": 0.9,
    "keywords": 0.75,
    "title": 0.7,
    "mesh_ancestors": 0.5,
    "summary": 0.35,
}
HISTORY_WEIGHT = 0.5
# A diagnosis phrase of the note (matching.note_diagnoses: "known case of Acromegaly",
# "Sickle cell disease") naming a concept none of the profile's conditions names: the
# extractor's vocabulary missed it, so it counts like past history. Set on TREC 2021
# (0.3 / 0.5 / 1.0: even half unchanged, odd +0.002 / +0.006 / +0.001).
DIAGNOSIS_TOPIC_WEIGHT = 0.5
BROADER_MATCH = 0.8
WORD_MATCH = 0.9  # a full word overlap is a little weaker than a concept match

_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with without patient patients "
    "disease diseases disorder disorders syndrome study trial treatment therapy chronic acute severe "
    "primary secondary adult adults child children".split()
)


@dataclass(frozen=True, slots=True)
class PatientTopic:
    """A patient condition prepared for scoring."""

    exact: frozenset[str]  # the specific concepts named (no ancestors)
    closure: frozenset[str]  # the concepts and their ancestors
    words: frozenset[str]
    weight: float
    # The patient's own kinds of this disease, and the other kinds of it that rule them out
    # (module docs; empty for most conditions).
    kinds: frozenset[str] = frozenset()
    other_kinds: frozenset[str] = frozenset()


def patient_topics(profile: PatientProfile, note: str | None = None) -> list[PatientTopic]:
    """The patient's own present conditions, and with ``note`` (the free text the profile
    was read from) its diagnosis phrases that name something the conditions do not
    (``DIAGNOSIS_TOPIC_WEIGHT``)."""
    topics = []
    for condition in profile.conditions:
        if not condition.present or condition.family:
            continue
        text = condition.text or (condition.code.display if condition.code else "") or ""
        ids = _specific(concepts.resolve(text)) if text else frozenset()
        if condition.code is not None:
            ids |= _specific(concepts.code_concepts(condition.code.system, condition.code.code, condition.code.display))
        words = _content_words(text)
        if not ids and not words:
            continue
        weight = 1.0 if condition.status == "active" else HISTORY_WEIGHT
        topics.append(PatientTopic(ids, concepts.closure(tuple(ids)), words, weight))
    return with_other_kinds(topics + note_topics(note, topics) if note else topics)


def note_topics(note: str, known: Sequence[PatientTopic] = ()) -> list[PatientTopic]:
    """Topics for the note's diagnosis phrases, shortest first, but those naming a concept
    a ``known`` or earlier topic already names, or only words of one (the extractor read
    them, or the note says the same twice: "diagnosed with Wilson disease last year" and
    "Wilson disease"; counting them twice would make one disease look like two)."""
    topics: list[PatientTopic] = []
    named = set().union(*(t.exact for t in known))
    for phrase in sorted(diagnosis_phrases(note), key=lambda p: len(p.split())):
        ids = _phrase_concepts(phrase)
        words = _content_words(phrase)
        if (not ids and not words) or ids & named or any(words <= t.words for t in (*known, *topics) if words):
            continue
        named |= ids
        topics.append(PatientTopic(ids, concepts.closure(tuple(ids)), words, DIAGNOSIS_TOPIC_WEIGHT))
    return topics


def with_other_kinds(topics: list[PatientTopic]) -> list[PatientTopic]:
    """``topics`` with each one's ``kinds`` and ``other_kinds``: for every kind the patient
    has (type 1 diabetes) and each kind that rules it out (type 2), a topic of the same
    family (one whose concepts reach their nearest shared parent, "diabetes") gets both; a
    topic of another family (hyperglycaemia) is left as it is."""
    own = frozenset().union(*(t.exact for t in topics))
    pairs = [(kind, other, _nearest_shared(kind, other)) for kind in own
             for other in concepts.exclusive_of(kind) if other not in own]
    if not pairs:
        return topics
    found = []
    for topic in topics:
        family = [(kind, other) for kind, other, shared in pairs if not shared.isdisjoint(topic.closure)]
        if family:
            topic = replace(topic, kinds=frozenset(k for k, _ in family), other_kinds=frozenset(o for _, o in family))
        found.append(topic)
    return found


def _nearest_shared(kind: str, other: str) -> frozenset[str]:
    """The most specific concepts above both ``kind`` and ``other`` ("lymphoma" for Hodgkin
    and non-Hodgkin lymphoma, not "malignancy")."""
    shared = concepts.ancestors(kind) & concepts.ancestors(other)
    return frozenset(c for c in shared if not any(c != d and c in concepts.ancestors(d) for d in shared))


def _about_other_kind(topic: PatientTopic, trial: "_TrialTopics") -> bool:
    """The trial names another kind of the topic's disease and none of the patient's."""
    return (bool(topic.other_kinds) and not topic.other_kinds.isdisjoint(trial.concepts)
            and topic.kinds.isdisjoint(trial.concepts))


def names_topic(trial: TrialSummary) -> bool:
    """Whether the record names what the trial is about (conditions, MeSH terms, keywords or a
    title) for :func:`relevance` to compare concepts with. Many records carry only their
    eligibility text; for those concept relevance is not known, rather than 0
    (:mod:`matching.rank` then relies on text relevance alone)."""
    return bool(trial.conditions or trial.mesh_terms or trial.keywords or trial.brief_title or trial.official_title)


def _specific(ids) -> frozenset[str]:
    return frozenset(i for i in ids if not i.startswith("term:"))


@lru_cache(maxsize=200_000)
def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in concepts.words(text) if w not in _STOPWORDS and len(w) > 1)


@lru_cache(maxsize=200_000)
def _phrase_concepts(text: str) -> frozenset[str]:
    return _specific(concepts.resolve(text))


@dataclass(frozen=True, slots=True)
class _Phrase:
    weight: float
    concepts: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True, slots=True)
class _TrialTopics:
    """A trial's topical fields prepared for scoring."""

    phrases: tuple[_Phrase, ...]  # heaviest field first
    # Every concept and word of the phrases: most trials share nothing with a patient's
    # conditions, and these let relevance say so without scoring each phrase. The summary's
    # words are kept apart, as the one frozenset ``_content_words`` shares: merged into the
    # union they were most of a trial's prepared topics (about 4 KiB a trial).
    concepts: frozenset[str]
    words: frozenset[str]
    summary_words: frozenset[str]


_NO_WORDS: frozenset[str] = frozenset()
# One object per distinct word or concept set of the short fields: trials of one disease
# repeat them (conditions, MeSH terms and their ancestors).
_shared = SharedValues()


@lru_cache(maxsize=400_000)
def _phrase(weight: float, text: str, words_only: bool) -> _Phrase:
    """One object per field text and weight (records repeat conditions, MeSH terms and
    their ancestors); long free text is matched on words only: resolving a summary is
    costly and noisy."""
    return _Phrase(weight, frozenset() if words_only else _phrase_concepts(text), _content_words(text))


def prepare_topics(trial: TrialSummary) -> None:
    """Read ``trial``'s topical fields now rather than on the first request that scores it
    (``matching.engine.prepare_trials``)."""
    _trial_topics(trial)


def _trial_topics(trial: TrialSummary) -> _TrialTopics:
    """The trial's topical fields prepared once per trial object (matching.derived.derived_once)."""
    return derived_once(trial, "topics", _topics_of)


def _topics_of(trial: TrialSummary) -> _TrialTopics:
    fields = {
        "conditions": trial.conditions,
        "mesh_terms": trial.mesh_terms,
        "keywords": trial.keywords,
        "title": tuple(t for t in (trial.brief_title, trial.official_title) if t),
        "mesh_ancestors": trial.mesh_ancestors,
        "summary": (trial.brief_summary,) if trial.brief_summary else (),
    }
    phrases = []
    summary_words = _NO_WORDS
    for name, weight in FIELD_WEIGHTS.items():
        for text in fields[name]:
            phrases.append(_phrase(weight, text, name == "summary"))
            if name == "summary":
                summary_words = phrases[-1].words
    phrases.sort(key=lambda p: -p.weight)
    short_fields = [p.words for p in phrases if p.words is not summary_words]
    prepared = _TrialTopics(tuple(phrases), _shared(frozenset().union(*(p.concepts for p in phrases))),
                            _shared(frozenset().union(*short_fields)), summary_words)
    return prepared


def _match(topic: PatientTopic, phrase: _Phrase) -> float:
    best = 0.0
    if topic.exact and phrase.concepts:
        if phrase.concepts & topic.exact:
            return 1.0
        if phrase.concepts & topic.closure:
            best = BROADER_MATCH
    if topic.words:
        share = len(topic.words & phrase.words) / len(topic.words)
        best = max(best, WORD_MATCH * share)
    return best


def _shares_nothing(topic: PatientTopic, trial: _TrialTopics) -> bool:
    """True when no phrase of the trial can match the topic (every _match would be 0)."""
    if topic.exact and not topic.closure.isdisjoint(trial.concepts):
        return False
    return topic.words.isdisjoint(trial.words) and topic.words.isdisjoint(trial.summary_words)


def relevance(trial: TrialSummary, topics: list[PatientTopic]) -> float:
    """0..1: how much the trial is about the patient's conditions."""
    if not topics:
        return 0.0
    prepared = _trial_topics(trial)
    missing = 1.0
    for topic in topics:
        if _shares_nothing(topic, prepared) or _about_other_kind(topic, prepared):
            continue  # best is 0: this topic leaves ``missing`` unchanged
        best = 0.0
        for phrase in prepared.phrases:  # heaviest fields first, so a perfect match ends the search
            if phrase.weight <= best:
                break
            best = max(best, phrase.weight * _match(topic, phrase))
        missing *= 1.0 - topic.weight * best
    return round(1.0 - missing, 4)
