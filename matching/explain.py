"""A trial's full explanation for one patient, from the compiled plans judging holds.

A match shows about twenty trials with every criterion's outcome, reason, deciding facts,
question ids and sub-criteria. :func:`matching.evaluate.evaluate_trial_detailed` builds
that from the trial's RuleSet, which a catalog keeps packed (:mod:`matching.packed_rules`):
each page trial's RuleSet was parsed again (about 1 ms each, most of a page's cost when the
patient is new) and its pydantic expression trees walked with a callback per atom.

:func:`explain_trial` gives the same :class:`matching.evaluate.Evaluation` from the trial's
plans (:mod:`matching.outcomes`), which hold everything a response shows of a criterion
(id, kind, text, status, the note on its unread words, sub-criteria, expressions over atoms
numbered by meaning) and are kept in memory for judging anyway. It walks each criterion
exactly as :mod:`matching.evaluate` does, step for step (children first, then
``applies_if``, then the sign alternatives, then the expression, every atom of it, left to
right; the silence, unread-word and trial-subject rules in the same order), so the outcomes,
deciding facts, question ids, notes and the first atom met for each question are the full
evaluation's. Findings come from the request's memo (``facts.memo``), mostly filled while
judging. ``tests/test_matching_explain.py`` holds the two equal on every test trial and
profile and on a sample of compiled registry trials.

:mod:`matching.evaluate` stays the reference (it reads a RuleSet as written; a trial
judged outside a catalog, a trial the registry filter drops).
"""

from __future__ import annotations

from matching import record_mentions, sign_alternatives, trial_subject, unread_qualifiers, unread_settings
from matching.evaluate import (CriterionOutcome, Evaluation, UNREAD, _effective, _verdict, answer_bool, summarise)
from matching.facts import AtomFinding, PatientFacts, evaluate_atom
from matching.logic import EXPR_ANY, EXPR_ATOM, EXPR_NOT, Truth, and3, combine3, settled_if_may_not_apply
from matching.outcomes import MET, NOT_APPLICABLE, NOT_MET, UNKNOWN, CriterionPlan, criterion_outcome, trial_plans
from matching.packed_rules import has_criteria
from matching.question_catalog import criterion_question_id
from matching.trial import TrialSummary

_NOTHING_READ = "We could not check this automatically."
_NONE: tuple = ()


def explain_trial(trial: TrialSummary, facts: PatientFacts) -> Evaluation:
    """``evaluate_trial_detailed(trial, facts)``, from the trial's plans."""
    nct_id = trial.nct_id
    evaluation = Evaluation(nct_id=nct_id, facts=facts)
    atoms = evaluation.question_atoms
    subject = trial_subject.Subject(trial, facts)
    outcomes = []
    for plan in trial_plans(trial, facts):
        result = _criterion(plan, nct_id, facts, atoms)
        if plan.status != "registry" and _blocking(result):
            result = _on_subject(result, plan, nct_id, facts, subject)
        outcomes.append(result)
    evaluation.criteria = outcomes
    evaluation.verdict, evaluation.verdict_reason = _verdict(outcomes, has_criteria(trial))
    evaluation.summary = summarise(outcomes)
    evaluation.question_ids = list(dict.fromkeys(q for o in outcomes if o.outcome == UNKNOWN
                                                 for q in o.question_ids))
    return evaluation


def _blocking(result: CriterionOutcome) -> bool:
    return result.outcome == (NOT_MET if result.kind == "inclusion" else MET)


def _on_subject(result: CriterionOutcome, plan: CriterionPlan, nct_id: str, facts: PatientFacts,
                subject: trial_subject.Subject) -> CriterionOutcome:
    """``evaluate._on_subject``: unknown when the criterion rules the patient out only
    through the disease the trial studies (its outcome for other facts as judging gives it)."""
    if not subject.rests_on_it(plan.inclusion, plan.subject_reading,
                               lambda other: criterion_outcome(plan, nct_id, other)):
        return result
    return _result(plan, UNKNOWN, result.facts_used, [criterion_question_id(nct_id, plan.criterion_id)],
                   result.children, subject.note())


