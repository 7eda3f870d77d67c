"""ConText rules for notes: medspaCy's defaults, adjusted for how clinicians write.

Changes to the defaults, and why:
- "resolved" means the condition was there and is gone: history, not negation;
- notes write history as "s/p", "prior", "previous", "former", "PMH";
- "non-smoker", "never smoked", "quit", "negative pregnancy test" need their own cues;
- "negative"/"positive" right after a marker ("HER2-negative", "triple negative",
  "hormone receptor negative", "node-negative") is a receptor or test status that
  qualifies the disease ("HER2-negative breast cancer"), not a denial of it: such a
  status is a pseudo-modifier;
- a test result is written after what was tested ("HIV negative", "HIV test negative"):
  "negative" reaches back to a condition as well as forward, but not across a comma;
  "was negative for malignancy" denies what follows "for";
- a history cue at the start of a long sentence ("48 M with h/o HTN ... who presented
  with SOB") must not reach the presenting complaint: "who", "presented", "admitted" end
  the scope of history, negation and family cues.
"""

from __future__ import annotations

from pathlib import Path

import medspacy
from medspacy.context import ConTextRule
from spacy.tokens import Span

from matching.note_vocab import CONDITION

NEGATED = "NEGATED_EXISTENCE"
HISTORICAL = "HISTORICAL"
FAMILY = "FAMILY"
HYPOTHETICAL = "HYPOTHETICAL"
UNCERTAIN = "POSSIBLE_EXISTENCE"

_DEFAULTS_DROPPED = frozenset({"resolved", "now resolved"})
_DEFAULT_RULES = Path(medspacy.__file__).resolve().parents[1] / "resources" / "en" / "context_rules.json"


def _rule(literal: str, category: str, direction: str = "FORWARD", pattern=None, **kwargs) -> ConTextRule:
    return ConTextRule(literal, category, pattern=pattern, direction=direction, **kwargs)


def _lower_in(*words: str) -> dict:
    return {"LOWER": {"IN": list(words)}}


# Words after which "negative" is the result of a test, not a marker status of a disease.
_RESULT_WORDS = (
    "test tests testing tested screen screening result results serology serologies antibody "
    "antibodies ab antigen ag pcr titer titers assay culture cultures swab panel study studies "
    "scan biopsy biopsies cytology smear was were is are be been remains remained came returned back"
).split()
_NEGATIVE = ("negative", "neg")
_JOINERS = frozenset({"-", "/"})  # "HIV-negative": a hyphen joins, a comma separates


def _unbroken(target: Span, modifier: Span, between: Span) -> bool:
    """A short-scope cue reaches a target only if no punctuation stands between them,
    and reaches back only to a condition ("HIV negative"; "biopsy negative" says no
    biopsy was not done)."""
    if any(t.is_punct and t.text not in _JOINERS for t in between):
        return False
    return target.start >= modifier.end or target.label_ == CONDITION


def marker_status_pattern() -> list[dict]:
    """"HER2-negative", "triple negative", "receptor positive": a status word after a
    plain word (not a concept of the note, not a test or a verb)."""
    return [{"ENT_TYPE": "", "IS_PUNCT": False, "IS_STOP": False, "LIKE_NUM": False,
             "LOWER": {"NOT_IN": _RESULT_WORDS}},
            {"ORTH": "-", "OP": "?"},
            _lower_in(*_NEGATIVE, "positive", "pos")]


