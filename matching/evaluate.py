"""One trial against one patient: every criterion's outcome, reason, and the verdict.

This module reads a RuleSet as written and is the reference; a match explains its page
with :mod:`matching.explain`, which gives the same from the trial's compiled plans.

Semantics (DESIGN.md, "Evaluation semantics"):
- A criterion's expression is evaluated in Kleene logic; for an inclusion it must hold,
  for an exclusion holding means ``triggered``.
- ``applies_if`` False -> ``not_applicable``. Unknown -> the criterion is settled only
  when it would come out the same either way (an inclusion already met, an exclusion
  already not triggered).
- Children of a parent item combine by ``any``/``all``; a child that does not apply
  counts as satisfied for an inclusion and as not triggering for an exclusion.
- ``unsupported`` criteria are unknown and become a yes/no question quoting the text,
  unless ``answers["q:criterion:<nct_id>:<criterion id>"]`` answers them; such an
  answer settles any criterion (the reader judged the text themselves).
- ``partial`` criteria are evaluated on what was understood; the reason says which
  words were not read.
- Registry fields (age range, sex, "no healthy volunteers") are synthetic criteria with
  status ``registry``; a missing limit is simply no criterion.
- Silence may only help. A complete record (``absent_means_no``) lets what it does not
  mention count as absent: an exclusion it does not mention is not triggered, and a
  negated inclusion ("not pregnant", "no prior chemotherapy") is met. But an inclusion
  does not *fail* merely because the record is silent: an inclusion that comes out
  ``not_met`` is judged again with silence read as unknown (``PatientFacts.open_world``),
  and that outcome stands ("Diagnosis of X" with X unmentioned is unknown, not "not met";
  with "no X" stated it is not met). Likewise an exclusion is not *triggered* merely because
  the record is silent ("Participant is not a lung cancer patient", "without X"): one that
  comes out triggered is judged again with silence read as unknown, and that outcome stands.
  Profiles that are not complete records read silence as unknown throughout (DESIGN: a
  fact not given is unknown, never "no").
- An unread exclusion (``unsupported``, or ``partial`` and unknown) under a complete record
  that carries its text (``record_text``) is not triggered when the record mentions none of
  its salient terms, or when it names nothing specific at all (a judgement clause);
  :mod:`matching.record_mentions`. Inclusions are not affected.
- A partly read inclusion met by what was read that also asks where the patient lives or is
  cared for ("resident in the study area", "seen at <centre>") is unknown: a record does not
  settle the place; :mod:`matching.unread_settings`.
- A partly read exclusion triggered by what was read, whose unread words qualify it ("a
  [traumatic cause] of dyspnoea"), is not settled by what was read: unknown, or not
  triggered when a complete record never mentions the qualifier;
  :mod:`matching.unread_qualifiers`. Likewise a partly read inclusion that what was read
  fails through a negation ("no [excisional] biopsy"): unknown, or met when the qualifier
  is absent.
- Under a complete record, a measurement offered beside the condition it defines ("heart
  failure or EF < 30%") is not met when the condition is not: :mod:`matching.sign_alternatives`.
- An inclusion left unknown only because the complete record is silent on the condition it
  asks for is marked ``silent`` (``asks_for_condition``): the verdict is unchanged, the
  ranking counts it (``matching.rank``, silent requirements).
- A top-level criterion that rules the patient out only through the disease the trial
  studies ("prior history of malignancy" in a breast cancer trial) is unknown:
  :mod:`matching.trial_subject`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from criteria_rules.ir import AgeAtom, AtomNode, Criterion, HealthyVolunteerAtom, Not, SexAtom, iter_atoms
from matching.facts import AtomFinding, PatientFacts, evaluate_atom
from matching.logic import Judged, Truth, and3, combine_judged, evaluate_expr, settled_if_may_not_apply
from matching.profile import PatientProfile
from matching import record_mentions, sign_alternatives, trial_subject, unread_qualifiers, unread_settings
from matching.question_catalog import criterion_question_id
from matching.results import CriteriaSummary, CriterionResult, TrialResult, constructed
from matching.packed_rules import has_criteria, rules_of
from matching.trial import TrialSummary

MAX_QUOTE = 300


@dataclass(slots=True)
class CriterionOutcome:
    """A criterion's outcome before it is rendered as a response model.

    Matching evaluates every criterion of every candidate but renders only the page it
    returns, so reasons and pydantic models are built on demand (:meth:`to_result`).
    """

    id: str
    kind: str
    text: str
    outcome: str
    triggered: bool | None
    status: str
    facts_used: list[str]
    question_ids: list[str]
    children: list["CriterionOutcome"]
    note: str
    # unknown only because a complete record's silence may not fail an inclusion that asks
    # for a condition (``asks_for_condition``): matching.rank counts these
    silent: bool

    # (a hand-written __init__: matching.native)
    def __init__(self, id: str, kind: str, text: str, outcome: str, triggered: bool | None, status: str,
                 facts_used: list[str], question_ids: list[str], children: list[CriterionOutcome], note: str = "",
                 silent: bool = False):
        self.id = id
        self.kind = kind
        self.text = text
        self.outcome = outcome
        self.triggered = triggered
        self.status = status
        self.facts_used = facts_used
        self.question_ids = question_ids
        self.children = children
        self.note = note
        self.silent = silent

    @property
    def reason(self) -> str:
        return _reason(self.kind, self.outcome, self.text, self.facts_used, self.note)

    def to_result(self) -> CriterionResult:
        # constructed: the fields are built from validated inputs here; validating them
        # again would double the cost of rendering a page.
        return constructed(CriterionResult, {
            "id": self.id, "kind": self.kind, "text": self.text, "outcome": self.outcome,
            "triggered": self.triggered, "reason": self.reason, "status": self.status,
            "facts_used": self.facts_used, "question_ids": self.question_ids,
            "children": [c.to_result() for c in self.children]})


@dataclass(slots=True)
class Evaluation:
    """One trial evaluated for one patient, plus what question ranking needs."""

    nct_id: str
    criteria: list[CriterionOutcome] = field(default_factory=list)
    verdict: str = "possibly_eligible"
    verdict_reason: str = ""
    summary: CriteriaSummary | None = None
    question_ids: list[str] = field(default_factory=list)
    question_atoms: dict[str, Any] = field(default_factory=dict)  # question id -> an atom it settles
    judge: Any = None  # the atom evaluator bound to this patient and evaluation
    facts: PatientFacts | None = None
    open_judge: Any = None  # the same for facts.open_world (built when first needed)

    def to_result(self) -> TrialResult:
        return constructed(TrialResult, {
            "nct_id": self.nct_id, "verdict": self.verdict, "verdict_reason": self.verdict_reason,
            "criteria": [c.to_result() for c in self.criteria], "summary": self.summary,
            "question_ids": self.question_ids})


def evaluate_trial(trial: TrialSummary, profile: PatientProfile, as_of: dt.date,
                   *, facts: PatientFacts | None = None) -> TrialResult:
    """Evaluate every criterion of ``trial`` for ``profile`` on ``as_of``."""
    return evaluate_trial_detailed(trial, facts or PatientFacts(profile, as_of)).to_result()


def evaluate_trial_detailed(trial: TrialSummary, facts: PatientFacts) -> Evaluation:
    """Outcomes of every criterion and the verdict, without rendering reasons."""
    evaluation = Evaluation(nct_id=trial.nct_id, facts=facts)
    evaluation.judge = _atom_judge(facts, evaluation)
    outcomes = [_evaluate_criterion(c, trial.nct_id, facts, evaluation, registry=True)
                for c in registry_criteria(trial, facts.profile)]
    rules = rules_of(trial)
    if rules is not None:
        subject = trial_subject.Subject(trial, facts)
        outcomes += [_on_subject(_evaluate_criterion(c, trial.nct_id, facts, evaluation), c, trial.nct_id, facts,
                                 subject) for c in rules.criteria]
    evaluation.criteria = outcomes
    evaluation.verdict, evaluation.verdict_reason = _verdict(outcomes, has_criteria(trial))
    evaluation.summary = summarise(outcomes)
    evaluation.question_ids = list(dict.fromkeys(q for o in outcomes if o.outcome == "unknown"
                                                 for q in o.question_ids))
    return evaluation


def _on_subject(result: CriterionOutcome, criterion: Criterion, nct_id: str, facts: PatientFacts,
                subject: trial_subject.Subject) -> CriterionOutcome:
    """Unknown when the criterion rules the patient out only through the disease the trial
    studies (:mod:`matching.trial_subject`)."""
    if not _blocking(result):
        return result

    def decide(other: PatientFacts) -> str:
        scratch = Evaluation(nct_id=nct_id, facts=other)
        scratch.judge = _atom_judge(other, scratch)
        return _evaluate_criterion(criterion, nct_id, other, scratch).outcome

    if not subject.rests_on_it(criterion.kind == "inclusion", trial_subject.reading(criterion), decide):
        return result
    return _result(criterion, "unknown", result.status, result.facts_used,
                   [criterion_question_id(nct_id, criterion.id)], result.children, subject.note())


# --- registry facts as criteria ----------------------------------------------------------------------


def _age_words(low: float | None, high: float | None) -> str:
    def n(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)
    if low is not None and high is not None:
        return f"Age {n(low)} to {n(high)} years (registry)"
    if low is not None:
        return f"Age {n(low)} years or older (registry)"
    assert high is not None  # (called with at least one limit)
    return f"Age up to {n(high)} years (registry)"


def registry_limits(trial: TrialSummary, profile: PatientProfile) -> tuple[float | None, float | None, str | None, bool]:
    """(min age, max age, sex, patients only): the registry fields that make criteria."""
    rules = rules_of(trial)
    facts = rules.facts if rules is not None else None
    low = trial.min_age_years if trial.min_age_years is not None else (facts.min_age_years if facts else None)
    high = trial.max_age_years if trial.max_age_years is not None else (facts.max_age_years if facts else None)
    sex = (trial.sex or "ALL").lower()
    if sex == "all" and facts is not None:
        sex = facts.sex
    accepts_healthy = trial.healthy_volunteers if trial.healthy_volunteers is not None else (
        facts.healthy_volunteers if facts else None)
    # Only asked of someone who offers themself as a healthy volunteer: for everyone
    # else "no healthy volunteers" says nothing about them.
    patients_only = accepts_healthy is False and bool(profile.healthy_volunteer)
    return low, high, sex if sex in ("female", "male") else None, patients_only


def registry_criteria(trial: TrialSummary, profile: PatientProfile) -> list[Criterion]:
    """The registry's structured fields as criteria; a missing field makes none."""
    return registry_criteria_for(*registry_limits(trial, profile))