def _result(plan: CriterionPlan, outcome: str, used: list[str], questions: list[str],
            children: list[CriterionOutcome], note: str = "") -> CriterionOutcome:
    triggered: bool | None = None
    if not plan.inclusion and outcome != UNKNOWN:
        triggered = outcome == MET
    return CriterionOutcome(plan.criterion_id, "inclusion" if plan.inclusion else "exclusion", plan.text, outcome,
                            triggered, plan.status, used, questions, children, note)


def _answered(plan: CriterionPlan, nct_id: str, facts: PatientFacts) -> bool:
    return facts.criterion_answers and answer_bool(
        facts.answer(criterion_question_id(nct_id, plan.criterion_id))) is not None


def _criterion(plan: CriterionPlan, nct_id: str, facts: PatientFacts, atoms: dict) -> CriterionOutcome:
    """``evaluate._evaluate_criterion``."""
    result = _once(plan, nct_id, facts, atoms)
    outcome = result.outcome
    registry = plan.status == "registry"
    if outcome == NOT_MET and plan.inclusion and facts.profile.absent_means_no:
        # silence may only help: fail an inclusion only on what was said
        open_world = _criterion(plan, nct_id, facts.open_world, atoms)
        open_world.children = result.children
        open_world.silent = open_world.outcome == UNKNOWN and not registry and plan.asks_condition
        return open_world
    if outcome == NOT_MET:
        if plan.inclusion and plan.narrowing and not _answered(plan, nct_id, facts):
            # what was read fails it ("no [excisional] biopsy"), but unread words qualify it
            settled, note = unread_qualifiers.settle(plan.narrowing, facts, inclusion=True)
            if settled != NOT_MET:
                questions = [criterion_question_id(nct_id, plan.criterion_id)] if settled == UNKNOWN else []
                return _result(plan, settled, result.facts_used, questions, result.children, note)
        return result
    if outcome == UNKNOWN:
        if plan.status in UNREAD and record_mentions.applies(facts.profile, plan.inclusion):
            unmentioned = record_mentions.unmentioned_note(plan.text, facts.profile.record_text)
            if unmentioned is not None:
                return _result(plan, NOT_MET, [], [], result.children, unmentioned)
        return result
    if outcome != MET or registry:
        return result
    if plan.inclusion:
        if plan.unread_setting and not _answered(plan, nct_id, facts):
            # a place of residence or care the compiler did not read (matching.unread_settings)
            return _result(plan, UNKNOWN, result.facts_used, [criterion_question_id(nct_id, plan.criterion_id)],
                           result.children, unread_settings.note(plan.unread_setting))
        if plan.narrowing and not _answered(plan, nct_id, facts):
            # what was read meets it, but a complete record never mentions the unread words that qualify it
            settled, note = unread_qualifiers.settle_met_inclusion(plan.narrowing, facts)
            if settled != MET:
                return _result(plan, settled, result.facts_used, [criterion_question_id(nct_id, plan.criterion_id)],
                               result.children, note)
        return result
    if _answered(plan, nct_id, facts):
        return result
    if plan.narrowing:
        settled, note = unread_qualifiers.settle(plan.narrowing, facts)
        if settled != MET:
            questions = [criterion_question_id(nct_id, plan.criterion_id)] if settled == UNKNOWN else []
            result = _result(plan, settled, result.facts_used, questions, result.children, note)
    if result.outcome == MET and facts.profile.absent_means_no:
        # silence may only help: trigger an exclusion only on what was said
        open_world = _criterion(plan, nct_id, facts.open_world, atoms)
        open_world.children = result.children
        result = open_world
    return result