def _added_rules() -> list[ConTextRule]:
    rules = [
        # history
        _rule("s/p", HISTORICAL, pattern=[_lower_in("s"), {"ORTH": "/"}, _lower_in("p")]),
        _rule("status post", HISTORICAL),
        _rule("post", HISTORICAL, pattern=[{"LOWER": "post"}], max_scope=3),
        _rule("prior", HISTORICAL, pattern=[_lower_in("prior", "previous", "previously", "remote",
                                                      "former", "formerly", "past", "old")]),
        _rule("pmh", HISTORICAL, pattern=[_lower_in("pmh", "pmhx", "phx", "psh")]),
        _rule("resolved", HISTORICAL, pattern=[_lower_in("resolved", "resolution")]),
        _rule("now resolved", HISTORICAL, direction="BACKWARD"),
        _rule("in the past", HISTORICAL, direction="BACKWARD"),
        _rule("as a child", HISTORICAL, direction="BACKWARD"),
        _rule("in childhood", HISTORICAL, direction="BACKWARD"),
        _rule("quit", HISTORICAL, pattern=[_lower_in("quit", "stopped", "ceased")], max_scope=3),
        _rule("recovered from", HISTORICAL),
        _rule("treated for", HISTORICAL, pattern=[_lower_in("treated", "txd"), {"LOWER": "for"}]),
        _rule("in remission", HISTORICAL, direction="BACKWARD"),
        # a birth story is about the patient as a baby, not a pregnancy now
        _rule("born", HISTORICAL, pattern=[_lower_in("born", "birth")], direction="BIDIRECTIONAL"),
        # negation
        _rule("non", NEGATED, pattern=[_lower_in("non", "never"), {"ORTH": "-", "OP": "?"}], max_scope=2),
        _rule("nonsmoker", NEGATED, pattern=[_lower_in("nonsmoker", "non-smoker")], direction="BIDIRECTIONAL", max_scope=1),
        _rule("negative", NEGATED, pattern=[_lower_in(*_NEGATIVE)], direction="BIDIRECTIONAL",
              max_scope=3, on_modifies=_unbroken),
        _rule("marker status", NEGATED, pattern=marker_status_pattern(), direction="PSEUDO"),
        # "biopsy was negative for malignancy", "CT negative for pneumonia": longer than the
        # marker status and the backward "was negative", so it wins their overlap
        _rule("was negative for", NEGATED,
              pattern=[{"OP": "?"}, {"LOWER": "back", "OP": "?"}, _lower_in(*_NEGATIVE),
                       _lower_in("for", "of")]),
        _rule("is negative", NEGATED, direction="BACKWARD",
              pattern=[_lower_in("was", "is", "were", "are", "came", "returned"),
                       {"LOWER": "back", "OP": "?"}, _lower_in("negative", "neg")]),
        _rule("no known", NEGATED, pattern=[{"LOWER": "no"}, {"LOWER": "known"}]),
        _rule("nor", NEGATED, pattern=[_lower_in("nor", "neither")]),
        _rule("not", NEGATED, pattern=[_lower_in("not", "n't")], max_scope=3),
        _rule("unable to", NEGATED, pattern=[_lower_in("unable", "incapable", "cannot", "lacks"),
                                             _lower_in("to", "of", "capacity"), {"OP": "?"}], max_scope=4),
        _rule("none", NEGATED, pattern=[{"LOWER": "none"}, {"LOWER": "of", "OP": "?"}]),
        # family
        _rule("family history", FAMILY, pattern=[_lower_in("family", "fh", "fhx")]),
        # hypothetical
        _rule("in case of", HYPOTHETICAL),
        _rule("at risk for", HYPOTHETICAL, pattern=[{"LOWER": "at"}, _lower_in("risk", "increased"),
                                                   {"LOWER": "risk", "OP": "?"}, _lower_in("for", "of")]),
        _rule("prevention of", HYPOTHETICAL, pattern=[_lower_in("prevention", "prevent", "prophylaxis", "screening")]),
        # uncertainty
        _rule("concern for", UNCERTAIN, pattern=[_lower_in("concern", "suspicion", "suspected", "questionable", "?")]),
        _rule("differential", UNCERTAIN, pattern=[_lower_in("ddx", "differential")]),
    ]
    for category in (HISTORICAL, NEGATED, FAMILY, UNCERTAIN):
        rules.append(_rule("who", category, direction="TERMINATE",
                           pattern=[_lower_in("who", "which", "presented", "presents", "presenting",
                                              "admitted", "now", "currently", "today", "but",
                                              "however", "complicated", "c/b", "with", "whom")]))
    return rules


def context_rules() -> list[ConTextRule]:
    defaults = [r for r in ConTextRule.from_json(_DEFAULT_RULES) if r.literal not in _DEFAULTS_DROPPED]
    return defaults + _added_rules()
