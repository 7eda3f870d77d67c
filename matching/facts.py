"""Atoms against a patient: each typed atom -> (True | False | None, the fact used).

Order of evidence for every atom:
1. what the profile says (a listed item, a flag, an explicit ``present=False``);
2. else an answer to the atom's question (``profile.answers[question id]``);
3. else, for things a complete record would mention (conditions, procedures,
   medications, pregnancy ...), ``absent_means_no`` turns silence into "no";
4. else unknown, with the question that would settle it.

Reasons are plain sentences naming the patient fact ("You told us you are 40 years
old.", "Allogeneic HSCT on 2023-05-01."). They never invent a fact.

:class:`PatientFacts` indexes a profile once (concept ids resolved and cached) so
evaluating thousands of atoms stays cheap.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from criteria_rules.atoms.concepts import spread_stage
from criteria_rules.ir import Window
from matching import concepts, record_mentions, silent_kinds
from matching.derived_conditions import derive_conditions
from matching.logic import Truth, or3
from matching.profile import Condition, LabResult, Medication, PatientProfile, Procedure
from matching.question_catalog import question_id_for_atom
from matching.units import UnitProblem, analyte_id, convert, default_unit, is_uln_unit
from matching.weak_ids import WeakIdTable

_STEROIDS = json.loads((Path(__file__).parent / "data" / "corticosteroids.json").read_text())


@dataclass(slots=True, init=False, unsafe_hash=True)
class AtomFinding:
    """The value of one atom for one patient and the fact it rests on (never changed
    once built: findings are shared by every criterion and trial that reads the atom)."""

    atom_type: str
    value: Truth
    reason: str
    question_id: str | None  # the question that would settle it (when unknown)

    # (a hand-written __init__: matching.native)
    def __init__(self, atom_type: str, value: Truth, reason: str, question_id: str | None = None):
        self.atom_type = atom_type
        self.value = value
        self.reason = reason
        self.question_id = question_id


@dataclass(frozen=True, slots=True)
class _Item:
    """A listed patient fact with its concepts resolved."""

    fact: Any  # Condition | Procedure | Medication | Allergy (mypyc: not 'object')
    closure: frozenset[str]
    words: frozenset[str]
    name: str
    ids: frozenset[str] = frozenset()  # the concepts the item names itself (not their ancestors)


def _item(fact, text: str | None, code) -> _Item:
    ids: tuple[str, ...] = ()
    if text:
        ids += concepts.resolve(text)
    if code is not None:
        ids += concepts.code_concepts(code.system, code.code, code.display)
    name = text or (code.display if code is not None and code.display else (code.code if code else ""))
    all_words = concepts.words(text or "") | concepts.words(code.display or "" if code else "")
    return _Item(fact, concepts.closure(ids), all_words, name, frozenset(ids))


@dataclass(frozen=True, slots=True)
class _ItemIndex:
    """Listed items of one kind, split into present and denied, with the union of each
    group's concepts and words.

    Most atoms name something the patient never mentioned; the unions let a judge see
    that with a lookup or two instead of testing every item (a complete record lists
    dozens). They only ever rule items out: anything not ruled out is tested as before.
    """

    present: tuple[_Item, ...]
    denied: tuple[_Item, ...]
    present_closure: frozenset[str]
    present_words: frozenset[str]
    denied_closure: frozenset[str]
    denied_specific: frozenset[str]  # the concepts denied items name, without generic ``term:`` ids
    denied_words: frozenset[str]

    @property
    def lists_nothing(self) -> bool:
        """The patient lists nothing of this kind, present or denied."""
        return not self.present and not self.denied


def _index(items: list[_Item]) -> _ItemIndex:
    present = tuple(i for i in items if i.fact.present)
    denied = tuple(i for i in items if not i.fact.present)
    denied_closure = frozenset().union(*(i.closure for i in denied))
    denied_ids = frozenset().union(*(i.ids for i in denied))
    return _ItemIndex(present, denied, frozenset().union(*(i.closure for i in present)),
                      frozenset().union(*(i.words for i in present)), denied_closure,
                      frozenset(c for c in denied_ids if not c.startswith("term:")),
                      frozenset().union(*(i.words for i in denied)))


def _lab_names(lab: LabResult) -> frozenset[str]:
    """Every analyte id a patient's lab result answers to: its name's or its code's
    display as an analyte alias, or any concept its name resolves to."""
    names: set[str | None] = set(concepts.closure(concepts.resolve(lab.analyte)))
    names.add(analyte_id(lab.analyte))
    if lab.code is not None and lab.code.display:
        names.add(analyte_id(lab.code.display))
    return frozenset(name for name in names if name is not None)


class PatientFacts:
    """A profile with its listed facts resolved to concepts, built once per request."""

    def __init__(self, profile: PatientProfile, as_of: dt.date, *, complete: bool | None = None):
        self.profile = profile
        self.as_of = as_of
        # whether the record is complete (a note), kept by the open-world reading of it:
        # a complete record naming one kind of a disease rules its other kinds out
        self.complete = profile.absent_means_no if complete is None else complete
        self.answers = profile.answers
        # silence is "unknown", not "no" (matching.facts.says_nothing reads it per atom)
        self.hears_silence = not profile.absent_means_no
        # an unread exclusion's own words may decide it (matching.record_mentions), read
        # once here rather than for each of the thousands of criteria judged
        self.reads_unread_words = record_mentions.applies(profile, False)
        self.criterion_answers = any(key.startswith("q:criterion:") for key in profile.answers)
        self.conditions = [_item(c, c.text, c.code) for c in profile.conditions] + [
            replace(_item(d.condition, d.condition.text, None), name=d.label)
            for d in derive_conditions(profile, as_of)]  # "anemia (hemoglobin 8.9 g/dL, below 12 g/dL)"
        self.procedures = [_item(p, p.text, p.code) for p in profile.procedures]
        self.medications = [_item(m, m.text, m.code) for m in profile.medications]
        self.allergies = [_item(a, a.text, a.code) for a in profile.allergies]
        self.labs = profile.labs
        self.condition_index = {family: _index([i for i in self.conditions if i.fact.family == family])
                                for family in (False, True)}
        self.procedure_index = _index(self.procedures)
        self.medication_index = _index(self.medications)
        self.allergy_index = _index(self.allergies)
        # each lab with the analyte ids it answers to: resolving them per lab atom was
        # most of the cost of judging labs
        self.lab_names = [(lab, _lab_names(lab)) for lab in profile.labs]
        # Findings by atom meaning (atom_number): real trials repeat the same atoms
        # (pregnancy, HIV, age >= 18 ...) thousands of times per request.
        self.memo: dict[int, AtomFinding] = {}
        # Outcomes by criterion shape (matching.outcomes): many trials share criteria.
        self.outcomes: dict[int, str] = {}
        self._open_world: PatientFacts | None = None
        # The same patient with some conditions set aside, by their positions
        # (matching.trial_subject), built on first use.
        self.variants: dict[tuple[int, ...], PatientFacts] = {}
        # Positions of the conditions that name a trial's subject, by the trial's subject
        # concepts (matching.trial_subject): trials of one disease share them.
        self.subjects: dict[frozenset[str], tuple[int, ...]] = {}
        # the kinds of facts the patient says nothing of (matching.silent_kinds), and by
        # (kind, concept) whether they say nothing of that concept (says_nothing_of)
        self.quiet_kinds = silent_kinds.quiet_kinds(self)
        self.unnamed: dict[tuple[int, str], bool] = {}

    @property
    def open_world(self) -> "PatientFacts":
        """The same facts read without ``absent_means_no`` (silence is unknown): an
        inclusion must not fail merely because a complete record is silent (see
        :mod:`matching.evaluate`). Built once, on first use."""
        if not self.profile.absent_means_no:
            return self
        if self._open_world is None:
            self._open_world = PatientFacts(self.profile.model_copy(update={"absent_means_no": False}), self.as_of,
                                            complete=self.complete)
        return self._open_world

    def answer(self, question_id: str):
        return self.answers.get(question_id, _MISSING)


_MISSING = object()


# --- small helpers ---------------------------------------------------------------------------


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def compare(left: float, comparator: str, right: float) -> bool:
    """``left comparator right`` with a tolerance for unit-conversion rounding."""
    close = math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-9)
    if comparator == "==":
        return close
    if comparator == "<":
        return left < right and not close
    if comparator == "<=":
        return left < right or close
    if comparator == ">":
        return left > right and not close
    if comparator == ">=":
        return left > right or close
    raise ValueError(f"unknown comparator {comparator!r}")


_COMPARATOR_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "==": "exactly"}


def concept_matches(concept: str, item: _Item) -> bool:
    """Does a patient item name ``concept`` or something more specific?"""
    if concept in item.closure:
        return True
    needed = _concept_words(concept)
    # the words of "small cell lung cancer" are all in "non-small cell lung cancer"
    return bool(needed) and needed <= item.words and concepts.exclusive_of(concept).isdisjoint(item.closure)


def negation_covers(concept: str, item: _Item) -> bool:
    """Does a patient's explicit "no X" rule out ``concept``? (no hepatitis -> no hepatitis B)"""
    if concept in item.closure:
        return True
    # "no hepatitis" covers hepatitis_b when hepatitis is among hepatitis_b's ancestors:
    # the concept the patient denies, not its own ancestors ("no fever" says nothing of
    # bronchiectasis, though both are phenotypic abnormalities); and the generic
    # fallback term must not match everything it shares a word with.
    specific = {c for c in item.ids if not c.startswith("term:")}
    if specific & concepts.ancestors(concept):
        return True
    needed = _concept_words(concept)
    return bool(needed) and needed <= item.words


