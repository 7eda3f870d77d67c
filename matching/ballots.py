"""What a voting trial tells the question ranking, without explaining the trial.

:func:`matching.questions.next_questions` reads, of each of the best trials that are not
ruled out, only: its verdict, the outcome, question ids and text of each top-level
criterion, and the first atom met for each question id (it words the question). A full
explanation (:func:`matching.evaluate.evaluate_trial_detailed`: reasons, deciding facts,
sub-criteria, models) for the fifty voters was about a third of a match's CPU.

:func:`ballot` gives those fields from the compiled plans of :mod:`matching.outcomes`,
walking each criterion exactly as :mod:`matching.evaluate` does (children first, then
``applies_if``, then the expression, every atom of it, left to right; a complete
record's failed inclusion judged again with silence as unknown), so the question ids
and the atoms met first are the full evaluation's. ``tests/test_matching_ballots.py``
holds the two together on every test trial and profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching import record_mentions, sign_alternatives, trial_subject, unread_qualifiers
from matching.evaluate import answer_bool
from matching.facts import PatientFacts, evaluate_atom
from matching.logic import Truth, and3, combine3, settled_if_may_not_apply
from matching.outcomes import (MET, NOT_APPLICABLE, NOT_MET, UNKNOWN, CriterionPlan, _ANY, _ATOM, _NOT,
                               _effective, trial_plans)
from matching.question_catalog import criterion_question_id
from matching.trial import TrialSummary

_NO_QUESTIONS: tuple[str, ...] = ()


@dataclass(slots=True, init=False)
class BallotCriterion:
    """A top-level criterion as the question ranking sees it."""

    outcome: str
    question_ids: list[str]
    text: str

    # (a hand-written __init__: matching.native)
    def __init__(self, outcome: str, question_ids: list[str], text: str):
        self.outcome = outcome
        self.question_ids = question_ids
        self.text = text


@dataclass(slots=True)
class Ballot:
    """The fields of :class:`matching.evaluate.Evaluation` that ``next_questions`` reads."""

    nct_id: str
    verdict: str
    criteria: list[BallotCriterion]
    question_atoms: dict[str, object]  # question id -> the first atom met that it would settle


def ballot(trial: TrialSummary, facts: PatientFacts, verdict: str) -> Ballot:
    """``trial``'s ballot; ``verdict`` is its verdict (``matching.outcomes.judge_trial``)."""
    atoms: dict[str, object] = {}
    criteria = []
    subject = trial_subject.Subject(trial, facts)
    for plan in trial_plans(trial, facts):
        outcome, questions = _criterion(plan, trial.nct_id, facts, atoms)
        if outcome == (NOT_MET if plan.inclusion else MET) and subject.rests_on_it(
                plan.inclusion, plan.subject_reading, lambda other: _criterion(plan, trial.nct_id, other, {})[0]):
            # rests only on the disease the trial studies (matching.trial_subject)
            outcome, questions = UNKNOWN, [criterion_question_id(trial.nct_id, plan.criterion_id)]
        criteria.append(BallotCriterion(outcome, list(questions), plan.text))
    return Ballot(trial.nct_id, verdict, criteria, atoms)


def _criterion(plan: CriterionPlan, nct_id: str, facts: PatientFacts, atoms: dict) -> tuple[str, tuple | list]:
    """(outcome, question ids) as ``evaluate._evaluate_criterion`` gives them."""
    outcome, questions = _once(plan, nct_id, facts, atoms)
    if outcome == NOT_MET and plan.inclusion and facts.profile.absent_means_no:
        return _criterion(plan, nct_id, facts.open_world, atoms)
    if outcome == NOT_MET and plan.inclusion and plan.narrowing and not _answered(plan, nct_id, facts):
        settled = unread_qualifiers.settled_outcome(plan.narrowing, facts, inclusion=True)
        if settled != NOT_MET:
            return settled, ([criterion_question_id(nct_id, plan.criterion_id)] if settled == UNKNOWN
                             else _NO_QUESTIONS)
    if outcome == UNKNOWN:
        if (plan.unread_exclusion is not None and record_mentions.applies(facts.profile, plan.inclusion)
                and record_mentions.unmentioned_note(plan.unread_exclusion, facts.profile.record_text) is not None):
            return NOT_MET, _NO_QUESTIONS
    elif outcome == MET and not _answered(plan, nct_id, facts):
        if plan.inclusion:
            if plan.unread_setting:
                return UNKNOWN, [criterion_question_id(nct_id, plan.criterion_id)]
            if plan.narrowing and unread_qualifiers.met_inclusion_outcome(plan.narrowing, facts) == UNKNOWN:
                return UNKNOWN, [criterion_question_id(nct_id, plan.criterion_id)]
        else:
            if plan.narrowing:
                settled = unread_qualifiers.settled_outcome(plan.narrowing, facts)
                if settled != MET:
                    return settled, ([criterion_question_id(nct_id, plan.criterion_id)] if settled == UNKNOWN
                                     else _NO_QUESTIONS)
            if facts.profile.absent_means_no:
                return _criterion(plan, nct_id, facts.open_world, atoms)
    return outcome, questions


