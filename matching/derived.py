"""What matching works out of a trial once and keeps on it (``TrialSummary.derived``).

Its own module so that the production build compiles it with its callers
(:mod:`matching.native`): it is called several hundred times per match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from matching.trial import TrialSummary

T = TypeVar("T")


def derived_once(trial: TrialSummary, key: str, build: Callable[[TrialSummary], T]) -> T:
    """``build(trial)``, worked out once per trial object and kept on it under ``key``.

    Trials are loaded once per catalog version and only read, so what a match derives
    from one (its criteria's plans, the disease it studies, its topical fields) can be
    kept with it. Kept on the trial rather than in tables keyed by ``id(trial)``: such a
    table would pin every trial a catalog reload replaced until it was cleared, and
    clearing it would make the trials it still served pay again.
    Two threads may build the same value at once; both results are equal.
    """
    found = trial.derived.get(key)
    if found is None:
        found = trial.derived[key] = build(trial)
    return found
