"""Verdicts and criterion counts of a trial, without reasons: what ranking needs.

A match ranks every candidate but returns a page of about twenty, and only the best
fifty or so vote on the next questions. So the engine judges every candidate here,
on outcomes alone, and builds the full explanation (:func:`matching.evaluate.
evaluate_trial_detailed`: reasons, deciding facts, question ids) only for the trials
it shows or that vote.

The semantics are those of :mod:`matching.evaluate` (its module docs), step for step;
``tests/test_matching_outcomes.py`` checks that both give the same outcomes, verdict and
summary on every trial and profile of the test suite.

Speed comes from a *plan* per rule set, built once (trials stay in memory in a worker):
each criterion's expression as nested tuples over atoms numbered by meaning, one atom
object per meaning (:func:`matching.facts.canonical_atom`), so a request evaluates a tree of small tuples and
looks findings up by int instead of walking pydantic models and hashing atom keys.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from criteria_rules.ir import All, AnyOf, AtomNode, Criterion, Not, RuleSet
from matching import (record_mentions, sign_alternatives, silent_kinds, trial_subject, unread_qualifiers,
                      unread_settings)
from matching.evaluate import (UNREAD, answer_bool, asks_for_condition, registry_criteria_for, unread_note,
                               registry_limits)
from matching.facts import PatientFacts, canonical_atom, evaluate_atom, remember_silence, says_nothing_of
from matching.logic import EXPR_ALL, EXPR_ANY, EXPR_ATOM, EXPR_NOT, Truth, and3, combine3, or3, settled_if_may_not_apply
from matching.packed_rules import PackedRules, has_criteria
from matching.profile import PatientProfile
from matching.question_catalog import criterion_question_id
from matching.shared_values import SharedValues
from matching.derived import derived_once
from matching.trial import TrialSummary
from matching.weak_ids import WeakIdTable

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"

# Compiled expression nodes (matching.logic): (_ATOM, number, atom) | (_NOT, node) | (_ALL, nodes) | (_ANY, nodes)
_ATOM, _NOT, _ALL, _ANY = EXPR_ATOM, EXPR_NOT, EXPR_ALL, EXPR_ANY

# How a criterion's own outcome is reached (before the silence / unread rules of _decide):
# nothing understood (unknown), one atom and nothing else (its value), or the general walk.
# Two thirds of a request's criteria are one of the first two.
_FORM_NONE, _FORM_ATOM, _FORM_GENERAL = 0, 1, 2


@dataclass(frozen=True, slots=True)
class CriterionPlan:
    """A criterion reduced to what its outcome depends on."""

    criterion_id: str
    shape: int  # equal for criteria whose outcome is decided the same way (see _shape_number)
    inclusion: bool
    expr: tuple | None  # None when unsupported or nothing was understood
    applies_if: tuple | None
    children: tuple["CriterionPlan", ...]
    combine_any: bool  # children combine by "any" (else "all")
    unread_exclusion: str | None = None  # an exclusion's text the compiler did not fully read
    narrowing: unread_qualifiers.Narrowing | None = None  # unread words qualifying a partial criterion
    # a partial inclusion's unread words asking where the patient lives or is cared for
    # (matching.unread_settings; None when there are none)
    unread_setting: str | None = None
    text: str = ""  # the criterion as written (matching.ballots and matching.explain quote it)
    subject_reading: trial_subject.Reading | None = None  # what matching.trial_subject reads of it
    form: int = _FORM_GENERAL  # _FORM_NONE | _FORM_ATOM | _FORM_GENERAL
    # ``shape`` without the words of an unread exclusion, which only a complete record with
    # its text reads (matching.record_mentions); equal to ``shape`` when unread words
    # qualify an atom (``narrowing``). Five hundred "unsupported" exclusions per request
    # are each their own shape but nearly all come out the same way.
    loose_shape: int = -1
    # measurements offered beside the condition they define (matching.sign_alternatives)
    sign_pairs: tuple = ()
    # compiled | partial | unsupported | registry (registry limits): as a response shows it
    status: str = "compiled"
    blocking: str = NOT_MET  # the outcome that rules the patient out: not met (inclusion) / met (exclusion)
    # A general criterion without children: its atoms as (number, atom), applies_if's then
    # expr's, in the order the walk meets them. When every one is unknown, so is the
    # criterion (Kleene: no value to settle a node); most atoms of a request are.
    atoms: tuple[tuple[int, object], ...] = ()
    # a fully read inclusion naming a condition ("Patients with HIV-1 infection"): when a
    # complete record's silence leaves it unknown, matching.rank counts it (silent_requirements)
    asks_condition: bool = False
    # what only an explanation (matching.explain) reads: a partial criterion's note naming
    # the words not read, and the words of each ``sign_pairs`` measurement as written
    unread_note: str = ""
    sign_texts: tuple[str, ...] = ()
    # the kinds of its atoms, sub-criteria's included (matching.silent_kinds): when the
    # patient lists nothing of any of them, it is unknown without deciding it
    kinds: int = 0
    names: tuple[tuple[int, str], ...] = ()  # (kind, concept) its atoms name (matching.silent_kinds.names_of)
    numbers: tuple[int, ...] = ()  # the numbers of its atoms, sub-criteria's included (see _count)

    @property
    def compiled(self) -> bool:
        """Fully read by the compiler (registry limits always): a failure on it is a confident one."""
        return self.status == "compiled" or self.status == "registry"


@dataclass(slots=True, init=False, unsafe_hash=True)
class TrialOutcome:
    """A trial's verdict for one patient and the share of its criteria that are settled
    (the ``CriteriaSummary`` of the full evaluation has the same verdict and share)."""

    verdict: str
    settled_share: float
    # top-level criteria that rule the patient out, split as matching.rank scores them:
    # fully read by the compiler (or registry limits) or not
    confident_failures: int
    doubtful_failures: int
    # fully read inclusions naming a condition that a complete record does not mention: unknown
    # (silence may only help), but the trial is likely for other patients (matching.rank)
    silent_requirements: int

    # (a hand-written __init__: matching.native)
    def __init__(self, verdict: str, settled_share: float, confident_failures: int = 0, doubtful_failures: int = 0,
                 silent_requirements: int = 0):
        self.verdict = verdict
        self.settled_share = settled_share
        self.confident_failures = confident_failures
        self.doubtful_failures = doubtful_failures
        self.silent_requirements = silent_requirements


def compile_expr(expr) -> tuple:
    if isinstance(expr, AtomNode):
        return (_ATOM, *canonical_atom(expr.atom))
    if isinstance(expr, Not):
        return (_NOT, compile_expr(expr.arg))
    if isinstance(expr, (All, AnyOf)):
        return (_ALL if isinstance(expr, All) else _ANY, tuple(compile_expr(arg) for arg in expr.args))
    raise TypeError(f"not an expression node: {type(expr).__name__}")


def _canonical_pairs(pairs: tuple) -> tuple:
    """Sign pairs over the plan's own atom objects (``_value_covering`` finds them by id)."""
    return tuple((canonical_atom(lab)[1], tuple(canonical_atom(c)[1] for c in conditions))
                 for lab, conditions in pairs)


