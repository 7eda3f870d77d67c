"""Diagnosis phrases of a clinical note, for ranking: the words that name the patient's diseases.

The note extractor finds the conditions its vocabulary knows; a note often names its main
diagnosis with words no vocabulary lists ("known case of Acromegaly", "Sickle cell
disease", "Turner syndrome"). For text relevance (``matching.text_relevance.query_terms``)
those words matter more than the note's other words, so this finds them by their shape:

- a phrase ending in a disease head word ("... disease", "... syndrome", "... carcinoma",
  "-itis", "-osis", "-oma"), with up to three words before it in the same clause;
- the words after a diagnosis cue ("diagnosed with", "diagnosis of", "known case of").

A phrase is dropped when its clause says, before it, that the patient does not have it
("no", "denies", "negative for", "no evidence of") or that someone else does ("her
husband", "mother"). Rules only, no vocabulary: words, not concepts, for BM25. Pure and
deterministic; nothing is logged.
"""

from __future__ import annotations

import re

from matching import note_people

# Words that end a phrase going backwards from its head: function words, verbs of finding,
# and words that only frame a diagnosis.
_STOP = frozenset("""
and or who which that with without for in on at since from was is were are be been has had have but after
before a an the of to due his her their this these she he it its as by into than then also
revealed showed shows confirmed confirming possible presumptive probable diagnosis diagnosed prognosis known
case history comes came presents presented presenting developed recent new other any underlying such
""".split())
_HEAD = re.compile(r"^[a-z'\-]*(?:disease|diseases|syndrome|cancer|carcinoma|tumou?r|lymphoma|leuka?emia|sarcoma|"
                   r"melanoma|myeloma|infection|disorder|deficiency|failure|anaemia|anemia|gravis|fibrosis|"
                   r"sclerosis|dystrophy|palsy|itis|osis|oma)$")
# A head word alone says "some disease": it names nothing, so it is not a phrase by itself
# and its own word is left to the note's context weight.
GENERIC_HEADS = frozenset("disease diseases syndrome cancer tumor tumour infection disorder deficiency failure".split())
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*|[^\sA-Za-z0-9]")
_CLAUSE = re.compile(r"[^.;:\n]+")
_CUE = re.compile(r"\b(?:diagnosed\s+with|diagnosis\s+of|known\s+case\s+of|known\s+history\s+of|"
                  r"confirmed\s+the\s+diagnosis\s+of)\s+", re.I)
_OTHER_PEOPLE = "|".join(re.escape(w) for w in (*note_people.RELATIVES, *note_people.OTHER_PEOPLE, "family"))
_NEGATIONS = r"no|not|never|denies|denied|without|negative\s+for|free\s+of|rule\s+out|r/o|ruled\s+out"
_NOT_THE_PATIENTS = re.compile(rf"\b(?:{_NEGATIONS}|{_OTHER_PEOPLE})\b", re.I)
_NEGATION = re.compile(rf"\b(?:{_NEGATIONS})\b", re.I)
# Words after which a negation no longer holds ("no fever but a productive cough").
_NEGATION_ENDS = re.compile(r"\b(?:but|however|although|though|except|yet|whereas)\b", re.I)
_MAX_BEFORE_HEAD = 3
_MAX_AFTER_CUE = 4


def _is_word(token: str) -> bool:
    return token[0].isalnum()


def _head_phrases(tokens: list[re.Match]) -> list[tuple[int, str]]:
    found = []
    for i, token in enumerate(tokens):
        word = token.group(0).lower()
        if word in _STOP or not _HEAD.match(word):
            continue
        start = i
        while (start > 0 and i - start < _MAX_BEFORE_HEAD and _is_word(tokens[start - 1].group(0))
               and tokens[start - 1].group(0).lower() not in _STOP):
            start -= 1
        if start == i and word in GENERIC_HEADS:
            continue
        found.append((tokens[start].start(), " ".join(t.group(0) for t in tokens[start:i + 1])))
    return found


def _cue_phrases(clause: str, offset: int) -> list[tuple[int, str]]:
    found = []
    for cue in _CUE.finditer(clause):
        words = []
        for token in _TOKEN.finditer(clause, cue.end()):
            word = token.group(0)
            if not _is_word(word) or word.isdigit() or word.lower() in _STOP or len(words) == _MAX_AFTER_CUE:
                break
            words.append(word)
        if words:
            found.append((cue.start() + offset, " ".join(words)))
    return found


def diagnosis_phrases(note: str) -> list[str]:
    """The note's diagnosis phrases, in order, each once (see the module docs)."""
    phrases: dict[str, None] = {}
    for clause in _CLAUSE.finditer(note or ""):
        text = clause.group(0)
        tokens = list(_TOKEN.finditer(text))
        for start, phrase in sorted(_head_phrases(tokens) + _cue_phrases(text, 0)):
            if _NOT_THE_PATIENTS.search(text, 0, start):
                continue
            phrases.setdefault(phrase, None)
    return list(phrases)


def affirmed_text(note: str) -> str:
    """The note without what it denies: in each clause, the words from a negation cue
    ("no", "denies", "negative for", "without", "ruled out") to the clause's end or to a
    word that ends the negation ("but", "however"). Text relevance counts the note's other
    words as weak evidence of what the patient has; "denies chest pain, no fever" is
    evidence of the opposite, and a trial about chest pain or fever is no more on topic
    for it. Clauses end at ``.``, ``;``, ``:`` and line breaks, as for the phrases."""
    kept = []
    for clause in _CLAUSE.finditer(note or ""):
        text, position, parts = clause.group(0), 0, []
        while (cue := _NEGATION.search(text, position)) is not None:
            parts.append(text[position:cue.start()])
            end = _NEGATION_ENDS.search(text, cue.end())
            if end is None:
                position = len(text)
                break
            position = end.start()
        parts.append(text[position:])
        kept.append("".join(parts))
    return "\n".join(kept)
