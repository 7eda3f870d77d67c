"""Ranking: text relevance over the inclusion side, confident vs doubtful failures, ties."""

from __future__ import annotations

import datetime as dt

from criteria_rules.ir import AgeAtom, Criterion, RuleSet, atom
from matching.engine import match_trials
from matching.index import CandidateIndex
from matching.note import extract_profile
from matching.profile import PatientProfile
from matching.rank import DOUBT_PENALTY, RULED_OUT_PENALTY, TEXT_WEIGHT, failures_of, score_parts, sort_key
from matching.text_relevance import TermIndex, note_query_text, profile_query
from matching.trial import TrialSummary

AS_OF = dt.date(2025, 6, 1)
PATIENT = PatientProfile(age_years=60, sex="female", conditions=[{"text": "idiopathic pulmonary fibrosis"}])


def crit(id, kind, text, expr=None, status="compiled"):
    return Criterion(id=id, kind=kind, text=text, expr=expr, status=status)


def trial(nct_id, title, *criteria, **fields):
    return TrialSummary(nct_id=nct_id, overall_status="RECRUITING", brief_title=title,
                        rules=RuleSet(compiler_version="hand", criteria=list(criteria)), **fields)


def unknown_inclusion(text):
    # nothing understood: the criterion stays unknown, the trial possibly eligible
    return crit("inc-1", "inclusion", text, status="unsupported")


FILLER = [trial(f"NCT0099{n:04d}", f"Study of condition number {n}", unknown_inclusion("Adults with a diagnosis"))
          for n in range(20)]


def order(result):
    return [t.nct_id for t in result.trials]


def test_trial_naming_the_condition_in_title_or_criteria_ranks_first_when_verdicts_tie():
    # No conditions or MeSH fields (like 421 of the 702 TREC 2021 trials): concept relevance
    # has little to go on; the words of the title and the inclusion criteria do.
    in_criteria = trial("NCT00000001", "A phase 2 study of drug X",
                        unknown_inclusion("Diagnosis of idiopathic pulmonary fibrosis per ATS guidelines"))
    in_title = trial("NCT00000002", "Drug Y in pulmonary fibrosis", unknown_inclusion("Adults"))
    unrelated = trial("NCT00000003", "Drug Z in plaque psoriasis", unknown_inclusion("Plaque psoriasis"))
    result = match_trials(PATIENT, [unrelated, in_criteria, in_title, *FILLER], as_of=AS_OF, limit=3)
    assert {t.verdict for t in result.trials} == {"possibly_eligible"}
    assert set(order(result)[:2]) == {"NCT00000001", "NCT00000002"}
    top = result.trials[0].score
    assert top.text_relevance > 0 and top.relevance > 0
    assert result.trials[2].score.text_relevance < top.text_relevance


def test_exclusion_words_do_not_count_as_relevance():
    excluded_topic = trial("NCT00000004", "A study of drug X",
                           unknown_inclusion("Adults with chronic cough"),
                           crit("exc-1", "exclusion", "Idiopathic pulmonary fibrosis", status="unsupported"))
    scores = TermIndex([excluded_topic, *FILLER]).relevance_of([excluded_topic], profile_query(PATIENT))
    assert scores["NCT00000004"] == 0.0


def test_a_ruled_out_trial_loses_score_not_tier_and_stays_above_unrelated_trials():
    text = "Idiopathic pulmonary fibrosis"
    open_trial = trial("NCT00000010", text, unknown_inclusion(text))
    # the same trial text; the patient (60) is over an age limit
    too_old = atom(AgeAtom(max_years=50))
    confident = trial("NCT00000011", text, unknown_inclusion(text),
                      crit("inc-2", "inclusion", "Aged 50 or younger", too_old, status="compiled"))
    doubtful = trial("NCT00000012", text, unknown_inclusion(text),
                     crit("inc-2", "inclusion", "Aged 50 or younger unless approved by the sponsor", too_old,
                          status="partial"))
    both = trial("NCT00000013", text, unknown_inclusion(text),
                 crit("inc-2", "inclusion", "Aged 50 or younger", too_old, status="compiled"),
                 crit("inc-3", "inclusion", "Aged 50 or younger unless approved by the sponsor", too_old,
                      status="partial"))
    result = match_trials(PATIENT, [both, confident, doubtful, open_trial, *FILLER], as_of=AS_OF, limit=30)
    ranked = order(result)
    by_id = {t.nct_id: t for t in result.trials}
    for nct_id in ("NCT00000011", "NCT00000012", "NCT00000013"):
        assert by_id[nct_id].verdict == "ineligible"  # the verdict shown stays
        assert by_id[nct_id].score.verdict_tier == 1
    sure, doubt, twice = by_id["NCT00000011"].score, by_id["NCT00000012"].score, by_id["NCT00000013"].score
    assert (sure.confident_failures, sure.doubtful_failures) == (1, 0)
    assert (doubt.confident_failures, doubt.doubtful_failures) == (0, 1)
    assert sure.score == round(sure.relevance - RULED_OUT_PENALTY, 4)
    assert doubt.score == round(doubt.relevance - DOUBT_PENALTY, 4)
    assert twice.score == round(twice.relevance - RULED_OUT_PENALTY - DOUBT_PENALTY, 4)
    assert ranked[0] == "NCT00000010"
    assert ranked.index("NCT00000013") > max(ranked.index("NCT00000011"), ranked.index("NCT00000012"))
    # about the patient's disease though ruled out: above trials about something else
    assert ranked.index("NCT00000013") < min(ranked.index(f.nct_id) for f in FILLER)


