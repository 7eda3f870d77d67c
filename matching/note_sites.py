"""A cancer named by its histology, then its site: "invasive ductal carcinoma of the right breast".

The vocabularies name a histology ("invasive ductal carcinoma", "adenocarcinoma") as a
cancer of no particular organ, and a criterion about breast or lung cancer is not met by
it. Notes usually write the organ after the histology ("... of the left lung", "... in the
colon"). When "<site> cancer" names a concept below the one the histology names (breast
cancer is a cancer; a histology of "melanoma" is not widened to "skin cancer"), the
condition is read as that site's cancer and keeps its histology in brackets:
"breast cancer (invasive ductal carcinoma)" resolves to both.

Pure: words in, a name or None out; nothing is logged.
"""

from __future__ import annotations

from matching import concepts

_LINKS = frozenset({"of", "in", "involving"})
_BEFORE_SITE = frozenset({"the", "a", "left", "right", "bilateral", "both", "upper", "lower", "distal", "proximal"})
_MAX_SITE_WORDS = 2
_MAX_SKIPPED = 3


def _site_words(after: list[str]) -> list[str]:
    """The site words after a histology: "of the right breast" -> ["breast"]."""
    if not after or after[0].lower() not in _LINKS:
        return []
    words = [w.lower() for w in after[1:]]
    i = 0
    while i < len(words) and i < _MAX_SKIPPED and words[i] in _BEFORE_SITE:
        i += 1
    site: list[str] = []
    for word in words[i:i + _MAX_SITE_WORDS]:
        if not word.isalpha() or word in _LINKS or word in {"and", "or", "with", "to"}:
            break
        site.append(word)
    return site


def sited_cancer_name(name: str, after: list[str]) -> str | None:
    """``name`` read with the site written after it, or None when the words name no site
    more specific than ``name`` itself (see the module docs)."""
    site = _site_words(after)
    if not site or not name:
        return None
    broad = concepts.resolve(name)[0]
    if broad.startswith("term:"):
        return None
    for n in range(len(site), 0, -1):
        candidate = f"{' '.join(site[:n])} cancer"
        specific = concepts.resolve(candidate)[0]
        if specific != broad and not specific.startswith("term:") and broad in concepts.ancestors(specific):
            return f"{candidate} ({name})"
    return None
