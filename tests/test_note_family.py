"""Whose disease is it? Notes written for the purpose: a relative's condition is family history,
a spouse's is nobody's the trial asks about, and the patient's stays the patient's.
Real pipeline (spaCy + medspaCy ConText with ``note_context`` rules)."""

import datetime as dt

import pytest

from matching import note_people
from matching.note import extract_profile
from matching.note_diagnoses import diagnosis_phrases

AS_OF = dt.date(2024, 6, 1)


def conditions(note: str) -> dict[str, bool]:
    """condition name -> family flag, for the conditions the profile keeps."""
    return {c.text: c.family for c in extract_profile(note, as_of=AS_OF).profile.conditions}


@pytest.mark.parametrize("note, disease", [
    ("40-year-old man. His mother was diagnosed with breast cancer.", "breast cancer"),
    ("40-year-old man. Mother had breast cancer. Father with diabetes.", "diabetes mellitus"),
    ("A 50-year-old woman whose sister was treated with chemotherapy for breast cancer.", "breast cancer"),
    ("Her brother, who had a stroke at 50, lives with her.", "stroke"),
    ("She has one son with asthma.", "asthma"),
    ("History of colon cancer in his father.", "colon cancer"),
    ("Her 70-year-old father has hypertension.", "hypertension"),
])
def test_a_relatives_disease_is_family_history(note, disease):
    found = conditions(note)
    assert found.get(disease) is True, found
    assert False not in found.values(), found


@pytest.mark.parametrize("note, disease", [
    ("58-year-old woman. Her husband was recently diagnosed with colon cancer.", "colon cancer"),
    ("35 yo M. His wife with lupus.", "lupus"),
    ("Her partner has HIV.", "HIV"),
])
def test_a_spouses_disease_is_neither_the_patients_nor_family_history(note, disease):
    result = extract_profile(note, as_of=AS_OF)
    assert not result.profile.conditions, [c.text for c in result.profile.conditions]
    ignored = [f for f in result.ignored if f.kind == "condition"]
    assert ignored and all(f.other_person for f in ignored)
    assert any(disease.lower() in f.value["text"].lower() for f in ignored), [f.value for f in ignored]


@pytest.mark.parametrize("note, disease", [
    ("His mother had breast cancer; he has diabetes.", "diabetes mellitus"),
    ("Her sister has lupus and the patient has asthma.", "asthma"),
    ("A 30-year-old mother of two with lupus.", "systemic lupus erythematosus"),
    ("She is a 30 year old mother with lupus.", "systemic lupus erythematosus"),
    ("A 5-year-old boy brought in by his mother with fever.", "fever"),
    ("Mother reports fever for 3 days.", "fever"),
    ("A 6-year-old child with asthma.", "asthma"),
    ("48 M with h/o HTN who presented with SOB.", "shortness of breath"),
])
def test_the_patients_own_disease_stays_the_patients(note, disease):
    assert conditions(note).get(disease) is False, conditions(note)


@pytest.mark.parametrize("note, disease", [
    ("45-year-old woman. Her sister was told she had lupus.", "systemic lupus erythematosus"),
    ("45-year-old woman. Her sister was told that she has lupus.", "systemic lupus erythematosus"),
    ("50-year-old man. His brother was recently told he has diabetes.", "diabetes mellitus"),
])
def test_the_pronoun_after_was_told_is_the_relative(note, disease):
    # "she" names the sister again (she was told), so it does not end the sister's scope
    assert conditions(note) == {disease: True}


def test_the_patient_named_after_the_relatives_clause_is_the_patient_again():
    found = conditions("45-year-old woman. Her sister was told she had lupus; she has asthma.")
    assert found == {"systemic lupus erythematosus": True, "asthma": False}


def test_with_still_ends_a_history_cue():
    result = extract_profile("48 M with h/o pneumonia who presented with SOB.", as_of=AS_OF)
    status = {c.text: c.status for c in result.profile.conditions}
    assert status == {"pneumonia": "history", "shortness of breath": "active"}


def test_a_relatives_pregnancy_is_not_the_patients_status():
    assert extract_profile("28-year-old woman. Her sister is pregnant.", as_of=AS_OF).profile.pregnant is not True


def test_diagnosis_phrases_share_the_relative_words():
    for word in ("grandmother", "husband", "niece"):
        assert word in note_people.RELATIVES + note_people.OTHER_PEOPLE
        assert diagnosis_phrases(f"Her {word} has Crohn disease. She has Turner syndrome.") == ["Turner syndrome"]