def test_text_relevance_does_not_depend_on_the_candidates():
    target = trial("NCT00000020", "Pirfenidone in idiopathic pulmonary fibrosis",
                   unknown_inclusion("Idiopathic pulmonary fibrosis"))
    catalog = CandidateIndex([target, *FILLER])
    alone = match_trials(PATIENT, [target], as_of=AS_OF, text_index=catalog.text)
    among = match_trials(PATIENT, [target, *FILLER[:5]], as_of=AS_OF, text_index=catalog.text)
    assert alone.trials[0].score == among.trials[0].score


def test_candidate_selection_finds_a_trial_by_its_criteria_text():
    # named only in the inclusion criteria: no conditions, keywords or title words
    target = trial("NCT00000030", "A phase 2 study of drug X",
                   unknown_inclusion("Diagnosis of idiopathic pulmonary fibrosis"))
    catalog = CandidateIndex([target, *FILLER])
    chosen = catalog.select(PATIENT, as_of=AS_OF, statuses=["RECRUITING"], include_healthy_volunteer_trials=False,
                            limit=1)
    assert [t.nct_id for t in chosen.trials] == ["NCT00000030"]


def test_note_query_words_are_the_patients_own():
    found = extract_profile("58 year old woman with idiopathic pulmonary fibrosis. Denies asthma. "
                            "Mother had breast cancer.", as_of=AS_OF)
    words = note_query_text(found.facts).lower()
    assert "pulmonary fibrosis" in words
    assert "asthma" not in words and "breast" not in words


def test_failures_of_a_full_evaluation_and_ties_by_nct_id():
    class Result:
        def __init__(self, id, kind, outcome, status):
            self.id, self.kind, self.outcome, self.status = id, kind, outcome, status

    results = [Result("registry-age", "inclusion", "not_met", "registry"),
               Result("inc-1", "inclusion", "not_met", "partial"),
               Result("exc-1", "exclusion", "met", "compiled"),
               Result("exc-2", "exclusion", "not_met", "partial")]
    assert failures_of(results) == (2, 1)
    a = score_parts("possibly_eligible", 0.5, 0.5, None, text_relevance=0.5)
    assert sorted([("NCT2", a), ("NCT1", a)], key=lambda p: sort_key(p[1], p[0]))[0][0] == "NCT1"


def test_query_terms_weigh_facts_and_diagnosis_phrases_fully_and_other_note_words_a_fifth():
    from matching.text_relevance import CONTEXT_WEIGHT, DIAGNOSIS_WEIGHT, query_terms

    weights = query_terms(PATIENT, "s/p lung transplant",
                          "Woman with pulmonary fibrosis and sickle cell disease, on home oxygen. "
                          "She denies chest pain; her mother had breast cancer.")
    assert weights["pulmonari"] == weights["fibrosi"] == weights["transplant"] == 1.0
    assert weights["sickl"] == weights["cell"] == DIAGNOSIS_WEIGHT
    assert weights["diseas"] == weights["oxygen"] == CONTEXT_WEIGHT
    assert "chest" not in weights  # what the note denies is no evidence of what she has
    assert weights["breast"] == CONTEXT_WEIGHT  # a relative's diagnosis is only context
    # an inflammation is not its organ: "pancreatitis" must not find "pancreatic cancer"
    assert "pancreat" not in query_terms(PatientProfile(conditions=[{"text": "acute pancreatitis"}]))


def test_affirmed_text_drops_what_the_note_denies_up_to_the_clause_end_or_a_but():
    from matching.note_diagnoses import affirmed_text
    from matching.text_relevance import terms

    note = ("Man with a productive cough for two weeks. He denies fever or night sweats; no weight loss "
            "but reports hemoptysis. Sputum negative for acid-fast bacilli. Exam: wheezing, without edema.")
    kept = set(terms(affirmed_text(note)))
    assert {"product", "cough", "hemoptysi", "sputum", "wheez", "exam"} <= kept
    assert not kept & {"fever", "night", "sweat", "weight", "loss", "acid", "fast", "bacilli", "edema"}
    assert affirmed_text("") == ""
    assert affirmed_text("Type 2 diabetes on metformin.") == "Type 2 diabetes on metformin"  # clauses, no stops