@lru_cache(maxsize=4096)
def registry_criteria_for(low: float | None, high: float | None, sex: str | None,
                          patients_only: bool) -> list[Criterion]:
    # Cached: a few hundred distinct limits cover every trial, and sharing the objects
    # lets atom findings be reused across trials within a request.
    out: list[Criterion] = []
    if low is not None or high is not None:
        text = _age_words(low, high)
        out.append(Criterion(id="registry-age", kind="inclusion", text=text, status="compiled",
                             expr=AtomNode(atom=AgeAtom(min_years=low, max_years=high, text=text))))
    if sex is not None:
        text = f"Sex: {sex} (registry)"
        out.append(Criterion(id="registry-sex", kind="inclusion", text=text, status="compiled",
                             expr=AtomNode(atom=SexAtom(sex=sex, text=text))))  # type: ignore[arg-type]
    if patients_only:
        text = "Does not accept healthy volunteers (registry)"
        out.append(Criterion(id="registry-healthy-volunteers", kind="inclusion", text=text, status="compiled",
                             expr=Not(arg=AtomNode(atom=HealthyVolunteerAtom(text=text)))))
    return out


# --- criteria ----------------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _quote(text: str) -> str:
    # cached: a page quotes ~500 criterion texts, the same trials' texts request after request
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