def _once(plan: CriterionPlan, nct_id: str, facts: PatientFacts, atoms: dict) -> CriterionOutcome:
    """``evaluate._evaluate_once``."""
    children = [_criterion(child, nct_id, facts, atoms) for child in plan.children] if plan.children else []
    if facts.criterion_answers:
        answered = answer_bool(facts.answer(criterion_question_id(nct_id, plan.criterion_id)))
        if answered is not None:
            used = ["You answered that this " + ("applies" if answered else "does not apply") + " to you."]
            return _result(plan, MET if answered else NOT_MET, used, [], children)

    applies: Truth = True
    applies_deciding: tuple = _NONE
    if plan.applies_if is not None:
        applies, applies_deciding = _expr(plan.applies_if, facts, atoms, None)
        if applies is False:
            return _result(plan, NOT_APPLICABLE, _facts_used(applies_deciding), [], children)

    values: list = []
    deciding: tuple = _NONE
    if plan.expr is not None:
        labels: dict | None = None
        if plan.sign_pairs and facts.profile.absent_means_no:
            # a measurement beside the absent condition it defines (sign_alternatives.wrap_judge)
            found = sign_alternatives.covered(plan.sign_pairs, lambda atom: _judge(atom, facts, atoms).value,
                                              facts.profile, facts.as_of)
            if found:
                labels = {number: (label, text) for (lab, _), text in zip(plan.sign_pairs, plan.sign_texts)
                          for number, label in found.items() if number == id(lab)}
        value, deciding = _expr(plan.expr, facts, atoms, labels)
        values.append(value)
    if children:
        values.append(combine3(map(_effective, children), plan.combine_any))
    if not values:
        # nothing understood: unknown, and the criterion itself becomes the question
        return _result(plan, UNKNOWN, [_NOTHING_READ], [criterion_question_id(nct_id, plan.criterion_id)], children)

    value = and3(values)
    if applies is None:
        # settled only if the answer is the same whether or not the criterion applies
        value = settled_if_may_not_apply(value, plan.inclusion)
        if value is None:
            deciding = deciding + applies_deciding
    used = _facts_used(deciding)
    if value is None:
        questions = [f.question_id for f in deciding if f.value is None and f.question_id]
        for child in children:
            if child.outcome == UNKNOWN:
                questions.extend(child.question_ids)
        questions = list(dict.fromkeys(questions)) if questions else [
            criterion_question_id(nct_id, plan.criterion_id)]
        outcome = UNKNOWN
    else:
        questions = []
        outcome = MET if value else NOT_MET
    if children and not used:
        used = [f"{sum(1 for c in children if c.outcome in (MET, NOT_APPLICABLE))} of {len(children)} "
                f"sub-criteria hold."]
    return _result(plan, outcome, used, questions, children, plan.unread_note)


def _judge(atom, facts: PatientFacts, atoms: dict, number: int | None = None) -> AtomFinding:
    """An atom's finding; an unknown one's question remembers the first atom met for it."""
    found = facts.memo.get(number) if number is not None else None
    if found is None:
        found = evaluate_atom(atom, facts, number)
    if found.value is None and found.question_id and found.question_id not in atoms:
        atoms[found.question_id] = atom
    return found


def _expr(node: tuple, facts: PatientFacts, atoms: dict, covered: dict | None) -> tuple:
    """(Kleene value, deciding findings) of a compiled expression, as ``logic.evaluate_expr``
    gives them: every atom is judged (no short cut), so ``atoms`` meets them all in order."""
    op = node[0]
    if op == EXPR_ATOM:
        found = _judge(node[2], facts, atoms, node[1])
        if covered is not None and found.value is None and id(node[2]) in covered:
            label, text = covered[id(node[2])]
            found = AtomFinding(found.atom_type, False, sign_alternatives.reason(label, text))
        return found.value, (found,)
    if op == EXPR_NOT:
        value, deciding = _expr(node[1], facts, atoms, covered)
        return (None if value is None else not value), deciding
    parts = [_expr(arg, facts, atoms, covered) for arg in node[1]]
    dominant = op == EXPR_ANY  # True settles "any", False settles "all"
    values = [value for value, _ in parts]
    if dominant in values:
        value = dominant
    elif None in values:
        value = None
    else:
        value = not dominant
    if value is None:
        return None, tuple(f for v, d in parts if v is None for f in d)
    if value is dominant:
        return value, tuple(f for v, d in parts if v is dominant for f in d)
    return value, tuple(f for _, d in parts for f in d)


def _facts_used(findings: tuple) -> list[str]:
    return list(dict.fromkeys(f.reason for f in findings if f.reason))


__all__ = ["explain_trial"]
