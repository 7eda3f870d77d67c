"""Candidate index: which trials a match should evaluate, without evaluating them all.

Built once from a list of ``TrialSummary`` (a worker's catalog) and queried per request:

- the cheap structured filters the engine applies (status, the registry's age and sex
  limits, healthy-volunteer-only trials) as vectorised tests over numpy columns, with the
  same rules as ``matching.engine``: a missing limit or a missing patient fact never
  removes a trial;
- an inverted index from what a trial is about (the concepts and words of its
  conditions, MeSH terms and ancestors, keywords and titles) to trials, each posting
  carrying the weight of the field it came from, so a patient's conditions give every
  trial an approximate relevance in a few array operations;
- the word statistics of every trial's inclusion side (``text_relevance.TermIndex``), so
  text relevance (BM25) uses the whole catalog's statistics whatever the candidates.

``select`` returns the trials that pass the filters when there are at most ``limit`` of
them, else the ``limit`` most relevant by the mean of text relevance and the approximate
concept relevance, or text relevance alone for a record that names no topic (as
``matching.rank``; ties by nct_id). The score only chooses whom to evaluate; the ranking
itself is ``matching.rank`` on the evaluated trials. Pure: no
database, no web; deterministic for the same trials and query.
"""

from __future__ import annotations

import datetime as dt
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matching import concepts
from matching.engine import is_healthy_volunteer_only
from matching.profile import PatientProfile
from matching.rank import TEXT_WEIGHT
from matching.relevance import BROADER_MATCH, FIELD_WEIGHTS, WORD_MATCH, names_topic, patient_topics
from matching.text_relevance import TermIndex, query_terms
from matching.trial import TrialSummary

# The fields indexed, with relevance's weights; the free-text summary is left out (long,
# noisy, and costly to resolve into concepts).
INDEXED_FIELDS = ("conditions", "mesh_terms", "keywords", "title", "mesh_ancestors")

_SEX_CODES = {"ALL": 0, "FEMALE": 1, "MALE": 2}
_NO_STATUS = -1
_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with without patient patients "
    "disease diseases disorder disorders syndrome study trial treatment therapy chronic acute severe "
    "primary secondary adult adults child children".split()
)


@dataclass(frozen=True, slots=True)
class Postings:
    trials: np.ndarray  # int32 positions, ascending
    weights: np.ndarray  # float32 field weight of the best field naming the key


@dataclass(frozen=True, slots=True)
class Selection:
    trials: list[TrialSummary]  # to evaluate, in catalog (nct_id) order
    considered: int  # trials that passed the cheap filters (>= len(trials))


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in concepts.words(text) if w not in _STOPWORDS and len(w) > 1)


@lru_cache(maxsize=200_000)
def _phrase_keys(phrase: str, with_concepts: bool) -> tuple[str, ...]:
    """Index keys of one phrase: ``c:<concept>`` for each specific concept, ``w:<word>``."""
    keys = [f"c:{c}" for c in concepts.resolve(phrase) if not c.startswith("term:")] if with_concepts else []
    keys += [f"w:{w}" for w in sorted(content_words(phrase))]
    return tuple(keys)


def _field_phrases(trial: TrialSummary) -> dict[str, tuple[str, ...]]:
    return {
        "conditions": trial.conditions,
        "mesh_terms": trial.mesh_terms,
        "keywords": trial.keywords,
        "title": tuple(t for t in (trial.brief_title, trial.official_title) if t),
        "mesh_ancestors": trial.mesh_ancestors,
    }


def trial_keys(trial: TrialSummary) -> dict[str, float]:
    """Every index key of a trial with the weight of the best field it appears in."""
    keys: dict[str, float] = {}
    for field_name, phrases in _field_phrases(trial).items():
        weight = FIELD_WEIGHTS[field_name]
        # Titles are long and unique: resolving them into concepts costs more than it
        # adds (their concepts are nearly always in the conditions), so words only.
        with_concepts = field_name != "title"
        for phrase in phrases:
            for key in _phrase_keys(phrase, with_concepts):
                if keys.get(key, 0.0) < weight:
                    keys[key] = weight
    return keys


