"""Smoke run over a slice of the shared corpus (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
pytestmark = pytest.mark.corpus


@pytest.mark.skipif(not (SHARED / "data").exists(), reason="shared data not present")
def test_corpus_slice_compiles_without_crashes():
    from bench.compile_corpus import run

    result = run(SHARED, limit=150)
    assert result["crashes"] == 0
    assert result["criteria"] > 500
    assert result["compiled_share"] + result["partial_share"] > 0.4
