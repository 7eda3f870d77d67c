"""ConText rules for notes: medspaCy's defaults, adjusted for how clinicians write.

Changes to the defaults, and why:
- "resolved" means the condition was there and is gone: history, not negation;
- notes write history as "s/p", "prior", "previous", "former", "PMH";
- "non-smoker", "never smoked", "quit", "negative pregnancy test" need their own cues;
- a history cue at the start of a long sentence ("48 M with h/o HTN ... who presented
  with SOB") must not reach the presenting complaint: "who", "presented", "admitted" end
  the scope of history, negation and family cues.
"""

from __future__ import annotations

from pathlib import Path

import medspacy
from medspacy.context import ConTextRule

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
        _rule("negative", NEGATED, pattern=[_lower_in("negative", "neg")], max_scope=3),
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
