"""Where a ConText cue of a note stops: words that look like a cue but are not one ("34 year
old", "without contrast", "prior to", "non-Hodgkin", "found by family"), and a denial or a
history that ends at a finding its list does not join. Notes written for the purpose; the
real note pipeline."""

import datetime as dt

import pytest

from matching.note import extract_profile

AS_OF = dt.date(2024, 6, 1)


def conditions(note: str) -> dict[str, tuple[bool, str, bool]]:
    """condition text -> (present, status, family) as the profile keeps them."""
    return {c.text: (c.present, c.status, c.family) for c in extract_profile(note, as_of=AS_OF).profile.conditions}


CURRENT = (True, "active", False)


@pytest.mark.parametrize("note, condition", [
    ("A 34 year old man comes to the clinic complaining of severe diarrhea since yesterday.", "severe diarrhea"),
    ("The patient is a 14-year-old boy complaining of scoliosis and back pain.", "back pain"),
    ("A 5 months old boy brought in with fever.", "fever"),
])
def test_an_age_is_not_the_history_cue_old(note, condition):
    assert conditions(note)[condition] == CURRENT


def test_old_before_a_finding_is_still_history():
    assert conditions("Old MI on ECG.")["myocardial infarction"][1] == "history"


@pytest.mark.parametrize("note, condition", [
    ("Non-hodgkins Marginal Zone Lymphoma of the left orbit.", "marginal zone lymphoma"),
    ("CT abdomen without contrast showed a large abdominal mass.", "large abdominal mass"),
    ("He ate a salad at a restaurant prior to his diarrhea onset.", "diarrhea"),
])
def test_words_that_only_look_like_a_cue(note, condition):
    assert conditions(note)[condition] == CURRENT


@pytest.mark.parametrize("note, finding", [
    ("He has non-bloody diarrhea.", "diarrhea"),
    ("She presented with watery, non bloody diarrhea and weakness.", "diarrhea"),
    ("He has a non-productive cough.", "cough"),
])
def test_non_denies_the_word_it_prefixes_not_the_finding(note, finding):
    """"non-bloody diarrhea" is diarrhea that is not bloody: the patient has diarrhea (it was
    read as a denied "bloody diarrhea", and the diarrhea was lost)."""
    found = conditions(note)
    assert found[finding] == CURRENT
    assert not any(text.startswith(("bloody", "productive")) for text in found)


@pytest.mark.parametrize("note", [
    "She denies fever, chills, or non-bloody diarrhea.",
    "She denies non-bloody diarrhea.",
])
def test_a_denial_still_reaches_past_non(note):
    assert conditions(note)["diarrhea"][0] is False


def test_found_by_family_is_the_patients_finding():
    found = conditions("The patient first developed seizures at age 13, found by family to have a generalized convulsion.")
    assert all(not family for _, _, family in found.values()) and found


def test_a_relative_with_the_disease_is_still_family_history():
    assert conditions("Her family has a history of breast cancer.")["breast cancer"][2] is True


def test_a_denial_ends_at_a_finding_its_list_does_not_join():
    found = conditions("He has no prior syncope occasional HA.")
    assert found["syncope"][0] is False
    assert found["headache"] == CURRENT


@pytest.mark.parametrize("note", [
    "He denies fever chills or cough.",
    "No fever, chills and no cough.",
])
def test_a_denied_list_stays_denied(note):
    found = conditions(note)
    assert {found[c][0] for c in ("fever", "chills", "cough")} == {False}


# ------------------------------------------------------------------ values and their labels
def labs(note: str) -> dict[str, tuple[float, str]]:
    return {lab.analyte: (lab.value, lab.unit) for lab in extract_profile(note, as_of=AS_OF).profile.labs}


def test_a_round_number_with_s_is_a_range_not_seconds():
    assert labs("O2 sats 70s on BiPAP with 5L.")["oxygen saturation"] == (75.0, "%")
    assert labs("PTT 30 s.")["PTT"] == (30.0, "sec")


def test_a_urine_count_per_field_is_not_a_blood_count():
    found = labs("WBC: 8.1 K/uL\nU/A:\nWBC: 2 WBCs/hpf")
    assert found["white blood cell count"] == (8.1, "10^3/uL")


def test_a_label_with_a_value_is_not_a_diagnosis():
    assert "ph" not in {c.lower() for c in conditions("U/A:\nColor: yellow\nPH: 5.3\nGlc: 100")}


@pytest.mark.parametrize("note", [
    "She does not smoke or consume alcohol.",
    "He doesn't smoke or use any illicit drugs.",
])
def test_not_reaches_the_end_of_a_short_list_of_habits(note):
    found = conditions(note)
    assert found and {present for present, _, _ in found.values()} == {False}, found
