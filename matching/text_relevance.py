"""Lexical relevance of trials to a free-text patient description: BM25 (Okapi).

The concept relevance in ``relevance.py`` needs trial fields that name conditions
(conditions, MeSH terms, titles). Many records carry little more than eligibility text,
and a referral note says much more than its diagnosis list. BM25 over a trial's title,
conditions, keywords and eligibility text, queried with the whole note, covers both.

Scores depend on the collection (document frequencies, average length), so an index is
built once over the trials a service holds (or a benchmark's corpus) and reused.
:func:`tokenize` is deliberately simple and deterministic: lower case, alphanumeric
runs, English and clinical-boilerplate stop words dropped, a light plural fold.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from collections import Counter
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np
from nltk.stem.snowball import SnowballStemmer
from rank_bm25 import BM25Okapi

from matching.note_diagnoses import GENERIC_HEADS, affirmed_text, diagnosis_phrases
from matching.profile import PatientProfile
from matching.packed_rules import rules_of
from matching.derived import derived_once
from matching.trial import TrialSummary

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")

# Function words, plus words every trial or note uses whatever its topic ("patient",
# "study", "criteria"): they carry no topic and only add noise to BM25's sums.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
per via within without whose upon
patient patients subject subjects participant participants study studies trial trials criteria criterion
inclusion exclusion eligible eligibility must may year years old yr yrs age aged month months week weeks day
days history presents presented presenting reports reported noted shows showed well including include
""".split())


def _fold(token: str) -> str:
    """A light plural fold ("tumors" -> "tumor", "metastases" -> "metastasis"), nothing more."""
    if len(token) <= 4 or token.isdigit():
        return token
    if token.endswith("ases"):
        return token[:-4] + "asis"
    if token.endswith("ies"):
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    return [_fold(t) for t in _TOKEN.findall((text or "").lower()) if t not in STOP_WORDS and len(t) > 1]


def trial_text(trial: TrialSummary, eligibility_text: str | None = None) -> str:
    """The words a trial is indexed by: titles, conditions, keywords, MeSH terms, criteria.

    ``eligibility_text`` defaults to the compiled criteria's own texts.
    """
    rules = rules_of(trial) if eligibility_text is None else None
    if rules is not None:
        eligibility_text = "\n".join(c.text for c in rules.criteria)
    parts = [trial.brief_title, trial.official_title, *trial.conditions, *trial.keywords, *trial.mesh_terms,
             eligibility_text or ""]
    return "\n".join(p for p in parts if p)


@dataclass
class BM25Index:
    """BM25 scores of a query against a fixed collection, by document id."""

    ids: list[str]
    model: BM25Okapi | None
    position: dict[str, int]

    @classmethod
    def build(cls, documents: Mapping[str, str] | Iterable[tuple[str, str]], *, k1: float = 1.2,
              b: float = 0.75) -> "BM25Index":
        pairs = list(documents.items() if isinstance(documents, Mapping) else documents)
        ids = [doc_id for doc_id, _ in pairs]
        corpus = [tokenize(text) or ["\u2205"] for _, text in pairs]  # BM25Okapi needs no empty document
        model = BM25Okapi(corpus, k1=k1, b=b) if corpus else None
        return cls(ids, model, {doc_id: n for n, doc_id in enumerate(ids)})

    def scores(self, query: str | list[str], ids: Iterable[str] | None = None) -> dict[str, float]:
        """BM25 score of each document (all, or ``ids``; unknown ids score 0)."""
        tokens = tokenize(query) if isinstance(query, str) else list(query)
        wanted = self.ids if ids is None else list(ids)
        if self.model is None or not tokens:
            return {doc_id: 0.0 for doc_id in wanted}
        known = [doc_id for doc_id in wanted if doc_id in self.position]
        values = self.model.get_batch_scores(tokens, [self.position[d] for d in known]) if known else []
        found = {doc_id: float(v) for doc_id, v in zip(known, values)}
        return {doc_id: found.get(doc_id, 0.0) for doc_id in wanted}