@lru_cache(maxsize=50_000)
def _concept_words(concept: str) -> frozenset[str]:
    found = concepts.term_words(concept)
    if found:
        return found
    return concepts.words(concepts.label(concept))


def in_window(event: dt.date | None, window: Window | None, as_of: dt.date, *, ongoing: bool = False) -> Truth:
    """Is an event (or its end) inside ``window`` relative to ``as_of``?"""
    if window is None:
        return True
    if ongoing:
        return window.relation == "within"
    if event is None:
        return None
    days_ago = (as_of - event).days
    if window.relation == "within":
        return 0 <= days_ago <= window.days
    return days_ago >= window.days


def _window_words(window: Window | None) -> str:
    if window is None:
        return ""
    if window.text:
        return f" ({window.text})"
    return f" (within {_num(window.days)} days)" if window.relation == "within" else f" (more than {_num(window.days)} days ago)"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _answer_as_event(answer) -> tuple[Truth, dt.date | None]:
    """Yes/no/date answers: (said yes?, date) -> (False, None) for no."""
    if isinstance(answer, bool):
        return answer, None
    if isinstance(answer, str):
        text = answer.strip().lower()
        if text in ("no", "never", "false", "n"):
            return False, None
        if text in ("yes", "true", "y"):
            return True, None
        if _ISO_DATE.match(text):
            try:
                return True, dt.date.fromisoformat(text)
            except ValueError:
                return None, None
    return None, None


def _answer_as_bool(answer) -> Truth:
    said, _ = _answer_as_event(answer)
    return said


def _unknown(atom, reason: str, question_id: str | None = None) -> AtomFinding:
    return AtomFinding(atom.type, None, reason, question_id or question_id_for_atom(atom))


def _found(atom, value: Truth, reason: str, question_id: str | None = None) -> AtomFinding:
    return AtomFinding(atom.type, value, reason, question_id if value is None else None)


# --- demographics --------------------------------------------------------------------------------


def _age(atom, facts: PatientFacts) -> AtomFinding:
    profile = facts.profile
    age = profile.age_on(facts.as_of)
    source = "from your birth date, you are" if profile.birth_date is not None else "you told us you are"
    if age is None:
        answer = facts.answer("q:age")
        if isinstance(answer, (int, float)) and not isinstance(answer, bool) and answer >= 0:
            age, source = float(answer), "you answered that you are"
        else:
            return _unknown(atom, "We do not know your age.")
    ok = True
    if atom.min_years is not None:
        ok = ok and (age >= atom.min_years if atom.min_inclusive else age > atom.min_years)
    if atom.max_years is not None:
        # "up to 75 years" includes the whole 75th year: compare completed years
        completed = math.floor(age + 1e-9)
        ok = ok and (completed <= atom.max_years if atom.max_inclusive else age < atom.max_years)
    return _found(atom, ok, f"{source[0].upper()}{source[1:]} {_num(math.floor(age))} years old.")


def _sex(atom, facts: PatientFacts) -> AtomFinding:
    sex = facts.profile.sex
    source = "You told us your sex is"
    if sex is None:
        answer = facts.answer("q:sex")
        if answer in ("female", "male", "other"):
            sex, source = answer, "You answered that your sex is"
    if sex in ("female", "male"):
        return _found(atom, sex == atom.sex, f"{source} {sex}.")
    if sex == "other":
        return _unknown(atom, "Your sex is recorded as other; the trial's rule is about sex as female or male.")
    return _unknown(atom, "We do not know your sex.")


# --- listed facts: conditions, procedures, medications, allergies ---------------------------------