def _expr_atoms(node: tuple | None) -> list[tuple[int, object]]:
    """(number, atom) of every atom of a compiled expression, depth first, left to right."""
    if node is None:
        return []
    if node[0] == _ATOM:
        return [(node[1], node[2])]
    if node[0] == _NOT:
        return _expr_atoms(node[1])
    return [pair for arg in node[1] for pair in _expr_atoms(arg)]


def _expr_shape(node: tuple | None):
    if node is None:
        return None
    if node[0] == _ATOM:
        return node[1]
    if node[0] == _NOT:
        return (_NOT, _expr_shape(node[1]))
    return (node[0], tuple(_expr_shape(arg) for arg in node[1]))


# Criteria are numbered by what decides their outcome (kind, expressions over numbered
# atoms, children, how they combine) so a request judges each distinct criterion once:
# the msc corpus has about 22,000 criteria but only about 6,300 distinct ones
# ("age 18 or older", "pregnant or breastfeeding" ...). As with atom numbers, the counter
# never restarts, so clearing the table cannot make two shapes share a number.
_SHAPES: dict[tuple, int] = {}
_MAX_SHAPES = 500_000
_next_shape = itertools.count()
_planning = threading.Lock()


def _shape_number(key: tuple) -> int:
    with _planning:
        number = _SHAPES.get(key)
        if number is None:
            if len(_SHAPES) >= _MAX_SHAPES:
                _SHAPES.clear()
            number = _SHAPES[key] = next(_next_shape)
        return number


