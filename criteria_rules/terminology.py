"""Concept lookup shared by the compiler and the matcher.

The contract (kept stable; the implementation grows):
- ``resolve(text) -> list[str]``: the concept ids named in a phrase, most specific first
  ("allogeneic stem cell transplant" -> ["hsct_allogeneic"], which ``is_a`` "hsct";
  "prednisolone" -> ["prednisolone"]). Phrases outside the curated lexicon fall back to
  terminologies (HPO, ICD-10-CM) and finally to ``term:<normalised words>``.
- ``ancestors(concept_id) -> frozenset[str]``: the concept and everything above it
  ("prednisolone" -> {"prednisolone", "corticosteroid", ...}). For ``hpo:`` and
  ``icd10cm:`` ids this includes the lexicon concepts that cross-reference them, so a
  patient's "focal seizure" (HPO) reaches the lexicon's ``epilepsy``.
- ``is_a(concept_id, parent_id) -> bool``.
- ``label(concept_id) -> str``: plain-language name for reasons and questions.
- ``exclusive_of(concept_id) -> frozenset[str]``: the kinds of a disease that rule the
  concept out ("type 2 diabetes" for "type 1 diabetes"): lexicon siblings that share an
  ``exclusive`` group with the concept or one of its ancestors. A patient known to have
  one kind does not have another; one known to have only the parent disease may.
- ``normalise_term(text) -> str``: lowercase, punctuation-free, singular words.

Extras used by the compiler: ``concept(id)`` (the lexicon entry with its data, e.g. an
analyte's unit or a corticosteroid's prednisolone factor), ``find_mentions(words)`` (the
n-gram lookup over a token sequence), ``kind(id)``.

Matching is a dict lookup over n-grams of normalised words (longest first); the curated
lexicon is tried before the fallbacks so its ids win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from criteria_rules.lexicon_loader import Concept, load_lexicon
from criteria_rules.normalise import normalise_term, normalise_word
from criteria_rules import fallback_terms

__all__ = [
    "Concept",
    "Mention",
    "ancestors",
    "concept",
    "exclusive_of",
    "find_mentions",
    "is_a",
    "kind",
    "label",
    "normalise_term",
    "normalise_word",
    "resolve",
]

MAX_NGRAM = 8


@dataclass(frozen=True)
class Mention:
    start: int  # index of the first word in the sequence given to find_mentions
    end: int  # exclusive
    concept_id: str
    source: str  # "lexicon" | "hpo" | "icd10cm"


@dataclass
class _CuratedIndex:
    concepts: dict[str, Concept] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # normalised synonym -> id
    prefixes: dict[str, str] = field(default_factory=dict)  # phrases and their leading words (prefix_index)
    max_len: int = 1


@lru_cache(maxsize=1)
def _curated() -> _CuratedIndex:
    index = _CuratedIndex()
    for c in load_lexicon():
        index.concepts[c.id] = c
        for phrase in (c.label, c.id.replace("_", " "), *c.synonyms):
            key = normalise_term(phrase)
            # the first concept to claim a phrase keeps it (files are read in a fixed order)
            if key and key not in index.phrases:
                index.phrases[key] = c.id
                index.max_len = max(index.max_len, key.count(" ") + 1)
    index.prefixes = fallback_terms.prefix_index(index.phrases)
    return index


def concept(concept_id: str) -> Concept | None:
    return _curated().concepts.get(concept_id)


def kind(concept_id: str) -> str | None:
    c = concept(concept_id)
    if c is not None:
        return c.kind
    if concept_id.startswith(("hpo:", "icd10cm:")):
        return "condition"
    return None


def _longest_matches(words: list[str], covered: list[bool], prefixes: dict[str, str], max_len: int, source: str):
    """Greedy left-to-right longest match of word n-grams; words that are "" are skipped
    inside a phrase (hyphens, slashes), None breaks a phrase (commas, brackets).
    ``prefixes`` (fallback_terms.prefix_index) maps each phrase to its id and each run of a
    phrase's leading words to "": an n-gram grows only while some phrase starts with it."""
    found: list[Mention] = []
    i, n = 0, len(words)
    while i < n:
        if covered[i] or not words[i]:
            i += 1
            continue
        best: tuple[int, str] | None = None
        phrase, length = "", 0  # the n-gram so far, words joined by one space
        j = i
        while j < n and length < max_len:
            w = words[j]
            if w is None or covered[j]:
                break
            if w:
                phrase = f"{phrase} {w}" if length else w
                length += 1
                hit = prefixes.get(phrase)
                if hit is None:
                    break
                if hit:
                    best = (j + 1, hit)
            j += 1
        if best:
            end, cid = best
            found.append(Mention(i, end, cid, source))
            for k in range(i, end):
                covered[k] = True
            i = end
        else:
            i += 1
    return found


