"""'History of asthma' is asthma the patient has; a resolved or childhood one stays history."""

import datetime as dt

import pytest

from matching.note import extract_profile

AS_OF = dt.date(2024, 6, 1)


def status(note: str, text: str) -> str:
    found = [c for c in extract_profile(note, as_of=AS_OF).profile.conditions if text in (c.text or "")]
    assert found
    return found[0].status


@pytest.mark.parametrize("note, text", [
    ("History of asthma.", "asthma"),
    ("PMH: asthma, HTN.", "hypertension"),
    ("She has a past medical history of hypertension.", "hypertension"),
])
def test_a_lifelong_disease_written_as_history_is_current(note, text):
    assert status(note, text) == "active"


@pytest.mark.parametrize("note, text", [
    ("h/o childhood asthma.", "asthma"),
    ("History of asthma, resolved.", "asthma"),
    ("Prior asthma.", "asthma"),
    ("History of pneumonia.", "pneumonia"),
    ("History of breast cancer.", "breast cancer"),
])
def test_an_ended_or_curable_disease_stays_history(note, text):
    assert status(note, text) == "history"
