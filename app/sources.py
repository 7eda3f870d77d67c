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

import ijson

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


def _first_significant_byte(path: Path) -> bytes:
    """The first byte that is not whitespace (or a UTF-8 byte-order mark), b"" if none."""
    with path.open("rb") as handle:
        while chunk := handle.read(65536):
            stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                return stripped[:1]
    return b""


def _parser_message(error: Exception) -> str:
    """The parser's reason on one line, without the excerpt of the file it appends."""
    reason = error.args[0] if error.args else error
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    lines = str(reason).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def iter_json_list(path: Path) -> Iterator[SourceRecord]:
    """A JSON list of studies, one element at a time (ijson), so a file of 100k studies
    never sits in memory whole. Each element is its own record; an element that is not a
    study is reported by the importer like any bad record. A syntax error ends the file:
    the elements before it are yielded, and the error is reported at the position of the
    element it broke, since nothing after a syntax error can be told apart reliably."""
    index = 0
    with path.open("rb") as handle:
        elements = ijson.items(handle, "item", use_float=True)
        while True:
            try:
                element = next(elements)
            except StopIteration:
                return
            except (ijson.JSONError, UnicodeDecodeError) as error:
                yield SourceRecord(f"{path.name}[{index}]", error=(
                    f"not valid JSON ({_parser_message(error)}); the rest of the file was not read"))
                return
            yield SourceRecord(f"{path.name}[{index}]", element)
            index += 1


def iter_json_document(path: Path) -> Iterator[SourceRecord]:
    """A single study, a JSON list of studies (streamed), or a saved API page. A ``.json``
    file that turns out to hold one study per line is read as JSON Lines.

    Only lists are streamed: an object is one study or one saved API page, which the
    registry caps at 1,000 studies, so reading it whole is bounded."""
    if _first_significant_byte(path) == b"[":
        yield from iter_json_list(path)
        return
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