class CandidateIndex:
    """Filters and an inverted index over a fixed list of trials (sorted by nct_id)."""

    def __init__(self, trials: Iterable[TrialSummary]):
        self.trials: list[TrialSummary] = sorted(trials, key=lambda t: t.nct_id)
        n = len(self.trials)
        statuses = sorted({t.overall_status.upper() for t in self.trials if t.overall_status})
        self._status_codes = {s: i for i, s in enumerate(statuses)}
        self._status = np.array([self._status_codes[t.overall_status.upper()] if t.overall_status else _NO_STATUS
                                 for t in self.trials], dtype=np.int16)
        self._min_age = np.array([-math.inf if t.min_age_years is None else t.min_age_years
                                  for t in self.trials], dtype=np.float64)
        self._max_age = np.array([math.inf if t.max_age_years is None else t.max_age_years
                                  for t in self.trials], dtype=np.float64)
        self._sex = np.array([_SEX_CODES.get((t.sex or "ALL").upper(), 0) for t in self.trials], dtype=np.int8)
        self._healthy_only = np.array([is_healthy_volunteer_only(t) for t in self.trials], dtype=bool)
        self._names_topic = np.array([names_topic(t) for t in self.trials], dtype=bool)
        self._postings = self._build_postings()
        self.text = TermIndex(self.trials)
        self.size = n

    def _build_postings(self) -> dict[str, Postings]:
        # Typed arrays, not lists: a list holds an int object per posting (millions at
        # 100k trials), which made the build's peak several times the finished index.
        trials_of: dict[str, array] = {}
        weights_of: dict[str, array] = {}
        for position, trial in enumerate(self.trials):
            for key, weight in trial_keys(trial).items():
                found = trials_of.get(key)
                if found is None:
                    found = trials_of[key] = array("i")
                    weights_of[key] = array("f")
                found.append(position)
                weights_of[key].append(weight)
        postings = {}
        for key in list(trials_of):
            postings[key] = Postings(np.frombuffer(trials_of.pop(key), dtype=np.int32),
                                     np.frombuffer(weights_of.pop(key), dtype=np.float32))
        return postings

    # ------------------------------------------------------------------ filters
    def passing_filters(self, profile: PatientProfile, *, as_of: dt.date, statuses: Iterable[str],
                        include_healthy_volunteer_trials: bool) -> np.ndarray:
        """Boolean mask of trials that the engine's cheap filters keep."""
        codes = [self._status_codes[s.upper()] for s in statuses if s.upper() in self._status_codes]
        mask = np.isin(self._status, np.array(codes + [_NO_STATUS], dtype=np.int16))
        age = profile.age_on(as_of)
        if age is not None:
            mask &= self._min_age <= age
            mask &= self._max_age >= int(age)
        if profile.sex in ("female", "male"):
            other = _SEX_CODES["MALE" if profile.sex == "female" else "FEMALE"]
            mask &= self._sex != other
        if not include_healthy_volunteer_trials:
            mask &= ~self._healthy_only
        return mask

    # ---------------------------------------------------------------- relevance
    def relevance_scores(self, profile: PatientProfile, note: str | None = None) -> np.ndarray:
        """Approximate ``matching.relevance`` for every trial at once (0..1); ``note`` as
        :func:`matching.relevance.patient_topics` reads it."""
        missing = np.ones(self.size, dtype=np.float64)
        for topic in patient_topics(profile, note):
            best = np.zeros(self.size, dtype=np.float64)
            for concept_id in topic.closure:
                postings = self._postings.get(f"c:{concept_id}")
                if postings is not None:
                    factor = 1.0 if concept_id in topic.exact else BROADER_MATCH
                    np.maximum.at(best, postings.trials, postings.weights * factor)
            words = [w for w in topic.words if w not in _STOPWORDS]
            if words:
                share = np.zeros(self.size, dtype=np.float64)
                for word in words:
                    postings = self._postings.get(f"w:{word}")
                    if postings is not None:
                        share[postings.trials] += postings.weights
                np.maximum(best, share * (WORD_MATCH / len(words)), out=best)
            missing *= 1.0 - topic.weight * best
        return 1.0 - missing

    # ---------------------------------------------------------------- selection
    def select(self, profile: PatientProfile, *, as_of: dt.date, statuses: Iterable[str],
               include_healthy_volunteer_trials: bool, limit: int, query_text: str | None = None,
               context_text: str | None = None) -> Selection:
        """The trials to evaluate: all that pass the filters, or the ``limit`` most relevant."""
        mask = self.passing_filters(profile, as_of=as_of, statuses=statuses,
                                    include_healthy_volunteer_trials=include_healthy_volunteer_trials)
        passing = np.flatnonzero(mask)
        if len(passing) > limit:
            text = self.text.relevance(query_terms(profile, query_text, context_text))
            mixed = TEXT_WEIGHT * text + (1 - TEXT_WEIGHT) * self.relevance_scores(profile, context_text)
            # as matching.rank: a record naming no topic is judged on its text alone
            scores = np.where(self._names_topic, mixed, text)[passing]
            # highest score first, then catalog (nct_id) order: deterministic
            order = np.lexsort((passing, -scores))[:limit]
            passing = np.sort(passing[order])
        return Selection(trials=[self.trials[i] for i in passing], considered=int(mask.sum()))


def build_index(trials: Sequence[TrialSummary]) -> CandidateIndex:
    return CandidateIndex(trials)
