"""Note -> profile on notes written for the purpose: each test covers one reading rule."""

import datetime as dt

import pytest

from matching.note import ExtractionResult, NoteInputError, extract_profile

AS_OF = dt.date(2024, 6, 1)


def read(note: str) -> ExtractionResult:
    return extract_profile(note, as_of=AS_OF)


def condition(result, text):
    found = [c for c in result.profile.conditions if text in (c.text or "")]
    assert found, [c.text for c in result.profile.conditions]
    return found[0]


@pytest.mark.parametrize("note, age, sex", [
    ("A 45-year-old man with cough.", 45, "male"),
    ("45 yo F presenting with fever.", 45, "female"),
    ("Patient aged 45, a woman, reports pain.", 45, "female"),
    ("A 3-month-old boy with fever.", 0.25, "male"),
    ("Mrs Smith, age 62, is seen today.", 62, "female"),
    ("48 M with a h/o HTN.", 48, "male"),
    ("74M hx of CAD.", 74, "male"),
    ("She is G2P1 and 30 years old.", 30, "female"),
    ("Patient reports headache. He has no fever.", None, "male"),
])
def test_age_and_sex_forms(note, age, sex):
    profile = read(note).profile
    assert profile.age_years == (pytest.approx(age, abs=0.01) if age is not None else None)
    assert profile.sex == sex


@pytest.mark.parametrize("note, name", [
    ("The ECG showed ST-segment elevations in V1 to V3.", "ST segment elevation"),
    ("Exam found two small abscesses on the thigh.", "abscess"),
    ("She has had recurrent Urinary-tract infections.", "urinary tract infection"),
])
def test_phrases_match_through_hyphens_and_plurals(note, name):
    found = condition(read(note), name)
    assert found.present


@pytest.mark.parametrize("note, name", [
    ("A 57-year old farmer was diagnosed with Parkinson's disease a year ago.", "parkinson disease"),
    ("She was diagnosed with Hashimoto's thyroiditis.", "hashimoto thyroiditis"),
    ("She has Graves' disease.", "graves disease"),
    ("Known Crohn’s disease.", "Crohn disease"),
])
def test_eponyms_match_with_a_possessive(note, name):
    """"Parkinson's disease" is the terminologies' "Parkinson disease": the possessive
    ending is not a word of the phrase (it split the phrase, and the disease was missed)."""
    assert condition(read(note), name).present


def test_a_relatives_possessive_still_names_the_relative():
    assert condition(read("Her mother's Parkinson's disease began at 70."), "parkinson disease").family


def test_word_forms_keep_negation_and_do_not_invent_phrases():
    result = read("He denies ST-segment elevations. The segment-wise review was normal.")
    assert not condition(result, "ST segment elevation").present
    assert all("segment" not in (c.text or "") or c.text == "ST segment elevation"
               for c in result.profile.conditions)


def test_examination_adjectives_name_their_finding():
    result = read("A 63-year-old man. On examination he is cyanotic, tachypneic and febrile; the lesions are hyperpigmented.")
    for finding in ("cyanosis", "tachypnea", "fever", "hyperpigmentation of the skin"):
        assert condition(result, finding).present
    calm = read("A 40-year-old woman, afebrile, not cyanotic.")
    assert all(c.text != "fever" for c in calm.profile.conditions)  # "afebrile" is not "febrile"
    assert not condition(calm, "cyanosis").present


def test_negated_mentions_are_explicit_no():
    result = read("55 yo woman. She denies smoking, diabetes. No history of HIV.")
    assert condition(result, "tobacco").present is False
    assert condition(result, "diabetes").present is False
    assert condition(result, "HIV").present is False
    assert result.profile.absent_means_no is True


def test_history_versus_active():
    result = read("60 yo man with h/o breast cancer s/p mastectomy. He presents with pneumonia.")
    assert condition(result, "breast cancer").status == "history"
    assert condition(result, "pneumonia").status == "active"


