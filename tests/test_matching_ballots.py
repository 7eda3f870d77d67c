"""A trial's ballot (``matching.ballots``) carries exactly what the full evaluation gives
the question ranking: the verdict, each top-level criterion's outcome, question ids and
text, and the first atom met for each question id (the very same object)."""

import datetime as dt

import pytest

from criteria_rules.ir import Criterion, ProcedureAtom, RuleSet, SexAtom, Window, atom
from matching.ballots import ballot
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts, atom_key
from matching.outcomes import judge_trial
from matching.profile import PatientProfile
from matching.questions import next_questions
from matching.trial import TrialSummary
from test_matching_outcomes import PROFILES, TRIALS, _profiles, corpus_sample  # noqa: F401 (a fixture)

AS_OF = dt.date(2025, 6, 1)

# One question id ("q:procedure:hsct"), two wordings: the procedure atom with a time
# window asks for a date. Which atom a trial meets first decides the wording.
WINDOWED = TrialSummary(nct_id="NCT00000201", overall_status="RECRUITING", rules=RuleSet(
    compiler_version="hand", criteria=[
        Criterion(id="exc-1", kind="exclusion", text="Women with HSCT in the last 6 months", status="compiled",
                  expr=atom(ProcedureAtom(concept="hsct", window=Window(relation="within", days=180))),
                  applies_if=atom(SexAtom(sex="female"))),
        Criterion(id="inc-1", kind="inclusion", text="Prior HSCT", status="compiled",
                  expr=atom(ProcedureAtom(concept="hsct"))),
    ]))
SEXLESS = [PatientProfile(age_years=50), PatientProfile(age_years=50, sex="male")]


# Question atoms are compared by meaning: a ballot's come from the plans, which hold one atom
# object per meaning (matching.facts.canonical_atom); a question is worded from the meaning.
def _from_full_evaluation(trial, facts):
    full = evaluate_trial_detailed(trial, facts)
    return (full.verdict, [(c.outcome, c.question_ids, c.text) for c in full.criteria],
            {q: atom_key(a) for q, a in full.question_atoms.items()})


def _from_ballot(trial, facts):
    cast = ballot(trial, facts, judge_trial(trial, facts).verdict)
    return (cast.verdict, [(c.outcome, c.question_ids, c.text) for c in cast.criteria],
            {q: atom_key(a) for q, a in cast.question_atoms.items()})


def assert_ballots_match(trials, profile):
    full_facts, fast_facts = PatientFacts(profile, AS_OF), PatientFacts(profile, AS_OF)
    for trial in trials:
        assert _from_ballot(trial, fast_facts) == _from_full_evaluation(trial, full_facts), trial.nct_id


@pytest.mark.parametrize("profile", _profiles() + SEXLESS, ids=[str(n) for n in range(len(PROFILES) + 2)])
def test_ballots_equal_the_full_evaluation(profile):
    assert_ballots_match(TRIALS + [WINDOWED], profile)


@pytest.mark.parametrize("profile", _profiles() + SEXLESS, ids=[str(n) for n in range(len(PROFILES) + 2)])
def test_questions_from_ballots_equal_questions_from_full_evaluations(profile):
    trials = TRIALS + [WINDOWED]
    facts = PatientFacts(profile, AS_OF)
    full = next_questions([evaluate_trial_detailed(t, facts) for t in trials], answered=profile.answers, limit=50)
    cast = next_questions([ballot(t, facts, judge_trial(t, facts).verdict) for t in trials],
                          answered=profile.answers, limit=50)
    assert [q.model_dump() for q in cast] == [q.model_dump() for q in full]


def test_the_first_atom_met_words_the_question():
    # sex unknown: the windowed exclusion may apply, so its atom is met first and the
    # question asks for a date; for a man it does not apply and is never judged.
    facts = PatientFacts(PatientProfile(age_years=50), AS_OF)
    unknown_sex = next_questions([ballot(WINDOWED, facts, judge_trial(WINDOWED, facts).verdict)])
    facts = PatientFacts(PatientProfile(age_years=50, sex="male"), AS_OF)
    male = next_questions([ballot(WINDOWED, facts, judge_trial(WINDOWED, facts).verdict)])
    hsct = {q.id: q for q in unknown_sex}["q:procedure:hsct"]
    assert hsct.answer_type == "date"
    assert {q.id: q for q in male}["q:procedure:hsct"].answer_type != "date"


@pytest.mark.corpus
@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_ballots_equal_the_full_evaluation_on_compiled_trials(corpus_sample, profile):  # noqa: F811
    assert_ballots_match(corpus_sample, profile)