def _from_answer_or_absence(atom, facts: PatientFacts, name: str, question_id: str,
                            judge_answer: Callable[[object], AtomFinding | None],
                            absent_reason: str) -> AtomFinding:
    answer = facts.answer(question_id)
    if answer is not _MISSING:
        judged = judge_answer(answer)
        if judged is not None:
            return judged
    if facts.profile.absent_means_no:
        return _found(atom, False, absent_reason)
    return _unknown(atom, f"We do not know whether you have {name}." if atom.type == "condition"
                    else f"We do not know about {name}.", question_id)


def _may_name(concept: str, index: _ItemIndex) -> bool:
    """False when no present item can name ``concept`` (concept_matches would be False for each)."""
    if concept in index.present_closure:
        return True
    needed = _concept_words(concept)
    return bool(needed) and needed <= index.present_words


def _present_matches(concept: str, index: _ItemIndex) -> list[_Item]:
    """The present items that name ``concept`` or something more specific, in listed order."""
    if not _may_name(concept, index):
        return []
    return [i for i in index.present if concept_matches(concept, i)]


present_matches = _present_matches  # (matching.trial_subject reads it too)


def _explicit_no(concept: str, index: _ItemIndex) -> _Item | None:
    """The first item the patient explicitly denies that rules ``concept`` out."""
    if not index.denied:
        return None
    if concept not in index.denied_closure and index.denied_specific.isdisjoint(concepts.ancestors(concept)):
        needed = _concept_words(concept)
        if not needed or not needed <= index.denied_words:
            return None  # negation_covers would be False for each denied item
    for item in index.denied:
        if negation_covers(concept, item):
            return item
    return None


_ROMAN = {"0": 0, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}


def _stage_numbers(text: str) -> set[int] | None:
    """Stages named in a stage text: "II-III" -> {2, 3}; "IIIb" -> {3}; "4" -> {4}."""
    tokens = re.findall(r"\b(iv|v|i{1,3}|0|[1-5])[a-c]?\b", text.lower())
    numbers = [_ROMAN[t] if t in _ROMAN else int(t) for t in tokens]
    if not numbers:
        return None
    if re.search(r"\d|[iv]\s*(-|–|to|through)\s*[iv0-9]", text.lower()) and len(numbers) == 2:
        low, high = sorted(numbers)
        return set(range(low, high + 1))
    return set(numbers)


def _stage_fits(wanted: str, have: str | None) -> Truth:
    if have is None:
        return None
    wanted_set, have_set = _stage_numbers(wanted), _stage_numbers(have)
    if not wanted_set or not have_set:
        return None
    if have_set <= wanted_set:
        return True
    return False if not (have_set & wanted_set) else None


def _stage_of(cond: Condition) -> str | None:
    """A condition's stage; a cancer named as spread ("liver metastases", "metastatic
    thyroid cancer") without one is stage IV, as the compiler reads such words in criteria."""
    if cond.stage:
        return cond.stage
    return spread_stage(cond.text) if cond.text else None


def _condition(atom, facts: PatientFacts) -> AtomFinding:
    name = atom.label or concepts.label(atom.concept)
    question_id = question_id_for_atom(atom)
    pool = facts.condition_index[atom.family]
    matches = _present_matches(atom.concept, pool)
    results: list[AtomFinding] = [_judge_condition(atom, item, facts.as_of, name) for item in matches]
    if results:
        return _best(results)
    whose = "a relative" if atom.family else "you"
    denied = _explicit_no(atom.concept, pool)
    if denied is not None:
        return _found(atom, False, f"You told us {whose} {'has' if atom.family else 'do'} not have {denied.name}."
                      if not atom.family else f"You told us no relative has {denied.name}.")
    other = _other_kind(atom, facts)
    if other is not None and facts.answer(question_id) is _MISSING:
        return _found(atom, False, f"Your record names {other.name}, a different kind than {name}.")

    def judge(answer) -> AtomFinding | None:
        if atom.family:
            said = _answer_as_bool(answer)
            if said is None:
                return None
            return _found(atom, said, f"You answered that a relative {'has' if said else 'has not'} had {name}.")
        text = str(answer).lower() if not isinstance(answer, bool) else ("active" if answer else "no")
        if text in ("no", "false", "never"):
            return _found(atom, False, f"You answered that you do not have {name}.")
        if text in ("active", "yes", "true", "history", "past"):
            active = text not in ("history", "past")
            if atom.status == "active" and not active:
                return _found(atom, False, f"You answered that you had {name} in the past, not now.")
            if atom.stage or atom.window:
                return _unknown(atom, f"You answered that you have had {name}, but not its stage or date.",
                                question_id)
            return _found(atom, True, f"You answered that you {'have' if active else 'had'} {name}.")
        return None

    absent = (f"Your record does not mention {name} in {'your family' if atom.family else 'your history'}.")
    return _from_answer_or_absence(atom, facts, name, question_id, judge, absent)


def _other_kind(atom, facts: PatientFacts) -> _Item | None:
    """In a complete record, the first present item naming another kind of the atom's
    disease (type 2 diabetes for "type 1 diabetes"; see terminology.exclusive_of)."""
    if atom.family or not facts.complete:
        return None
    others = concepts.exclusive_of(atom.concept)
    pool = facts.condition_index[False]
    if not others or others.isdisjoint(pool.present_closure):
        return None
    return next((i for i in pool.present if not others.isdisjoint(i.closure)), None)


def _judge_condition(atom, item: _Item, as_of: dt.date, name: str) -> AtomFinding:
    cond: Condition = item.fact
    when = f" (since {cond.onset.isoformat()})" if cond.onset else ""
    said = f"{'A relative has' if cond.family else 'You told us about'} {item.name}{when}"
    if atom.status == "active" and cond.status == "history":
        return _found(atom, False, f"{said}, in the past rather than now.")
    if atom.stage:
        stage = _stage_of(cond)
        fits = _stage_fits(atom.stage, stage)
        if fits is None:
            return _unknown(atom, f"{said}; we do not know if its stage is {atom.stage}.",
                            question_id_for_atom(atom))
        if not fits:
            return _found(atom, False, f"{said}, stage {stage}, not stage {atom.stage}.")
    in_time = in_window(cond.onset, atom.window, as_of)
    if in_time is None:
        return _unknown(atom, f"{said}; we do not know when it started{_window_words(atom.window)}.")
    if not in_time:
        return _found(atom, False, f"{said}, outside the time asked about{_window_words(atom.window)}.")
    stage = f", stage {cond.stage}" if cond.stage else ""
    return _found(atom, True, f"{said}{stage}.")


