"""Ranking: verdict tier, then relevance, then settled share, then distance, then nct_id.

The order is lexicographic on :class:`~matching.results.ScoreParts` (returned with each
trial so a reader can see why one trial is above another); the nct_id makes ties, and so
the whole response, deterministic.
"""

from __future__ import annotations

import math

from matching.results import VERDICT_TIER, ScoreParts


def score_parts(verdict: str, relevance: float, settled_share: float, distance_km: float | None) -> ScoreParts:
    return ScoreParts(verdict_tier=VERDICT_TIER[verdict], relevance=round(relevance, 4),
                      settled_share=round(settled_share, 4),
                      distance_km=None if distance_km is None else round(distance_km, 1))


def sort_key(score: ScoreParts, nct_id: str) -> tuple:
    distance = math.inf if score.distance_km is None else score.distance_km
    return (-score.verdict_tier, -score.relevance, -score.settled_share, distance, nct_id)
