"""Unread exclusions under a complete record with its text (matching.record_mentions):
not triggered when the record never mentions their subject, unknown when it does;
inclusions and open-world profiles untouched; the fast path agrees."""

from __future__ import annotations

import datetime as dt

from criteria_rules import compile_eligibility
from matching.evaluate import evaluate_trial_detailed
from matching.facts import PatientFacts
from matching.outcomes import criterion_outcome, trial_plans
from matching.profile import PatientProfile
from matching.record_mentions import salient_phrases, salient_terms, silence_settles, unmentioned_note
from matching.trial import TrialSummary
from test_matching_support import criteria_by_text

AS_OF = dt.date(2024, 1, 1)
TEXT = """Inclusion Criteria:
- Able to walk unaided for six kilometres
Exclusion Criteria:
- Ongoing participation in a marathon training programme
- Any condition that in the opinion of the investigator would interfere with the study
"""
QUIET_NOTE = "A 40-year-old man with asthma, well controlled on inhaled budesonide. He walks daily."
MARATHON_NOTE = "A 40-year-old man with asthma. He is training for a marathon next spring."


def _trial() -> TrialSummary:
    return TrialSummary(nct_id="NCT00000002", rules=compile_eligibility(TEXT))


def _profile(note: str | None, complete: bool = True) -> PatientProfile:
    return PatientProfile(age_years=40, sex="male", absent_means_no=complete, record_text=note)


def _evaluate(profile: PatientProfile):
    return criteria_by_text(_trial(), profile, AS_OF)


def test_the_criteria_are_unread():
    statuses = {c.text: c.status for c in _trial().rules.criteria}
    assert set(statuses.values()) == {"unsupported"}


def test_salient_terms_drop_boilerplate():
    assert [w for _, w in salient_terms("Ongoing participation in a marathon training programme")] == [
        "marathon", "training", "programme"]
    assert salient_terms("Any condition that in the opinion of the investigator would interfere with the study") == ()


def test_unmentioned_subject_is_not_triggered_with_a_plain_reason():
    results = _evaluate(_profile(QUIET_NOTE))
    marathon = results["Ongoing participation in a marathon training programme"]
    assert marathon.outcome == "not_met" and marathon.triggered is False
    assert 'The record does not mention "marathon", "training", "programme"' in marathon.reason
    assert "as a complete record, what it does not mention counts as absent" in marathon.reason
    assert marathon.question_ids == []


def test_judgement_clause_is_not_triggered_under_a_complete_record():
    results = _evaluate(_profile(QUIET_NOTE))
    clause = results["Any condition that in the opinion of the investigator would interfere with the study"]
    assert clause.outcome == "not_met"
    assert "names nothing specific the record could mention" in clause.reason


def test_mentioned_term_stays_unknown():
    results = _evaluate(_profile(MARATHON_NOTE))
    assert results["Ongoing participation in a marathon training programme"].outcome == "unknown"


def test_inclusion_untouched():
    # the note never mentions six kilometres: silence neither fails nor satisfies it
    results = _evaluate(_profile(QUIET_NOTE))
    assert results["Able to walk unaided for six kilometres"].outcome == "unknown"


def test_not_a_complete_record_stays_unknown():
    results = _evaluate(_profile(QUIET_NOTE, complete=False))
    assert {c.outcome for c in results.values()} == {"unknown"}


def test_complete_record_without_its_text_stays_unknown():
    results = _evaluate(_profile(None))
    assert {c.outcome for c in results.values()} == {"unknown"}


def test_lexicon_synonym_counts_as_a_mention():
    # curated lexicon synonyms: "heart attack" names myocardial infarction
    criterion = "Myocardial infarction within 6 months"
    assert unmentioned_note(criterion, "He had a heart attack in 2019.") is None
    assert unmentioned_note(criterion, "He had a knee replacement in 2019.") is not None


def test_a_note_profile_carries_its_text():
    from matching.note import extract_profile
    profile = extract_profile(QUIET_NOTE, as_of=AS_OF).profile
    assert profile.absent_means_no is True
    assert profile.record_text == QUIET_NOTE


# --- what a record's silence can settle ----------------------------------------------------------

