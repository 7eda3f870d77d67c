"""A trial does not exclude the disease it studies.

A breast cancer trial that excludes "prior history of malignancy", "neoplasm other than
breast carcinoma" or "presence of known metastases", or requires "no other active
primary malignancy", means *another* cancer (or a spread of this one the compiler read
as the cancer itself): the patient's breast cancer is what makes them a candidate. The
compiler reads such criteria as a condition concept (``malignancy``) that the patient's
own diagnosis satisfies, so before this rule every patient of the trial's disease was
ruled out by them (TREC 2021: "prior malignancy", "active malignancy", "HIV or
infection" in a tuberculosis trial ...; docs/benchmarks.md, "TREC 2021 ranking").

The rule. The trial's *subject* is the concepts it is about: its registry conditions and
MeSH terms, and the conditions its inclusion criteria require (a condition atom not
under a negation). A patient's own present conditions that name a subject concept (or
something more specific) are the trial's subject for that patient, and so are those that
name only what these are a kind of ("neoplasm" beside "ductal breast carcinoma": the same
disease named generally). A top-level
criterion that rules the patient out (an inclusion not met, an exclusion triggered)
through the *presence* of a condition (an exclusion's condition, an inclusion's "no
...") that the subject satisfies, and that would not rule them out with those subject
conditions set aside, rests only on the disease the trial requires: a contradiction the
criterion's unread words must resolve, so it is ``unknown`` (a question for the study
team), not a verdict. Kept as they are: a criterion that names a stage of a condition
("stage IV breast cancer" in an early breast cancer trial: a stage is exactly how a
trial of a disease excludes some of its patients); one about metastases when the
patient's condition is itself metastatic; an inclusion the subject fails by its timing
or status ("type 2 diabetes for at least 10 years").

Pure functions over a trial and :class:`~matching.facts.PatientFacts`; the three
evaluation paths (:mod:`matching.evaluate`, :mod:`matching.outcomes`,
:mod:`matching.ballots`) apply it the same way, at the top level of a trial's criteria.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from criteria_rules.ir import All, AnyOf, AtomNode, Criterion, Not
from matching import concepts
from matching.facts import PatientFacts, concept_matches, present_matches
from matching.shared_values import SharedValues
from matching.packed_rules import rules_of
from matching.derived import derived_once
from matching.trial import TrialSummary

NOTE = ("(Not settled: it rules you out only through {name}, the condition this trial studies, so it "
        "must mean something else, such as another or an earlier one; the study team can tell.)")


def _required_conditions(expr, negated: bool = False):
    """Concepts of the condition atoms an expression requires (not under a negation)."""
    if isinstance(expr, AtomNode):
        atom = expr.atom
        if atom.type == "condition" and not negated and not atom.family:
            yield atom.concept
    elif isinstance(expr, Not):
        yield from _required_conditions(expr.arg, not negated)
    elif isinstance(expr, (All, AnyOf)):
        for arg in expr.args:
            yield from _required_conditions(arg, negated)


def _inclusion_requirements(criteria: list[Criterion]):
    for criterion in criteria:
        if criterion.kind != "inclusion":
            continue
        if criterion.status != "unsupported" and criterion.expr is not None:
            yield from _required_conditions(criterion.expr)
        yield from _inclusion_requirements(criterion.children)


def subject_concepts_of(trial: TrialSummary) -> frozenset[str]:
    """What the trial studies: its conditions' and MeSH terms' concepts and the condition
    concepts its inclusion criteria require."""
    found: set[str] = set()
    for name in (*trial.conditions, *trial.mesh_terms):
        if name and name.strip():
            found.update(concepts.resolve(name))
    rules = rules_of(trial)
    if rules is not None:
        found.update(_inclusion_requirements(rules.criteria))
    return frozenset(found)


_subject_sets = SharedValues()  # trials of one disease share one set


def subject_concepts(trial: TrialSummary) -> frozenset[str]:
    """:func:`subject_concepts_of`, once per trial object (matching.derived.derived_once)."""
    return derived_once(trial, "subject", _shared_subject_concepts)


def _shared_subject_concepts(trial: TrialSummary) -> frozenset[str]:
    return _subject_sets(subject_concepts_of(trial))


def subject_conditions(trial: TrialSummary, facts: PatientFacts) -> tuple[int, ...]:
    """Positions (in ``profile.conditions``) of the patient's own present conditions that
    name something the trial studies."""
    own = facts.condition_index[False]
    if not own.present:
        return ()
    subject = subject_concepts(trial)
    if not subject:
        return ()
    # trials of one disease share one subject set (_subject_sets): worked out once per request
    found = facts.subjects.get(subject)
    if found is None:
        found = facts.subjects[subject] = _subject_positions(subject, facts)
    return found


def _subject_positions(subject: frozenset[str], facts: PatientFacts) -> tuple[int, ...]:
    own = facts.condition_index[False]
    items = [item for concept in subject for item in present_matches(concept, own)]
    if not items:
        return ()
    matched = {id(item) for item in items}
    # "neoplasm", "cancer" beside "ductal breast carcinoma": the same disease named generally
    covered = frozenset().union(*(item.closure for item in items))
    matched.update(id(item) for item in own.present if _names_only(item, covered))
    return tuple(n for n, item in enumerate(facts.conditions) if id(item) in matched)


def _names_only(item, covered: frozenset[str]) -> bool:
    """Whether every concept a patient item names is among ``covered`` (a subject condition
    and its ancestors): a generic name for that condition, nothing else."""
    specific = {c for c in item.ids if not c.startswith("term:")}
    return bool(specific) and specific <= covered


def without_conditions(facts: PatientFacts, positions: tuple[int, ...]) -> PatientFacts:
    """The same patient without the conditions at ``positions`` (memoised on ``facts``:
    a patient has few distinct subject sets across a request's trials)."""
    cache = facts.variants
    found = cache.get(positions)
    if found is None:
        kept = [c for n, c in enumerate(facts.profile.conditions) if n not in positions]
        found = cache[positions] = PatientFacts(facts.profile.model_copy(update={"conditions": kept}), facts.as_of,
                                                complete=facts.complete)
    return found


class Reading(NamedTuple):
    """What of a criterion the rule needs, worked out once per criterion."""

    ruling_out: frozenset[str]  # concepts of the condition atoms that rule out when present
    stage_named: bool  # a condition's stage is named ("stage IV breast cancer")
    metastases: bool  # speaks of metastases (often read as the cancer itself)


# One object per distinct reading: most criteria read the same (nothing rules out, no stage,
# no metastases), and a catalog keeps one per criterion of every distinct RuleSet.
_readings = SharedValues()


def reading(criterion: Criterion) -> Reading:
    return _readings(Reading(frozenset(_ruling_out(criterion)), _names_stage(criterion),
                             bool(_METASTASES.search(_all_text(criterion)))))


def _ruling_out(criterion: Criterion):
    """Condition concepts whose presence rules the patient out: an exclusion's atoms not
    under a negation, an inclusion's under one; sub-criteria by their own kind."""
    if criterion.expr is not None and criterion.status != "unsupported":
        yield from _required_conditions(criterion.expr, negated=criterion.kind == "inclusion")
    for child in criterion.children:
        yield from _ruling_out(child)


def _names_stage(criterion: Criterion) -> bool:
    return _expr_names_stage(criterion.expr) or any(_names_stage(child) for child in criterion.children)


def _expr_names_stage(expr) -> bool:
    if isinstance(expr, AtomNode):
        return expr.atom.type == "condition" and bool(getattr(expr.atom, "stage", None))
    if isinstance(expr, Not):
        return _expr_names_stage(expr.arg)
    if isinstance(expr, (All, AnyOf)):
        return any(_expr_names_stage(arg) for arg in expr.args)
    return False


def _all_text(criterion: Criterion) -> str:
    return " ".join([criterion.text, *(_all_text(child) for child in criterion.children)])


_METASTASES = re.compile(r"metasta|\bM1\b", re.IGNORECASE)


def _metastatic(condition) -> bool:
    """A condition whose stage or words say it has spread ("IV", "4b", "M1", "metastatic ...")."""
    stage, text = condition.stage or "", condition.text or ""
    return bool(re.search(r"\b(iv[a-c]?|4[a-c]?|m1[a-c]?)\b|metasta", stage, re.IGNORECASE)
                or re.search(r"metasta", text, re.IGNORECASE))


class Subject:
    """The trial's subject for one patient, worked out only when a criterion first rules
    the patient out (most criteria of most trials do not)."""

    __slots__ = ("trial", "facts", "_positions", "used")

    def __init__(self, trial: TrialSummary, facts: PatientFacts):
        self.trial, self.facts = trial, facts
        self._positions: tuple[int, ...] | None = None
        self.used: tuple[int, ...] = ()  # the conditions set aside by the last criterion it unsettled

    @property
    def positions(self) -> tuple[int, ...]:
        if self._positions is None:
            found = self._positions = subject_conditions(self.trial, self.facts)
            return found
        return self._positions

    def rests_on_it(self, inclusion: bool, read: Reading | None, decide: Callable[[PatientFacts], str]) -> bool:
        """Whether a criterion that rules the patient out does so only through the trial's
        subject: ``decide`` gives its outcome for other facts of the same patient."""
        if read is None or read.stage_named or not read.ruling_out or not self.positions:
            return False
        conditions = self.facts.conditions
        positions = tuple(n for n in self.positions
                          if any(concept_matches(concept, conditions[n]) for concept in read.ruling_out)
                          and not (read.metastases and _metastatic(conditions[n].fact)))
        if not positions or blocks(inclusion, decide(without_conditions(self.facts, positions))):
            return False
        self.used = positions
        return True

    def note(self) -> str:
        names = list(dict.fromkeys(self.facts.conditions[n].name for n in self.used
                                   if self.facts.conditions[n].name))
        return NOTE.format(name=" and ".join(names) or "your diagnosis")


def blocks(inclusion: bool, outcome: str) -> bool:
    return outcome == ("not_met" if inclusion else "met")
