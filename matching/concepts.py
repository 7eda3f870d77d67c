"""Patient words and codes -> concept ids, through the shared terminology contract.

Matching compares concepts, never raw strings: a patient on "prednisone" satisfies a
rule about "corticosteroid" because ``corticosteroid`` is among prednisone's ancestors.
This module is the one place matching talks to ``criteria_rules.terminology``; lookups
are cached because one match request evaluates the same few patient facts against
thousands of atoms.

If the terminology implementation is not available (an older ``criteria_rules``), a
minimal fallback keeps matching working on ``term:<normalised words>`` ids alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:
    from criteria_rules import terminology as _terminology
except ImportError:  # an older or half-installed criteria_rules: use the fallback below
    _terminology = None

_WORD = re.compile(r"[a-z0-9]+")


def _fallback_normalise(text: str) -> str:
    words = _WORD.findall(text.lower())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in words)


def normalise_term(text: str) -> str:
    fn = getattr(_terminology or object(), "normalise_term", None)
    return fn(text) if fn else _fallback_normalise(text)


@lru_cache(maxsize=50_000)
def resolve(text: str) -> tuple[str, ...]:
    """Concept ids named in ``text``, most specific first; never empty for real words."""
    fn = getattr(_terminology or object(), "resolve", None)
    ids: list[str] = []
    if fn is not None:
        try:
            ids = list(fn(text))
        except Exception:  # a terminology bug must not take matching down
            ids = []
    term = normalise_term(text)
    fallback = f"term:{term}" if term else None
    if fallback and fallback not in ids:
        ids.append(fallback)
    return tuple(ids)


@lru_cache(maxsize=50_000)
def ancestors(concept_id: str) -> frozenset[str]:
    """The concept and everything above it."""
    fn = getattr(_terminology or object(), "ancestors", None)
    found: set[str] = {concept_id}
    if fn is not None:
        try:
            found |= set(fn(concept_id))
        except Exception:
            pass
    return frozenset(found)


@lru_cache(maxsize=50_000)
def exclusive_of(concept_id: str) -> frozenset[str]:
    """Kinds of the same disease that rule ``concept_id`` out (type 2 diabetes for type 1)."""
    fn = getattr(_terminology or object(), "exclusive_of", None)
    if fn is None:
        return frozenset()
    try:
        return frozenset(fn(concept_id))
    except Exception:
        return frozenset()


def label(concept_id: str) -> str:
    """A plain-language name for a concept id."""
    fn = getattr(_terminology or object(), "label", None)
    if fn is not None:
        try:
            text = fn(concept_id)
            if text:
                return text
        except Exception:
            pass
    if ":" in concept_id:
        concept_id = concept_id.split(":", 1)[1]
    return concept_id.replace("_", " ")


def code_concepts(system: str, code: str, display: str | None) -> tuple[str, ...]:
    """Concept ids for a coded fact: the code itself (``icd10cm:C20``) and its display words.

    ``system == "other"`` carries a lexicon id directly (``hsct``), which is how
    structured clients and the question flow name a concept exactly.
    """
    ids: list[str] = [code] if system == "other" else [f"{system}:{code}"]
    if display:
        ids.extend(resolve(display))
    return tuple(dict.fromkeys(ids))


def closure(concept_ids: tuple[str, ...]) -> frozenset[str]:
    """Every concept the given ones are (their ancestors, themselves included)."""
    out: set[str] = set()
    for concept_id in concept_ids:
        out |= ancestors(concept_id)
    return frozenset(out)


def words(text: str) -> frozenset[str]:
    return frozenset(normalise_term(text).split())


def term_words(concept_id: str) -> frozenset[str]:
    """The words of a ``term:`` id (empty for curated ids)."""
    if concept_id.startswith("term:"):
        return words(concept_id[5:])
    return frozenset()