_LABELS = {
    ("inclusion", "met"): "Met",
    ("inclusion", "not_met"): "Not met",
    ("inclusion", "unknown"): "Not yet known",
    ("inclusion", "not_applicable"): "Does not apply to you",
    ("exclusion", "met"): "Excludes you",
    ("exclusion", "not_met"): "Does not exclude you",
    ("exclusion", "unknown"): "Not yet known",
    ("exclusion", "not_applicable"): "Does not apply to you",
}


def _reason(kind: str, outcome: str, text: str, facts_used: list[str], note: str = "") -> str:
    because = " ".join(facts_used) if facts_used else ""
    sentence = f'{_LABELS[(kind, outcome)]}: "{_quote(text)}"'
    return " ".join(part for part in (sentence, because, note) if part)


def answer_bool(answer) -> Truth:
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str):
        text = answer.strip().lower()
        if text in ("yes", "true", "y"):
            return True
        if text in ("no", "false", "n"):
            return False
    return None


def _outcome(value: Truth) -> str:
    return "met" if value is True else "not_met" if value is False else "unknown"


def _effective(result: CriterionOutcome) -> Truth:
    """A child's contribution to its parent: holds (inclusion) / triggers (exclusion)."""
    if result.outcome == "not_applicable":
        return result.kind == "inclusion"
    return {"met": True, "not_met": False}.get(result.outcome)