def normalised(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores divided by the best one (0..1); all zero when nothing matched."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {k: 0.0 for k in scores}
    return {k: max(0.0, v) / top for k, v in scores.items()}


# --------------------------------------------------------------------------- hybrid ranking
# A trial whose *inclusion* side (titles, conditions, inclusion criteria) shares the
# patient's words is about the patient; words shared with its *exclusion* criteria point
# the other way (the patient has what the trial excludes). The structured verdict adds
# what words cannot: inclusions the patient is known to meet, and rules that rule them out.
# Weights were set on TREC 2021 (bench/trec.py) and checked by 5-fold cross-validation
# over topics; they are few and round on purpose.
WEIGHTS = {
    "inclusion_text": 1.0,
    "concept_relevance": 0.5,
    "inclusions_met": 0.5,  # share of up to 3 inclusions met
    "exclusion_text": -0.2,
    "inclusion_not_met": -0.2,
    "exclusion_triggered": -0.2,
}
MET_CAP = 3


def eligibility_texts(trial: TrialSummary) -> tuple[str, str]:
    """(inclusion side, exclusion side) of a trial: the topic fields go with the inclusions."""
    inclusion = [trial.brief_title, trial.official_title, *trial.conditions, *trial.keywords, *trial.mesh_terms]
    exclusion: list[str] = []
    rules = rules_of(trial)
    if rules is not None:
        stack = list(rules.criteria)
        while stack:
            criterion = stack.pop()
            (inclusion if criterion.kind == "inclusion" else exclusion).append(criterion.text)
            stack.extend(criterion.children)
    return "\n".join(p for p in inclusion if p), "\n".join(exclusion)


@dataclass
class EligibilityTextIndex:
    """Two BM25 indexes over the same trials: inclusion side and exclusion side."""

    inclusion: BM25Index
    exclusion: BM25Index

    @classmethod
    def build(cls, trials: Iterable[TrialSummary]) -> "EligibilityTextIndex":
        inclusion, exclusion = {}, {}
        for trial in trials:
            inclusion[trial.nct_id], exclusion[trial.nct_id] = eligibility_texts(trial)
        return cls(BM25Index.build(inclusion), BM25Index.build(exclusion))

    def scores(self, query: str, ids: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
        """Normalised (0..1 over ``ids``) inclusion-side and exclusion-side scores."""
        tokens = tokenize(query)
        ids = list(ids)
        return normalised(self.inclusion.scores(tokens, ids)), normalised(self.exclusion.scores(tokens, ids))


def hybrid_score(*, inclusion_text: float, exclusion_text: float, concept_relevance: float, inclusions_met: int,
                 inclusion_not_met: bool, exclusion_triggered: bool) -> float:
    """Text relevance first, softened by the verdict: a wrong rule costs a little, not all."""
    w = WEIGHTS
    return (w["inclusion_text"] * inclusion_text + w["concept_relevance"] * concept_relevance
            + w["inclusions_met"] * min(inclusions_met, MET_CAP) / MET_CAP
            + w["exclusion_text"] * exclusion_text + w["inclusion_not_met"] * inclusion_not_met
            + w["exclusion_triggered"] * exclusion_triggered)


# --------------------------------------------------------------------------- ranking's text relevance
# What matching ranks by (matching.rank): BM25 of the patient's condition and procedure
# words against each trial's *inclusion side* (titles, conditions, keywords, MeSH terms,
# inclusion criteria). The corpus statistics (document frequencies, average length) are
# those of the whole catalog, held by the candidate index and computed once per catalog
# version, so a trial's score never depends on which other trials are candidates.
K1, B = 1.2, 0.75
# BM25 is unbounded; ``raw / (raw + SATURATION)`` maps it to 0..1 without looking at the
# other candidates. 10 is about what a trial naming the patient's main diagnosis in its
# title and criteria scores (half-way); set on TREC 2021, checked on held-out topics.
SATURATION = 10.0
# Pseudo-relevance feedback (TermIndex.feedback_terms): the words most used by the
# catalog's FEEDBACK_DOCS best-scoring trials for the query, FEEDBACK_TERMS of them, each
# in at least FEEDBACK_MIN_DOCS of those trials, the strongest at FEEDBACK_WEIGHT (a
# condition word of the note weighs 1). Set on TREC 2021; the neighbouring values (10-30
# trials, 10-30 words, 0.5-1.0) score within 0.01 of it on both halves of the topics.
FEEDBACK_DOCS = 20
FEEDBACK_TERMS = 20
FEEDBACK_MIN_DOCS = 2
FEEDBACK_WEIGHT = 0.8


def inclusion_side(trial: TrialSummary) -> str:
    """What a trial is about and whom it takes: its topic fields, its brief summary and its
    inclusion criteria (exclusions name what the patient must *not* have)."""
    inclusion = eligibility_texts(trial)[0]
    return f"{trial.brief_summary}\n{inclusion}" if trial.brief_summary else inclusion


_STEMMER = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    if token.endswith("itis"):
        # Porter 2 drops "-itis": "pancreatitis" would find "pancreatic cancer" and
        # "hepatitis" "hepatic"; an inflammation is its own topic.
        return token
    return _STEMMER.stem(token)


@lru_cache(maxsize=500_000)
def _term(token: str) -> str | None:
    """One lower-case token as :func:`terms` indexes it (None for a stop word)."""
    if token in STOP_WORDS or len(token) <= 1:
        return None
    return _stem(_fold(token))


def terms(text: str) -> list[str]:
    """:func:`tokenize`, then Snowball (Porter 2) stems (except "-itis" words), so
    "transplant" finds "transplantation" and "tumour" "tumours". Cached per distinct
    token: building a catalog's index tokenises every trial's criteria."""
    found = map(_term, _TOKEN.findall((text or "").lower()))
    return [t for t in found if t is not None]


# Term ids shared by every TermIndex of the process: a trial's counts are kept as two
# small int32 arrays instead of a Counter (about 1 KiB instead of 10 KiB per trial, which
# at 100k trials is the difference between 0.1 and 1 GB).
_TERM_IDS: dict[str, int] = {}
_TERMS: list[str] = []
_TERM_IDS_LOCK = threading.Lock()


def _term_id(term: str) -> int:
    found = _TERM_IDS.get(term)
    if found is None:
        with _TERM_IDS_LOCK:  # a catalog reload and a request may both add terms
            found = _TERM_IDS.get(term)
            if found is None:
                found = _TERM_IDS[term] = len(_TERMS)
                _TERMS.append(term)
    return found


def prepare_terms(trial: TrialSummary) -> None:
    """Count the trial's terms now (``matching.engine.prepare_trials``)."""
    _inclusion_terms(trial)


def _inclusion_terms(trial: TrialSummary) -> np.ndarray:
    """Term ids (row 0) and their counts (row 1) on a trial's inclusion side, once per trial
    object (trials stay in memory, so a catalog reload that keeps a trial does not
    tokenise it again: matching.derived.derived_once)."""
    return derived_once(trial, "inclusion_terms", _count_inclusion_terms)


def _count_inclusion_terms(trial: TrialSummary) -> np.ndarray:
    counts = Counter(terms(inclusion_side(trial)))
    pairs = np.empty((2, len(counts)), dtype=np.int32)
    pairs[0] = [_term_id(term) for term in counts]
    pairs[1] = list(counts.values())
    return pairs


_WEIGHT_CHUNK = 1 << 20  # postings weighed at a time: bounds the float64 temporaries


class TermIndex:
    """BM25 (Okapi) over the inclusion sides of a fixed list of trials, as postings.

    Each term's postings hold the trials' positions and their precomputed BM25 term
    weights (idf x saturated tf with length normalisation), so scoring a query is one
    numpy addition per query term. All postings live in two flat arrays sorted by term
    (each term's entry is a view into them), built with numpy rather than per-term
    Python lists, whose int objects made the build's peak memory several times the result.
    """

    def __init__(self, trials: Sequence[TrialSummary], *, k1: float = K1, b: float = B):
        self.size = len(trials)
        self.position = {t.nct_id: i for i, t in enumerate(trials)}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._last: tuple[tuple, np.ndarray] | None = None
        # what feedback_terms needs to weigh one trial's terms: the trials, BM25's idf by
        # term id and the length normalisation by position
        self._trials = tuple(trials)
        self._k1 = k1
        self._idf = np.zeros(0, dtype=np.float32)
        self._norm = np.zeros(0, dtype=np.float32)
        counted = [_inclusion_terms(t) for t in trials]
        if not counted:
            return
        distinct = np.fromiter((c.shape[1] for c in counted), dtype=np.int64, count=len(counted))
        lengths = np.fromiter((int(c[1].sum()) for c in counted), dtype=np.float64, count=len(counted))
        average = float(lengths.mean()) if lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / average)
        self._norm = norm.astype(np.float32)
        term_ids = np.concatenate([c[0] for c in counted])
        order = np.argsort(term_ids, kind="stable")  # by term, then by position (ascending)
        term_ids = term_ids[order]
        positions = np.repeat(np.arange(self.size, dtype=np.int32), distinct)[order]
        tfs = np.concatenate([c[1] for c in counted])[order]
        del order, counted
        unique, starts, df = np.unique(term_ids, return_index=True, return_counts=True)
        idf = np.zeros(int(unique[-1]) + 1 if unique.size else 0, dtype=np.float64)
        idf[unique] = np.log((self.size - df + 0.5) / (df + 0.5) + 1.0)  # never negative
        self._idf = idf.astype(np.float32)
        weights = np.empty(len(tfs), dtype=np.float32)
        for start in range(0, len(tfs), _WEIGHT_CHUNK):
            part = slice(start, start + _WEIGHT_CHUNK)
            tf = tfs[part].astype(np.float64)
            weights[part] = idf[term_ids[part]] * tf * (k1 + 1) / (tf + norm[positions[part]])
        del tfs, term_ids
        for term_id, start, count in zip(unique.tolist(), starts.tolist(), df.tolist()):
            self._postings[_TERMS[term_id]] = (positions[start:start + count], weights[start:start + count])

    def raw_scores(self, query: Mapping[str, float] | Iterable[str]) -> np.ndarray:
        """BM25 of every trial for the query: terms with weights (:func:`query_terms`), or
        plain terms (each distinct term counted once)."""
        weights = query if isinstance(query, Mapping) else dict.fromkeys(query, 1.0)
        scores = np.zeros(self.size, dtype=np.float64)
        for term, weight in weights.items():
            postings = self._postings.get(term)
            if postings is not None:
                scores[postings[0]] += postings[1] * weight if weight != 1.0 else postings[1]
        return scores

    def feedback_terms(self, query: Mapping[str, float], raw: np.ndarray | None = None) -> dict[str, float]:
        """Pseudo-relevance feedback: the terms that weigh most in the ``FEEDBACK_DOCS``
        trials the query scores highest, term -> weight (0..``FEEDBACK_WEIGHT``).

        Each top trial shares its raw score among its own terms by their BM25 weights; a
        term's feedback is the sum over the top trials, kept when ``FEEDBACK_MIN_DOCS`` of
        them use it, and scaled so the strongest new term weighs ``FEEDBACK_WEIGHT``. Terms
        the query already holds at full weight, and terms with digits (doses, counts,
        lab values), are left out. The trials about the patient's main disease dominate
        the top of the catalog, so their shared words (the disease's other names, its
        subtypes, treatments and tests) weigh more than a secondary word one trial shares
        with the note. Deterministic: ties go to the lower position, then the lower term id.
        ``raw`` is :meth:`raw_scores` of ``query`` when already computed.
        """
        if self.size == 0 or FEEDBACK_DOCS <= 0 or not query:
            return {}
        raw = self.raw_scores(query) if raw is None else raw
        k = min(FEEDBACK_DOCS, self.size)
        threshold = raw[np.argpartition(-raw, k - 1)[k - 1]]
        tied = np.flatnonzero((raw >= threshold) & (raw > 0))
        top = tied[np.lexsort((tied, -raw[tied]))][:k]
        if len(top) < FEEDBACK_MIN_DOCS:
            return {}
        term_ids, shares = [], []
        for position in top.tolist():
            pairs = _inclusion_terms(self._trials[position])
            tf = pairs[1].astype(np.float64)
            weights = self._idf[pairs[0]] * tf * (self._k1 + 1) / (tf + self._norm[position])
            total = float(weights.sum())
            if total > 0:
                term_ids.append(pairs[0])
                shares.append(weights * (raw[position] / total))
        if not term_ids:
            return {}
        unique, inverse = np.unique(np.concatenate(term_ids), return_inverse=True)
        score = np.bincount(inverse, weights=np.concatenate(shares))
        docs = np.bincount(inverse)
        kept = np.flatnonzero(docs >= FEEDBACK_MIN_DOCS)
        kept = kept[np.lexsort((unique[kept], -score[kept]))]
        found: dict[str, float] = {}
        best = 0.0
        for i in kept.tolist():
            term = _TERMS[int(unique[i])]
            if query.get(term, 0.0) >= 1.0 or any(ch.isdigit() for ch in term):
                continue
            best = best or float(score[i])
            found[term] = FEEDBACK_WEIGHT * float(score[i]) / best
            if len(found) == FEEDBACK_TERMS:
                break
        return found

    def expanded_query(self, query: Mapping[str, float] | Iterable[str]) -> dict[str, float]:
        """The query with its feedback terms (:meth:`feedback_terms`): a term in both keeps
        the larger weight. What :meth:`relevance` scores."""
        weights = dict(query) if isinstance(query, Mapping) else dict.fromkeys(query, 1.0)
        for term, weight in self.feedback_terms(weights).items():
            weights[term] = max(weights.get(term, 0.0), weight)
        return weights

    def relevance(self, query: Mapping[str, float] | Iterable[str]) -> np.ndarray:
        """0..1 text relevance of every trial (see SATURATION) for the query and its
        feedback terms (:meth:`expanded_query`). The last query's scores are kept:
        candidate selection and the engine score the same query in one request."""
        weights = query if isinstance(query, Mapping) else dict.fromkeys(query, 1.0)
        key = tuple(sorted(weights.items()))
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        raw = self.raw_scores(weights)
        extra = {term: weight - weights.get(term, 0.0)
                 for term, weight in self.feedback_terms(weights, raw).items() if weight > weights.get(term, 0.0)}
        if extra:
            raw = raw + self.raw_scores(extra)
        scores = raw / (raw + SATURATION)
        scores.flags.writeable = False
        self._last = (key, scores)  # one tuple: safe to swap under concurrent requests
        return scores

    def relevance_of(self, trials: Iterable[TrialSummary],
                     query: Mapping[str, float] | Sequence[str]) -> dict[str, float]:
        """Text relevance of ``trials`` by nct_id; a trial not in the index scores 0."""
        trials = list(trials)
        if not query or not trials:
            return {t.nct_id: 0.0 for t in trials}
        all_scores = self.relevance(query)
        return {t.nct_id: float(all_scores[self.position[t.nct_id]]) if t.nct_id in self.position else 0.0
                for t in trials}


def note_query_text(facts: Iterable) -> str:
    """The condition and procedure words of a note as written ("h/o HTN", "s/p CABG"), from
    the note extractor's facts (``matching.note.ExtractedFact``): the patient's own, not
    negated, family, hypothetical or uncertain. Added to the query, they cover wordings the
    profile's normalised names drop."""
    return "\n".join(f.text for f in facts if f.kind in ("condition", "procedure") and not (
        f.negated or f.family or f.hypothetical or f.uncertain))


# Weight of words that only the free text around the facts gives (e.g. the whole note):
# it catches a diagnosis the extractor missed, but also says what the patient does *not*
# have, so it counts for a fifth of a fact's word, and a negated clause's words ("denies
# chest pain", "no fever") not at all.
CONTEXT_WEIGHT = 0.2
# Words of the free text's diagnosis phrases (matching.note_diagnoses: "known case of
# Acromegaly", "Sickle cell disease") name the patient's diseases as surely as the facts do.
DIAGNOSIS_WEIGHT = 1.0
_GENERIC_HEAD_TERMS = frozenset(_term(w) for w in GENERIC_HEADS) - {None}


def query_terms(profile: PatientProfile, query_text: str | None = None,
                context_text: str | None = None, established: Iterable[str] = ()) -> dict[str, float]:
    """The query, term -> weight: the patient's own conditions and procedures (present,
    not a relative's), as named or coded, and ``query_text`` (e.g. the condition and
    procedure words a note extractor found, as written: :func:`note_query_text`) weigh 1;
    the words of ``context_text``'s diagnosis phrases (e.g. the note itself:
    :func:`matching.note_diagnoses.diagnosis_phrases`) ``DIAGNOSIS_WEIGHT``, bar a bare
    "disease" or "syndrome"; its other words ``CONTEXT_WEIGHT``, but not the words it
    denies ("no fever", "negative for hepatitis": :func:`matching.note_diagnoses.affirmed_text`).
    ``established`` names conditions the patient's measurements establish without the record
    naming them ("vitamin D deficiency" from "Vit D: 14ng/ml":
    :func:`matching.derived_conditions.derive_conditions`, its topical ones); they weigh as
    the conditions do."""
    parts: list[str] = []
    for condition in profile.conditions:
        if condition.present and not condition.family:
            parts.append(condition.text or (condition.code.display if condition.code else "") or "")
    for procedure in profile.procedures:
        if procedure.present:
            parts.append(procedure.text or (procedure.code.display if procedure.code else "") or "")
    parts.extend(established)
    if query_text:
        parts.append(query_text)
    weights = dict.fromkeys(terms("\n".join(p for p in parts if p)), 1.0)
    for term in terms("\n".join(diagnosis_phrases(context_text or ""))):
        if term not in _GENERIC_HEAD_TERMS:
            weights.setdefault(term, DIAGNOSIS_WEIGHT)
    for term in terms(affirmed_text(context_text or "")):
        weights.setdefault(term, CONTEXT_WEIGHT)
    return weights


def profile_query(profile: PatientProfile, query_text: str | None = None) -> list[str]:
    """The query's full-weight terms (see :func:`query_terms`)."""
    return list(query_terms(profile, query_text))
