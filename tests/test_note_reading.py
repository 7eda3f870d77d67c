"""Three readings a complete-record note must get right, or a mention becomes a wrong "no":
a screen whose result is reported, a cancer named by histology and organ noun, and a
relative who only tells the patient's story. Notes written for the purpose; real pipeline."""

import datetime as dt

import pytest

from criteria_rules import compile_eligibility
from matching import note_people
from matching.evaluate import evaluate_trial
from matching.note import extract_profile
from matching.trial import TrialSummary

AS_OF = dt.date(2024, 6, 1)


def read(note: str):
    return extract_profile(note, as_of=AS_OF)


def kept(note: str) -> dict[str, tuple[bool, bool]]:
    """condition text -> (present, family) for the conditions the profile keeps."""
    return {c.text: (c.present, c.family) for c in read(note).profile.conditions}


def find(note: str, disease: str) -> dict[str, tuple[bool, bool]]:
    """The kept conditions whose text names ``disease`` ("HIV" -> "HIV infection")."""
    return {text: flags for text, flags in kept(note).items() if disease.lower() in text.lower()}


def ignored(note: str) -> list[str]:
    return [f.text for f in read(note).ignored if f.hypothetical]


def inclusion_outcome(criterion: str, note: str) -> str:
    rules = compile_eligibility("Inclusion Criteria:\n- " + criterion)
    result = evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), read(note).profile, AS_OF)
    [outcome] = [c.outcome for c in result.criteria if c.status != "registry"]
    return outcome


# ------------------------------------------------------------------- screens with a result
@pytest.mark.parametrize("note, disease", [
    ("Screening: HIV was negative.", "HIV"),
    ("Screening for hepatitis B was negative.", "hepatitis B"),
    ("Pre-transplant screening labs: hepatitis C antibody negative, HIV nonreactive.", "HIV"),
    ("Hepatitis B screen came back negative; she has diabetes.", "Hepatitis B"),
])
def test_a_screen_with_a_negative_result_denies_the_disease(note, disease):
    found = find(note, disease)
    assert found and all(present is False for present, _ in found.values()), kept(note)


@pytest.mark.parametrize("note, disease", [
    ("Screening: HIV was positive.", "HIV"),
    ("Routine HIV screen positive last month.", "HIV"),
])
def test_a_screen_with_a_positive_result_is_the_disease(note, disease):
    found = find(note, disease)
    assert found and set(found.values()) == {(True, False)}, kept(note)


@pytest.mark.parametrize("note, disease", [
    ("She is due for screening for breast cancer.", "breast cancer"),
    ("Referred for colon cancer screening.", "colon cancer"),  # the cue after the disease
])
def test_a_screen_without_a_result_is_only_looked_for(note, disease):
    assert disease in ignored(note)
    assert disease not in kept(note)


def test_a_result_for_another_clause_does_not_lift_the_screen():
    note = "Due for colon cancer screening; HIV test negative."
    assert "colon cancer" in ignored(note)


# ------------------------------------------------------------------ histology + organ noun
@pytest.mark.parametrize("note, site_cancer", [
    ("Adenocarcinoma of the pancreas, unresectable.", "pancreatic cancer"),
    ("He has carcinoma of the pancreas with liver metastases.", "pancreatic cancer"),
    ("Adenocarcinoma of the stomach, stage III.", "stomach cancer"),
    ("Carcinoma of the ovary treated with surgery.", "ovarian cancer"),
    ("Adenocarcinoma of the rectum after chemoradiation.", "rectal cancer"),
    ("Adenocarcinoma of the sigmoid colon.", "colon cancer"),
])
def test_a_histology_of_an_organ_named_by_its_noun_is_that_organs_cancer(note, site_cancer):
    assert any(text.startswith(site_cancer) or site_cancer in text for text in kept(note)), kept(note)


@pytest.mark.parametrize("criterion, note", [
    ("Histologically confirmed pancreatic cancer", "67-year-old man with adenocarcinoma of the pancreas."),
    ("Gastric cancer", "Poorly differentiated adenocarcinoma of the stomach on biopsy."),
])
def test_the_organ_cancer_meets_the_inclusion(criterion, note):
    assert inclusion_outcome(criterion, note) == "met"


# ------------------------------------------------------------------- relatives who relay
@pytest.mark.parametrize("note, disease", [
    ("Her mother mentions that the girl has had asthma since age 3.", "asthma"),
    ("His father explains the boy has had seizures for a year.", "seizures"),
    ("The mother says the child has had fever for two days.", "fever"),
    ("Her grandmother recalls that she had hepatitis B as a toddler.", "hepatitis B"),
])
def test_a_relative_who_tells_the_story_does_not_make_it_family_history(note, disease):
    found = find(note, disease)
    assert found and not any(family for _, family in found.values()), kept(note)


@pytest.mark.parametrize("note, disease", [
    ("Her mother was noted to have diabetes.", "diabetes"),
    ("Her mother has asthma.", "asthma"),
    ("His father reportedly had colon cancer.", "colon cancer"),
])
def test_a_passive_or_other_verb_keeps_the_relatives_disease(note, disease):
    found = find(note, disease)
    assert found and all(family for _, family in found.values()), kept(note)


@pytest.mark.parametrize("base, forms", [
    ("report", {"reports", "reported", "reporting"}),
    ("worry", {"worries", "worried", "worrying"}),
    ("say", {"says", "said", "saying"}),
    ("describe", {"describes", "described", "describing"}),
])
def test_relaying_verbs_come_in_every_inflection(base, forms):
    assert forms <= set(note_people.inflections(base))
    assert forms <= set(note_people.RELAYING_VERBS)


# ------------------------------------------------------------------ cues inside brackets
@pytest.mark.parametrize("note, denied, kept_present", [
    ("68M hx of prior stroke (no residual deficits), HTN, DMII, COPD.", [], ["hypertension", "type 2 diabetes"]),
    ("She has diabetes (no retinopathy or neuropathy) and hypertension.", ["retinopathy"], ["hypertension"]),
])
def test_a_cue_inside_brackets_stops_at_the_closing_bracket(note, denied, kept_present):
    conditions = {text.lower(): present for text, (present, _) in kept(note).items()}
    for disease in denied:
        assert any(disease in t and p is False for t, p in conditions.items()), conditions
    for disease in kept_present:
        assert any(disease in t and p is True for t, p in conditions.items()), conditions


def test_a_cue_before_brackets_still_reaches_into_them():
    conditions = {text.lower(): present for text, (present, _) in kept("No fever (or chills) today.").items()}
    assert conditions.get("chills") is False, conditions


# --- two words joined by a slash inside one phrase (quality lane, session 7) -----------------

def test_a_slash_between_two_words_of_a_phrase_reads_either_word():
    found = kept("A Pap smear revealed abnormal cervical squamous intraepithelial/glandular lesion.")
    assert found == {"cervical squamous intraepithelial lesion": (True, False)}, found


@pytest.mark.parametrize("note, expected", [
    ("History of HTN/DM.", {"hypertension", "diabetes mellitus"}),
    ("No nausea/vomiting.", {"nausea", "vomiting"}),
    ("Pap smear revealed low/high grade squamous intraepithelial lesion.",
     {"high grade squamous intraepithelial lesion"}),
])
def test_terms_found_around_a_slash_keep_their_own_reading(note, expected):
    assert set(kept(note)) == expected, kept(note)
