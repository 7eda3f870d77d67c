"""Free-text clinical note -> PatientProfile, with the evidence for every fact.

``extract_profile(note, as_of=...)`` reads a referral letter or a TREC/TrialGPT-style
patient description with the rule pipeline in ``note_pipeline`` (concepts + medspaCy
ConText) and the value finders in ``note_values`` / ``note_dates``, and returns:
- ``profile``: a PatientProfile with ``absent_means_no=True`` (a note is a complete record
  by its protocol: what it does not mention counts as absent);
- ``facts``: every fact used, with the words, the sentence, character offsets and the
  context flags, so a clinician can check each one;
- ``ignored``: hypothetical and uncertain mentions ("if she becomes pregnant",
  "concern for PE") and mentions about someone who is neither the patient nor a relative
  ("her husband has colon cancer": ``other_person``), shown but never used as facts.

Negated mentions are explicit "no" facts (``present=False``); a relative's condition
("mother had breast cancer", "father with diabetes") is kept as ``family=True``, never as
the patient's; a spouse's is not family history either (``other_person``, ignored).
Deterministic; nothing is logged (notes are patient data).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field
from spacy.tokens import Doc, Span

from matching import concepts, note_dates, note_history, note_markers, note_sites, note_terms, note_values
from matching.note_context import OTHER_PERSON
from matching.note_dates import TimeMention
from matching.note_pipeline import get_pipeline
from matching.note_values import ValueMention
from matching.note_vocab import CONDITION, MEDICATION, PROCEDURE, STATUS
from matching.profile import (MAX_ITEMS, Allergy, Code, Condition, Evidence, LabResult,
                              Medication, PatientProfile, Procedure)

FactKind = Literal[
    "age", "sex", "condition", "procedure", "medication", "lab", "allergy", "pregnant",
    "breastfeeding", "childbearing_potential", "uses_contraception", "can_consent",
    "will_comply", "in_other_trial", "ecog", "karnofsky", "life_expectancy_months",
]
MAX_NOTE_CHARS = 100_000  # a referral note is a few thousand characters
_EVIDENCE_MAX = 2000


class ExtractedFact(BaseModel):
    kind: FactKind
    value: str | float | bool | dict
    text: str  # the words in the note
    start: int  # character offsets of ``text`` in the note
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    negated: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    uncertain: bool = False
    other_person: bool = False  # about a spouse, a partner, a friend: neither the patient nor family


class ExtractionResult(BaseModel):
    profile: PatientProfile
    facts: list[ExtractedFact] = Field(default_factory=list)
    ignored: list[ExtractedFact] = Field(default_factory=list)


class NoteInputError(ValueError):
    """The note cannot be read (not text, or far too long)."""


# ----------------------------------------------------------------------------- sentences
class _Sentences:
    """Finds the sentence around a character offset."""

    def __init__(self, doc: Doc):
        self.spans = list(doc.sents)
        self.starts = [s.start_char for s in self.spans]

    def around(self, char: int) -> Span:
        index = max(0, bisect.bisect_right(self.starts, char) - 1)
        return self.spans[index]


def _fact(kind: str, value, text: str, start: int, end: int, sentence: Span, **flags) -> ExtractedFact:
    return ExtractedFact(kind=kind, value=value, text=text, start=start, end=end,
                         sentence=sentence.text.strip()[:_EVIDENCE_MAX],
                         sentence_start=sentence.start_char, sentence_end=sentence.end_char, **flags)


def _evidence(fact: ExtractedFact) -> Evidence:
    return Evidence(text=fact.sentence or fact.text, start=fact.sentence_start, end=fact.sentence_end)


# ---------------------------------------------------------------------- history sections
_HISTORY_HEADER = re.compile(r"^[ \t]*(?:past\s+(?:medical\s+|surgical\s+)?history|pmh|psh|pmhx|medical\s+history)"
                             r"[ \t]*:?[ \t]*$", re.I | re.M)
_ANY_HEADER = re.compile(r"^[ \t]*[A-Z][A-Za-z /&]{2,40}:[ \t]*$|^[ \t]*$", re.M)


def history_sections(text: str) -> list[tuple[int, int]]:
    """Character ranges of "Past Medical History:" blocks: up to the next header or blank line."""
    ranges = []
    for header in _HISTORY_HEADER.finditer(text):
        following = _ANY_HEADER.search(text, header.end() + 1)
        ranges.append((header.end(), following.start() if following else len(text)))
    return ranges


def _in_ranges(char: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= char < end for start, end in ranges)


# ------------------------------------------------------------------------ concept facts
_PLANNED = re.compile(r"\b(?:scheduled\s+for|planned|planning|plan\s+(?:is\s+)?(?:for|to)|will\s+undergo|"
                      r"to\s+undergo|candidate\s+for|referred\s+for|awaiting|upcoming)\b[^.;]*$", re.I)
_PLANNED_AFTER = re.compile(r"^\s*(?:is|are|has\s+been|was)?\s*(?:scheduled|planned|booked|pending)\b", re.I)
_STOPPED = re.compile(r"\b(?:stopped|discontinued|completed|finished|off|failed|held)\b[^.;]*$", re.I)
# "no significant history of X", "no major X": a judgement that nothing notable is there, not
# a denial of every kind of X (the patient may have a minor one), so it is not an explicit "no".
_HEDGED_DENIAL = re.compile(r"\b(?:no|without|denies|denied)\s+(?:\w+\s+)?(?:clinically\s+)?"
                            r"(?:significant|major|notable|relevant|remarkable)\b[^.;,]*$", re.I)
_TIME_AFTER = 70  # characters after a mention where its time expression may sit
_TIME_BEFORE = 40


def _flags(span: Span) -> dict:
    return {
        "negated": bool(span._.is_negated), "historical": bool(span._.is_historical),
        "family": bool(span._.is_family), "hypothetical": bool(span._.is_hypothetical),
        "uncertain": bool(span._.is_uncertain),
        "other_person": any(m.category == OTHER_PERSON for m in span._.modifiers),
    }


_LIST_GLUE = re.compile(r"^(?:[\s,;]|\band\b|\bor\b|\bup\s+to\b|\bof\b|[\d.]+|°?\s?[CF]\b|%)*$", re.I)


def _shared_by_list(between: str, span: Span, doc: Doc, end: int) -> bool:
    """"fever, dyspnea and cough for 2 days": the mentions between are a list sharing the time."""
    rest = between
    for e in doc.ents:
        if e.start_char >= span.end_char and e.end_char <= end:
            rest = rest.replace(e.text, " ")
    return bool(_LIST_GLUE.match(rest))


def _time_for(span: Span, sentence: Span, times: list[TimeMention], doc: Doc, *,
              durations: bool = True) -> TimeMention | None:
    """The time expression closest to a mention in its sentence, preferring one after it.

    A duration ("for 2 days", "12 weeks of") says when a condition began; for a procedure or
    a medication it is how long it lasted, so those ask for ``durations=False``."""
    if not durations:
        times = [t for t in times if t.precision != "duration"]
    adjacent = [t for t in times if t.precision == "duration" and 0 <= span.start_char - t.end <= 2]
    if adjacent:
        return adjacent[0]  # "12 weeks of amenorrhea"
    after = [t for t in times if span.end_char <= t.start < min(sentence.end_char, span.end_char + _TIME_AFTER)]
    if after:
        first = after[0]
        between = doc.text[span.end_char:first.start]
        if not any(e.start_char >= span.end_char and e.end_char <= first.start and e.label_ == span.label_
                   for e in doc.ents) or len(between) < 8 or _shared_by_list(between, span, doc, first.start):
            return first
    before = [t for t in times if max(sentence.start_char, span.start_char - _TIME_BEFORE) <= t.start and t.end <= span.start_char]
    return before[-1] if before else None


def _code(term) -> Code | None:
    if term.code_system in {"hpo", "mesh"} and term.code:
        return Code(system=term.code_system, code=term.code, display=term.name[:500])
    return None


def _condition_value(span: Span, sentence: Span, times, doc: Doc) -> dict:
    term = span._.term
    name = f"{span._.qualifiers} {term.name}".strip() if span._.qualifiers else term.name
    after = [t.text for t in doc[span.end:min(sentence.end, span.end + 6)]]
    name = note_sites.sited_cancer_name(name, after) or name  # "carcinoma of the right breast"
    window = doc.text[max(sentence.start_char, span.start_char - 30):min(sentence.end_char, span.end_char + 30)]
    value = {"text": name, "stage": note_values.find_stage(window)}
    time = _time_for(span, sentence, times, doc)
    if time:
        value["onset"] = time.date.isoformat()
    if term.code:
        value["code"] = {"system": term.code_system, "code": term.code}
    return value


def _procedure_name(name: str) -> str:
    """Canonical name without the subtype words: "allogeneic hsct" -> the HSCT name."""
    core = " ".join(w for w in name.lower().replace("-", " ").split() if w not in note_terms.PROCEDURE_SUBTYPES)
    for key in (name.lower(), core):
        if key in note_terms.PROCEDURES:
            return note_terms.PROCEDURES[key][0]
    return core or name


def _procedure_value(span: Span, sentence: Span, times, doc: Doc) -> dict:
    term = span._.term
    words = span.text.lower().replace("-", " ").split()
    before_words = doc.text[max(sentence.start_char, span.start_char - 20):span.start_char].lower().split()
    subtype = term.subtype
    for word in [*before_words[-1:], *words]:
        subtype = note_terms.PROCEDURE_SUBTYPES.get(word.strip(",;:()"), subtype)
    before = doc.text[sentence.start_char:span.start_char]
    value: dict = {"text": _procedure_name(term.name), "subtype": subtype,
                   "site": note_values.find_site(doc.text[span.end_char:sentence.end_char]),
                   "planned": bool(_PLANNED.search(before) or _PLANNED_AFTER.match(doc.text[span.end_char:sentence.end_char]))}
    time = None if value["planned"] else _time_for(span, sentence, times, doc, durations=False)
    if time:
        value["date"] = time.date.isoformat()
        if re.search(r"\b(?:completed|finished)\b", before, re.I):
            value["end_date"] = time.date.isoformat()
    return value


def _medication_value(span: Span, sentence: Span, times, doc: Doc) -> dict:
    term = span._.term
    name = term.name if term.name[1:] != term.name[1:].lower() else term.name.lower()
    before = doc.text[max(sentence.start_char, span.start_char - 25):span.start_char]
    after = doc.text[span.end_char:min(sentence.end_char, span.end_char + 60)]
    value: dict = {"text": name, **note_values.find_dose(before, after)}
    if term.code:
        value["code"] = {"system": term.code_system, "code": term.code}
    time = _time_for(span, sentence, times, doc, durations=False)
    head = doc.text[sentence.start_char:span.start_char]
    if time and _STOPPED.search(head):
        value["end"] = time.date.isoformat()
    elif time:
        value["start"] = time.date.isoformat()
    if _STOPPED.search(head) or span._.is_historical:
        value["stopped"] = True
    return value


def _status_value(span: Span) -> tuple[str, bool] | None:
    term = span._.term
    affirmed = term.subtype == "true"
    if term.name == "pregnant" and span.text.lower() == "pregnancy test":
        return (term.name, False) if span._.is_negated else None  # a test done says nothing yet
    return term.name, (not affirmed) if span._.is_negated else affirmed


def _history_cues(span: Span) -> list[str]:
    """The words of the ConText history cues that reached ``span`` ("history of", "resolved")."""
    doc = span.doc
    return [doc[m.modifier_span[0]:m.modifier_span[1]].text for m in span._.modifiers
            if m.category == "HISTORICAL"]


# A name followed by a colon or "=" and a number labels a measured value ("PH: 5.3",
# "Glc: 100"), whatever the same letters mean elsewhere.
_MEASURED = re.compile(r"[ \t]*[:=][ \t]*[<>]?[ \t]*\d")


def _concept_facts(doc: Doc, sentences: _Sentences, times: list[TimeMention]) -> list[ExtractedFact]:
    facts = []
    past = history_sections(doc.text)
    for span in doc.ents:
        if span.label_ == CONDITION and _MEASURED.match(doc.text, span.end_char):
            continue  # "PH: 5.3" in a urinalysis is the pH, not pulmonary hypertension
        sentence = sentences.around(span.start_char)
        flags = _flags(span)
        if _in_ranges(span.start_char, past):
            flags["historical"] = True
        if flags["historical"] and span.label_ == CONDITION and note_history.still_current(
                span._.term.name, _history_cues(span), sentence.text):
            flags["historical"] = False  # "history of asthma": a lifelong disease the patient has
        if flags["negated"] and _HEDGED_DENIAL.search(doc.text[sentence.start_char:span.start_char]):
            flags["uncertain"] = True
        if span.label_ == CONDITION:
            kind, value = "condition", _condition_value(span, sentence, times, doc)
        elif span.label_ == PROCEDURE:
            kind, value = "procedure", _procedure_value(span, sentence, times, doc)
        elif span.label_ == MEDICATION:
            kind, value = "medication", _medication_value(span, sentence, times, doc)
        elif span.label_ == STATUS:
            status = _status_value(span)
            if status is None or flags["family"] or flags["other_person"] or flags["historical"]:
                continue  # a past pregnancy or a relative's is not the patient's status now
            kind, value = status
            flags["negated"] = False  # folded into the value
        else:  # pragma: no cover - the pipeline makes no other labels
            continue
        facts.append(_fact(kind, value, span.text, span.start_char, span.end_char, sentence, **flags))
    return facts


# -------------------------------------------------------------------------- value facts
def _value_facts(text: str, sentences: _Sentences) -> list[ExtractedFact]:
    mentions: list[ValueMention] = []
    for finder in (note_values.find_age, note_values.find_sex):
        found = finder(text)
        if found:
            mentions.append(found)
    mentions += note_values.find_labs(text)
    mentions += note_values.find_scores(text)
    mentions += note_values.find_allergies(text)
    mentions += note_values.find_willingness(text)
    facts = []
    for m in mentions:
        value = m.value
        if m.extra and isinstance(value, dict):
            value = {**value, **m.extra}
        facts.append(_fact(m.kind, value, text[m.start:m.end], m.start, m.end, sentences.around(m.start)))
    return facts


# ------------------------------------------------------------------------------ profile
def _dated(value: dict, key: str) -> dt.date | None:
    return dt.date.fromisoformat(value[key]) if value.get(key) else None


def _merge_key(fact: ExtractedFact) -> tuple:
    return (fact.kind, str(fact.value.get("text")).lower(), fact.family)


def _pick(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """One fact per thing: an affirmed mention beats a negated one, an active one a past one."""
    chosen: dict[tuple, ExtractedFact] = {}
    for fact in facts:
        key = _merge_key(fact)
        current = chosen.get(key)
        rank = (not fact.negated, not fact.historical, bool(fact.value.get("date") or fact.value.get("dose")))
        if current is None or rank > (not current.negated, not current.historical,
                                       bool(current.value.get("date") or current.value.get("dose"))):
            chosen[key] = fact
    return list(chosen.values())[:MAX_ITEMS]


def _condition(fact: ExtractedFact) -> Condition:
    v = fact.value
    return Condition(text=v["text"][:500], code=Code(**v["code"], display=v["text"][:500])
                     if v.get("code", {}).get("system") in {"hpo"} else None,
                     stage=(v.get("stage") or None), status="history" if fact.historical else "active",
                     onset=_dated(v, "onset"), family=fact.family, present=not fact.negated,
                     evidence=_evidence(fact))


def _procedure(fact: ExtractedFact) -> Procedure:
    v = fact.value
    return Procedure(text=v["text"][:500], subtype=v.get("subtype"), site=(v.get("site") or None),
                     date=_dated(v, "date"), end_date=_dated(v, "end_date"), planned=v.get("planned", False),
                     present=not fact.negated, evidence=_evidence(fact))


def _medication(fact: ExtractedFact) -> Medication:
    v = fact.value
    code = Code(system="mesh", code=v["code"]["code"], display=v["text"][:500]) \
        if v.get("code", {}).get("system") == "mesh" else None
    return Medication(text=v["text"][:500], code=code, dose=v.get("dose"), unit=v.get("unit"),
                      frequency=v.get("frequency"), start=_dated(v, "start"), end=_dated(v, "end"),
                      present=not fact.negated, evidence=_evidence(fact))


def _lab(fact: ExtractedFact) -> LabResult:
    v = fact.value
    return LabResult(analyte=v["analyte"], value=v["value"], unit=v["unit"], evidence=_evidence(fact))


_CHILD_AGE = 12
_FLAG_FIELDS = ("pregnant", "breastfeeding", "childbearing_potential", "uses_contraception",
                "can_consent", "will_comply", "in_other_trial")
_NUMBER_FIELDS = ("ecog", "karnofsky", "life_expectancy_months")


def build_profile(facts: list[ExtractedFact]) -> PatientProfile:
    """The profile the facts describe. The first mention of a scalar fact wins."""
    fields: dict = {"absent_means_no": True}
    for fact in facts:
        if fact.kind == "age":
            fields.setdefault("age_years", fact.value)
        elif fact.kind == "sex":
            fields.setdefault("sex", fact.value)
        elif fact.kind in _FLAG_FIELDS or fact.kind in _NUMBER_FIELDS:
            fields.setdefault(fact.kind, fact.value)
    if fields.get("sex") == "male" or fields.get("age_years", 99) < _CHILD_AGE:
        # a pregnancy or breastfeeding word in a man's or a child's note is about someone else
        # ("He is breast feeding": an infant)
        fields.pop("pregnant", None)
        fields.pop("breastfeeding", None)
    if fields.get("pregnant") is True:
        fields["childbearing_potential"] = True
    personal = [f for f in facts if not f.family]
    fields["conditions"] = [_condition(f) for f in _pick([f for f in facts if f.kind == "condition"])]
    fields["procedures"] = [_procedure(f) for f in _pick([f for f in personal if f.kind == "procedure"])]
    fields["medications"] = [_medication(f) for f in _pick([f for f in personal if f.kind == "medication"])]
    fields["labs"] = [_lab(f) for f in personal if f.kind == "lab"][:MAX_ITEMS]
    fields["allergies"] = [Allergy(text=f.value[:500], evidence=_evidence(f))
                           for f in personal if f.kind == "allergy"][:MAX_ITEMS]
    return PatientProfile(**fields)


# ------------------------------------------------------------------- receptor status
def _concept_of(fact: ExtractedFact) -> str:
    return concepts.resolve(str(fact.value.get("text") or ""))[0]


def _names_breast_cancer(fact: ExtractedFact) -> bool:
    """The patient's own breast cancer; a receptor status alone ("HER2-positive") is not one."""
    if fact.kind != "condition" or fact.negated or fact.family:
        return False
    concept = _concept_of(fact)
    if "breast_cancer" not in concepts.ancestors(concept):
        return False
    return concept not in note_markers.RECEPTOR_CONCEPTS or "breast" in fact.text.lower()


