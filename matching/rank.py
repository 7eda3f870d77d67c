"""Ranking: tier, then score (relevance less penalties for criteria that rule the trial
out), then settled share, then distance, then nct_id.

**Tier.** 2 eligible; 1 every other trial the engine ranks. A trial ruled out by its
criteria keeps tier 1 and loses score instead: ``RULED_OUT_PENALTY`` when a criterion the
compiler understood fully (``status == "compiled"``) rules it out (a *confident* failure),
``DOUBT_PENALTY`` when one understood only in part (``partial``/``unsupported``: some of
its words were not read) does (a *doubtful* failure). So among equally relevant trials the
ruled-out ones come after, but a ruled-out trial about the patient's disease stays above
one about something else. The verdict a reader sees is unchanged ("ineligible", with the
criterion quoted). Registry age and sex limits are not in the ranking: the engine drops a
trial whose limits the patient is outside before judging it. Why: criteria read from a
note fail wrongly often, even fully compiled ones (TREC 2021: of the 171 judged pairs a
confident failure ruled out, 20 the experts judged eligible and 41 excluded, i.e. on
topic), and sinking every ruled-out trial below all others ranked on-topic trials under
off-topic ones. Measured (docs/benchmarks.md, "TREC 2021 ranking").

**Score.** ``relevance - RULED_OUT_PENALTY * (confident_failures > 0) - DOUBT_PENALTY *
(doubtful_failures > 0) - SILENCE_PENALTY * (silent_requirements > 0)`` (the last: fully read
inclusions asking for a condition a complete record never mentions, left unknown by the
verdict; :func:`matching.outcomes.silent_requirement`). Relevance is ``TEXT_WEIGHT`` x ``text_relevance`` (BM25 of the
patient's condition and procedure words against the trial's inclusion side, catalog-wide
statistics: :mod:`matching.text_relevance`) plus the rest x ``concept_relevance``
(:mod:`matching.relevance`); both are 0..1 and do not depend on which other trials are
candidates. A record that names no topic (no conditions, MeSH terms, keywords or title:
only eligibility text) gives concepts nothing to compare, so its relevance is
``text_relevance`` alone (``concepts_compared`` false) rather than part of it: a missing
field must not rank a trial below one that has it. Weights were set on TREC 2021 and
checked on held-out topics (even/odd split; docs/benchmarks.md); they are few and round
on purpose.

Every part is returned in :class:`~matching.results.ScoreParts` so a reader can see why one
trial is above another; the nct_id makes ties, and so the whole response, deterministic.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from matching.results import VERDICT_TIER, ScoreParts

TEXT_WEIGHT = 0.7  # relevance = TEXT_WEIGHT * text + (1 - TEXT_WEIGHT) * concept
RULED_OUT_PENALTY = 0.2  # a fully understood criterion rules the trial out
DOUBT_PENALTY = 0.2  # a criterion understood in part rules it out
# A fully read inclusion asks for a condition the complete record (a note) never mentions
# ("Patients with HIV-1 infection" for a hepatitis C note silent on HIV): the verdict leaves it
# unknown, but such trials are mostly for another population of the patient's disease (TREC
# 2021: 0.6456 -> 0.6465, even half +0.0019, odd -0.0002; 0.03 the same, 0.05 and more let it
# outweigh relevance). A small step: it orders trials of about equal relevance, it does not
# bury one.
SILENCE_PENALTY = 0.02


class ScoreValues(NamedTuple):
    """ScoreParts' fields as a plain tuple: matching ranks every candidate but builds
    :class:`ScoreParts` models only for the page it shows."""

    verdict_tier: int
    score: float
    relevance: float
    text_relevance: float
    concept_relevance: float
    concepts_compared: bool
    confident_failures: int
    doubtful_failures: int
    settled_share: float
    distance_km: float | None
    silent_requirements: int = 0


def rank_tier(verdict: str) -> int:
    """2 for an eligible trial, else 1: a ruled-out trial is ordered by its score's penalties."""
    return VERDICT_TIER["eligible"] if verdict == "eligible" else VERDICT_TIER["possibly_eligible"]


def failures_of(results) -> tuple[int, int]:
    """(confident, doubtful) failures from a full evaluation's top-level criterion results (``kind``,
    ``outcome``, ``status``, ``id``)."""
    confident = doubtful = 0
    for result in results:
        if result.outcome != ("not_met" if result.kind == "inclusion" else "met"):
            continue
        if result.id.startswith("registry-") or result.status == "compiled":
            confident += 1
        else:
            doubtful += 1
    return confident, doubtful


def silent_requirements_of(results) -> int:
    """Top-level criteria of a full evaluation left unknown only by a complete record's
    silence on the condition they ask for (``CriterionOutcome.silent``); the engine's fast
    path counts the same (``TrialOutcome.silent_requirements``)."""
    return sum(1 for result in results if result.outcome == "unknown" and getattr(result, "silent", False))


def score_values(verdict: str, relevance: float, settled_share: float, distance_km: float | None, *,
                 text_relevance: float = 0.0, concept_relevance: float | None = None,
                 confident_failures: int | None = None, doubtful_failures: int = 0,
                 concepts_compared: bool = True, silent_requirements: int = 0) -> ScoreValues:
    """``relevance`` is the concept relevance when ``concept_relevance`` is not given (and
    then combined with ``text_relevance``). Without ``confident_failures`` every failure of
    an ineligible trial counts as confident (the verdict's own tier). ``concepts_compared``
    false (:func:`matching.relevance.names_topic`): relevance is the text relevance alone."""
    concept = relevance if concept_relevance is None else concept_relevance
    if concepts_compared:
        combined = TEXT_WEIGHT * text_relevance + (1 - TEXT_WEIGHT) * concept
    else:
        combined = text_relevance
    if confident_failures is None:
        confident_failures = 1 if verdict == "ineligible" else 0
        doubtful_failures = 0
    ruled_out = verdict == "ineligible"
    confident = confident_failures if ruled_out else 0
    doubtful = doubtful_failures if ruled_out else 0
    silent = silent_requirements if verdict != "eligible" else 0
    score = (combined - (RULED_OUT_PENALTY if confident else 0.0) - (DOUBT_PENALTY if doubtful else 0.0)
             - (SILENCE_PENALTY if silent else 0.0))
    return ScoreValues(rank_tier(verdict), round(score, 4), round(combined, 4), round(text_relevance, 4),
                       round(concept, 4), concepts_compared, confident, doubtful, round(settled_share, 4),
                       None if distance_km is None else round(distance_km, 1), silent)


def score_model(values: ScoreValues) -> ScoreParts:
    return ScoreParts(**values._asdict())


def score_parts(verdict: str, relevance: float, settled_share: float, distance_km: float | None,
                **parts) -> ScoreParts:
    return score_model(score_values(verdict, relevance, settled_share, distance_km, **parts))


def values_sort_key(values: ScoreValues, nct_id: str) -> tuple:
    distance = math.inf if values.distance_km is None else values.distance_km
    return (-values.verdict_tier, -values.score, -values.settled_share, distance, nct_id)


def sort_key(score: ScoreParts, nct_id: str) -> tuple:
    return values_sort_key(ScoreValues(**score.model_dump()), nct_id)
