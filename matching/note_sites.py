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
# The vocabularies name a site's cancer by the organ's adjective ("pancreatic cancer"), a
# note by its noun ("carcinoma of the pancreas"): the noun's adjectives, tried after the noun.
_SITE_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "pancreas": ("pancreatic",), "stomach": ("gastric",), "kidney": ("renal",), "kidneys": ("renal",),
    "liver": ("hepatic",), "ovary": ("ovarian",), "ovaries": ("ovarian",), "cervix": ("cervical",),
    "uterus": ("uterine", "endometrial"), "endometrium": ("endometrial", "uterine"),
    "esophagus": ("esophageal",), "oesophagus": ("esophageal", "oesophageal"),
    "rectum": ("rectal",), "colon": ("colon", "colorectal"), "bowel": ("bowel", "colorectal"),
    "lungs": ("lung",), "bronchus": ("lung",), "breasts": ("breast",), "prostate": ("prostate", "prostatic"),
    "bladder": ("bladder",), "thyroid": ("thyroid",), "testis": ("testicular",), "testicle": ("testicular",),
    "larynx": ("laryngeal",), "pharynx": ("pharyngeal",), "nasopharynx": ("nasopharyngeal",),
    "oropharynx": ("oropharyngeal",), "tongue": ("oral",), "mouth": ("oral",), "skin": ("skin",),
    "brain": ("brain",), "anus": ("anal",), "vulva": ("vulvar",), "penis": ("penile",),
    "gallbladder": ("gallbladder",), "adrenal": ("adrenal",), "bone": ("bone",),
}


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


def _site_names(site: list[str]) -> list[str]:
    """The names to try for a site, longest first: "sigmoid colon" -> "sigmoid colon",
    "sigmoid", "colon", "colorectal"; each noun is followed by its adjectives."""
    names: list[str] = []
    spans = [site[:n] for n in range(len(site), 0, -1)] + [site[-1:]]
    for words in spans:
        for name in (" ".join(words), *(" ".join([*words[:-1], a]) for a in _SITE_ADJECTIVES.get(words[-1], ()))):
            if name not in names:
                names.append(name)
    return names


def sited_cancer_name(name: str, after: list[str]) -> str | None:
    """``name`` read with the site written after it, or None when the words name no site
    more specific than ``name`` itself (see the module docs)."""
    site = _site_words(after)
    if not site or not name:
        return None
    broad = concepts.resolve(name)[0]
    if broad.startswith("term:"):
        return None
    for words in _site_names(site):
        candidate = f"{words} cancer"
        specific = concepts.resolve(candidate)[0]
        if specific != broad and not specific.startswith("term:") and broad in concepts.ancestors(specific):
            return f"{candidate} ({name})"
    return None
