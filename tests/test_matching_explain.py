"""A trial explained from its plans (``matching.explain``) is the full evaluation
(``matching.evaluate``): every criterion's outcome, reason, deciding facts, question ids,
status, note and sub-criteria, the verdict and its reason, the summary, the trial's
question ids, and the first atom met for each question (compared by meaning: plans hold
one atom object per meaning, and a question is worded from the meaning)."""

import dataclasses
import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import RuleSet
from matching.engine import match_trials, prepare_trials
from matching.evaluate import evaluate_trial_detailed
from matching.explain import explain_trial
from matching.facts import PatientFacts, atom_key
from matching.outcomes import prepare_plans
from matching.packed_rules import PackedRules
from matching.profile import Condition, LabResult, PatientProfile
from matching.questions import next_questions
from matching.trial import TrialSummary
from test_matching_ballots import SEXLESS, WINDOWED
from test_matching_outcomes import PROFILES, TRIALS, _profiles, corpus_sample  # noqa: F401 (a fixture)

AS_OF = dt.date(2025, 6, 1)

# Criteria whose explanation takes the rarer turns: a measurement offered beside the
# condition it defines (sign alternatives), unread words qualifying an exclusion or a
# "no ..." inclusion, a place of care not read, an unread exclusion a record may not mention.
RARE_TURNS = """Inclusion Criteria:
- Adults with asthma living in the district served by the study hospital
- No excisional biopsy of the lesion
- Heart failure or ejection fraction < 30%
Exclusion Criteria:
- Cough from occupational dust exposure
- Anaemia or haemoglobin < 10 g/dL
- Pregnancy or breastfeeding or menstruation
- Any condition that in the opinion of the investigator would compromise the study
- Participants who have travelled to a zika area
"""
RARE = TrialSummary(nct_id="NCT00000301", overall_status="RECRUITING", min_age_years=18,
                    rules=compile_eligibility(RARE_TURNS))

QUIET_NOTE = "A 35-year-old pregnant woman with a dry cough for two weeks. She works as a teacher."
DUST_NOTE = "A 35-year-old woman with asthma and a dry cough. She works in a quarry with dust. Ejection fraction 55%."
RECORDS = [
    PatientProfile(age_years=35, sex="female", pregnant=True, absent_means_no=True, record_text=QUIET_NOTE,
                   conditions=[Condition(text="cough", status="active")]),
    PatientProfile(age_years=35, sex="female", absent_means_no=True, record_text=DUST_NOTE,
                   conditions=[Condition(text="asthma"), Condition(text="cough")],
                   labs=[LabResult(analyte="ejection fraction", value=55, unit="%")]),
    PatientProfile(age_years=70, sex="male", absent_means_no=True, record_text="A 70-year-old man. Haemoglobin 9.",
                   labs=[LabResult(analyte="haemoglobin", value=9, unit="g/dL")]),
    PatientProfile(age_years=35, sex="female", record_text=DUST_NOTE, conditions=[Condition(text="cough")]),
]
ALL_PROFILES = _profiles() + SEXLESS + RECORDS
IDS = [str(n) for n in range(len(ALL_PROFILES))]


def _shown(evaluation):
    return (evaluation.to_result().model_dump(), evaluation.question_ids,
            [_silences(c) for c in evaluation.criteria],
            {q: atom_key(a) for q, a in evaluation.question_atoms.items()})


def _silences(outcome):
    return (outcome.silent, [_silences(c) for c in outcome.children])


def assert_explanations_match(trials, profile):
    full_facts, fast_facts = PatientFacts(profile, AS_OF), PatientFacts(profile, AS_OF)
    for trial in trials:
        assert _shown(explain_trial(trial, fast_facts)) == _shown(evaluate_trial_detailed(trial, full_facts)), \
            trial.nct_id


def _packed(trial: TrialSummary) -> TrialSummary:
    rules = trial.rules
    if not isinstance(rules, RuleSet):
        return trial
    return dataclasses.replace(trial, rules=PackedRules.pack(rules))


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=IDS)
def test_explanations_equal_the_full_evaluation(profile):
    assert_explanations_match(TRIALS + [WINDOWED, RARE], profile)


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=IDS)
def test_packed_trials_are_explained_without_their_ruleset(profile, monkeypatch):
    trials = [_packed(t) for t in TRIALS + [WINDOWED, RARE]]
    expected = [_shown(evaluate_trial_detailed(t, PatientFacts(profile, AS_OF))) for t in trials]
    for trial in trials:
        prepare_plans(trial)  # as a catalog does when it loads its trials
    monkeypatch.setattr(PackedRules, "load", lambda self: pytest.fail("a packed RuleSet was parsed"))
    facts = PatientFacts(profile, AS_OF)
    for trial in trials:
        assert _shown(explain_trial(trial, facts)) == expected.pop(0), trial.nct_id


def test_the_rare_turns_are_taken():
    # the trial above does exercise what it is there for
    quiet = {c.text: c for c in explain_trial(RARE, PatientFacts(RECORDS[0], AS_OF)).criteria}
    assert quiet["Cough from occupational dust exposure"].outcome == "not_met"
    assert "does not mention" in quiet["Cough from occupational dust exposure"].note
    assert quiet["Adults with asthma living in the district served by the study hospital"].outcome == "unknown"
    assert any("would be" in fact for c in quiet.values() for fact in c.facts_used)  # a sign alternative
    assert any(c.status == "partial" and c.note.startswith("(Not checked") for c in quiet.values())


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=IDS)
def test_questions_from_explanations_equal_questions_from_full_evaluations(profile):
    trials = TRIALS + [WINDOWED, RARE]
    facts = PatientFacts(profile, AS_OF)
    full = next_questions([evaluate_trial_detailed(t, facts) for t in trials], answered=profile.answers, limit=50)
    fast = next_questions([explain_trial(t, PatientFacts(profile, AS_OF)) for t in trials],
                          answered=profile.answers, limit=50)
    assert [q.model_dump() for q in fast] == [q.model_dump() for q in full]


@pytest.mark.corpus
@pytest.mark.parametrize("profile", ALL_PROFILES, ids=IDS)
def test_explanations_equal_the_full_evaluation_on_compiled_trials(corpus_sample, profile):  # noqa: F811
    assert_explanations_match(corpus_sample, profile)


@pytest.mark.parametrize("profile", [PatientProfile(**PROFILES[4]), RECORDS[0]], ids=["profile", "record"])
def test_a_match_over_packed_trials_parses_no_ruleset(profile, monkeypatch):
    # a catalog prepares its trials once (matching.engine.prepare_trials); after that a
    # match judges, explains its page and votes on questions from plans alone
    trials = [_packed(t) for t in TRIALS + [WINDOWED, RARE]]
    prepare_trials(trials)
    expected = match_trials(profile, [_as_parsed(t) for t in trials], as_of=AS_OF, statuses=["RECRUITING"],
                            limit=5)
    monkeypatch.setattr(PackedRules, "load", lambda self: pytest.fail("a packed RuleSet was parsed"))
    result = match_trials(profile, trials, as_of=AS_OF, statuses=["RECRUITING"], limit=5)
    assert result.trials and any(t.criteria for t in result.trials) and result.questions
    assert result.model_dump() == expected.model_dump()


def _as_parsed(trial: TrialSummary) -> TrialSummary:
    rules = trial.rules
    return dataclasses.replace(trial, rules=rules.parse()) if isinstance(rules, PackedRules) else trial
