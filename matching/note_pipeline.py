"""The spaCy pipeline that reads clinical notes: blank English and rule components only.

    tokenizer -> sentencizer -> note_lines -> note_concepts -> medspacy_context

- ``note_lines`` adds sentence starts at line breaks (history lists, numbered notes);
- ``note_concepts`` marks conditions, procedures, medications and status words as
  ``doc.ents`` (phrase matches from ``note_vocab``, the drug-name recogniser, and a
  suffix rule for procedures), each span carrying its ``Term`` in ``span._.term``.
  Phrases match as written (case aside) and also through their word forms
  (``note_wordforms``: "ST-segment elevations" is the vocabulary's "ST segment
  elevation", "rashes" a "rash");
- medspaCy ConText then flags each entity negated / historical / family / hypothetical /
  uncertain, with the rules in ``note_context``.

No statistical model is loaded. The pipeline is built once per process (``get_pipeline``).
"""

from __future__ import annotations

import functools
import gc
import re

import medspacy  # noqa: F401  (registers the medspacy_context factory)
import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from matching import note_terms
from matching.note_wordforms import HYPHENS, WordFormMatcher, phrase_forms
from matching.note_context import context_rules
from matching.note_vocab import (CONDITION, MEDICATION, PROCEDURE, Term, Vocabulary,
                                 load_vocabulary)

if not Span.has_extension("term"):
    Span.set_extension("term", default=None)
if not Span.has_extension("qualifiers"):
    Span.set_extension("qualifiers", default="")  # qualifier words kept before a condition

_NEWLINE = re.compile(r"\n")
# Words the drug recogniser knows that in notes are rarely a medicine given to the patient.
_NOT_A_DRUG = frozenset(
    """
    oxygen o2 water blood sodium potassium calcium magnesium iron glucose alcohol etoh
    air lactate ammonia albumin bicarbonate nitrogen urea creatinine phosphate
    chloride cholesterol protein saline vitamin zinc copper contrast dye tea coffee
    """.split()
)
_MAX_MODIFIERS = 3  # "poorly differentiated metastatic adenocarcinoma"


@Language.component("note_lines")
def mark_line_starts(doc: Doc) -> Doc:
    """A line break ends a sentence: notes list diagnoses one per line, without periods."""
    line_start = True
    for token in doc[:-1]:
        if line_start and token.like_num and doc[token.i + 1].text == "." and token.i + 2 < len(doc):
            doc[token.i + 2].is_sent_start = False  # "0. A 58-year-old ...": a numbered line
        line_start = "\n" in token.text or "\n" in token.whitespace_
        if line_start:
            doc[token.i + 1].is_sent_start = True
    return doc


def _phrase_matchers(nlp: Language, vocab: Vocabulary) -> tuple[PhraseMatcher, PhraseMatcher]:
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    lower.add("TERM", list(nlp.tokenizer.pipe(vocab.lower.keys())))
    exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    exact.add("TERM", list(nlp.tokenizer.pipe(vocab.exact.keys())))
    return lower, exact


def _span_key(span: Span) -> str:
    return " ".join(span.text.split())


_SLASH_REACH = 4  # words either side of a slash that a phrase read across it may take