def plan_criterion(criterion: Criterion) -> CriterionPlan:
    evaluated = criterion.status != "unsupported" and criterion.expr is not None
    expr = compile_expr(criterion.expr) if evaluated else None
    applies_if = compile_expr(criterion.applies_if) if criterion.applies_if is not None else None
    children = tuple(plan_criterion(child) for child in criterion.children)
    inclusion = criterion.kind == "inclusion"
    combine_any = (criterion.combine or "all") == "any"
    # an unread exclusion's outcome may depend on its words (matching.record_mentions)
    unread = criterion.text if not inclusion and criterion.status in UNREAD else None
    narrowing = unread_qualifiers.narrowing_phrases(criterion)
    if narrowing:  # over the plan's expression, which holds one atom object per meaning
        narrowing = dataclasses.replace(narrowing, expr=expr)
    # (the narrowing follows from the unread text, part of the shape: an exclusion's always,
    # an inclusion's when it has a narrowing)
    words = unread if unread is not None or narrowing is None else criterion.text
    setting_words = unread_settings.unread_setting(criterion)
    setting = setting_words is not None
    core = (inclusion, _expr_shape(expr), _expr_shape(applies_if), tuple(child.shape for child in children),
            combine_any)
    shape = _shape_number(core + (words, setting))
    # without a narrowing, ``words`` is the unread exclusion's text, read only by record_mentions
    loose_shape = shape if narrowing else _shape_number(core + (unread is not None, setting))
    if children or applies_if is not None:
        form = _FORM_GENERAL
    else:
        form = _FORM_NONE if expr is None else _FORM_ATOM if expr[0] == _ATOM else _FORM_GENERAL
    measurements = sign_alternatives.covered_measurements(criterion.expr) if evaluated else ()
    sign_pairs = _canonical_pairs(measurements)
    atoms: tuple[tuple[int, object], ...] = ()
    if form == _FORM_GENERAL and not children and expr is not None and not sign_pairs:
        # (a sign pair can settle a criterion whose atoms are all unknown: no shortcut)
        first: dict[int, object] = {}
        for number, atom in _expr_atoms(applies_if) + _expr_atoms(expr):
            first.setdefault(number, atom)
        atoms = tuple(first.items())
    asks_condition = asks_for_condition(criterion)
    # (interned: a third of a catalog's notes repeat, "informed consent", "investigator")
    note = sys.intern(unread_note(criterion))
    own = _expr_atoms(applies_if) + _expr_atoms(expr)  # (number, atom)
    kinds = silent_kinds.kinds_of(atom for _, atom in own)
    names = silent_kinds.names_of(atom for _, atom in own)
    numbers = tuple(number for number, _ in own)
    for child in children:
        kinds |= child.kinds
        names += child.names
        numbers += child.numbers
    names, numbers = _tuples(tuple(dict.fromkeys(names))), _tuples(tuple(dict.fromkeys(numbers)))
    # (ids repeat across RuleSets: "inc-1", "exc-3"; a catalog holds one per criterion)
    return CriterionPlan(sys.intern(criterion.id), shape, inclusion, expr, applies_if, children, combine_any, unread,
                         narrowing, setting_words, criterion.text, trial_subject.reading(criterion), form, loose_shape,
                         sign_pairs, sys.intern(criterion.status), NOT_MET if inclusion else MET, atoms,
                         asks_condition, note, tuple(lab.text for lab, _ in measurements), kinds, names, numbers)


_tuples = SharedValues()  # criteria of many trials name the same concepts and atoms


# Plans of each RuleSet's criteria, shared by the trials that share the RuleSet (one per
# distinct eligibility text: app.rules.ruleset_of), by the object the trials hold: the
# RuleSet or its PackedRules (matching.packed_rules). Held weakly: an entry leaves with that
# object, so a catalog reload that drops a text drops its plans too. RuleSets are treated
# as immutable once matched, as everywhere in matching.
_PLANS = WeakIdTable()  # RuleSet or PackedRules -> its plans