_APPLIES: Judged = Judged(True)


def _evaluate_criterion(criterion: Criterion, nct_id: str, facts: PatientFacts, evaluation: Evaluation,
                        *, registry: bool = False) -> CriterionOutcome:
    result = _evaluate_once(criterion, nct_id, facts, evaluation, registry=registry)
    if result.outcome == "not_met" and criterion.kind == "inclusion" and facts.profile.absent_means_no:
        # silence may only help (module docs): fail an inclusion only on what was said.
        # Its sub-criteria are still shown as the complete record settles each of them.
        open_world = _evaluate_criterion(criterion, nct_id, facts.open_world, evaluation, registry=registry)
        open_world.children = result.children
        open_world.silent = open_world.outcome == "unknown" and not registry and asks_for_condition(criterion)
        result = open_world
    elif (result.outcome == "not_met" and not registry and criterion.kind == "inclusion"
          and not _answered(criterion, nct_id, facts) and unread_qualifiers.narrowing_phrases(criterion)):
        # what was read fails it ("no [excisional] biopsy"), but unread words qualify it
        outcome, note = unread_qualifiers.settle(unread_qualifiers.narrowing_phrases(criterion),  # type: ignore[arg-type]
                                                 facts, inclusion=True)
        if outcome != "not_met":
            questions = [criterion_question_id(nct_id, criterion.id)] if outcome == "unknown" else []
            result = _result(criterion, outcome, result.status, result.facts_used, questions, result.children, note)
    elif (result.outcome == "unknown" and not registry and criterion.status in UNREAD
          and record_mentions.applies(facts.profile, criterion.kind == "inclusion")):
        unmentioned = record_mentions.unmentioned_note(criterion.text, facts.profile.record_text)
        if unmentioned is not None:
            result = _result(criterion, "not_met", result.status, [], [], result.children, unmentioned)
    elif (result.outcome == "met" and not registry and criterion.kind == "inclusion"
          and unread_settings.unread_setting(criterion) and not _answered(criterion, nct_id, facts)):
        # a place of residence or care the compiler did not read (matching.unread_settings)
        result = _result(criterion, "unknown", result.status, result.facts_used,
                         [criterion_question_id(nct_id, criterion.id)], result.children,
                         unread_settings.note(unread_settings.unread_setting(criterion)))  # type: ignore[arg-type]
    elif (result.outcome == "met" and not registry and criterion.kind == "inclusion"
          and unread_qualifiers.narrowing_phrases(criterion) and not _answered(criterion, nct_id, facts)):
        # what was read meets it, but a complete record never mentions the unread words that qualify it
        outcome, note = unread_qualifiers.settle_met_inclusion(
            unread_qualifiers.narrowing_phrases(criterion), facts)  # type: ignore[arg-type]
        if outcome != "met":
            result = _result(criterion, outcome, result.status, result.facts_used,
                             [criterion_question_id(nct_id, criterion.id)], result.children, note)
    elif (result.outcome == "met" and not registry and criterion.kind == "exclusion"
          and not _answered(criterion, nct_id, facts)):
        narrowing = unread_qualifiers.narrowing_phrases(criterion)
        if narrowing:
            outcome, note = unread_qualifiers.settle(narrowing, facts)
            questions = [criterion_question_id(nct_id, criterion.id)] if outcome == "unknown" else []
            if outcome != "met":
                result = _result(criterion, outcome, result.status, result.facts_used, questions, result.children,
                                 note)
        if result.outcome == "met" and facts.profile.absent_means_no:
            # silence may only help (module docs): trigger an exclusion only on what was said
            open_world = _evaluate_criterion(criterion, nct_id, facts.open_world, evaluation, registry=registry)
            open_world.children = result.children
            result = open_world
    return result


