"""Reads the curated value sets in ``lexicon/*.yaml`` into ``Concept`` records."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).with_name("lexicon")
# Fixed order: when two files claim the same synonym, the earlier file keeps it.
LEXICON_FILES = ("procedures.yaml", "conditions.yaml", "drugs.yaml", "analytes.yaml")


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    kind: str  # condition | procedure | drug | drug_class | analyte | other
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


_KNOWN_KEYS = {"id", "label", "kind", "synonyms", "parents", "xrefs"}


def _concept(entry: dict[str, Any], default_kind: str) -> Concept:
    return Concept(
        id=str(entry["id"]),
        label=str(entry.get("label") or entry["id"]),
        kind=str(entry.get("kind") or default_kind),
        synonyms=tuple(str(s) for s in entry.get("synonyms") or ()),
        parents=tuple(entry.get("parents") or ()),
        xrefs=tuple(entry.get("xrefs") or ()),
        data={k: v for k, v in entry.items() if k not in _KNOWN_KEYS},
    )


@lru_cache(maxsize=1)
def load_lexicon() -> tuple[Concept, ...]:
    concepts: list[Concept] = []
    seen: set[str] = set()
    for name in LEXICON_FILES:
        doc = yaml.safe_load((LEXICON_DIR / name).read_text(encoding="utf-8"))
        for entry in doc["concepts"]:
            c = _concept(entry, doc.get("kind", "condition"))
            if c.id in seen:
                raise ValueError(f"lexicon: duplicate concept id {c.id!r} in {name}")
            seen.add(c.id)
            concepts.append(c)
    ids = {c.id for c in concepts}
    for c in concepts:
        missing = [p for p in c.parents if p not in ids]
        if missing:
            raise ValueError(f"lexicon: {c.id} has unknown parents {missing}")
    return tuple(concepts)