def plan_rules(rules: RuleSet | PackedRules) -> tuple[CriterionPlan, ...]:
    """The plans of ``rules``' top-level criteria, worked out once per object."""
    cached = _PLANS.get(rules)
    if cached is not None:
        return cached
    parsed = rules.load() if isinstance(rules, PackedRules) else rules
    plans = tuple(plan_criterion(c) for c in parsed.criteria)
    with _planning:
        _PLANS.put(rules, plans)
    return plans


@lru_cache(maxsize=4096)
def _registry_plans(low: float | None, high: float | None, sex: str | None,
                    patients_only: bool) -> tuple[CriterionPlan, ...]:
    # A few hundred distinct registry limits cover every trial; see evaluate.registry_limits.
    # Structured registry data: a failure on it is always a confident one.
    return tuple(dataclasses.replace(plan_criterion(c), status="registry")
                 for c in registry_criteria_for(low, high, sex, patients_only))


@dataclass(frozen=True, slots=True)
class PlanRows:
    """Plans with, column by column, what judging reads of each on every request: the memo
    keys (``shape``, ``loose_shape``) and the blocking outcome. Judging looks a trial's
    outcomes up a column at a time (``map(dict.get, keys)`` runs in C) instead of reading
    each plan's fields in a Python loop; about ten thousand plans are read per match."""

    plans: tuple[CriterionPlan, ...]
    shapes: tuple[int, ...]
    loose_shapes: tuple[int, ...]
    blocking: tuple[str, ...]
    asking: tuple[int, ...]  # positions of the plans that ask for a condition (silent_requirement)


def plan_rows(plans: tuple[CriterionPlan, ...]) -> PlanRows:
    return PlanRows(plans, _key_columns(tuple(p.shape for p in plans)),
                    _key_columns(tuple(p.loose_shape for p in plans)),
                    _key_columns(tuple(p.blocking for p in plans)),
                    _key_columns(tuple(i for i, p in enumerate(plans) if p.asks_condition)))


# trials that share a RuleSet have equal columns: one copy each (matching.shared_values)
_key_columns = SharedValues()


@lru_cache(maxsize=4096)
def _registry_rows(low: float | None, high: float | None, sex: str | None, patients_only: bool) -> PlanRows:
    return plan_rows(_registry_plans(low, high, sex, patients_only))


# --- evaluation ------------------------------------------------------------------------------------


def expr_value(node: tuple, facts: PatientFacts) -> Truth:
    """Kleene value of a compiled expression (short-circuits: findings are memoised anyway)."""
    op = node[0]
    if op == _ATOM:
        found = facts.memo.get(node[1])
        if found is None:
            found = evaluate_atom(node[2], facts, node[1])
        return found.value
    if op == _NOT:
        value = expr_value(node[1], facts)
        return None if value is None else not value
    dominant = op == _ANY  # True settles "any", False settles "all"
    saw_unknown = False
    for arg in node[1]:
        value = expr_value(arg, facts)
        if value is dominant:
            return dominant
        if value is None:
            saw_unknown = True
    return None if saw_unknown else not dominant


def _own_value(plan: CriterionPlan, node: tuple, facts: PatientFacts) -> Truth:
    """``expr_value``, with a measurement offered beside the absent condition it defines
    read as not met under a complete record (matching.sign_alternatives)."""
    value = expr_value(node, facts)
    if value is None and plan.sign_pairs and facts.profile.absent_means_no:
        labels = sign_alternatives.covered(plan.sign_pairs, lambda atom: evaluate_atom(atom, facts).value,
                                           facts.profile, facts.as_of)
        if labels:
            value = _value_covering(node, facts, labels)
    return value


def _value_covering(node: tuple, facts: PatientFacts, labels: dict[int, str]) -> Truth:
    op = node[0]
    if op == _ATOM:
        value = evaluate_atom(node[2], facts, node[1]).value
        return False if value is None and id(node[2]) in labels else value
    if op == _NOT:
        value = _value_covering(node[1], facts, labels)
        return None if value is None else not value
    values = [_value_covering(arg, facts, labels) for arg in node[1]]
    return (or3 if op == _ANY else and3)(values)


def _effective(plan: CriterionPlan, outcome: str) -> Truth:
    """A child's contribution to its parent: holds (inclusion) / triggers (exclusion)."""
    if outcome == NOT_APPLICABLE:
        return plan.inclusion
    return True if outcome == MET else False if outcome == NOT_MET else None


