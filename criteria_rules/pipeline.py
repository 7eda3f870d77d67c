"""The spaCy pipeline: blank English, a sentencizer (criteria also end clauses at ";"),
a concept-mention component over the curated lexicon and fallback terminologies, and
medspaCy ConText for negation, history, hypothetical and family mentions.

Built once per process (``get_nlp``). ConText needs atoms as ``doc.ents``, and atoms
depend on the criterion's place in the outline, so the compiler runs ``nlp.pipe`` for
tokens, sentences and mentions over a whole batch, then sets entities and calls
``apply_context`` per document.
"""

from __future__ import annotations

from functools import lru_cache

import medspacy  # noqa: F401  (registers the medspacy_context factory)
import spacy
import yaml
from medspacy.context import ConTextRule
from spacy.language import Language
from spacy.tokens import Doc

from criteria_rules import terminology
from criteria_rules.atoms.base import Mention
from criteria_rules.lexicon_loader import LEXICON_DIR

SENTENCE_PUNCT = [".", "!", "?", ";", "。"]
# Punctuation that may sit inside a term ("non-small", "ALI/ARDS", "Crohn's").
_INNER_PUNCT = frozenset({"-", "/", "'", "’", "–", "&", "+"})

if not Doc.has_extension("eligo_mentions"):
    Doc.set_extension("eligo_mentions", default=None)


@lru_cache(maxsize=100_000)
def _word(token_text: str) -> str | None:
    """A token's normalised word: "" is skipped inside a phrase (spaces, inner
    punctuation), None breaks it (other punctuation). (A pure function of the text:
    spaCy's is_space is str.isspace.)"""
    if token_text.isspace():
        return ""
    norm = terminology.normalise_term(token_text)
    if norm:
        return norm
    return "" if token_text in _INNER_PUNCT else None


# Words drug_named_entity_recognition knows as substances that criteria use otherwise
# ("oxygen saturation", "blood glucose", "contrast", "alcohol abuse").
_NOT_A_DRUG = frozenset(
    """
    oxygen o2 water blood sodium potassium calcium magnesium iron glucose alcohol etoh
    air lactate ammonia albumin bicarbonate nitrogen urea creatinine phosphate chloride
    cholesterol protein saline vitamin zinc copper contrast dye tea coffee tobacco nicotine
    gadolinium iodine radioactive hormone insulin-like sugar salt fluid fluids
    """.split()
)


@lru_cache(maxsize=1)
def _find_drugs():
    try:
        from drug_named_entity_recognition import find_drugs
    except ImportError:  # optional: criteria then name drugs through the lexicon only
        return None
    return find_drugs


def _drug_mentions(doc: Doc, token_texts: list[str], taken: list[Mention]) -> list[Mention]:
    """Drug names the curated lexicon and terminologies do not know ("glibenclamide",
    "rifampicin"), by drug_named_entity_recognition, as the note extractor reads them.
    The concept is the drug's canonical name resolved like a patient's medication text,
    so both sides meet on the same id."""
    find_drugs = _find_drugs()
    if find_drugs is None or not any(len(t) >= 4 and t.isalpha() for t in token_texts):  # (spaCy's is_alpha)
        return []
    found = []
    for match in find_drugs(token_texts, is_ignore_case=True):
        info, first, last = match[0], match[1], match[2]
        if first >= last or last > len(doc):
            continue
        span = doc[first:last]
        if span.text.lower() in _NOT_A_DRUG or len(span.text) < 4:
            continue
        start, end = span.start_char, span.end_char
        if any(m.start < end and start < m.end for m in taken + found):
            continue
        name = str(info.get("name") or span.text)
        ids = terminology.resolve(name)
        found.append(Mention(start, end, ids[0] if ids else f"term:{terminology.normalise_term(name)}", "drug", "drug_ner"))
    return found


_HEAD_GLUE = frozenset(" -)")