def _answered(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> bool:
    return facts.criterion_answers and answer_bool(
        facts.answer(criterion_question_id(nct_id, plan.criterion_id))) is not None


def _once(plan: CriterionPlan, nct_id: str, facts: PatientFacts, atoms: dict) -> tuple[str, tuple | list]:
    """``evaluate._evaluate_once``, keeping only the outcome and the question ids."""
    children = [_criterion(child, nct_id, facts, atoms) for child in plan.children]
    if facts.criterion_answers:
        answered = answer_bool(facts.answer(criterion_question_id(nct_id, plan.criterion_id)))
        if answered is not None:
            return (MET if answered else NOT_MET), _NO_QUESTIONS
    applies: Truth = True
    applies_questions: list = []
    if plan.applies_if is not None:
        applies, applies_questions = _expr(plan.applies_if, facts, atoms)
        if applies is False:
            return NOT_APPLICABLE, _NO_QUESTIONS
    values: list[Truth] = []
    questions: list[str] = []
    if plan.expr is not None:
        value, found = _expr(plan.expr, facts, atoms)
        if value is None and plan.sign_pairs and facts.profile.absent_means_no:
            # a measurement beside the absent condition it defines (matching.sign_alternatives)
            labels = sign_alternatives.covered(plan.sign_pairs, lambda atom: evaluate_atom(atom, facts).value,
                                               facts.profile, facts.as_of)
            if labels:
                value, found = _expr(plan.expr, facts, atoms, labels)
        values.append(value)
        questions.extend(found)  # unknown findings only: a known expression leaves none
    if children:
        values.append(combine3((_effective(child, outcome) for child, (outcome, _) in zip(plan.children, children)),
                               plan.combine_any))
    if not values:
        return UNKNOWN, [criterion_question_id(nct_id, plan.criterion_id)]
    value = and3(values)
    if applies is None:
        value = settled_if_may_not_apply(value, plan.inclusion)
        if value is None:
            questions.extend(applies_questions)
    if value is not None:
        return (MET if value else NOT_MET), _NO_QUESTIONS
    for outcome, child_questions in children:
        if outcome == UNKNOWN:
            questions.extend(child_questions)
    if not questions:
        return UNKNOWN, [criterion_question_id(nct_id, plan.criterion_id)]
    return UNKNOWN, list(dict.fromkeys(questions))


def _expr(node: tuple, facts: PatientFacts, atoms: dict, covered: dict | None = None) -> tuple[Truth, list]:
    """Kleene value of a compiled expression and the question ids of the unknown findings
    that decide it (``logic.evaluate_expr``'s deciding findings that are unknown). Every
    atom is judged, as ``evaluate_expr`` does, so ``atoms`` records the same first atoms."""
    op = node[0]
    if op == _ATOM:
        found = facts.memo.get(node[1])
        if found is None:
            found = evaluate_atom(node[2], facts, node[1])
        if found.value is not None:
            return found.value, []
        if covered and id(node[2]) in covered:
            return False, []
        question = found.question_id
        if not question:
            return None, []
        if question not in atoms:
            atoms[question] = node[2]
        return None, [question]
    if op == _NOT:
        value, questions = _expr(node[1], facts, atoms, covered)
        return (None if value is None else not value), questions
    dominant = op == _ANY
    decided = False
    unknown: list = []
    saw_unknown = False
    for arg in node[1]:
        value, questions = _expr(arg, facts, atoms, covered)
        if value is dominant:
            decided = True
        elif value is None:
            saw_unknown = True
            unknown.extend(questions)
    if decided:
        return dominant, []
    if saw_unknown:
        return None, unknown
    return not dominant, []