def test_past_medical_history_section_is_history():
    result = read("52 yo woman with cough.\nPast Medical History:\nHTN\nPneumonia\n\nShe has fever.")
    assert condition(result, "pneumonia").status == "history"
    # a lifelong disease listed under the history heading is one the patient still has
    assert condition(result, "hypertension").status == "active"
    assert condition(result, "fever").status == "active"


def test_family_mentions_are_not_the_patients():
    result = read("A 40-year-old woman. Her mother had breast cancer. Family history of diabetes.")
    assert condition(result, "breast cancer").family is True
    assert condition(result, "diabetes").family is True
    assert not [c for c in result.profile.conditions if not c.family]


def test_hypothetical_and_uncertain_mentions_are_not_facts():
    result = read("A 30 yo woman. If she becomes pregnant, stop the drug. Concern for pulmonary embolism.")
    assert result.profile.pregnant is None
    assert not [c for c in result.profile.conditions if "embolism" in (c.text or "")]
    assert {f.text for f in result.ignored} >= {"pregnant", "pulmonary embolism"}
    assert not [f for f in result.facts if f.hypothetical or f.uncertain]


def test_procedures_with_timing_subtype_and_site():
    result = read("58 yo man s/p allogeneic HSCT in 2021 for AML. "
                  "He completed radiotherapy to the neck 3 weeks ago. Surgery is scheduled for next month.")
    procedures = {p.text: p for p in result.profile.procedures}
    hsct = procedures["hematopoietic stem cell transplant"]
    assert hsct.subtype == "allogeneic" and hsct.date.year == 2021
    rt = procedures["radiotherapy"]
    assert rt.site == "neck" and rt.date == AS_OF - dt.timedelta(weeks=3)
    assert procedures["surgery"].planned is True


def test_relative_dates_follow_as_of():
    note = "45 yo woman who started chemotherapy 2 months ago."
    first = extract_profile(note, as_of=dt.date(2024, 6, 1)).profile.procedures[0]
    second = extract_profile(note, as_of=dt.date(2025, 1, 31)).profile.procedures[0]
    assert first.date == dt.date(2024, 4, 1) and second.date == dt.date(2024, 11, 30)


@pytest.mark.parametrize("note, condition_text, days_ago", [
    ("A 40 yo man with headache and nausea for 3 days.", "headache", 3),
    ("A 40 yo man with headache and nausea for 3 days.", "nausea", 3),
    ("A 30 yo woman with 6 weeks of diarrhea.", "diarrhea", 42),
    ("A 50 yo man whose cough has worsened over the past two weeks.", "cough", 14),
])
def test_durations_date_a_condition_onset(note, condition_text, days_ago):
    as_of = dt.date(2024, 6, 1)
    [c] = [c for c in extract_profile(note, as_of=as_of).profile.conditions if c.text == condition_text]
    assert c.onset == as_of - dt.timedelta(days=days_ago)


def test_a_treatment_duration_is_not_its_start():
    [m] = extract_profile("A 40 yo man took amoxicillin for 5 days.", as_of=dt.date(2024, 6, 1)).profile.medications
    assert m.start is None


@pytest.mark.parametrize("note, value, unit", [
    ("A 20 yo man with fever up to 39.2 C and cough.", 39.2, "C"),
    ("She has had fevers ranging from 38.1 to 38.9 degrees Celsius.", 38.9, "C"),
    ("He was febrile to 102 F overnight.", 102, "F"),
])
def test_a_fever_with_its_temperature_is_a_reading(note, value, unit):
    [temperature] = [lab for lab in read(note).profile.labs if lab.analyte == "body temperature"]
    assert (temperature.value, temperature.unit) == (value, unit)
    assert temperature.evidence.text in note


def test_medication_doses():
    result = read("Takes prednisone 10 mg daily and metformin 500 mg BID. Previously on 5 mg of warfarin.")
    meds = {m.text: m for m in result.profile.medications}
    assert (meds["prednisone"].dose, meds["prednisone"].unit, meds["prednisone"].frequency) == (10, "mg", "daily")
    assert (meds["metformin"].dose, meds["metformin"].frequency) == (500, "bid")
    assert meds["warfarin"].dose == 5