def asks_for_condition(criterion: Criterion) -> bool:
    """A fully read inclusion naming a condition ("Patients with HIV-1 infection"): when a
    complete record never mentions it, it is unknown for the verdict (silence may only help)
    but counts against the trial in the ranking (``matching.rank``, silent requirements)."""
    return (criterion.kind == "inclusion" and criterion.status == "compiled" and criterion.expr is not None
            and any(atom.type == "condition" for atom in iter_atoms(criterion.expr)))


def _answered(criterion: Criterion, nct_id: str, facts: PatientFacts) -> bool:
    """Whether the reader answered this criterion's own question (their answer stands)."""
    return facts.criterion_answers and answer_bool(facts.answer(criterion_question_id(nct_id, criterion.id))) is not None


UNREAD = ("unsupported", "partial")  # statuses whose text the compiler did not fully read


def _evaluate_once(criterion: Criterion, nct_id: str, facts: PatientFacts, evaluation: Evaluation,
                   *, registry: bool = False) -> CriterionOutcome:
    judge = evaluation.judge if facts is evaluation.facts else _open_world_judge(facts, evaluation)
    children = [_evaluate_criterion(c, nct_id, facts, evaluation, registry=registry) for c in criterion.children]
    status = "registry" if registry else criterion.status
    kind = criterion.kind
    own_question = criterion_question_id(nct_id, criterion.id)

    answered = answer_bool(facts.answer(own_question)) if facts.criterion_answers else None
    if answered is not None:
        used = ["You answered that this " + ("applies" if answered else "does not apply") + " to you."]
        outcome = _outcome(answered)
        return _result(criterion, outcome, status, used, [], children)

    applies = evaluate_expr(criterion.applies_if, judge) if criterion.applies_if is not None else _APPLIES
    if applies.value is False:
        used = _facts_used(applies.deciding)
        return _result(criterion, "not_applicable", status, used, [], children)

    parts: list[Judged] = []
    if criterion.status != "unsupported" and criterion.expr is not None:
        parts.append(evaluate_expr(criterion.expr, sign_alternatives.wrap_judge(criterion.expr, judge, facts.profile,
                                                                                facts.as_of)))
    if children:
        child_parts: list[Judged] = [Judged(_effective(child), ()) for child in children]
        combined = combine_judged(child_parts, criterion.combine or "all")
        parts.append(combined)
    if not parts:
        # Nothing understood: unknown, and the criterion itself becomes the question.
        note = "We could not check this automatically."
        return _result(criterion, "unknown", status, [note], [own_question], children)

    value = and3(p.value for p in parts)
    deciding = tuple(f for p in parts for f in p.deciding)
    if applies.value is None:
        # Settled only if the answer is the same whether or not the criterion applies.
        value = settled_if_may_not_apply(value, kind == "inclusion")
        if value is None:
            deciding = deciding + applies.deciding
    used = _facts_used(deciding)
    outcome = _outcome(value)
    questions = _questions(deciding, children) if outcome == "unknown" else []
    if outcome == "unknown" and not questions:
        questions = [own_question]
    note = unread_note(criterion)
    if children and not used:
        used = [f"{sum(1 for c in children if c.outcome in ('met', 'not_applicable'))} of {len(children)} "
                f"sub-criteria hold."]
    return _result(criterion, outcome, status, used, questions, children, note)


