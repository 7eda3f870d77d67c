"""Ranking: verdict tier, then relevance, then settled share, then distance, then nct_id.

The order is lexicographic on :class:`~matching.results.ScoreParts` (returned with each
trial so a reader can see why one trial is above another); the nct_id makes ties, and so
the whole response, deterministic.
"""

from __future__ import annotations

import math

from matching.results import VERDICT_TIER, ScoreParts

ScoreValues = tuple[int, float, float, "float | None"]  # ScoreParts' fields, in order


def score_values(verdict: str, relevance: float, settled_share: float, distance_km: float | None) -> ScoreValues:
    """The score's parts as a plain tuple: matching ranks every candidate but returns
    :class:`ScoreParts` models only for the page it shows."""
    return (VERDICT_TIER[verdict], round(relevance, 4), round(settled_share, 4),
            None if distance_km is None else round(distance_km, 1))


def score_model(values: ScoreValues) -> ScoreParts:
    tier, relevance, settled_share, distance_km = values
    return ScoreParts(verdict_tier=tier, relevance=relevance, settled_share=settled_share, distance_km=distance_km)


def score_parts(verdict: str, relevance: float, settled_share: float, distance_km: float | None) -> ScoreParts:
    return score_model(score_values(verdict, relevance, settled_share, distance_km))


def values_sort_key(values: ScoreValues, nct_id: str) -> tuple:
    tier, relevance, settled_share, distance_km = values
    distance = math.inf if distance_km is None else distance_km
    return (-tier, -relevance, -settled_share, distance, nct_id)


def sort_key(score: ScoreParts, nct_id: str) -> tuple:
    return values_sort_key((score.verdict_tier, score.relevance, score.settled_share, score.distance_km), nct_id)
