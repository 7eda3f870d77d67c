"""Reading benchmark data files: one place for the JSON Lines rules every bench follows
(blank lines skipped; a bad line raises with its file and line number)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator


class BenchDataError(ValueError):
    """A benchmark file or directory that is not in the expected format."""


def read_json_objects(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSON Lines file."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BenchDataError(f"{path}:{number}: not JSON ({error})") from None
            if not isinstance(record, dict):
                raise BenchDataError(f"{path}:{number}: not a JSON object")
            yield number, record


def write_json_objects(path: Path, records: Iterable[dict]) -> None:
    """Write ``records`` as JSON Lines (a bench's ``--dump`` file)."""
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
