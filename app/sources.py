"""Where import records come from: files in the shapes ClinicalTrials.gov hands out.

Every reader yields ``SourceRecord``s one at a time, each with a position a person can
find again ("msc.jsonl:line 12", "bulk.zip:NCT01234567.json"). A record that is not even
JSON is yielded with its error so the importer reports it and carries on.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True, slots=True)
class SourceRecord:
    position: str
    payload: Any = None
    error: str | None = None  # set when the record could not be decoded


class SourceError(Exception):
    """The source as a whole is unreadable (missing file, broken zip)."""


def _decode(position: str, text: str | bytes) -> SourceRecord:
    try:
        return SourceRecord(position, json.loads(text))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return SourceRecord(position, error=f"not valid JSON ({error})")


def iter_json_lines(path: Path) -> Iterator[SourceRecord]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _decode(f"{path.name}:line {number}", line)


def iter_zip(path: Path) -> Iterator[SourceRecord]:
    """The registry's bulk download: one study JSON per member. Members are read one at
    a time, so a 1 GB archive never sits in memory."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise SourceError(f"{path}: not a readable zip archive ({error})") from None
    with archive:
        for member in archive.infolist():
            if member.is_dir() or not member.filename.lower().endswith(".json"):
                continue
            position = f"{path.name}:{member.filename}"
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, OSError) as error:
                yield SourceRecord(position, error=f"unreadable zip member ({error})")
                continue
            yield _decode(position, data)


def _records_of_document(name: str, document: Any) -> Iterator[SourceRecord]:
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield SourceRecord(f"{name}[{index}]", item)
    elif isinstance(document, dict) and isinstance(document.get("studies"), list):
        # A saved /api/v2/studies page.
        for index, item in enumerate(document["studies"]):
            yield SourceRecord(f"{name}:studies[{index}]", item)
    else:
        yield SourceRecord(name, document)


def iter_json_document(path: Path) -> Iterator[SourceRecord]:
    """A single study, a JSON list of studies, or a saved API page. A ``.json`` file that
    turns out to hold one study per line is read as JSON Lines."""
    text = path.read_bytes()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            yield from iter_json_lines(path)
            return
        yield SourceRecord(path.name, error=f"not valid JSON ({error})")
        return
    except UnicodeDecodeError as error:
        yield SourceRecord(path.name, error=f"not valid UTF-8 JSON ({error})")
        return
    yield from _records_of_document(path.name, document)


def iter_path(path: Path) -> Iterator[SourceRecord]:
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; pass the files (e.g. {path}/*.json)")
    suffix = path.suffix.lower()
    if suffix == ".zip" or zipfile.is_zipfile(path):
        return iter_zip(path)
    if suffix in JSON_LINES_SUFFIXES:
        return iter_json_lines(path)
    return iter_json_document(path)


def count_records(path: Path) -> int | None:
    """A cheap estimate of the record count for a progress bar (None = unknown)."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".zip" or zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return sum(
                    1
                    for m in archive.infolist()
                    if not m.is_dir() and m.filename.lower().endswith(".json")
                )
        if suffix in JSON_LINES_SUFFIXES:
            with path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
    except (OSError, zipfile.BadZipFile):
        return None
    return None
