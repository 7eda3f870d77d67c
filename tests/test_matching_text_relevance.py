"""Text relevance: pseudo-relevance feedback over the catalog (TermIndex.feedback_terms)."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules.ir import Criterion, RuleSet
from matching import text_relevance
from matching.engine import match_trials
from matching.profile import PatientProfile
from matching.text_relevance import FEEDBACK_WEIGHT, TermIndex, profile_query, terms
from matching.trial import TrialSummary

AS_OF = dt.date(2025, 6, 1)


def trial(nct_id: str, *inclusions: str) -> TrialSummary:
    criteria = [Criterion(id=f"inc-{n}", kind="inclusion", text=text, status="unsupported")
                for n, text in enumerate(inclusions, start=1)]
    return TrialSummary(nct_id=nct_id, overall_status="RECRUITING",
                        rules=RuleSet(compiler_version="hand", criteria=criteria))


# Trials on major depressive disorder: most say "MDD" and "depression"; one says only
# "depression" (as many records do), one is about something else.
ABOUT_MDD = [
    trial("NCT00000001", "Diagnosis of MDD (major depressive disorder), current depressive episode",
          "Hamilton Depression Rating Scale score of 18 or more"),
    trial("NCT00000002", "Outpatients with MDD and a current episode of depression lasting 8 weeks",
          "Montgomery-Asberg Depression Rating Scale of 22 or more"),
    trial("NCT00000003", "MDD without psychotic features; depression not responding to one antidepressant"),
]
ONLY_DEPRESSION = trial("NCT00000004", "Adults with depression",
                        "Hamilton Depression Rating Scale score of 20 or more")
KNEE = trial("NCT00000000", "Adults with osteoarthritis of the knee", "Knee pain on most days for 3 months")
FILLER = [trial(f"NCT0099{n:04d}", f"Adults with condition number {n}", "Able to give consent")
          for n in range(20)]
CATALOG = [*ABOUT_MDD, ONLY_DEPRESSION, KNEE, *FILLER]
MDD_PATIENT = PatientProfile(age_years=40, sex="female", conditions=[{"text": "MDD"}])


def test_feedback_finds_a_trial_that_names_the_disease_with_other_words(monkeypatch):
    query = profile_query(MDD_PATIENT)
    assert "depress" not in query  # the patient's own word is only "MDD"
    with_feedback = TermIndex(CATALOG).relevance_of(CATALOG, query)
    assert with_feedback["NCT00000004"] > 0.1
    assert with_feedback["NCT00000004"] > with_feedback["NCT00000000"] == 0.0
    assert min(with_feedback[t.nct_id] for t in ABOUT_MDD) > with_feedback["NCT00000004"]

    monkeypatch.setattr(text_relevance, "FEEDBACK_DOCS", 0)
    without = TermIndex(CATALOG).relevance_of(CATALOG, query)
    assert without["NCT00000004"] == 0.0
    assert without["NCT00000001"] == pytest.approx(with_feedback["NCT00000001"], abs=0.3)


def test_feedback_reaches_the_ranking_through_match_trials():
    result = match_trials(MDD_PATIENT, CATALOG, as_of=AS_OF, limit=5)
    ranked = [t.nct_id for t in result.trials]
    assert set(ranked[:3]) == {t.nct_id for t in ABOUT_MDD}
    assert ranked[3] == "NCT00000004"
    assert result.trials[3].score.text_relevance > 0


def test_feedback_terms_leave_out_numbers_full_weight_terms_and_words_of_a_single_trial():
    index = TermIndex(CATALOG)
    query = profile_query(MDD_PATIENT)
    found = index.feedback_terms(dict.fromkeys(query, 1.0))
    assert found, "the MDD trials share words"
    assert not any(ch.isdigit() for term in found for ch in term)
    assert not set(found) & set(query)
    assert max(found.values()) == pytest.approx(FEEDBACK_WEIGHT)
    assert all(0 < w <= FEEDBACK_WEIGHT for w in found.values())
    assert terms("depression")[0] in found
    assert terms("psychotic")[0] not in found  # one trial's word only
    # deterministic, and the expanded query keeps the query's own weights
    assert index.feedback_terms(dict.fromkeys(query, 1.0)) == found
    expanded = index.expanded_query(query)
    assert all(expanded[t] == 1.0 for t in query)
    assert set(expanded) == set(query) | set(found)


def test_feedback_strengthens_a_low_weight_context_word_but_never_past_its_cap():
    index = TermIndex(CATALOG)
    depression = terms("depression")[0]
    expanded = index.expanded_query({"mdd": 1.0, depression: 0.2})
    assert 0.2 < expanded[depression] <= FEEDBACK_WEIGHT


def test_no_feedback_without_a_match_or_without_trials():
    assert TermIndex(CATALOG).feedback_terms({"sarcoidosi": 1.0}) == {}
    assert TermIndex([]).feedback_terms({"mdd": 1.0}) == {}
    assert TermIndex([]).relevance({"mdd": 1.0}).tolist() == []


# --------------------------------------------------------------------------- the note's diagnoses as topics

ACROMEGALY_NOTE = ("34-year-old man, a known case of Acromegaly, presents with headaches and joint pain. "
                   "He denies visual loss.")


def test_a_diagnosis_the_extractor_missed_counts_for_concept_relevance():
    from matching.note import extract_profile
    from matching.relevance import DIAGNOSIS_TOPIC_WEIGHT, patient_topics, relevance

    extracted = extract_profile(ACROMEGALY_NOTE, as_of=AS_OF)
    assert not any("acromegaly" in (c.text or "").lower() for c in extracted.profile.conditions)
    about = TrialSummary(nct_id="NCT00000100", brief_title="Pasireotide in acromegaly", conditions=("Acromegaly",))
    other = TrialSummary(nct_id="NCT00000101", brief_title="Drug X in gout", conditions=("Gout",))
    assert relevance(about, patient_topics(extracted.profile)) == 0.0
    with_note = patient_topics(extracted.profile, ACROMEGALY_NOTE)
    assert relevance(about, with_note) == pytest.approx(DIAGNOSIS_TOPIC_WEIGHT * 0.9 * 1.0, abs=0.01)
    assert relevance(other, with_note) == 0.0
    # the engine passes the note (context_text) to both parts of relevance
    result = match_trials(extracted.profile, [other, about, *FILLER], as_of=AS_OF, limit=2,
                          context_text=ACROMEGALY_NOTE)
    assert result.trials[0].nct_id == "NCT00000100"
    assert result.trials[0].score.concept_relevance > 0.4


def test_a_diagnosis_phrase_the_profile_already_names_is_not_counted_twice():
    from matching.relevance import note_topics, patient_topics

    profile = PatientProfile(age_years=50, sex="male", conditions=[{"text": "sickle cell disease"}])
    note = "Known case of sickle cell disease with severe bone pain. Father was diagnosed with gout."
    known = patient_topics(profile)
    assert note_topics(note, known) == []  # the same concept; the father's gout is not the patient's
    assert len(patient_topics(profile, note)) == len(known)
    assert [t.words for t in note_topics("Diagnosed with Wilson disease last year.", known)] == [
        frozenset({"wilson"})]


# A trial about vitamin D among others: a note that only gives the level ("Vit D: 14ng/ml")
# establishes a deficiency (matching.derived_conditions), which is what such a trial is about.
VITAMIN_D = trial("NCT00000005", "Premenopausal women", "Patients taking regular vitamin D supplementation "
                  "above 400 IU daily are not eligible; vitamin D testing at baseline")
VITAMIN_D_CATALOG = [VITAMIN_D, KNEE, *FILLER]


def test_a_deficiency_the_labs_establish_joins_the_text_query():
    from matching.note import extract_profile

    note = "A 34-year-old woman with joint pain. Her laboratory study is remarkable for Vit D: 14ng/ml."
    profile = extract_profile(note, as_of=AS_OF).profile
    result = match_trials(profile, VITAMIN_D_CATALOG, as_of=AS_OF, limit=3)
    scores = {t.nct_id: t.score.text_relevance for t in result.trials}
    assert scores.get("NCT00000005", 0.0) > 0.15
    normal = extract_profile(note.replace("14ng/ml", "34ng/ml"), as_of=AS_OF).profile
    result = match_trials(normal, VITAMIN_D_CATALOG, as_of=AS_OF, limit=3)
    assert {t.nct_id: t.score.text_relevance for t in result.trials}.get("NCT00000005", 0.0) < 0.1


def test_an_organ_sign_from_a_lab_does_not_join_the_text_query():
    """Anaemia from a haemoglobin is mostly the consequence of a named disease: the query keeps
    to what the record names."""
    profile = PatientProfile(age_years=40, sex="female", conditions=[{"text": "MDD"}],
                             labs=[{"analyte": "hemoglobin", "value": 8.0, "unit": "g/dL"}])
    anaemia = trial("NCT00000006", "Adults with anemia")
    result = match_trials(profile, [anaemia, *CATALOG], as_of=AS_OF, limit=30)
    assert {t.nct_id: t.score.text_relevance for t in result.trials}["NCT00000006"] == 0.0
