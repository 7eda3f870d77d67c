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
  the scope of history, negation and family cues;
- a person's cue ("her mother", "father with diabetes", "her husband was diagnosed with")
  is not ended by "with" or "who": it runs to the sentence end, or until the patient is
  named again ("; he has diabetes") or the person only relays the patient's story ("brought
  in by his mother with fever"). Relatives are FAMILY; a spouse, partner or friend is
  OTHER_PERSON (not the patient's, and not family history). Words: ``note_people``.
"""

from __future__ import annotations

from pathlib import Path

import medspacy
from medspacy.context import ConTextRule
from spacy.tokens import Span

from matching.note_vocab import CONDITION, MEDICATION, PROCEDURE

from matching import note_people

NEGATED = "NEGATED_EXISTENCE"
HISTORICAL = "HISTORICAL"
FAMILY = "FAMILY"
HYPOTHETICAL = "HYPOTHETICAL"
UNCERTAIN = "POSSIBLE_EXISTENCE"

_DEFAULTS_DROPPED = frozenset({"resolved", "now resolved"})
# medspaCy's relative cue ("family": mother, ... husband, wife) is replaced by ``_person_rules``
_DEFAULTS_REPLACED = frozenset({"family"})
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


# A reported test result: with one of these, a screen is a finding, not a plan.
_NONREACTIVE = ("nonreactive", "non-reactive", "undetectable", "undetected")
_RESULTS = frozenset({*_NEGATIVE, *_NONREACTIVE, "positive", "pos", "reactive", "detected",
                      "seropositive", "seronegative"})
_CLAUSE_BREAKS = frozenset({";", ".", "but", "however"})
_MAX_BACK_SCREENED = 4  # "hepatitis C virus screening": the screen right after what it looks for


def _screened_without_result(target: Span, modifier: Span, between: Span) -> bool:
    """A screening cue makes a target hypothetical unless a result is reported for it: one
    of ``_RESULTS`` between the cue and the target, or after both up to the end of the
    clause ("Screening: HIV was negative", "HIV screen positive"). Backwards the cue
    reaches only an adjacent phrase ("colon cancer screening")."""
    if target.start < modifier.start and (
            modifier.start - target.end > _MAX_BACK_SCREENED or any(t.is_punct for t in between)):
        return False
    if _RESULTS.intersection(t.lower_ for t in between):
        return False
    for token in target.doc[max(target.end, modifier.end):target.sent.end]:
        if token.lower_ in _CLAUSE_BREAKS:
            break
        if token.lower_ in _RESULTS:
            return False
    return True


def marker_status_pattern() -> list[dict]:
    """"HER2-negative", "triple negative", "receptor positive": a status word after a
    plain word (not a concept of the note, not a test or a verb)."""
    return [{"ENT_TYPE": "", "IS_PUNCT": False, "IS_STOP": False, "LIKE_NUM": False,
             "LOWER": {"NOT_IN": _RESULT_WORDS}},
            {"ORTH": "-", "OP": "?"},
            _lower_in(*_NEGATIVE, "positive", "pos")]


# "31-year-old", "5 months old", "24W3D gestational old": an age, written with "old".
_AGE_UNITS = ("year", "years", "yr", "yrs", "month", "months", "mo", "mos", "week", "weeks", "wk", "wks",
              "day", "days", "gestational")
_AGE_OLD = [_lower_in(*_AGE_UNITS), {"ORTH": "-", "OP": "?"}, {"LOWER": "old"}]


def _added_rules() -> list[ConTextRule]:
    rules = [
        # history
        _rule("s/p", HISTORICAL, pattern=[_lower_in("s"), {"ORTH": "/"}, _lower_in("p")]),
        _rule("status post", HISTORICAL),
        _rule("post", HISTORICAL, pattern=[{"LOWER": "post"}], max_scope=3),
        _rule("prior", HISTORICAL, pattern=[_lower_in("prior", "previous", "previously", "remote",
                                                      "former", "formerly", "past", "old")]),
        # "a 34-year-old man complaining of diarrhea": the age's "old" is not the history cue
        # "old" ("old MI"); longer than that cue, so it wins the overlap
        _rule("year old", "PSEUDO_AGE", direction="PSEUDO", pattern=_AGE_OLD),
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
        # "non-" negates the word it prefixes ("non-bloody diarrhea"), not a disease named after
        # another word: "Non-hodgkins Marginal Zone Lymphoma" is a lymphoma the patient has.
        # Its own target types (every kind the note marks) keep it from cutting short another
        # denial's reach (medspaCy limits a cue's scope at the next cue of its category with
        # the same target types): "denies fever or non-bloody diarrhea" denies the diarrhea.
        _rule("non", NEGATED, pattern=[_lower_in("non"), {"ORTH": "-", "OP": "?"}], max_scope=1,
              allowed_types={CONDITION, PROCEDURE, MEDICATION}),
        _rule("never", NEGATED, pattern=[_lower_in("never"), {"ORTH": "-", "OP": "?"}], max_scope=2),
        # "CT abdomen without contrast ... showing a mass": the scan's technique, not a denial
        _rule("without contrast", "PSEUDO_NEGATION", direction="PSEUDO",
              pattern=[_lower_in("without", "with", "w/o", "w/"), _lower_in("iv", "oral", "intravenous", "i.v."),
                       {"LOWER": {"IN": ["contrast"]}}]),
        _rule("without contrast", "PSEUDO_NEGATION", direction="PSEUDO",
              pattern=[_lower_in("without", "w/o", "non"), {"ORTH": "-", "OP": "?"}, _lower_in("contrast", "contrasted")]),
        # "prior to his diarrhea onset": before an event, which is not thereby past history
        _rule("prior to", "PSEUDO_HISTORY", direction="PSEUDO", pattern=[_lower_in("prior"), {"LOWER": "to"}]),
        _rule("nonsmoker", NEGATED, pattern=[_lower_in("nonsmoker", "non-smoker")], direction="BIDIRECTIONAL", max_scope=1),
        _rule("negative", NEGATED, pattern=[_lower_in(*_NEGATIVE, *_NONREACTIVE)], direction="BIDIRECTIONAL",
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
        _rule("not", NEGATED, pattern=[_lower_in("not", "n't")], max_scope=5),
        _rule("unable to", NEGATED, pattern=[_lower_in("unable", "incapable", "cannot", "lacks"),
                                             _lower_in("to", "of", "capacity"), {"OP": "?"}], max_scope=4),
        _rule("none", NEGATED, pattern=[{"LOWER": "none"}, {"LOWER": "of", "OP": "?"}]),
        # family
        _rule("family history", FAMILY, pattern=[_lower_in("family", "fh", "fhx")]),
        # hypothetical
        _rule("in case of", HYPOTHETICAL),
        _rule("at risk for", HYPOTHETICAL, pattern=[{"LOWER": "at"}, _lower_in("risk", "increased"),
                                                   {"LOWER": "risk", "OP": "?"}, _lower_in("for", "of")]),
        _rule("prevention of", HYPOTHETICAL, pattern=[_lower_in("prevention", "prevent", "prophylaxis")]),
        # "screening for HIV", "colon cancer screening": looked for, not found; but a screen
        # whose result the note reports ("Screening: HIV was negative") is a test result
        _rule("screening", HYPOTHETICAL, pattern=[_lower_in("screening", "screen", "screened")],
              direction="BIDIRECTIONAL", on_modifies=_screened_without_result),
        # uncertainty
        _rule("concern for", UNCERTAIN, pattern=[_lower_in("concern", "suspicion", "suspected", "questionable", "?")]),
        # "was given a presumptive diagnosis of hepatic encephalopathy": not yet confirmed
        _rule("presumptive", UNCERTAIN, pattern=[_lower_in("presumptive", "presumed", "provisional", "tentative")],
              max_scope=5),
        _rule("differential", UNCERTAIN, pattern=[_lower_in("ddx", "differential")]),
    ]
    return rules


# --------------------------------------------------------------------- scope terminators
# "presented", "admitted", "but" start a new matter: they end every cue's scope.
_CLAUSE_ENDS = ("presented", "presents", "presenting", "admitted", "but", "however")
# "48 M with h/o HTN who presented with SOB": these end history, negation and the other
# cues too, but not a person's: "Father with diabetes", "mother, who had breast cancer".
# medspaCy lets any TERMINATE modifier end any scope, so these are a PSEUDO category that
# the other rules name in ``terminated_by``.
_CLAUSE_TURNS = ("who", "which", "whom", "with", "complicated", "c/b", "now", "currently", "today")
CLAUSE_TURN = "CLAUSE_TURN"


def _terminator_rules() -> list[ConTextRule]:
    return [_rule("presented", FAMILY, direction="TERMINATE", pattern=[_lower_in(*_CLAUSE_ENDS)]),
            _rule("with", CLAUSE_TURN, direction="PSEUDO", pattern=[_lower_in(*_CLAUSE_TURNS)])]


# ------------------------------------------------------------------------ other people
OTHER_PERSON = "OTHER_PERSON"  # a spouse's or a friend's condition: not the patient's, not family history
PERSON_END = "PERSON_END"  # the patient again, or a relative relaying the patient's story
_RELATIVE_NOUNS = [_lower_in(*note_people.RELATIVES), {"LOWER": {"IN": ["'s", "'"]}, "OP": "?"}]
_CHILD_NOUNS = [_lower_in(*note_people.POSSESSIVES), _lower_in(*note_people.CHILDREN),
                {"LOWER": {"IN": ["'s", "'"]}, "OP": "?"}]
_AGED = [_lower_in(*note_people.POSSESSIVES), {"LOWER": {"NOT_IN": [".", ";", ","]}, "OP": "{1,5}"}, {"LOWER": "old"}]
_OTHER_NOUNS = [_lower_in(*note_people.OTHER_PEOPLE), {"LOWER": {"IN": ["'s", "'"]}, "OP": "?"}]


def _person_rules() -> list[ConTextRule]:
    """Cues for relatives and other people, whose scope runs to the end of the sentence, past
    "with", until the patient is named again or a relative only relays the patient's story."""
    person = {"terminated_by": {PERSON_END}}
    relative = _lower_in(*note_people.RELATIVES, *note_people.CHILDREN, *note_people.OTHER_PEOPLE)
    return [
        _rule("relative", FAMILY, pattern=_RELATIVE_NOUNS, **person),
        _rule("her child", FAMILY, pattern=_CHILD_NOUNS, **person),
        _rule("husband", OTHER_PERSON, pattern=_OTHER_NOUNS, **person),
        # "her 70-year-old father has hypertension": longer than the "old mother" pseudo below
        _rule("her old father", FAMILY, pattern=[*_AGED, _lower_in(*note_people.RELATIVES)], **person),
        _rule("her old husband", OTHER_PERSON, pattern=[*_AGED, _lower_in(*note_people.OTHER_PEOPLE)], **person),
        # "breast cancer in her mother": the relative after the disease
        _rule("in her mother", FAMILY, direction="BACKWARD", max_scope=4,
              pattern=[{"LOWER": "in"}, {"LOWER": {"IN": ["his", "her", "their", "the", "a"]}, "OP": "?"},
                       _lower_in(*note_people.RELATIVES)], **person),
        _rule("in her husband", OTHER_PERSON, direction="BACKWARD", max_scope=4,
              pattern=[{"LOWER": "in"}, {"LOWER": {"IN": ["his", "her", "their", "the", "a"]}, "OP": "?"},
                       _lower_in(*note_people.OTHER_PEOPLE)], **person),
        # the patient is the relative ("a 30-year-old mother of two"), or the relative only brings
        # or tells the patient's story ("brought by his mother with fever", "mother reports a rash")
        _rule("mother of", "PSEUDO_PERSON", direction="PSEUDO", pattern=[relative, _lower_in("of", "to")]),
        _rule("single mother", "PSEUDO_PERSON", direction="PSEUDO",
              pattern=[_lower_in(*note_people.PATIENT_AS_RELATIVE_BEFORE), {"LOWER": "a", "OP": "?"}, relative]),
        _rule("by his mother", "PSEUDO_PERSON", direction="PSEUDO",
              pattern=[_lower_in("by", "with", "per", "to"), {"LOWER": {"IN": ["his", "her", "their", "the"]}, "OP": "?"},
                       relative]),
        # "found by family to have a generalized convulsion": the family found the patient's
        # convulsion; "family" alone is otherwise the family-history cue
        _rule("by his family", "PSEUDO_PERSON", direction="PSEUDO",
              pattern=[_lower_in("by", "per"), {"LOWER": {"IN": ["his", "her", "their", "the"]}, "OP": "?"},
                       _lower_in("family", "relatives")]),
        _rule("mother reports", PERSON_END, direction="PSEUDO", pattern=[_lower_in(*note_people.RELAYING_VERBS)]),
        # "her sister was told she had lupus": longer than the relaying verb, so it wins the overlap;
        # the pronoun right after it is the told person again (the sister), not the patient, so it
        # is part of the cue and does not end the relative's scope as "he"/"she" otherwise does
        _rule("was told", "PSEUDO_PERSON", direction="PSEUDO",
              pattern=[_lower_in(*note_people.PASSIVE_BEFORE), {"LOWER": {"IN": ["also", "recently", "later"]}, "OP": "?"},
                       _lower_in(*note_people.RELAYING_VERBS), {"LOWER": "that", "OP": "?"},
                       {"LOWER": {"IN": list(note_people.PRONOUNS)}, "OP": "?"}]),
        _rule("he", PERSON_END, direction="PSEUDO", pattern=[_lower_in(*note_people.PATIENT_WORDS)]),
    ]


def _turned_by_clauses(rule: ConTextRule) -> ConTextRule:
    """Every cue but a person's ends at "who", "with", "now" (see ``_CLAUSE_TURNS``)."""
    if rule.category not in (OTHER_PERSON, PERSON_END) and PERSON_END not in rule.terminated_by:
        rule.terminated_by.add(CLAUSE_TURN)
    return rule


def leaves_parenthesis(between: Span) -> bool:
    """The words between a cue and a later target close a parenthesis they did not open:
    the cue is inside "( ... )" and the target after it."""
    depth = 0
    for token in between:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            if depth == 0:
                return True
            depth -= 1
    return False


def _kept_in_parenthesis(rule: ConTextRule) -> ConTextRule:
    """A cue inside brackets modifies nothing after them: in "prior CVA (no residual
    deficits), HTN, DMII" the "no" denies the deficits, not HTN or DMII. Nor does a cue
    modify the phrase it is a word of: "triple negative breast cancer" is a kind of breast
    cancer (medspaCy's own overlap test misses a cue strictly inside the target)."""
    check = rule.on_modifies

    def on_modifies(target: Span, modifier: Span, between: Span) -> bool:
        if target.start <= modifier.start and modifier.end <= target.end:
            return False
        if target.start >= modifier.end and leaves_parenthesis(between):
            return False
        return check(target, modifier, between) if check is not None else True

    rule.on_modifies = on_modifies
    return rule


# Words that carry a list of denied findings on: "no fever, chills or cough".
_LIST_JOINERS = frozenset({",", "/", ";", "and", "or", "nor", "&", "any", "either"})


def unjoined_finding_before(target: Span, modifier: Span, between: Span) -> bool:
    """Between a forward cue and a later target, another finding followed by words that do
    not join a list: in "no prior syncope occasional HA" the cues end at "occasional", so HA
    is the patient's, and current. "no fever chills, or cough" is one list."""
    if target.start < modifier.end:
        return False
    earlier = [e for e in target.doc.ents if e.start >= modifier.end and e.end <= target.start]
    if not earlier:
        return False
    gap = target.doc[earlier[-1].end:target.start]
    return len(gap) > 0 and not any(t.lower_ in _LIST_JOINERS for t in gap)


def _listed_findings(rule: ConTextRule) -> ConTextRule:
    """A negation or history cue reaches only the findings of its own list
    (``unjoined_finding_before``): "no prior syncope occasional HA" neither denies HA nor
    makes it past history."""
    if rule.category not in (NEGATED, HISTORICAL) or rule.direction not in ("FORWARD", "BIDIRECTIONAL"):
        return rule
    check = rule.on_modifies

    def on_modifies(target: Span, modifier: Span, between: Span) -> bool:
        if unjoined_finding_before(target, modifier, between):
            return False
        return check(target, modifier, between) if check is not None else True

    rule.on_modifies = on_modifies
    return rule


def context_rules() -> list[ConTextRule]:
    defaults = [r for r in ConTextRule.from_json(_DEFAULT_RULES)
                if r.literal not in _DEFAULTS_DROPPED and r.literal not in _DEFAULTS_REPLACED]
    return [_listed_findings(_kept_in_parenthesis(_turned_by_clauses(r)))
            for r in defaults + _added_rules() + _terminator_rules() + _person_rules()]