class ConceptMarker:
    """Marks the clinical concepts of a note as entities, one ``Term`` per span."""

    def __init__(self, nlp: Language):
        self.vocab = load_vocabulary()
        self.lower, self.exact = _phrase_matchers(nlp, self.vocab)
        self.forms = WordFormMatcher(nlp.tokenizer, self.vocab.lower)
        from drug_named_entity_recognition import find_drugs

        self._find_drugs = find_drugs

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for _, start, end in self.lower(doc):
            span = doc[start:end]
            term = self.vocab.lower.get(_span_key(span).lower())
            spans.append(self._labelled(span, term))
        matched = {(s.start, s.end) for s in spans if s is not None}
        for start, end, term in self.forms(doc):
            if (start, end) not in matched:  # a phrase as written keeps its own term
                spans.append(self._labelled(doc[start:end], term))
        for _, start, end in self.exact(doc):
            span = doc[start:end]
            spans.append(self._labelled(span, self.vocab.exact.get(_span_key(span))))
        spans.extend(self._drugs(doc))
        spans.extend(self._procedure_words(doc))
        taken = {t for span in spans if span is not None for t in range(span.start, span.end)}
        spans.extend(span for span in self._slash_alternatives(doc)
                     if not taken.intersection(range(span.start, span.end)))
        chosen = filter_spans([s for s in spans if s is not None])
        doc.ents = [self._with_modifiers(doc, self._past_denied_word(doc, s)) for s in chosen]
        return doc

    def _past_denied_word(self, doc: Doc, span: Span) -> Span:
        """"non-bloody diarrhea", "non productive cough": "non" denies the word it prefixes
        (ConText's "non" cue reaches one word), not the finding named after it; when the
        rest of the phrase is a finding of its own, the patient has that finding, so the
        span becomes the rest ("diarrhea"), outside the cue's reach."""
        if span.label_ != CONDITION or len(span) < 2:
            return span
        before = span.start - 1
        if before > 0 and doc[before].text in HYPHENS and not doc[before - 1].whitespace_:
            before -= 1
        if before < 0 or doc[before].lower_ != "non":
            return span
        rest = doc[span.start + 1:span.end]
        term = self.vocab.lower.get(_span_key(rest).lower()) or self.forms.phrases.get(phrase_forms(rest))
        return self._labelled(rest, term) if term is not None and term.kind == CONDITION else span

    @staticmethod
    def _labelled(span: Span, term: Term | None) -> Span | None:
        if term is None:
            return None
        labelled = Span(span.doc, span.start, span.end, label=term.kind)
        labelled._.term = term
        return labelled

    def _drugs(self, doc: Doc) -> list[Span]:
        words = [t.text for t in doc]
        found = []
        for match in self._find_drugs(words, is_ignore_case=True):
            info, start, end = match[0], match[1], match[2]
            if start >= end or end > len(doc):
                continue
            span = doc[start:end]
            if span.text.lower() in _NOT_A_DRUG or len(span.text) < 4:
                continue
            name = str(info.get("name") or span.text)
            mesh = info.get("mesh_id")
            term = Term(MEDICATION, name, code_system="mesh" if mesh else None, code=mesh)
            found.append(self._labelled(span, term))
        return found

    def _slash_alternatives(self, doc: Doc) -> list[Span]:
        """"squamous intraepithelial/glandular lesion": two words joined by a slash are
        alternatives within one phrase ("squamous intraepithelial lesion" or "squamous
        glandular lesion"). A vocabulary phrase read with either word alone marks the whole
        written span (the longest such phrase), where no term was found already ("HTN/DM",
        "breast/ovarian cancer" and "nausea/vomiting" keep their own terms)."""
        found = []
        for token in doc:
            i = token.i
            if (token.text != "/" or i == 0 or i + 1 >= len(doc) or token.whitespace_
                    or doc[i - 1].whitespace_ or not doc[i - 1].is_alpha or not doc[i + 1].is_alpha):
                continue
            best = None
            for start in range(max(0, i - _SLASH_REACH), i):
                for end in range(i + 2, min(len(doc), i + 2 + _SLASH_REACH) + 1):
                    for kept in ((doc[start:i], doc[i + 2:end]), (doc[start:i - 1], doc[i + 1:end])):
                        words = " ".join(t.lower_ for part in kept for t in part)
                        term = self.vocab.lower.get(words)
                        if term is not None and (best is None or end - start > best[1] - best[0]):
                            best = (start, end, term)
            if best is not None:
                found.append(self._labelled(doc[best[0]:best[1]], best[2]))
        return found

    def _procedure_words(self, doc: Doc) -> list[Span]:
        found = []
        for token in doc:
            low = token.lower_
            if token.is_alpha and len(low) > 8 and low.endswith(note_terms.PROCEDURE_SUFFIXES):
                found.append(self._labelled(doc[token.i:token.i + 1], Term(PROCEDURE, low)))
        return found

    @staticmethod
    def _with_modifiers(doc: Doc, span: Span) -> Span:
        """Keep the qualifiers written before a condition: they carry its type and stage."""
        if span.label_ != CONDITION:
            return span
        start = span.start
        while (start > 0 and span.start - start < _MAX_MODIFIERS
               and doc[start - 1].lower_ in note_terms.CONDITION_MODIFIERS
               and not doc[start - 1].ent_type_ and not doc[start - 1].is_sent_end):
            start -= 1
        if start == span.start:
            return span
        wider = Span(doc, start, span.end, label=span.label_)
        wider._.term = span._.term
        wider._.qualifiers = doc[start:span.start].text.lower()
        return wider


@Language.factory("note_concepts")
def make_concept_marker(nlp, name):  # untyped: spaCy's config validation cannot read string annotations
    return ConceptMarker(nlp)


@functools.lru_cache(maxsize=1)
def get_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("note_lines")
    nlp.add_pipe("note_concepts")
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    context.add(context_rules())
    # ~320k objects that live as long as the process, loaded at the first note a worker
    # reads (after it froze its catalog: app.catalog.settle_garbage_collector). Unfrozen,
    # every full collection walks them again: ~220 ms, once per ~150 matches at 10k trials.
    # (Cyclic garbage alive at this moment stays too: once per process, a few objects.)
    gc.freeze()
    return nlp