@pytest.mark.parametrize("text, analyte, value, unit", [
    ("albumin 2.8 g/dL", "albumin", 2.8, "g/dL"),
    ("ANC 1.2 x10^9/L", "absolute neutrophil count", 1.2, "10^9/L"),
    ("Cr 1.4", "creatinine", 1.4, "mg/dL"),
    ("creatinine of 120", "creatinine", 120, "umol/L"),
    ("platelets 85K", "platelet count", 85, "10^3/uL"),
    ("WBC 25,000", "white blood cell count", 25000, "/uL"),
    ("EF was 25%", "left ventricular ejection fraction", 25, "%"),
    ("Hgb: 9.1 g/dL", "hemoglobin", 9.1, "g/dL"),
    ("a hemoglobin (Hb) of 9.0 g/dL", "hemoglobin", 9.0, "g/dL"),  # the abbreviation in brackets
    ("elevated LDH (2000 IU/L)", "LDH", 2000, "IU/L"),  # the value in brackets
    ("Troponin T was 0.40 ng/ml", "troponin", 0.4, "ng/mL"),  # units in any case, spelled canonically
    ("Cr 1.4 mg/dl", "creatinine", 1.4, "mg/dL"),
    ("O2 sats are 88% on room air", "oxygen saturation", 88, "%"),
])
def test_lab_values_with_units(text, analyte, value, unit):
    labs = read(f"A 50 yo man. Labs: {text}.").profile.labs
    assert [(l.analyte, l.value, l.unit) for l in labs] == [(analyte, pytest.approx(value), unit)]


def test_blood_pressure_and_temperature():
    labs = {l.analyte: l for l in read("Vitals: BP 150/95, T: 39.5 C.").profile.labs}
    assert labs["systolic blood pressure"].value == 150 and labs["diastolic blood pressure"].value == 95
    assert labs["body temperature"].unit == "C"


@pytest.mark.parametrize("note, field, value", [
    ("A 28 yo woman, 28 weeks gestation.", "pregnant", True),
    ("A 28 yo woman who is pregnant.", "pregnant", True),
    ("A 28 yo woman. She is not pregnant.", "pregnant", False),
    ("A 28 yo woman. Pregnancy test was negative.", "pregnant", False),
    ("A 60 yo postmenopausal woman.", "childbearing_potential", False),
    ("A 30 yo woman who is breastfeeding.", "breastfeeding", True),
    ("A 30 yo woman, not breastfeeding.", "breastfeeding", False),
    ("A 30 yo man. He will provide informed consent.", "can_consent", True),
])
def test_reproductive_and_consent_status(note, field, value):
    assert getattr(read(note).profile, field) is value


@pytest.mark.parametrize("note, expected", [
    ("A 40 yo man. He is willing to comply with the study procedures.", True),
    ("A 40 yo man who agrees to participate in the trial.", True),
    ("A 40 yo man. He will not be able to attend follow-up visits; he is moving abroad.", False),
    ("A 40 yo woman who declined to participate in the study.", False),
    ("A 40 yo man who attends the clinic every month.", None),
    ("A 40 yo woman who is compliant with her medications.", None),
])
def test_willingness_to_follow_a_study(note, expected):
    result = read(note)
    assert result.profile.will_comply is expected
    if expected is not None:
        [fact] = [f for f in result.facts if f.kind == "will_comply"]
        assert fact.sentence in note


def test_hedged_denial_is_not_an_explicit_no():
    hedged = read("A 70 yo man with no significant history of lung disease presents with cough.")
    assert not [c for c in hedged.profile.conditions if not c.present]
    assert [f.text for f in hedged.ignored] == ["lung disease"]
    plain = read("A 70 yo man with no history of lung disease presents with cough.")
    assert [c.text for c in plain.profile.conditions if not c.present] == ["lung disease"]


