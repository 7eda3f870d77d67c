"""Caches of the judging fast path never change a result (issue 7).

- Findings of atoms the patient says nothing about are kept per atom meaning across
  requests (``matching.facts._SILENT_FINDINGS``): every atom of real compiled trials, for
  profiles that mention, deny, answer or are silent about it, gets exactly the finding its
  judge gives when called directly, whether the cache is cold or warm.
- Criteria are memoised by ``loose_shape`` (the shape without an unread exclusion's words)
  unless a complete record with its text can read those words; the outcomes still equal
  the full evaluation's.
"""

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import ConditionAtom, Criterion, LabAtom, MedicationAtom, RuleSet, atom
from matching import facts as facts_module
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts, evaluate_atom
from matching.outcomes import _ATOM, criterion_outcome, judge_trial, plan_criterion, trial_plans
from matching.profile import PatientProfile
from matching.trial import TrialSummary
from test_matching_outcomes import PROFILES as OUTCOME_PROFILES
from test_matching_outcomes import TRIALS as OUTCOME_TRIALS

AS_OF = dt.date(2025, 6, 1)

TEXT = """Inclusion Criteria:
- Adults aged 18 to 75 years with type 2 diabetes
- HbA1c between 7% and 10%
- ECOG performance status 0-2
Exclusion Criteria:
- History of HIV infection or hepatitis B
- Current treatment with insulin or warfarin
- Known allergy to penicillin
- Prior radiotherapy to the chest
- Pregnant or breastfeeding women
- Creatinine above 2 mg/dL
- Heart failure (NYHA III-IV)
"""

PROFILES = [dict(p) for p in OUTCOME_PROFILES] + [
    {"age_years": 55, "sex": "male", "conditions": [{"text": "type 2 diabetes"}, {"text": "HIV", "present": False}],
     "medications": [{"text": "warfarin"}], "allergies": [{"text": "penicillin"}]},
    {"age_years": 60, "sex": "female", "allergies": [{"text": "no known drug allergies", "present": False}],
     "labs": [{"analyte": "creatinine", "value": 1.4, "unit": "mg/dL"}]},
    {"age_years": 48, "sex": "male", "answers": {"q:condition:hiv": "no", "q:medication:insulin": "yes",
                                                 "q:lab:creatinine": 3.1}},
    {"age_years": 70, "sex": "female", "absent_means_no": True, "conditions": [{"text": "heart failure"}],
     "procedures": [{"text": "radiotherapy", "site": "chest", "date": "2020-01-01"}]},
    {"age_years": 33, "sex": "female", "conditions": [{"text": "asthma"}]},
]


def _trials() -> list[TrialSummary]:
    compiled = TrialSummary(nct_id="NCT00000201", overall_status="RECRUITING", rules=compile_eligibility(TEXT))
    return OUTCOME_TRIALS + [compiled]


def _atoms(trials) -> dict[int, object]:
    found: dict[int, object] = {}

    def walk(node):
        if node is None:
            return
        if node[0] == _ATOM:
            found[node[1]] = node[2]
        elif node[0] == 1:
            walk(node[1])
        else:
            for arg in node[1]:
                walk(arg)

    def plan_atoms(plan):
        walk(plan.expr)
        walk(plan.applies_if)
        for child in plan.children:
            plan_atoms(child)

    for trial in trials:
        for plan in trial_plans(trial, PatientFacts(PatientProfile(), AS_OF)):
            plan_atoms(plan)
    return found


def _direct(atom_, facts: PatientFacts):
    return facts_module._JUDGES[atom_.type](atom_, facts)


def test_the_compiled_trial_has_atoms_of_every_cached_kind():
    kinds = {a.type for a in _atoms(_trials()).values()}
    assert {"condition", "medication", "lab", "allergy", "procedure"} <= kinds, kinds


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_every_finding_equals_its_judges_cold_and_warm(warm):
    facts_module._SILENT_FINDINGS.clear()
    atoms = _atoms(_trials())
    profiles = [PatientProfile(**p) for p in PROFILES]
    if warm:  # every silent finding cached by some other patient first
        for profile in profiles:
            facts = PatientFacts(profile, AS_OF)
            for number, atom_ in atoms.items():
                evaluate_atom(atom_, facts, number)
        assert facts_module._SILENT_FINDINGS
    for profile in profiles:
        fast, direct = PatientFacts(profile, AS_OF), PatientFacts(profile, AS_OF)
        for number, atom_ in atoms.items():
            assert evaluate_atom(atom_, fast, number) == _direct(atom_, direct), (atom_, profile)