SILENT_NOTE = "A 52-year-old woman seen for knee pain after a fall. She takes paracetamol as needed."


def _exclusion_outcomes(lines: list[str], note: str) -> dict[str, str]:
    text = "Exclusion Criteria:\n" + "".join(f"- {line}\n" for line in lines)
    trial = TrialSummary(nct_id="NCT00000003", rules=compile_eligibility(text))
    profile = PatientProfile(age_years=52, sex="female", absent_means_no=True, record_text=note)
    evaluation = evaluate_trial_detailed(trial, PatientFacts(profile, AS_OF))
    fast_facts = PatientFacts(profile, AS_OF)
    fast = [criterion_outcome(p, trial.nct_id, fast_facts) for p in trial_plans(trial, fast_facts)]
    assert fast == [c.outcome for c in evaluation.criteria]  # the fast path agrees
    return {c.text: c.outcome for c in evaluation.criteria if c.status != "registry"}


def test_an_unreported_measurement_stays_unknown():
    # a value the record does not report is unknown, not normal
    lines = ["Weighing less than 40 kg at screening", "Haematocrit under 28 percent at screening",
             "Estimated glomerular filtration rate < 25 mL/min/1.73m2 at screening"]
    outcomes = _exclusion_outcomes(lines, SILENT_NOTE)
    assert set(outcomes.values()) == {"unknown"}, outcomes
    assert not silence_settles("Serum creatinine > 2 mg/dL without physician approval")


def test_a_disease_defined_by_a_measurement_is_settled_by_silence():
    # the record would name the disease; its defining threshold does not make it a bare measurement
    line = "Chronic kidney failure (creatinine clearance < 15 mL/min)"
    assert silence_settles(line)
    assert "does not mention" in unmentioned_note(line, SILENT_NOTE)


def test_words_without_a_threshold_are_not_a_measurement():
    assert silence_settles("Abnormal weight loss")


def test_subjects_a_record_does_not_state_stay_unknown():
    lines = ["No health insurance coverage", "Does not speak or read Spanish",
             "Employees of the sponsor or members of the study staff"]
    assert not any(silence_settles(line) for line in lines)
    assert set(_exclusion_outcomes(lines, SILENT_NOTE).values()) == {"unknown"}


def test_accents_do_not_split_words():
    assert [w for _, w in salient_terms("Affiliation à la Sécurité sociale")][-2:] == ["securite", "sociale"]


# --- a mention names a whole phrase ---------------------------------------------------------------

def test_phrases_are_runs_of_salient_words():
    assert salient_phrases("Chest tubes") == (("chest", "tube"),)
    assert salient_phrases("Fibroid that is more than 50% sub-mucosal, or hysteroscopically resectable") == (
        ("fibroid",), ("sub-mucos",), ("hysteroscop", "resect"))


def test_a_word_shared_with_the_record_is_not_a_mention_of_the_phrase():
    # "chest" from the chest x-ray, "child" from "the child": the subject itself is absent
    note = "An 8-year-old boy fell off his bike. The child was drowsy. A chest x-ray was clear."
    assert unmentioned_note("Chest tubes", note) is not None
    assert unmentioned_note("Incidents where the injured child was involved in a motor vehicle collision", note) is not None


def test_a_phrase_the_record_has_mostly_is_a_mention():
    note = "A 36-year-old woman. Ultrasound suggests fibroid degeneration; she has chest tubes in place."
    assert unmentioned_note("Five or more fibroids, bigger than 3cm diameter, each", note) is None
    assert unmentioned_note("Chest tubes", note) is None
    assert unmentioned_note("Uterine fibroid embolisation programme", note) is not None  # 1 of 4 words
    assert unmentioned_note("Fibroid degeneration programme", note) is None  # 2 of 3 words


def test_thresholds_in_words_and_multiples_of_normal_are_measurements():
    assert not silence_settles("ALT, AST or total bilirubin greater than five times the upper limit of normal")
    assert not silence_settles("Alkaline phosphatase exceeding twice the upper limit of normal")


def test_marital_status_and_sexual_history_are_not_what_a_record_states():
    assert not silence_settles("are not married AND report never having had sexual intercourse")