def _best(results: list[AtomFinding]) -> AtomFinding:
    """Several matching items: any True settles it; else unknown beats False."""
    value = or3(r.value for r in results)
    for result in results:
        if result.value is value:
            return result
    return results[0]


def _procedure(atom, facts: PatientFacts) -> AtomFinding:
    name = atom.label or concepts.label(atom.concept)
    question_id = question_id_for_atom(atom)
    matches = _present_matches(atom.concept, facts.procedure_index)
    # "candidate for surgery" (planned) and "prior surgery" (done) are different facts
    matches = [i for i in matches if i.fact.planned == atom.planned]
    results = [_judge_procedure(atom, item, facts, name) for item in matches]
    if results:
        return _best(results)
    denied = _explicit_no(atom.concept, facts.procedure_index)
    if denied is not None:
        return _found(atom, False, f"You told us you have not had {denied.name}.")

    def judge(answer) -> AtomFinding | None:
        said, when = _answer_as_event(answer)
        if said is None:
            return None
        if not said:
            return _found(atom, False, f"You answered that you have not had {name}.")
        if atom.subtype or atom.site:
            detail = "subtype" if atom.subtype else "site"
            return _unknown(atom, f"You answered that you have had {name}, but not which kind.",
                            f"{question_id}:{detail}")
        fits = in_window(when, atom.window, facts.as_of)
        on = f" on {when.isoformat()}" if when else ""
        if fits is None:
            return _unknown(atom, f"You answered that you have had {name}, but not when{_window_words(atom.window)}.")
        return _found(atom, fits, f"You answered that you had {name}{on}"
                      + ("." if fits else f", outside the time asked about{_window_words(atom.window)}."))

    planned = "plans for " if atom.planned else ""
    return _from_answer_or_absence(atom, facts, f"{planned}{name}", question_id, judge,
                                   f"Your record does not mention {planned}{name}.")


# Words that name a procedure's kind, normalised to the rule IR's subtype words.
_SUBTYPE_SYNONYMS = {
    "allogeneic": "allogeneic", "allogenic": "allogeneic", "allo": "allogeneic", "allograft": "allogeneic",
    "haploidentical": "allogeneic", "haplo": "allogeneic", "unrelated": "allogeneic", "sibling": "allogeneic",
    "autologous": "autologous", "auto": "autologous", "autograft": "autologous",
    "syngeneic": "syngeneic",
}


def _subtype_words(text: str) -> frozenset[str]:
    return frozenset(_SUBTYPE_SYNONYMS.get(w, w) for w in concepts.words(text))


def _subtype_fits(wanted: str, have: str | None, item: _Item) -> Truth:
    """Is the procedure of the wanted kind? Unknown when nothing says which kind it was."""
    wanted_words = _subtype_words(wanted)
    named = frozenset(_SUBTYPE_SYNONYMS[w] for w in item.words if w in _SUBTYPE_SYNONYMS)
    if have is not None:
        named |= _subtype_words(have)
    if not wanted_words:
        return True
    if wanted_words <= named:
        return True
    return False if named else None


def _site_fits(wanted: str, have: str | None, item: _Item) -> Truth:
    wanted_words = concepts.words(wanted)
    if not wanted_words or wanted_words <= item.words:
        return True
    if have is None:
        return None
    return bool(wanted_words & concepts.words(have))


def _judge_procedure(atom, item: _Item, facts: PatientFacts, name: str) -> AtomFinding:
    proc: Procedure = item.fact
    question_id = question_id_for_atom(atom)
    subtype_answer = facts.answer(f"{question_id}:subtype")
    subtype = proc.subtype or (subtype_answer if isinstance(subtype_answer, str) else None)
    date = proc.end_date or proc.date
    kind = f" ({subtype})" if subtype and subtype.lower() not in item.name.lower() else ""
    on = f" on {proc.date.isoformat()}" if proc.date else ""
    said = f"{item.name[:1].upper()}{item.name[1:]}{kind}{on}"
    if atom.subtype:
        fits = _subtype_fits(atom.subtype, subtype, item)
        if fits is None:
            return _unknown(atom, f"{said}; we do not know if it was {atom.subtype}.", f"{question_id}:subtype")
        if not fits:
            return _found(atom, False, f"{said}, not {atom.subtype}.")
    if atom.site:
        site_answer = facts.answer(f"{question_id}:site")
        site = proc.site or (site_answer if isinstance(site_answer, str) else None)
        fits = _site_fits(atom.site, site, item)
        if fits is None:
            return _unknown(atom, f"{said}; we do not know if it was on the {atom.site}.", f"{question_id}:site")
        if not fits:
            return _found(atom, False, f"{said}, on the {site}, not the {atom.site}.")
    if date is None and atom.window is not None:
        answered, when = _answer_as_event(facts.answer(question_id))
        if answered and when is not None:
            date, on = when, f" (you answered {when.isoformat()})"
    fits = in_window(date, atom.window, facts.as_of)
    if fits is None:
        return _unknown(atom, f"{said}; we do not know when{_window_words(atom.window)}.")
    if not fits:
        return _found(atom, False, f"{said}, outside the time asked about{_window_words(atom.window)}.")
    return _found(atom, True, f"{said}.")


def _steroid_factor(item: _Item) -> float | None:
    """mg of the reference drug per mg of this drug, when the item names a known steroid."""
    table = _STEROIDS["equivalent_mg"]
    reference = table[_STEROIDS["reference"]]
    for concept_id in sorted(item.closure):
        key = concept_id.split(":", 1)[1] if concept_id.startswith("term:") else concept_id
        if key in table:
            return reference / table[key]
    for word in sorted(item.words):
        if word in table:
            return reference / table[word]
    return None


def _daily_mg(med: Medication) -> tuple[float | None, str]:
    """The patient's daily dose in mg and how it was worked out."""
    if med.dose is None:
        return None, "no dose given"
    unit = (med.unit or "mg").strip().lower().replace(" ", "")
    per_day = unit.endswith(("/day", "/d", "/24h", "daily"))
    base = re.sub(r"(/day|/d|/24h|daily)$", "", unit)
    scale = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "ug": 0.001, "µg": 0.001}.get(base)
    if scale is None:
        return None, f"dose unit {med.unit!r} is not a plain mg dose"
    if per_day:
        return med.dose * scale, "daily dose"
    if med.frequency is None:
        return med.dose * scale, "taken once a day (no frequency given)"
    times = _STEROIDS["doses_per_day"].get(med.frequency.strip().lower())
    if times is None:
        return None, f"frequency {med.frequency!r} is not one we can count"
    return med.dose * scale * times, f"{_num(med.dose)} {med.unit or 'mg'} {med.frequency}"