def reads_unread_words(facts: PatientFacts) -> bool:
    """Whether an unread exclusion's own words can decide its outcome for this patient
    (``record_mentions.applies``); if not, criteria are memoised by ``loose_shape``."""
    return facts.reads_unread_words  # record_mentions.applies(facts.profile, False), once per request


def memo_key(plan: CriterionPlan, facts: PatientFacts) -> int:
    """The key of ``facts.outcomes`` under which ``plan``'s outcome is kept."""
    return plan.shape if reads_unread_words(facts) else plan.loose_shape


def criterion_outcome(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> str:
    """met | not_met | unknown | not_applicable, as ``evaluate._evaluate_criterion`` decides it."""
    if facts.criterion_answers:
        # answers to one trial's own criteria ("q:criterion:<nct_id>:<id>"): no sharing
        answered = answer_bool(facts.answer(criterion_question_id(nct_id, plan.criterion_id)))
        if answered is not None:
            return MET if answered else NOT_MET
        return _decide(plan, nct_id, facts)
    key = memo_key(plan, facts)
    outcome = facts.outcomes.get(key)
    if outcome is None:
        outcome = facts.outcomes[key] = _decide(plan, nct_id, facts)
    return outcome


def top_outcome(plan: CriterionPlan, nct_id: str, facts: PatientFacts, subject: trial_subject.Subject) -> str:
    """A top-level criterion's outcome in its trial: :func:`criterion_outcome`, then
    unknown when it rules the patient out only through the disease the trial studies
    (:mod:`matching.trial_subject`; ``evaluate.evaluate_trial_detailed`` does the same)."""
    shared = None if facts.criterion_answers else facts.outcomes
    outcome = shared.get(memo_key(plan, facts)) if shared is not None else None
    if outcome is None:
        outcome = criterion_outcome(plan, nct_id, facts)
    if outcome == (NOT_MET if plan.inclusion else MET) and subject.rests_on_it(
            plan.inclusion, plan.subject_reading, lambda other: criterion_outcome(plan, nct_id, other)):
        return UNKNOWN
    return outcome


def _decide(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> str:
    form = plan.form
    if form == _FORM_ATOM:  # _decide_once inlined for the common forms
        node = cast(tuple, plan.expr)  # an atom form always has one
        found = facts.memo.get(node[1])
        if found is None:
            found = evaluate_atom(node[2], facts, node[1])
        value = found.value
        outcome = MET if value is True else NOT_MET if value is False else UNKNOWN
    elif form == _FORM_NONE:
        outcome = UNKNOWN
    else:
        outcome = _decide_once(plan, nct_id, facts)
    if outcome == UNKNOWN:  # (two thirds of a request's criteria; no rule below but this one reads it)
        if (plan.unread_exclusion is not None and facts.reads_unread_words  # record_mentions.applies
                and record_mentions.unmentioned_note(plan.unread_exclusion, facts.profile.record_text) is not None):
            return NOT_MET  # the complete record never mentions it (matching.evaluate)
        return UNKNOWN
    if outcome == NOT_MET and plan.inclusion and facts.profile.absent_means_no:
        # silence may only help (matching.evaluate): fail an inclusion only on what was said
        return criterion_outcome(plan, nct_id, facts.open_world)
    if outcome == NOT_MET and plan.inclusion and plan.narrowing:
        # what was read fails it ("no [excisional] biopsy"), but unread words qualify it
        return unread_qualifiers.settled_outcome(plan.narrowing, facts, inclusion=True)
    if outcome == MET and plan.unread_setting:
        return UNKNOWN  # a place of residence or care that was not read (matching.unread_settings)
    if outcome == MET and plan.inclusion and plan.narrowing:
        # what was read meets it, but unread words qualify it (matching.unread_qualifiers)
        return unread_qualifiers.met_inclusion_outcome(plan.narrowing, facts)
    if outcome == MET and not plan.inclusion and plan.narrowing:
        # what was read triggers it, but unread words qualify it (matching.unread_qualifiers)
        outcome = unread_qualifiers.settled_outcome(plan.narrowing, facts)
    if outcome == MET and not plan.inclusion and facts.profile.absent_means_no:
        # silence may only help (matching.evaluate): trigger an exclusion only on what was said
        return criterion_outcome(plan, nct_id, facts.open_world)
    return outcome


def _decide_once(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> str:
    if plan.atoms:
        # every atom unknown: so is the expression, and so the criterion (applies_if unknown
        # too, or absent); the walk below would visit every node to find that out
        memo = facts.memo
        for number, atom in plan.atoms:
            found = memo.get(number)
            if found is None:
                found = evaluate_atom(atom, facts, number)
            if found.value is not None:
                break
        else:
            return UNKNOWN
    applies: Truth = True
    if plan.applies_if is not None:
        applies = expr_value(plan.applies_if, facts)
        if applies is False:
            return NOT_APPLICABLE
    node = plan.expr
    if plan.children:
        parts: list[Truth] = []
        if node is not None:
            parts.append(_own_value(plan, node, facts))
        parts.append(combine3((_effective(child, criterion_outcome(child, nct_id, facts)) for child in plan.children),
                              plan.combine_any))
        value: Truth = and3(parts)
    elif node is None:
        return UNKNOWN
    elif node[0] == _ATOM:
        # most criteria are one atom: expr_value inlined
        found = facts.memo.get(node[1])
        if found is None:
            found = evaluate_atom(node[2], facts, node[1])
        value = found.value
    else:
        value = _own_value(plan, node, facts)
    if applies is None:
        # settled only if the same whether or not the criterion applies
        value = settled_if_may_not_apply(value, plan.inclusion)
    return MET if value is True else NOT_MET if value is False else UNKNOWN


# Per trial: its registry limits (as registry_limits reads them, but for the patient's
# healthy-volunteer wish) and its text criteria's plans. Read on every request for every
# candidate; trials stay in memory, so worked out once (matching.derived.derived_once).
_limits = SharedValues()  # a few hundred distinct limits cover every trial
_AS_HEALTHY_VOLUNTEER = PatientProfile(healthy_volunteer=True)
_AS_PATIENT = PatientProfile()


def prepare_plans(trial: TrialSummary) -> None:
    """Plan ``trial`` now rather than on the first request that judges it
    (``matching.engine.prepare_trials``)."""
    _trial_rows(trial)


def _trial_parts(trial: TrialSummary) -> tuple[tuple, tuple[CriterionPlan, ...]]:
    return derived_once(trial, "outcomes", _plan_trial)


def _plan_trial(trial: TrialSummary) -> tuple[tuple, tuple[CriterionPlan, ...]]:
    # registry_limits depends on the profile only through ``healthy_volunteer``
    limits = _limits((registry_limits(trial, _AS_PATIENT), registry_limits(trial, _AS_HEALTHY_VOLUNTEER)))
    text = plan_rules(trial.rules) if trial.rules is not None and has_criteria(trial) else ()
    return limits, text


def _trial_rows(trial: TrialSummary) -> tuple[PlanRows, PlanRows, PlanRows]:
    """The trial's registry rows as a patient and as a healthy volunteer, and its text's
    rows: what :func:`judge_trial` reads, kept on the trial (three shared objects)."""
    return derived_once(trial, "outcome_rows", _rows_of)


def _rows_of(trial: TrialSummary) -> tuple[PlanRows, PlanRows, PlanRows]:
    (as_patient, as_volunteer), text = _trial_parts(trial)
    return _registry_rows(*as_patient), _registry_rows(*as_volunteer), plan_rows(text)


def trial_plans(trial: TrialSummary, facts: PatientFacts) -> tuple[CriterionPlan, ...]:
    """Every criterion the trial is judged on: registry fields first, then its text's."""
    limits, text = _trial_parts(trial)
    return _registry_plans(*limits[bool(facts.profile.healthy_volunteer)]) + text


def judge_trial(trial: TrialSummary, facts: PatientFacts) -> TrialOutcome:
    """Verdict, settled share and failures of ``trial`` for the patient: the verdict and
    share as ``evaluate_trial_detailed`` gives them, the failures as ``matching.rank``
    counts them (``rank.failures_of`` of the full evaluation's criteria)."""
    as_patient, as_volunteer, text = _trial_rows(trial)
    registry = as_volunteer if facts.profile.healthy_volunteer else as_patient
    subject = trial_subject.Subject(trial, facts)
    full = reads_unread_words(facts)  # memo_key, once per trial
    first = _count(registry, full, trial.nct_id, facts, subject)
    second = _count(text, full, trial.nct_id, facts, subject)
    counts = tuple(a + b for a, b in zip(first, second))
    unknown, confident, doubtful, silent = counts
    total = len(registry.plans) + len(text.plans)
    settled = (total - unknown) / total if total else 0.0
    if confident or doubtful:
        verdict = "ineligible"
    elif unknown or not has_criteria(trial):
        verdict = "possibly_eligible"
    else:
        verdict = "eligible"
    return TrialOutcome(verdict, round(settled, 4), confident, doubtful, silent)


def silent_requirement(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> bool:
    """Whether an inclusion that came out unknown is not met when the complete record's
    silence counts as "no": it asks for a condition the record never mentions. The verdict
    keeps it unknown (silence may only help); the ranking reads it as a trial for other
    patients ("Patients with HIV-1 infection" in a hepatitis C trial, for a note that never
    mentions HIV)."""
    if plan.form == _FORM_ATOM:
        node = cast(tuple, plan.expr)  # an atom form always has one
        found = facts.memo.get(node[1])
        if found is None:
            found = evaluate_atom(node[2], facts, node[1])
        return found.value is False
    return _decide_once(plan, nct_id, facts) == NOT_MET


def _count(rows: PlanRows, full: bool, nct_id: str, facts: PatientFacts,
           subject: trial_subject.Subject) -> tuple[int, int, int, int]:
    """(unknown, confident failures, doubtful failures, silent requirements) of ``rows``
    with outcomes shared by shape (``facts.outcomes``): most were already decided for
    another trial. Answers to one trial's own criteria share nothing (criterion_outcome)."""
    if facts.criterion_answers:
        outcomes = [criterion_outcome(plan, nct_id, facts) for plan in rows.plans]
    else:
        shared = facts.outcomes
        keys = rows.shapes if full else rows.loose_shapes
        found: list[str | None] = list(map(shared.get, keys))  # type: ignore[arg-type]
        if None in found:
            plans, quiet = rows.plans, facts.quiet_kinds
            for i, known in enumerate(found):
                if known is None:
                    key = keys[i]
                    known = shared.get(key)  # (an earlier plan of this trial may share the shape)
                    if known is None:
                        if quiet is not None and _silent(plans[i], quiet, facts):
                            known = shared[key] = UNKNOWN  # about what the patient says nothing of
                            # the page and the question vote read these atoms' findings
                            remember_silence(plans[i].numbers, facts)
                        else:
                            known = shared[key] = _decide(plans[i], nct_id, facts)
                    found[i] = known
        outcomes = cast(list[str], found)  # every one decided
    unknown = outcomes.count(UNKNOWN)
    confident = doubtful = silent = 0
    blocked = list(map(operator.eq, outcomes, rows.blocking))
    if True in blocked:
        plans = rows.plans
        for i, hit in enumerate(blocked):
            if hit:
                kind = _failure(plans[i], nct_id, facts, subject)
                if kind == UNKNOWN:
                    unknown += 1
                elif kind:
                    confident += 1
                else:
                    doubtful += 1
    if rows.asking and facts.profile.absent_means_no:
        silent = sum(1 for i in rows.asking
                     if outcomes[i] == UNKNOWN and silent_requirement(rows.plans[i], nct_id, facts))
    return unknown, confident, doubtful, silent


def _silent(plan: CriterionPlan, quiet: int, facts: PatientFacts) -> bool:
    """Whether ``plan`` is unknown for the patient by what it asks about alone: kinds of
    facts they say nothing of (``quiet``), or concepts of which they say nothing
    (:mod:`matching.silent_kinds`)."""
    loud = plan.kinds & ~quiet
    if not loud:
        return True
    if loud & ~silent_kinds.NAMED:
        return False
    return all(says_nothing_of(kind, name, facts) for kind, name in plan.names if kind & loud)


def _failure(plan: CriterionPlan, nct_id: str, facts: PatientFacts, subject: trial_subject.Subject):
    """A blocking outcome of ``plan`` as ``matching.rank`` counts it: ``UNKNOWN`` when it
    rests only on the disease the trial studies (as ``top_outcome``), else whether the
    failure is confident (fully read by the compiler)."""
    if subject.rests_on_it(plan.inclusion, plan.subject_reading,
                           lambda other: criterion_outcome(plan, nct_id, other)):
        return UNKNOWN
    return plan.compiled