def test_a_silent_finding_is_shared_and_anything_said_bypasses_it():
    facts_module._SILENT_FINDINGS.clear()
    hiv = ConditionAtom(concept="hiv", label="HIV")
    silent = evaluate_atom(hiv, PatientFacts(PatientProfile(age_years=40), AS_OF))
    assert silent.value is None and silent.question_id == "q:condition:hiv"
    again = evaluate_atom(hiv, PatientFacts(PatientProfile(age_years=60, conditions=[{"text": "asthma"}]), AS_OF))
    assert again is silent  # the kept finding: nothing about HIV was said
    said = [
        PatientProfile(conditions=[{"text": "HIV infection"}]),
        PatientProfile(conditions=[{"text": "HIV", "present": False}]),
        PatientProfile(answers={"q:condition:hiv": "no"}),
        PatientProfile(absent_means_no=True),
    ]
    for profile in said:
        finding = evaluate_atom(hiv, PatientFacts(profile, AS_OF))
        assert finding.value is not None, profile
        assert finding == _direct(hiv, PatientFacts(profile, AS_OF))


def test_labs_and_medications_named_or_answered_are_judged():
    facts_module._SILENT_FINDINGS.clear()
    creatinine = LabAtom(analyte="creatinine", comparator=">", value=2, unit="mg/dL")
    insulin = MedicationAtom(concept="insulin", label="insulin")
    quiet = PatientFacts(PatientProfile(age_years=50), AS_OF)
    assert evaluate_atom(creatinine, quiet).value is None and evaluate_atom(insulin, quiet).value is None
    told = PatientFacts(PatientProfile(labs=[{"analyte": "creatinine", "value": 3, "unit": "mg/dL"}],
                                       medications=[{"text": "insulin glargine"}]), AS_OF)
    assert evaluate_atom(creatinine, told).value is True
    assert evaluate_atom(insulin, told).value is True
    answered = PatientFacts(PatientProfile(answers={"q:lab:creatinine": 1.0}), AS_OF)
    assert evaluate_atom(creatinine, answered).value is False


# --- loose shapes ---------------------------------------------------------------------------


def _unsupported(id_: str, text: str) -> Criterion:
    return Criterion(id=id_, kind="exclusion", text=text, status="unsupported")


def test_unread_exclusions_share_a_loose_shape_only():
    a = plan_criterion(_unsupported("exc-1", "Ongoing participation in a marathon training programme"))
    b = plan_criterion(_unsupported("exc-2", "Current enrolment in a chess tournament"))
    assert a.shape != b.shape and a.loose_shape == b.loose_shape
    read = plan_criterion(Criterion(id="exc-3", kind="exclusion", text="HIV", status="compiled",
                                    expr=atom(ConditionAtom(concept="hiv"))))
    assert read.loose_shape != a.loose_shape


def test_a_complete_record_with_its_text_still_reads_each_unread_exclusion():
    trial = TrialSummary(nct_id="NCT00000202", rules=RuleSet(compiler_version="hand", criteria=[
        _unsupported("exc-1", "Ongoing participation in a marathon training programme"),
        _unsupported("exc-2", "Current enrolment in a chess tournament"),
    ]))
    note = "A 40-year-old man with asthma. He is training for a marathon next spring."
    complete = PatientProfile(age_years=40, sex="male", absent_means_no=True, record_text=note)
    facts = PatientFacts(complete, AS_OF)
    outcomes = [criterion_outcome(p, trial.nct_id, facts) for p in trial_plans(trial, facts)]
    assert outcomes == ["unknown", "not_met"]  # the marathon is mentioned, the chess is not
    full = evaluate_trial_detailed(trial, PatientFacts(complete, AS_OF))
    assert [c.outcome for c in full.criteria] == outcomes
    assert judge_trial(trial, PatientFacts(complete, AS_OF)).verdict == full.verdict
    open_world = PatientFacts(PatientProfile(age_years=40, sex="male", record_text=note), AS_OF)
    assert [criterion_outcome(p, trial.nct_id, open_world) for p in trial_plans(trial, open_world)] == [
        "unknown", "unknown"]