def with_receptor_kinds(facts: list[ExtractedFact], text: str, sentences: _Sentences) -> list[ExtractedFact]:
    """The facts with the receptor kinds of the patient's breast cancer the note states
    (``note_markers``), or without any receptor status when the note names no breast cancer."""
    if not any(_names_breast_cancer(f) for f in facts):
        return [f for f in facts if f.kind != "condition" or _concept_of(f) not in note_markers.RECEPTOR_CONCEPTS]
    named = {str(f.value.get("text")).lower() for f in facts if f.kind == "condition"}
    added = [_fact("condition", {"text": kind.name, "stage": None}, text[kind.start:kind.end], kind.start, kind.end,
                   sentences.around(kind.start))
             for kind in note_markers.receptor_kinds(text) if kind.name.lower() not in named]
    return sorted(facts + added, key=lambda f: f.start)


def _used(fact: ExtractedFact) -> bool:
    return not (fact.hypothetical or fact.uncertain or fact.other_person)


def extract_profile(note: str, *, as_of: dt.date | None = None) -> ExtractionResult:
    """Read a clinical note; relative dates ("3 weeks ago") count back from ``as_of`` (today)."""
    if not isinstance(note, str):
        raise NoteInputError("the note must be text")
    if len(note) > MAX_NOTE_CHARS:
        raise NoteInputError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    as_of = as_of or dt.date.today()
    doc = get_pipeline()(note)
    sentences = _Sentences(doc)
    if not sentences.spans:
        return ExtractionResult(profile=PatientProfile(absent_means_no=True, record_text=note))
    times = note_dates.find_times(note, as_of)
    facts = sorted(_concept_facts(doc, sentences, times) + _value_facts(note, sentences), key=lambda f: f.start)
    used = with_receptor_kinds([f for f in facts if _used(f)], note, sentences)
    profile = build_profile(used).model_copy(update={"record_text": note})
    return ExtractionResult(profile=profile, facts=used, ignored=[f for f in facts if not _used(f)])