_LIST_WORDS = frozenset({"or", "and", "", "nor"})


def _elided(words: list[str | None], covered: list[bool], mentions: list[Mention]) -> list[Mention]:
    """"hepatitis B or C", "type 1 and 2 diabetes": the short word after a conjunction
    replaces the mention's last word ("hepatitis c")."""
    phrases = _curated().phrases
    found: list[Mention] = []
    for m in mentions:
        head = [w for w in words[m.start : m.end] if w]
        j = m.end
        while j < len(words) and words[j] in _LIST_WORDS and words[j] is not None:
            j += 1
        if j == m.end or j >= len(words) or covered[j] or not words[j] or len(words[j]) > 2 or len(head) < 2:
            continue
        for extra, stem in ((2, head[:-1]), (2, head[1:-1]), (1, head[:-1])):
            tail = [w for w in words[j : j + extra] if w]
            if len(tail) != extra or not stem:
                continue
            cid = phrases.get(" ".join(stem + tail))
            if cid:
                # "hepatitis B or C infections": the elided phrase takes "infections" over
                mentions[:] = [o for o in mentions if not (o.start > j and o.start < j + extra)]
                found.append(Mention(j, j + extra, cid, "lexicon"))
                for k in range(j, j + extra):
                    covered[k] = True
                break
    return found


def _led_elided(words: list[str | None], covered: list[bool], mentions: list[Mention]) -> list[Mention]:
    """"type 1 or type 2 diabetes", "small cell or non-small cell lung cancer": the
    uncovered words before a conjunction replace the next mention's leading words
    ("type 1 diabetes"), when that makes a lexicon phrase of another concept."""
    phrases = _curated().phrases
    found: list[Mention] = []
    for m in mentions:
        if m.source != "lexicon":
            continue
        head = [w for w in words[m.start : m.end] if w]
        j = m.start - 1
        while j >= 0 and words[j] == "":
            j -= 1
        if j < 1 or words[j] not in ("or", "and", "nor"):
            continue
        k = j - 1
        lead: list[str] = []
        starts: list[int] = []
        while k >= 0 and len(lead) < 3 and words[k] is not None and not covered[k]:
            if words[k]:
                lead.insert(0, words[k])
                starts.insert(0, k)
            k -= 1
        hit = next(((size, cid) for size in range(1, len(lead) + 1) for drop in range(1, min(3, len(head) - 1) + 1)
                    if (cid := phrases.get(" ".join(lead[-size:] + head[drop:]))) and cid != m.concept_id), None)
        if hit:
            size, cid = hit
            found.append(Mention(starts[-size], j, cid, "lexicon"))
            for x in range(starts[-size], j):
                covered[x] = True
    return found


@lru_cache(maxsize=20000)
def _specific(phrase: str, concept_id: str) -> str:
    """The most specific id for a lexicon synonym.

    The curated lists group specific diseases under one concept ("atrial fibrillation" is
    a synonym of ``arrhythmia``, "bronchiectasis" of ``lung_disease``) so that they reach
    the broad rules. Read as the broad concept, a rule about the specific disease would
    be met by anything else below the broad one (palpitations -> "atrial fibrillation").
    When a terminology names the phrase exactly and that term lies below the lexicon
    concept, the term is used: it still reaches the broad concept through its ancestors.
    """
    c = concept(concept_id)
    if c is None or c.kind != "condition" or c.get("status") or c.get("subtype"):
        return concept_id
    if phrase in (normalise_term(c.label), normalise_term(c.id.replace("_", " "))):
        return concept_id
    specific = fallback_terms.fallback_names().get(phrase)
    if specific is None or any(fallback_terms.xref_covers(x, specific) for x in c.xrefs):
        return concept_id  # the terminology's term is the lexicon concept itself
    return specific if concept_id in ancestors(specific) else concept_id


def find_mentions(words: list[str | None], fallbacks: bool = True) -> list[Mention]:
    """Concept mentions in a sequence of normalised words (see _longest_matches)."""
    covered = [False] * len(words)
    curated = _curated()
    mentions = _longest_matches(words, covered, curated.prefixes, curated.max_len, "lexicon")
    if fallbacks:
        mentions = [Mention(m.start, m.end, _specific(" ".join(w for w in words[m.start:m.end] if w), m.concept_id),
                            m.source) for m in mentions]
    mentions += _elided(words, covered, mentions)
    mentions += _led_elided(words, covered, mentions)
    if fallbacks:
        # HPO and ICD-10-CM share one dict (HPO wins a shared name), so one pass reads both
        found = _longest_matches(words, covered, fallback_terms.fallback_prefix_index(), MAX_NGRAM, "fallback")
        mentions += [Mention(m.start, m.end, m.concept_id, m.concept_id.split(":", 1)[0]) for m in found]
    mentions.sort(key=lambda m: m.start)
    return mentions


