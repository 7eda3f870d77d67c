"""The matcher's hot path, compiled to C with mypyc when Eligo is built for production.

A match spends ~90% of a worker's CPU in plain Python: deciding ~2,900 distinct criteria
for ~280 candidate trials, explaining a page of them and voting on the next questions
(docs/benchmarks.md). mypyc compiles these modules, unchanged, to C extension modules; the
same results come ~1.5x faster (``bench.match_cpu``'s digest is equal either way).

Built only when asked for, from a clean source tree::

    ELIGO_NATIVE=1 pip install .          # or: ELIGO_NATIVE=1 pip wheel --no-deps .

A development checkout (``pip install -e .``) stays pure Python, so an edit takes effect
at once; ``setup.py`` refuses ``ELIGO_NATIVE=1`` for an editable install, which would
leave compiled modules beside sources that later edits would not change. It reads
:data:`MODULES` from this file without importing the package. ``tests/test_native_build.py``
builds the wheel and holds its matches equal to pure Python's.
"""

from __future__ import annotations

import importlib
import importlib.machinery
from pathlib import Path

# Modules compiled together (mypyc resolves calls among them natively). Each must pass
# mypy (``setup.py``'s options); a class there must not be subclassed or monkeypatched
# from interpreted code, and a dataclass field must not be annotated ``object``. The
# dataclasses a match builds by the thousand (AtomFinding, TrialOutcome, SiteDistance,
# CriterionOutcome, BallotCriterion, engine._Candidate) write their ``__init__`` by hand:
# the one ``dataclass`` generates stays interpreted even in a compiled module.
MODULES: tuple[str, ...] = (
    "matching.ballots",
    "matching.derived",
    "matching.engine",
    "matching.evaluate",
    "matching.explain",
    "matching.facts",
    "matching.geo",
    "matching.index",
    "matching.logic",
    "matching.outcomes",
    "matching.question_catalog",
    "matching.questions",
    "matching.rank",
    "matching.record_mentions",
    "matching.relevance",
    "matching.shared_values",
    "matching.sign_alternatives",
    "matching.silent_kinds",
    "matching.text_relevance",
    "matching.trial_subject",
    "matching.unread_qualifiers",
    "matching.unread_settings",
)

# The mypy options the build compiles with (setup.py): third-party packages are not
# installed in pip's isolated build environment, so their types are Any.
MYPY_OPTIONS: tuple[str, ...] = ("--ignore-missing-imports", "--follow-imports=silent")


def source_paths(root: Path) -> list[str]:
    """The source files of :data:`MODULES` under the project ``root``."""
    return [str(root.joinpath(*name.split(".")).with_suffix(".py")) for name in MODULES]


def _is_extension(path: str | None) -> bool:
    return path is not None and path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def compiled() -> tuple[str, ...]:
    """The modules of :data:`MODULES` this process runs compiled (imports them)."""
    return tuple(name for name in MODULES if _is_extension(importlib.import_module(name).__file__))


def build() -> str:
    """"native" (every module compiled), "python" (none) or "partial": what /healthz and
    ``eligo bench speed`` report, so a deployment can check which build it runs."""
    count = len(compiled())
    return "native" if count == len(MODULES) else "python" if count == 0 else "partial"