def _dose_threshold_mg(atom) -> float | None:
    unit = (atom.dose.unit or "mg").lower().replace(" ", "")
    base = re.sub(r"(/day|/d|/24h|perday|daily)$", "", unit)
    scale = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "ug": 0.001}.get(base)
    return None if scale is None else atom.dose.value * scale


def _medication(atom, facts: PatientFacts) -> AtomFinding:
    name = atom.label or concepts.label(atom.concept)
    question_id = question_id_for_atom(atom)
    matches = _present_matches(atom.concept, facts.medication_index)
    results = [_judge_medication(atom, item, facts, name) for item in matches]
    if results:
        return _best(results)
    denied = _explicit_no(atom.concept, facts.medication_index)
    if denied is not None:
        return _found(atom, False, f"You told us you do not take {denied.name}.")

    def judge(answer) -> AtomFinding | None:
        said, when = _answer_as_event(answer)
        if said is None:
            return None
        if not said:
            return _found(atom, False, f"You answered that you do not take {name}.")
        fits = in_window(when, atom.window, facts.as_of, ongoing=when is None)
        if atom.window is None and when is not None:
            fits = when >= facts.as_of
        if fits and atom.dose is not None:
            return _dose_from_answer(atom, facts, name)
        on = f", last on {when.isoformat()}" if when else " now"
        return _found(atom, fits, f"You answered that you take {name}{on}.")

    return _from_answer_or_absence(atom, facts, name, question_id, judge,
                                   f"Your record does not mention {name}.")


def _dose_from_answer(atom, facts: PatientFacts, name: str) -> AtomFinding:
    dose_id = f"{question_id_for_atom(atom)}:dose"
    answer = facts.answer(dose_id)
    threshold = _dose_threshold_mg(atom)
    if isinstance(answer, (int, float)) and not isinstance(answer, bool) and threshold is not None:
        fits = compare(float(answer), atom.dose_comparator or ">=", threshold)
        return _found(atom, fits, f"You answered that you take {_num(answer)} mg a day of {atom.dose_of or name}"
                      f" (or its equivalent).")
    return _unknown(atom, f"You take {name}; we do not know the daily dose.", dose_id)


def _judge_medication(atom, item: _Item, facts: PatientFacts, name: str) -> AtomFinding:
    med: Medication = item.fact
    ongoing = med.end is None or med.end >= facts.as_of
    said = f"You told us you take {item.name}" if ongoing else f"You told us you took {item.name} until {med.end}"
    if atom.window is None:
        fits: Truth = ongoing
    else:
        fits = in_window(med.end, atom.window, facts.as_of, ongoing=ongoing)
    if not fits:
        return _found(atom, False, f"{said}, outside the time asked about{_window_words(atom.window)}."
                      if atom.window else f"{said}; you no longer take it.")
    if atom.dose is None or atom.dose_comparator is None:
        return _found(atom, True, f"{said}.")
    daily, how = _daily_mg(med)
    threshold = _dose_threshold_mg(atom)
    if daily is None or threshold is None:
        return _dose_from_answer(atom, facts, name)
    if atom.dose_of:
        factor = _steroid_factor(item) if _is_steroid_reference(atom.dose_of) else (
            1.0 if atom.dose_of in item.closure else None)
        if factor is None:
            return _unknown(atom, f"{said}; we cannot convert its dose to {atom.dose_of}.", f"{question_id_for_atom(atom)}:dose")
        equivalent = daily * factor
        fits = compare(equivalent, atom.dose_comparator, threshold)
        return _found(atom, fits, f"{said}, {_num(daily)} mg a day ({how}), about {_num(round(equivalent, 2))} mg of "
                      f"{atom.dose_of} a day, which is {_COMPARATOR_WORDS[atom.dose_comparator] if fits else 'not ' + _COMPARATOR_WORDS[atom.dose_comparator]} {_num(threshold)} mg.")
    fits = compare(daily, atom.dose_comparator, threshold)
    return _found(atom, fits, f"{said}, {_num(daily)} mg a day ({how}).")


def _is_steroid_reference(drug: str) -> bool:
    return drug in _STEROIDS["equivalent_mg"]


def _allergy(atom, facts: PatientFacts) -> AtomFinding:
    name = "the study treatment" if atom.concept == "investigational_product" else (
        atom.label or concepts.label(atom.concept))
    question_id = question_id_for_atom(atom)
    if atom.concept != "investigational_product":
        matches = _present_matches(atom.concept, facts.allergy_index)
        if matches:
            return _found(atom, True, f"You told us you are allergic to {matches[0].name}.")
        denied = _explicit_no(atom.concept, facts.allergy_index)
        if denied is not None:
            return _found(atom, False, f"You told us you are not allergic to {denied.name}.")
    for item in facts.allergies:
        if not item.fact.present and item.words & {"any", "known", "nkda", "nka", "drug", "allergy", "none"}:
            return _found(atom, False, "You told us you have no known allergies.")

    def judge(answer) -> AtomFinding | None:
        said = _answer_as_bool(answer)
        if said is None:
            return None
        return _found(atom, said, f"You answered that you are {'' if said else 'not '}allergic to {name}.")

    return _from_answer_or_absence(atom, facts, f"allergies to {name}", question_id, judge,
                                   "Your record does not mention any allergy to it.")


# --- labs --------------------------------------------------------------------------------------------


def _latest(labs: list[LabResult]) -> LabResult:
    # undated results count as older than dated ones; the last listed wins a tie
    return max(enumerate(labs), key=lambda pair: (pair[1].date or dt.date.min, pair[0]))[1]


