"""One object per distinct value, for what a catalog keeps per trial or per criterion.

Trials of one disease repeat the same small values (topic word sets, the disease set the
trial studies, registry age/sex limits, criterion readings). A worker prepares every
trial when it loads its catalog (``matching.engine.prepare_trials``), so keeping one copy
per distinct value, not one per trial, is what holds a 100k catalog under its memory
budget (docs/benchmarks.md, "Session 5 closing runs").

    words = SharedValues()
    kept = words(frozenset(...))   # an equal value seen before, or this one

Values must be hashable and immutable. The table is bounded: past ``limit`` entries it
starts over (objects handed out stay valid; only later equal values may get a new copy).
"""

from __future__ import annotations

import threading
from typing import TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 200_000


class SharedValues:
    """A bounded, thread-safe table of canonical values (module docs)."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._table: dict = {}
        self._limit = limit
        self._lock = threading.Lock()

    def __call__(self, value: T) -> T:
        with self._lock:
            if len(self._table) >= self._limit:
                self._table.clear()
            return self._table.setdefault(value, value)
