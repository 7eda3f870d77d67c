"""The note reader, loaded at a worker's first note, is kept out of garbage collections:
otherwise every full collection walks its ~320k long-lived objects again (~220 ms each)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import gc
from matching.engine import warm_up
from matching.note import extract_profile
warm_up()                              # as a worker starts (app.main.preload_catalog) ...
gc.collect(); gc.freeze()              # ... and freezes what it holds once its catalog is built
frozen = gc.get_freeze_count()
extract_profile("58 year old woman with type 2 diabetes on metformin.")  # the first note
print(gc.get_freeze_count() - frozen, len(gc.get_objects(2)))
"""


def test_note_reader_is_frozen_when_first_loaded():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    newly_frozen, left_for_full_collections = map(int, done.stdout.split()[-2:])
    assert newly_frozen > 200_000  # the vocabulary and the pipeline
    assert left_for_full_collections < 20_000