@pytest.mark.parametrize("note, pregnant", [
    ("A 29 yo woman who gave birth to twins 10 days ago.", False),
    ("A 33 yo woman, 4 weeks postpartum, with fatigue.", False),
    ("A 33 yo woman who delivered her first child in 2015. She is 12 weeks pregnant.", True),
    ("A 33 yo woman whose previous postpartum period was difficult. She is 20 weeks pregnant.", True),
    ("A 33 yo woman who has never given birth.", None),
])
def test_a_recent_birth_ends_a_pregnancy(note, pregnant):
    assert read(note).profile.pregnant is pregnant


def test_birth_story_is_not_a_pregnancy():
    assert read("A 2 yo girl. She was born at 38 weeks of gestation.").profile.pregnant is None


def test_performance_status_and_life_expectancy():
    profile = read("A 70 yo man, ECOG 0-1, KPS 80%, life expectancy of 6 months.").profile
    assert profile.ecog == 1 and profile.karnofsky == 80 and profile.life_expectancy_months == 6


def test_stage_and_grade():
    result = read("A 50 yo woman with stage IIIB non-small cell lung cancer and grade II esophageal varices.")
    assert condition(result, "non-small cell lung cancer").stage == "IIIB"


def test_allergies_and_negated_allergies():
    assert [a.text for a in read("A 50 yo man allergic to penicillin and sulfa.").profile.allergies] == \
        ["penicillin", "sulfa"]
    assert read("She has no allergies to any food or drugs.").profile.allergies == []


def test_every_fact_carries_its_sentence_and_offsets():
    note = "A 45-year-old man. He has hypertension. Albumin 2.8 g/dL."
    result = read(note)
    assert result.facts
    for fact in result.facts:
        assert note[fact.start:fact.end] == fact.text
        assert fact.text in fact.sentence
        assert note[fact.sentence_start:fact.sentence_end].strip() == fact.sentence
    htn = condition(result, "hypertension")
    assert htn.evidence.text == "He has hypertension." and note[htn.evidence.start:htn.evidence.end] == htn.evidence.text


def test_numbered_notes_keep_whole_sentences():
    result = read("0. A 58-year-old woman presents with fever.\n1. She denies cough.")
    fever = condition(result, "fever")
    assert fever.evidence.text.startswith("0. A 58-year-old woman")
    assert condition(result, "cough").present is False


def test_empty_and_invalid_notes():
    assert read("").profile.conditions == []
    assert read("   \n ").profile.absent_means_no is True
    with pytest.raises(NoteInputError):
        extract_profile(None)  # type: ignore[arg-type]
    with pytest.raises(NoteInputError):
        extract_profile("x" * 100_001)


def test_deterministic():
    note = "A 45-year-old man with h/o HTN, on lisinopril 10 mg daily, Cr 1.2."
    assert read(note).model_dump() == read(note).model_dump()


@pytest.mark.parametrize("note, name, concept", [
    ("The patient is a 35-year-old woman with myasthenia gravis, class IIa.", "myasthenia gravis", "myasthenia_gravis"),
    ("34 year old woman with Marfan's syndrome and mitral valve prolapse.", "marfan syndrome", "marfan_syndrome"),
    ("A 75 yo M w/ metastatic papillary thyroid cancer s/p XRT.", "thyroid cancer", "thyroid_cancer"),
    ("History of renal cell carcinoma, status post nephrectomy.", "renal cell carcinoma", "kidney_cancer"),
    ("Urothelial carcinoma of the bladder diagnosed last year.", "urothelial carcinoma", "bladder_cancer"),
])
def test_a_notes_main_diagnosis_is_a_lexicon_concept(note, name, concept):
    """Diseases the phenotype ontology does not list (myasthenia gravis, Marfan syndrome) and
    cancers by site (thyroid, kidney, bladder; before, just "cancer") are read from a note as
    the concepts criteria compile to."""
    from matching import concepts

    found = condition(read(note), name)
    assert found.present
    assert concept in concepts.closure(concepts.resolve(found.text))