def merge_restated_heads(text: str, mentions: list[Mention]) -> list[Mention]:
    """"tuberculosis infection", "Human Immunodeficiency Virus (HIV) infection": a general
    word right after a concept that is a kind of it is that concept's head noun, not a
    second condition. Read as one, so "history of tuberculosis infection" is not met by
    any infection (hepatitis C). The general mention is folded into the specific one."""
    merged: list[Mention] = []
    for m in mentions:
        previous = merged[-1] if merged else None
        if (previous is not None and previous.end <= m.start and previous.kind == m.kind
                and set(text[previous.end:m.start]) <= _HEAD_GLUE and m.concept_id != previous.concept_id
                and terminology.is_a(previous.concept_id, m.concept_id)):
            merged[-1] = Mention(previous.start, m.end, previous.concept_id, previous.kind, previous.source)
            continue
        merged.append(m)
    return merged


@Language.component("eligo_concept_mentions")
def concept_mentions(doc: Doc) -> Doc:
    mentions = []
    token_texts = [token.text for token in doc]
    for m in terminology.find_mentions([_word(text) for text in token_texts]):
        start, end = doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1])
        mentions.append(Mention(start, end, m.concept_id, terminology.kind(m.concept_id) or "condition", m.source))
    drugs = _drug_mentions(doc, token_texts, mentions)
    if drugs:
        # a drug name read by the terminologies as a condition ("lithium") is a drug here
        mentions = sorted(mentions + drugs, key=lambda m: m.start)
    doc._.eligo_mentions = merge_restated_heads(doc.text, mentions)
    return doc


def _context_rules() -> list[ConTextRule]:
    data = yaml.safe_load((LEXICON_DIR / "context_rules.yaml").read_text(encoding="utf-8"))
    return [
        ConTextRule(r["literal"], r["category"], direction=r.get("direction", "FORWARD"),
                    max_scope=r.get("max_scope"))
        for r in data["rules"]
    ]


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_PUNCT})
    nlp.add_pipe("eligo_concept_mentions")
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    context.add(_context_rules())
    return nlp


def tokens_pipe(texts, batch_size: int = 256):
    """Tokens, sentences and mentions for many texts (ConText is applied later)."""
    return get_nlp().pipe(texts, batch_size=batch_size, disable=["medspacy_context"])


# ConText categories that set an attribute we read; TERMINATE and PSEUDO rules only
# shape the scope of these, so a doc without any of these triggers needs no ConText.
_ATTRIBUTE_CATEGORIES = frozenset(
    {"NEGATED_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY", "POSSIBLE_EXISTENCE", "UNCERTAIN"}
)


def _first_words(pattern: list) -> set[str] | None:
    """Words a token pattern can start with; None when that cannot be listed."""
    words: set[str] = set()
    for token_pattern in pattern:
        if not isinstance(token_pattern, dict):
            return None
        value = next((token_pattern[k] for k in ("LOWER", "TEXT", "ORTH", "NORM") if k in token_pattern), None)
        if isinstance(value, str):
            words.add(value.lower())
        elif isinstance(value, dict) and ("IN" in value or "in" in value):
            words.update(str(v).lower() for v in value.get("IN", value.get("in", [])))
        else:
            return None
        if token_pattern.get("OP") not in ("?", "*"):
            return words
    return words


@lru_cache(maxsize=1)
def _trigger_words() -> frozenset[str]:
    """First words of every attribute-setting ConText rule (empty: never skip)."""
    context = get_nlp().get_pipe("medspacy_context")
    words: set[str] = set()
    for rule in context.rules:
        if rule.category.upper() not in _ATTRIBUTE_CATEGORIES:
            continue
        if isinstance(rule.pattern, list):
            first = _first_words(rule.pattern)
            if first is None:
                return frozenset()
            words |= first
        elif rule.pattern is None:
            literal = rule.literal.lower().split()
            if literal:
                words.add(literal[0])
        else:
            return frozenset()
    return frozenset(words)


def may_need_context(doc: Doc) -> bool:
    """Whether ConText could set a flag on this doc: without one of its trigger words,
    every entity would keep ConText's defaults (all False)."""
    triggers = _trigger_words()
    if not triggers:
        return True
    return any(token.lower_ in triggers for token in doc)


def apply_context(doc: Doc) -> Doc:
    """ConText on a doc whose atoms are its entities (callers skip a doc for which
    ``may_need_context`` is False)."""
    return get_nlp().get_pipe("medspacy_context")(doc)