@lru_cache(maxsize=20000)
def resolve_tuple(text: str) -> tuple[str, ...]:
    norm = normalise_term(text)
    if not norm:
        return ()
    words: list[str | None] = list(norm.split())
    ids: list[str] = []
    for m in find_mentions(words):
        if m.concept_id not in ids:
            ids.append(m.concept_id)
    return tuple(ids) if ids else (f"term:{norm}",)


def resolve(text: str) -> list[str]:
    return list(resolve_tuple(text or ""))


@lru_cache(maxsize=20000)
def ancestors(concept_id: str) -> frozenset[str]:
    result: set[str] = {concept_id}
    curated = _curated()
    if concept_id.startswith("hpo:"):
        hpo_ids = fallback_terms.hpo_index().ancestors(concept_id)
        result |= hpo_ids
        # a symptom reaches the lexicon concepts that name it, not the diseases of the
        # organ system HPO files it under (cough is not a lung disease)
        symptom = concept_id in fallback_terms.hpo_symptoms()
        # nor does any finding reach a disease concept through an organ-system category
        # ("Abnormality of the nervous system") it merely sits under: paresthesia is not a
        # neurological disease. Such a category still matches when named itself.
        result |= _lexicon_xrefs_for({concept_id} if symptom else
                                     {concept_id} | {a for a in hpo_ids if not _hpo_organ_system(a)})
    elif concept_id.startswith("icd10cm:"):
        code = concept_id.split(":", 1)[1]
        result |= {f"icd10cm:{a}" for a in fallback_terms.icd_index().ancestors(code)}
        result |= _lexicon_xrefs_for({concept_id})
    stack = [c for c in result if c in curated.concepts]
    while stack:
        c = curated.concepts[stack.pop()]
        for parent in c.parents:
            if parent not in result:
                result.add(parent)
                stack.append(parent)
    return frozenset(result)


_HPO_PHENOTYPIC_ABNORMALITY = "hpo:HP:0000118"


def _hpo_organ_system(concept_id: str) -> bool:
    """An HPO organ-system category: a direct child of "Phenotypic abnormality"."""
    return _HPO_PHENOTYPIC_ABNORMALITY in fallback_terms.hpo_index().parents.get(concept_id, ())


def _lexicon_xrefs_for(ids: set[str] | frozenset[str]) -> set[str]:
    found: set[str] = set()
    for c in _curated().concepts.values():
        for xref in c.xrefs:
            if any(fallback_terms.xref_covers(xref, i) for i in ids):
                found.add(c.id)
    return found


@lru_cache(maxsize=1)
def _exclusive_groups() -> dict[tuple[str, str], frozenset[str]]:
    """(parent id, group) -> the lexicon concepts under that parent in that group."""
    groups: dict[tuple[str, str], set[str]] = {}
    for c in _curated().concepts.values():
        group = c.get("exclusive")
        if group:
            for parent in c.parents:
                groups.setdefault((parent, str(group)), set()).add(c.id)
    return {key: frozenset(ids) for key, ids in groups.items()}


@lru_cache(maxsize=20000)
def exclusive_of(concept_id: str) -> frozenset[str]:
    """The concepts that rule ``concept_id`` out (see the module docstring)."""
    curated = _curated()
    groups = _exclusive_groups()
    above = ancestors(concept_id)
    found: set[str] = set()
    for a in above:
        c = curated.concepts.get(a)
        group = c.get("exclusive") if c is not None else None
        if group:
            for parent in c.parents:
                found |= groups.get((parent, str(group)), frozenset()) - {a}
    return frozenset(found - above)


def is_a(concept_id: str, parent_id: str) -> bool:
    return parent_id in ancestors(concept_id)


def label(concept_id: str) -> str:
    c = concept(concept_id)
    if c is not None:
        return c.label
    if concept_id.startswith("hpo:"):
        return fallback_terms.hpo_index().labels.get(concept_id, concept_id)
    if concept_id.startswith("icd10cm:"):
        return fallback_terms.icd_index().label(concept_id.split(":", 1)[1])
    if concept_id.startswith("term:"):
        return concept_id[5:]
    return concept_id.replace("_", " ")