def _parse_value_with_unit(text: str) -> tuple[float, str] | None:
    found = re.match(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(.*)$", text)
    if not found:
        return None
    return float(found.group(1)), found.group(2).strip()


def _lab(atom, facts: PatientFacts) -> AtomFinding:
    name = atom.label or concepts.label(atom.analyte)
    question_id = question_id_for_atom(atom)
    labs = [lab for lab, names in facts.lab_names if atom.analyte in names]
    if labs:
        lab = _latest(labs)
        value, unit, uln, lln = lab.value, lab.unit, lab.uln, lab.lln
        when = f" on {lab.date.isoformat()}" if lab.date else ""
        said = f"Your {lab.analyte} was {_num(value)} {unit}".rstrip() + when
    else:
        answer = facts.answer(question_id)
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            value, unit = float(answer), default_unit(atom.analyte) or atom.unit
        elif isinstance(answer, str) and (parsed := _parse_value_with_unit(answer)):
            value, unit = parsed
        else:
            return _unknown(atom, f"We do not know your {name} result.")
        uln = lln = None
        said = f"You answered that your {name} was {_num(value)} {unit}".rstrip()
    threshold = f"{_COMPARATOR_WORDS[atom.comparator]} {_num(atom.value)}"
    if atom.uln_multiple or atom.lln_multiple:
        bound_name = "uln" if atom.uln_multiple else "lln"
        bound = uln if atom.uln_multiple else lln
        if is_uln_unit(unit) and atom.uln_multiple:
            multiple = value
        else:
            if bound is None:
                answered = facts.answer(f"{question_id}:{bound_name}")
                bound = float(answered) if isinstance(answered, (int, float)) and not isinstance(answered, bool) else None
            if bound is None or bound <= 0:
                return _unknown(atom, f"{said}; we do not know the {'upper' if atom.uln_multiple else 'lower'} "
                                f"limit of normal for that test.", f"{question_id}:{bound_name}")
            multiple = value / bound
        fits = compare(multiple, atom.comparator, atom.value)
        return _found(atom, fits, f"{said}, {_num(round(multiple, 2))} times the {'upper' if atom.uln_multiple else 'lower'}"
                      f" limit of normal (the rule asks for {threshold} times).")
    try:
        converted = convert(value, unit, atom.unit, atom.analyte)
    except UnitProblem as problem:
        return _unknown(atom, f"{said}; {problem}, so we cannot check it.")
    fits = compare(converted.value, atom.comparator, atom.value)
    shown = f" = {_num(round(converted.value, 3))} {atom.unit}" if unit != atom.unit else ""
    return _found(atom, fits, f"{said}{shown}, {'which is' if fits else 'which is not'} {threshold} {atom.unit}".rstrip() + ".")


# --- flags -----------------------------------------------------------------------------------------


def _flag(atom, facts: PatientFacts, value: bool | None, *, yes: str, no: str, unknown: str,
          absent_counts: bool, male_means_no: bool = False) -> AtomFinding:
    if value is not None:
        return _found(atom, value, yes if value else no)
    if male_means_no and facts.profile.sex == "male":
        return _found(atom, False, "You told us your sex is male.")
    answer = _answer_as_bool(facts.answer(question_id_for_atom(atom)))
    if answer is not None:
        return _found(atom, answer, ("You answered yes: " + yes[0].lower() + yes[1:]) if answer
                      else ("You answered no: " + no[0].lower() + no[1:]))
    if absent_counts and facts.profile.absent_means_no:
        return _found(atom, False, "Your record does not mention it.")
    return _unknown(atom, unknown)


def _pregnancy(atom, facts: PatientFacts) -> AtomFinding:
    return _flag(atom, facts, facts.profile.pregnant, yes="You told us you are pregnant.",
                 no="You told us you are not pregnant.", unknown="We do not know whether you are pregnant.",
                 absent_counts=True, male_means_no=True)


def _breastfeeding(atom, facts: PatientFacts) -> AtomFinding:
    return _flag(atom, facts, facts.profile.breastfeeding, yes="You told us you are breastfeeding.",
                 no="You told us you are not breastfeeding.", unknown="We do not know whether you are breastfeeding.",
                 absent_counts=True, male_means_no=True)


# Ages between which a woman's complete record that names no menopause, sterilisation or
# hysterectomy describes a woman who could become pregnant, and from which it describes one
# past the menopause (its usual age is 45-55; menarche is before 15 nearly always).
_FERTILE_YEARS = (15, 45)
_MENOPAUSE_PASSED = 55


def _childbearing_by_age(atom, facts: PatientFacts) -> AtomFinding | None:
    """A complete record's silence on what ends fertility, read with the woman's age."""
    profile = facts.profile
    age = profile.age_on(facts.as_of)
    if not profile.absent_means_no or profile.sex != "female" or age is None:
        return None
    years = _num(math.floor(age))
    if _FERTILE_YEARS[0] <= age < _FERTILE_YEARS[1]:
        return _found(atom, True, f"You are a woman of {years} and your record "
                           "mentions no menopause or sterilisation, so you could become pregnant.")
    if age >= _MENOPAUSE_PASSED:
        return _found(atom, False, f"You are a woman of {years}, past the age of menopause.")
    return None


def _childbearing(atom, facts: PatientFacts) -> AtomFinding:
    if facts.profile.childbearing_potential is None and facts.answer(question_id_for_atom(atom)) is _MISSING:
        by_age = _childbearing_by_age(atom, facts)
        if by_age is not None:
            return by_age
    return _flag(atom, facts, facts.profile.childbearing_potential,
                 yes="You told us you could become pregnant.", no="You told us you cannot become pregnant.",
                 unknown="We do not know whether you could become pregnant.", absent_counts=False,
                 male_means_no=True)


def _contraception(atom, facts: PatientFacts) -> AtomFinding:
    # Willingness is not something a record's silence can deny: never absent_means_no.
    return _flag(atom, facts, facts.profile.uses_contraception,
                 yes="You told us you use (or will use) effective contraception.",
                 no="You told us you do not use effective contraception.",
                 unknown="We do not know whether you use effective contraception.", absent_counts=False)


def _consent(atom, facts: PatientFacts) -> AtomFinding:
    return _flag(atom, facts, facts.profile.can_consent, yes="You told us you can give informed consent.",
                 no="You told us you cannot give informed consent yourself.",
                 unknown="We do not know whether you can give informed consent.", absent_counts=False)


def _compliance(atom, facts: PatientFacts) -> AtomFinding:
    # Willingness is not something a record's silence can deny: never absent_means_no.
    return _flag(atom, facts, facts.profile.will_comply,
                 yes="You told us you are willing and able to follow the study's visits and procedures.",
                 no="You told us you are not able or willing to follow the study's visits and procedures.",
                 unknown="We do not know whether you can follow the study's visits and procedures.",
                 absent_counts=False)


def _healthy_volunteer(atom, facts: PatientFacts) -> AtomFinding:
    wants = facts.profile.healthy_volunteer
    if wants is None:
        active = [i for i in facts.conditions if i.fact.present and not i.fact.family and i.fact.status == "active"]
        if active:
            return _found(atom, False, f"You told us about {active[0].name}, so you are not a healthy volunteer.")
    return _flag(atom, facts, wants, yes="You told us you are a healthy volunteer.",
                 no="You told us you are not taking part as a healthy volunteer.",
                 unknown="We do not know whether you are a healthy volunteer.", absent_counts=False)


# ECOG grade <-> Karnofsky score ranges (the usual published correspondence).
_ECOG_TO_KARNOFSKY = {0: (90, 100), 1: (70, 80), 2: (50, 60), 3: (30, 40), 4: (10, 20), 5: (0, 0)}


def _karnofsky_to_ecog(score: int) -> int:
    for grade, (low, high) in _ECOG_TO_KARNOFSKY.items():
        if low <= score <= high:
            return grade
    return 0 if score > 100 else 4 if score > 0 else 5


def _performance(atom, facts: PatientFacts) -> AtomFinding:
    profile = facts.profile
    scale = atom.scale
    own: int | float | None = {"ecog": profile.ecog, "karnofsky": profile.karnofsky, "lansky": None}[scale]
    rule = f"{_COMPARATOR_WORDS[atom.comparator]} {_num(atom.value)}"
    if own is None:
        answer = facts.answer(question_id_for_atom(atom))
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            own = answer
    if own is not None:
        fits = compare(float(own), atom.comparator, atom.value)
        return _found(atom, fits, f"Your {scale.upper() if scale == 'ecog' else scale.title()} score is {_num(own)} "
                      f"(the rule asks for {rule}).")
    if scale == "ecog" and profile.karnofsky is not None:
        grade = _karnofsky_to_ecog(profile.karnofsky)
        fits = compare(float(grade), atom.comparator, atom.value)
        return _found(atom, fits, f"Your Karnofsky score is {profile.karnofsky}, about ECOG {grade} (the rule asks "
                      f"for ECOG {rule}).")
    if scale == "karnofsky" and profile.ecog is not None:
        low, high = _ECOG_TO_KARNOFSKY[profile.ecog]
        both = {compare(float(low), atom.comparator, atom.value), compare(float(high), atom.comparator, atom.value)}
        if len(both) == 1:
            fits = both.pop()
            return _found(atom, fits, f"Your ECOG is {profile.ecog}, about Karnofsky {low}-{high} (the rule asks "
                          f"for Karnofsky {rule}).")
    return _unknown(atom, f"We do not know your {scale} performance score.")


def _life_expectancy(atom, facts: PatientFacts) -> AtomFinding:
    months = facts.profile.life_expectancy_months
    source = "Your expected survival is"
    if months is None:
        answer = facts.answer("q:life_expectancy")
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            months, source = float(answer), "You answered that your expected survival is"
    if months is None:
        return _unknown(atom, "We do not know your expected survival.")
    fits = compare(float(months), atom.comparator, atom.months)
    return _found(atom, fits, f"{source} {_num(months)} months (the rule asks for "
                  f"{_COMPARATOR_WORDS[atom.comparator]} {_num(atom.months)}).")


def _trial_participation(atom, facts: PatientFacts) -> AtomFinding:
    profile = facts.profile
    if profile.in_other_trial:
        return _found(atom, in_window(None, atom.window, facts.as_of, ongoing=True) is not False,
                      "You told us you are taking part in another clinical trial now.")
    if profile.last_trial_participation is not None:
        ended = profile.last_trial_participation
        fits = in_window(ended, atom.window, facts.as_of)
        return _found(atom, bool(fits), f"You told us your last clinical trial ended on {ended.isoformat()}"
                      + ("." if fits else f", outside the time asked about{_window_words(atom.window)}."))
    if profile.in_other_trial is False:
        if atom.window is None:
            return _found(atom, False, "You told us you are not in another clinical trial.")
    said, when = _answer_as_event(facts.answer("q:trial_participation"))
    if said is not None:
        if not said:
            return _found(atom, False, "You answered that you have not recently taken part in another trial.")
        fits = in_window(when, atom.window, facts.as_of, ongoing=when is None)
        return _found(atom, bool(fits), "You answered that you " + (
            f"last took part in a trial ending {when.isoformat()}." if when else "are taking part in another trial."))
    if profile.absent_means_no:
        return _found(atom, False, "Your record does not mention taking part in another trial.")
    if profile.in_other_trial is False:
        return _unknown(atom, "You told us you are not in another trial now, but not when your last one ended.")
    return _unknown(atom, "We do not know whether you have recently taken part in another clinical trial.")


_JUDGES: dict[str, Callable[[object, PatientFacts], AtomFinding]] = {
    "age": _age,
    "sex": _sex,
    "condition": _condition,
    "procedure": _procedure,
    "medication": _medication,
    "lab": _lab,
    "pregnancy": _pregnancy,
    "breastfeeding": _breastfeeding,
    "childbearing_potential": _childbearing,
    "contraception": _contraception,
    "consent": _consent,
    "compliance": _compliance,
    "performance_status": _performance,
    "life_expectancy": _life_expectancy,
    "trial_participation": _trial_participation,
    "allergy": _allergy,
    "healthy_volunteer": _healthy_volunteer,
}


def _freeze(value):
    if isinstance(value, BaseModel):
        return tuple((k, _freeze(v)) for k, v in value.__dict__.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def atom_key(atom) -> tuple:
    """What an atom means, without where it was read from (its text and span)."""
    return tuple((k, _freeze(v)) for k, v in atom.__dict__.items() if k not in ("text", "span"))


# Atoms are numbered by meaning so a request's findings can be memoised under a small
# int: hashing a nested key tuple on every lookup (CPython does not cache tuple hashes)
# cost more than judging most atoms. Numbers come from a counter that never restarts,
# so clearing these tables (to bound memory) can never give two meanings one number
# while a request is running; an atom renumbered after a clear merely misses the memo.
#
# An atom's number is remembered by the atom's id, held weakly: a page's explanation
# parses its trial's RuleSet for the moment (matching.packed_rules), and holding its
# atoms here would keep every such RuleSet's atoms alive. Plans hold one atom object per
# meaning instead (canonical_atom), so a catalog keeps each meaning once, not once per
# criterion that states it.

_NUMBER_BY_ATOM = WeakIdTable()  # atom -> its number, while the atom lives
_NUMBER_BY_KEY: dict[tuple, int] = {}
_CANONICAL: dict[int, object] = {}  # number -> the atom plans hold for that meaning
_MAX_NUMBERED = 500_000
_next_number = itertools.count()
_numbering = threading.Lock()


def atom_number(atom) -> int:
    """A number naming what ``atom`` means: atoms with equal :func:`atom_key` share it.

    Computed once per atom object (while the atom lives): trials stay in memory between
    requests.
    """
    cached = _NUMBER_BY_ATOM.get(atom)
    if cached is not None:
        return cached
    key = atom_key(atom)
    with _numbering:
        if len(_NUMBER_BY_ATOM) >= _MAX_NUMBERED or len(_NUMBER_BY_KEY) >= _MAX_NUMBERED:
            _NUMBER_BY_ATOM.clear()
            _NUMBER_BY_KEY.clear()
            _CANONICAL.clear()
        number = _NUMBER_BY_KEY.get(key)
        if number is None:
            number = _NUMBER_BY_KEY[key] = next(_next_number)
        _NUMBER_BY_ATOM.put(atom, number)
    return number


def canonical_atom(atom) -> tuple[int, object]:
    """(number, the one atom object of that meaning) for ``atom``.

    Atoms of equal meaning are interchangeable for judging (findings are memoised by
    number), so a plan holds the first atom seen with that meaning rather than its own:
    a catalog of 10k trials states about 26 atoms per RuleSet, most of them shared
    ("18 years or older", "pregnant") across trials.
    """
    number = atom_number(atom)
    found = _CANONICAL.get(number)
    if found is None:
        found = _CANONICAL.setdefault(number, atom)
    return number, found


# --- silence -------------------------------------------------------------------------------
#
# Most atoms of a request (about 85% at 10k trials) name something the patient says
# nothing about: no listed item can name it, none is denied that covers it, its question
# is not answered and the record is not complete. The judge then returns "unknown" with
# a sentence and a question that depend on the atom alone ("We do not know whether you
# have X."). That finding is kept per atom meaning across requests, so such an atom costs
# the few lookups below instead of the judge's sentences and objects. The tests say
# exactly when a judge of that kind reads nothing else of the patient; a finding is kept
# only when the judge itself gave "unknown" under them, with the atom's own question.


def _names_nothing_listed(concept: str, index: _ItemIndex) -> bool:
    return not _may_name(concept, index) and _explicit_no(concept, index) is None


# Each test first asks whether the patient lists anything of the kind at all: most
# profiles list no procedure, medication or allergy, and a list that is empty names
# nothing, denies nothing and holds no other kind of a disease (the full test's answer).

def _silent_condition(atom, facts: PatientFacts) -> bool:
    pool = facts.condition_index[atom.family]
    if pool.lists_nothing:
        return True  # (_other_kind reads this same pool for a patient's own conditions)
    return _names_nothing_listed(atom.concept, pool) and _other_kind(atom, facts) is None


def says_nothing_of(kind: int, name: str, facts: PatientFacts) -> bool:
    """Whether no listed item of ``kind`` (matching.silent_kinds: the patient's own
    conditions, procedures, medications or labs) names or denies ``name`` (a concept, an
    analyte for labs) and no answer speaks of it: an atom of that kind naming it is unknown
    under an open world (the judges: no match, no denial, no answer; the other kinds of a
    disease count only in a complete record). Memoised per request."""
    key = (kind, name)
    found = facts.unnamed.get(key)
    if found is None:
        found = facts.unnamed[key] = _says_nothing_of(kind, name, facts)
    return found


def remember_silence(numbers: tuple[int, ...], facts: PatientFacts) -> None:
    """Memoise, for atoms judging found silent without judging them (matching.silent_kinds),
    the finding evaluate_atom would give: the one kept for the atom's meaning when the
    patient says nothing (``_SILENT_FINDINGS``), if there is one yet. The explanation of
    the page and the question vote read them; judging each there cost more than this."""
    memo = facts.memo
    for number in numbers:
        if number not in memo:
            found = _SILENT_FINDINGS.get(number)
            if found is not None:
                memo[number] = found


def _says_nothing_of(kind: int, name: str, facts: PatientFacts) -> bool:
    if silent_kinds.QUESTIONS[kind] + name in facts.answers:
        return False
    if kind == silent_kinds.LAB:
        return not any(name in names for _, names in facts.lab_names)
    index = {silent_kinds.CONDITION: facts.condition_index[False], silent_kinds.PROCEDURE: facts.procedure_index,
             silent_kinds.MEDICATION: facts.medication_index}[kind]
    return _names_nothing_listed(name, index)


def _silent_procedure(atom, facts: PatientFacts) -> bool:
    index = facts.procedure_index
    return index.lists_nothing or _names_nothing_listed(atom.concept, index)


def _silent_medication(atom, facts: PatientFacts) -> bool:
    index = facts.medication_index
    return index.lists_nothing or _names_nothing_listed(atom.concept, index)


def _silent_allergy(atom, facts: PatientFacts) -> bool:
    index = facts.allergy_index  # any denied allergy may be "no known allergies"
    return not index.denied and (atom.concept == "investigational_product" or not index.present
                                 or not _may_name(atom.concept, index))


def _silent_lab(atom, facts: PatientFacts) -> bool:
    return not facts.lab_names or not any(atom.analyte in names for _, names in facts.lab_names)


# atom type -> whether the patient's listed facts say nothing of the atom (beyond that, its
# question must be unanswered and the record not complete: see says_nothing)
_SILENT_WHEN: dict[str, Callable[[object, PatientFacts], bool]] = {
    "condition": _silent_condition,
    "procedure": _silent_procedure,
    "medication": _silent_medication,
    "allergy": _silent_allergy,
    "lab": _silent_lab,
}
_SILENT_FINDINGS: dict[int, AtomFinding] = {}  # atom number -> its finding when the patient says nothing


def says_nothing(atom, facts: PatientFacts, question_id: str) -> bool:
    """Whether the patient says nothing that bears on ``atom`` (whose question is ``question_id``)."""
    silent = _SILENT_WHEN.get(atom.type)
    return (silent is not None and not facts.profile.absent_means_no and question_id not in facts.answers
            and silent(atom, facts))


def evaluate_atom(atom, facts: PatientFacts, number: int | None = None) -> AtomFinding:
    """The truth of one atom for the patient, with the fact it rests on.

    ``number`` is the atom's :func:`atom_number` when the caller already has it.
    """
    if number is None:
        number = atom_number(atom)
    found = facts.memo.get(number)
    if found is None:
        silent = _SILENT_FINDINGS.get(number)
        if (silent is not None and facts.hears_silence and silent.question_id not in facts.answers
                and _SILENT_WHEN[silent.atom_type](atom, facts)):  # says_nothing, inlined
            found = silent
        else:
            judge = _JUDGES.get(atom.type)
            if judge is None:
                found = AtomFinding(atom.type, None, f"We cannot check this kind of rule ({atom.type}) yet.", None)
            else:
                found = judge(atom, facts)
            if (silent is None and found.value is None and atom.type in _SILENT_WHEN
                    and found.question_id == question_id_for_atom(atom)
                    and says_nothing(atom, facts, found.question_id)):
                if len(_SILENT_FINDINGS) >= _MAX_NUMBERED:
                    _SILENT_FINDINGS.clear()
                _SILENT_FINDINGS[number] = found
        facts.memo[number] = found
    return found