def unread_note(criterion: Criterion) -> str:
    """The note a partial criterion's reason ends with, naming the words not read."""
    if criterion.status == "partial" and criterion.unparsed:
        return "(Not checked automatically: " + "; ".join(f'"{w}"' for w in criterion.unparsed[:3]) + ".)"
    return ""


def _result(criterion: Criterion, outcome: str, status: str, used: list[str], questions: list[str],
            children: list[CriterionOutcome], note: str = "") -> CriterionOutcome:
    triggered = None
    if criterion.kind == "exclusion" and outcome in ("met", "not_met", "not_applicable"):
        triggered = outcome == "met"
    return CriterionOutcome(criterion.id, criterion.kind, criterion.text, outcome, triggered, status, used,
                            questions, children, note)


def _atom_judge(facts: PatientFacts, evaluation: Evaluation):
    def judge(atom):
        finding = evaluate_atom(atom, facts)
        if finding.value is None and finding.question_id:
            evaluation.question_atoms.setdefault(finding.question_id, atom)
        return finding.value, finding
    return judge


def _open_world_judge(facts: PatientFacts, evaluation: Evaluation):
    if evaluation.open_judge is None:
        evaluation.open_judge = _atom_judge(facts, evaluation)
    return evaluation.open_judge


def _facts_used(findings: tuple[AtomFinding, ...]) -> list[str]:
    return list(dict.fromkeys(f.reason for f in findings if f.reason))


def _questions(findings: tuple[AtomFinding, ...], children: list[CriterionOutcome]) -> list[str]:
    ids = [f.question_id for f in findings if f.value is None and f.question_id]
    for child in children:
        if child.outcome == "unknown":
            ids.extend(child.question_ids)
    return list(dict.fromkeys(ids))


# --- verdict -------------------------------------------------------------------------------------------


def summarise(results: list[CriterionOutcome]) -> CriteriaSummary:
    counts = {"met": 0, "not_met": 0, "unknown": 0, "not_applicable": 0}
    for result in results:
        counts[result.outcome] += 1
    total = len(results)
    settled = (total - counts["unknown"]) / total if total else 0.0
    return constructed(CriteriaSummary, {"total": total, "met": counts["met"], "not_met": counts["not_met"],
                                         "unknown": counts["unknown"], "not_applicable": counts["not_applicable"],
                                         "settled_share": round(settled, 4)})


def _blocking(result: CriterionOutcome) -> bool:
    return (result.kind == "inclusion" and result.outcome == "not_met") or (
        result.kind == "exclusion" and result.triggered is True)


def _verdict(results: list[CriterionOutcome], has_text_criteria: bool) -> tuple[str, str]:
    blocking = [r for r in results if _blocking(r)]
    if blocking:
        first = blocking[0]
        more = f" ({len(blocking) - 1} more criteria also rule you out.)" if len(blocking) > 1 else ""
        return "ineligible", f"{first.reason}{more}"
    open_ = [r for r in results if r.outcome == "unknown"]
    if not has_text_criteria:
        # No eligibility text: the registry fields alone cannot confirm eligibility.
        return "possibly_eligible", ("The trial lists no eligibility criteria we could read; "
                                     "the study team can tell you more.")
    if open_:
        ids = ", ".join(r.id for r in open_[:5]) + ("…" if len(open_) > 5 else "")
        return "possibly_eligible", (f"Nothing rules you out so far; {len(open_)} "
                                     f"{'criterion is' if len(open_) == 1 else 'criteria are'} still open ({ids}).")
    return "eligible", "You meet every inclusion criterion and no exclusion criterion applies to you."


__all__ = ["evaluate_trial", "evaluate_trial_detailed", "registry_criteria", "summarise", "Evaluation",
           "CriterionOutcome"]