def test_diagnosis_phrases_of_a_note():
    from matching.note_diagnoses import diagnosis_phrases

    note = ("The patient is a 41-year-old man and a known case of Acromegaly. He has Turner syndrome and "
            "metastatic papillary thyroid cancer; no evidence of alcoholic liver disease. Her husband was "
            "diagnosed with colon cancer. There is no underlying disease. Biopsy showed a tumor.")
    found = diagnosis_phrases(note)
    assert found == ["Acromegaly", "Turner syndrome", "metastatic papillary thyroid cancer"]
    assert diagnosis_phrases("") == []


def test_a_record_naming_no_topic_is_judged_on_its_text_alone():
    # Only eligibility text (like most TREC 2021 records): concept relevance is unknown, so
    # relevance is the text relevance, not half of it; a record with conditions keeps the mean.
    criteria_only = TrialSummary(nct_id="NCT00000040", overall_status="RECRUITING", rules=RuleSet(
        compiler_version="hand", criteria=[unknown_inclusion("Idiopathic pulmonary fibrosis confirmed by HRCT")]))
    with_fields = trial("NCT00000041", "Drug Y in idiopathic pulmonary fibrosis",
                        unknown_inclusion("Idiopathic pulmonary fibrosis confirmed by HRCT"),
                        conditions=("Idiopathic Pulmonary Fibrosis",))
    result = match_trials(PATIENT, [criteria_only, with_fields, *FILLER], as_of=AS_OF, limit=2)
    by_id = {t.nct_id: t.score for t in result.trials}
    bare, named = by_id["NCT00000040"], by_id["NCT00000041"]
    assert bare.concepts_compared is False and named.concepts_compared is True
    assert bare.relevance == bare.text_relevance > 0
    assert named.relevance == round(TEXT_WEIGHT * named.text_relevance + (1 - TEXT_WEIGHT) * named.concept_relevance, 4)
    assert score_parts("possibly_eligible", 0.9, 0.5, None, text_relevance=0.3,
                       concepts_compared=False).relevance == 0.3


def test_candidate_selection_does_not_halve_a_record_naming_no_topic():
    # the criteria-only record names the patient's condition fully, the titled one only in
    # part ("idiopathic" missing); selection must not prefer the record that merely has a title
    criteria_only = TrialSummary(nct_id="NCT00000042", overall_status="RECRUITING", rules=RuleSet(
        compiler_version="hand", criteria=[unknown_inclusion("Idiopathic pulmonary fibrosis")]))
    titled_elsewhere = trial("NCT00000043", "Pulmonary fibrosis in adults", unknown_inclusion("Adults"))
    catalog = CandidateIndex([criteria_only, titled_elsewhere, *FILLER])
    chosen = catalog.select(PATIENT, as_of=AS_OF, statuses=["RECRUITING"], include_healthy_volunteer_trials=False,
                            limit=1)
    assert [t.nct_id for t in chosen.trials] == ["NCT00000042"]


def test_a_trial_about_another_kind_of_the_patients_disease_is_not_about_it():
    """Type 2 diabetes trials for a patient with type 1: every word of "diabetes mellitus,
    type 2" is the patient's, but it is another disease (the lexicon's exclusive kinds)."""
    from matching.relevance import patient_topics, relevance

    type1 = PatientProfile(age_years=24, sex="male", conditions=[{"text": "type 1 diabetes mellitus"},
                                                                  {"text": "diabetes"}, {"text": "hyperglycemia"}])
    topics = patient_topics(type1)
    own = trial("NCT00000050", "Islet cells", conditions=("Diabetes Mellitus, Type 1",))
    other = trial("NCT00000051", "Insulin pump", conditions=("Diabetes Mellitus, Type 2",))
    both = trial("NCT00000052", "Glucose sensor", conditions=("Diabetes Mellitus, Type 1", "Diabetes Mellitus, Type 2"))
    family = trial("NCT00000053", "Diabetes education", conditions=("Diabetes Mellitus",))
    sugar = trial("NCT00000054", "Hyperglycemia in type 2 diabetes", conditions=("Hyperglycemia", "Type 2 Diabetes"))
    assert relevance(own, topics) == relevance(both, topics) == 1.0
    assert relevance(other, topics) == 0.0
    assert relevance(family, topics) > 0.9  # the family names no kind: the patient's may be meant
    assert relevance(sugar, topics) == 1.0  # hyperglycaemia is the patient's, whatever the kind
    # a patient who named only the family has no kind to rule out
    assert relevance(other, patient_topics(PatientProfile(conditions=[{"text": "diabetes"}]))) > 0.8
