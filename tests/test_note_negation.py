"""Negation in notes where "negative" is a status or a result, through the real pipeline.

Each note is written for the purpose; the expected reading is what a clinician means.
"""

import datetime as dt

import pytest

from matching.note import ExtractionResult, extract_profile

AS_OF = dt.date(2024, 6, 1)


def read(note: str) -> ExtractionResult:
    return extract_profile(note, as_of=AS_OF)


def present(note: str, text: str) -> bool:
    found = [c for c in read(note).profile.conditions if text in (c.text or "")]
    assert found, [c.text for c in read(note).profile.conditions]
    return found[0].present


@pytest.mark.parametrize("note, text", [
    ("62-year-old woman with HER2-negative breast cancer.", "breast cancer"),
    ("Patient with triple negative breast cancer, on chemotherapy.", "breast cancer"),
    ("ER-positive, PR-negative breast cancer diagnosed in 2021.", "breast cancer"),
    ("She has hormone receptor negative breast cancer.", "breast cancer"),
    ("BRCA negative breast cancer in a 40 year old.", "breast cancer"),
    ("Node-negative breast cancer after lumpectomy.", "breast cancer"),
    ("EGFR-negative lung adenocarcinoma, stage IV.", "lung adenocarcinoma"),
    ("Breast cancer, ER positive, HER2 negative.", "breast cancer"),
])
def test_a_marker_status_qualifies_the_disease_and_does_not_deny_it(note, text):
    assert present(note, text) is True


@pytest.mark.parametrize("note, text", [
    ("HIV test negative.", "HIV"),
    ("HIV negative.", "HIV"),
    ("Labs: HIV was negative.", "HIV"),
    ("Negative for HIV.", "HIV"),
    ("Hepatitis C antibody negative.", "hepatitis C"),
    ("HIV-negative man with lymphoma.", "HIV"),
])
def test_a_negative_test_result_denies_what_was_tested(note, text):
    assert present(note, text) is False


def test_a_result_does_not_reach_across_a_comma_or_past_with():
    assert present("HIV negative, diabetic.", "diabetic") is True
    assert present("HIV-negative man with lymphoma.", "lymphoma") is True


@pytest.mark.parametrize("note", [
    "Biopsy was negative for malignancy.",
    "The biopsy came back negative for malignancy.",
])
def test_negative_for_malignancy_denies_cancer(note):
    result = read(note)
    cancers = [c for c in result.profile.conditions if c.present]
    assert not cancers, [(c.text, c.status) for c in cancers]


def test_imaging_negative_for_a_finding_denies_it():
    assert present("Chest CT negative for pneumonia.", "pneumonia") is False


@pytest.mark.parametrize("note, text", [
    ("No breast cancer.", "breast cancer"),
    ("Denies HIV.", "HIV"),
])
def test_plain_negations_still_deny(note, text):
    assert present(note, text) is False


# ----------------------------------------------------------------------------- through matching
from criteria_rules import compile_eligibility  # noqa: E402
from matching.evaluate import evaluate_trial  # noqa: E402
from matching.trial import TrialSummary  # noqa: E402


def inclusion_outcome(criterion: str, note: str) -> str:
    rules = compile_eligibility("Inclusion Criteria:\n- " + criterion)
    profile = read(note).profile
    result = evaluate_trial(TrialSummary(nct_id="NCT00000001", rules=rules), profile, AS_OF)
    [outcome] = [c.outcome for c in result.criteria if c.status != "registry"]
    return outcome


@pytest.mark.parametrize("criterion, note", [
    ("Histologically confirmed breast cancer", "62-year-old woman with HER2-negative breast cancer."),
    ("Histologically confirmed breast cancer", "Invasive ductal carcinoma of the right breast, ER positive."),
    ("Lung cancer", "58M with adenocarcinoma of the left lung, stage IV."),
    ("Prostate cancer", "71-year-old man with adenocarcinoma of the prostate on leuprolide."),
])
def test_the_disease_the_note_names_meets_the_inclusion(criterion, note):
    assert inclusion_outcome(criterion, note) == "met"


@pytest.mark.parametrize("note, text", [
    ("Invasive ductal carcinoma of the right breast.", "breast cancer"),
    ("Adenocarcinoma of the left lung, stage IV.", "lung cancer"),
])
def test_a_histology_with_its_site_is_the_site_cancer(note, text):
    assert present(note, text) is True


@pytest.mark.parametrize("note, text", [
    ("Melanoma of the skin.", "melanoma"),          # not widened to another concept
    ("Carcinoma of unknown primary.", "carcinoma"),  # no site
    ("No carcinoma of the right breast.", "carcinoma"),
])
def test_a_phrase_after_a_histology_that_names_no_narrower_site_changes_nothing(note, text):
    conditions = {c.text: c.present for c in read(note).profile.conditions}
    assert any(text in name for name in conditions), conditions
    if note.startswith("No "):
        assert not any(conditions.values())
    else:
        assert "cancer" not in " ".join(conditions)


# --- an unconfirmed diagnosis (quality lane, session 7) -----------------------------------------

def _kept(note: str) -> dict[str, bool]:
    return {c.text: c.present for c in read(note).profile.conditions}


@pytest.mark.parametrize("note, text", [
    ("Patient was given a presumptive diagnosis of hepatic encephalopathy and started on lactulose.",
     "hepatic encephalopathy"),
    ("Presumed pneumonia, started on antibiotics.", "pneumonia"),
    ("A provisional diagnosis of asthma was made.", "asthma"),
])
def test_a_presumptive_diagnosis_is_not_yet_the_patients(note, text):
    kept = _kept(note)
    assert text not in kept, kept
    uncertain = [f for f in read(note).ignored if f.kind == "condition"]
    assert any(text in f.value["text"].lower() for f in uncertain), [f.value for f in uncertain]


def test_a_presumptive_cue_reaches_only_its_own_phrase():
    kept = _kept("He has cirrhosis. A provisional diagnosis of HE was made; later he was found to have diabetes.")
    assert kept.get("cirrhosis") is True and kept.get("diabetes mellitus") is True, kept
