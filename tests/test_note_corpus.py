"""Smoke test over the real notes (TREC 2021 topics, TrialGPT notes): never crashes, sensible.

Skips cleanly when ../shared is absent.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from matching.note import extract_profile

SHARED = Path(__file__).resolve().parents[2] / "shared"
TREC = SHARED / "bench" / "trec2021" / "topics.jsonl"
TRIALGPT = SHARED / "bench" / "trialgpt-criterion" / "dev.jsonl"

pytestmark = pytest.mark.corpus


def _lines(path: Path) -> list[dict]:
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check(notes: list[str]) -> dict:
    counts = {"age": 0, "sex": 0, "conditions": 0, "notes": len(notes)}
    for note in notes:
        result = extract_profile(note, as_of=dt.date(2024, 1, 1))
        for fact in result.facts + result.ignored:
            assert note[fact.start:fact.end] == fact.text
            assert 0 <= fact.sentence_start <= fact.start < fact.end <= fact.sentence_end <= len(note)
        profile = result.profile
        assert profile.absent_means_no
        counts["age"] += profile.age_years is not None
        counts["sex"] += profile.sex is not None
        counts["conditions"] += len(profile.conditions)
    return counts


def test_trec_topics():
    counts = _check([row["text"] for row in _lines(TREC)])
    assert counts["notes"] == 75
    assert counts["age"] >= 70 and counts["sex"] >= 70  # nearly every topic states both
    assert counts["conditions"] >= 5 * counts["notes"]


def test_trialgpt_notes():
    notes = sorted({row["note"] for row in _lines(TRIALGPT)})
    counts = _check(notes)
    assert counts["age"] >= len(notes) - 2 and counts["conditions"] >= 2 * len(notes)
