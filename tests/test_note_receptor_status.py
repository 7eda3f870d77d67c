"""A breast cancer's receptor status: read from a note's pathology sentences, compiled from
criteria as kinds of breast cancer that exclude each other, and judged so that a complete
record's stated status rules out a trial for the other status while an unstated status stays
unknown. Notes and criteria written for the purpose; real note reader, compiler, and the
three evaluation paths."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria_rules import terminology
from matching.note import extract_profile
from matching.note_markers import receptor_kinds
from single_criterion import agreed_result

AS_OF = dt.date(2024, 1, 1)

HER2_POSITIVE = ("45-year-old woman with invasive ductal carcinoma of the left breast. The tumor is "
                 "HER2-positive and ER/PR negative. CXR was remarkable for metastatic lesions.")
LUMINAL = "62-year-old woman with breast cancer, ER+/PR+/HER2-, treated with lumpectomy."
UNSTATED = "50-year-old woman with a 2 cm breast cancer found on screening mammography."
GASTRIC = "66-year-old man with gastric adenocarcinoma, HER2-positive, after two lines of chemotherapy."


def outcome(criterion: str, note: str, kind: str = "Inclusion") -> str:
    """The criterion's outcome; the three evaluation paths agree (``single_criterion``)."""
    return agreed_result(criterion, note, kind).outcome


@pytest.mark.parametrize("text, kinds", [
    ("The tumor was HER2-positive and ER/PR negative.",
     {"HER2-positive breast cancer", "hormone receptor-negative breast cancer"}),
    ("Breast cancer, ER+/PR+/HER2-.", {"HER2-negative breast cancer", "hormone receptor-positive breast cancer"}),
    ("ER-negative, PR-positive, HER2/neu not amplified.",
     {"HER2-negative breast cancer", "hormone receptor-positive breast cancer"}),
    ("Triple negative breast cancer.", {"HER2-negative breast cancer", "hormone receptor-negative breast cancer",
                                        "triple-negative breast cancer"}),
    ("ER negative; PR pending.", set()),  # one receptor alone leaves the hormone status unknown
    ("HR: 75/min, ER visit yesterday.", set()),  # heart rate, emergency room
    ("HER2 positive on biopsy, HER2 negative on the resection.", set()),  # contradictory: unknown
])
def test_receptor_statements(text, kinds):
    assert {k.name for k in receptor_kinds(text)} == kinds


def test_the_note_names_the_kinds_of_the_patients_breast_cancer():
    names = {c.text for c in extract_profile(HER2_POSITIVE, as_of=AS_OF).profile.conditions}
    assert {"HER2-positive breast cancer", "hormone receptor-negative breast cancer"} <= names


def test_a_status_without_a_breast_cancer_names_no_breast_cancer():
    names = {c.text.lower() for c in extract_profile(GASTRIC, as_of=AS_OF).profile.conditions}
    assert not any("breast" in n or "her2" in n for n in names), names


@pytest.mark.parametrize("inclusion, note", [
    ("HER2-negative metastatic breast cancer", HER2_POSITIVE),
    ("Her-2 negative tumors", HER2_POSITIVE),
    ("Hormone receptor positive breast cancer", HER2_POSITIVE),
    ("HER2-positive breast cancer", LUMINAL),
    ("Triple negative breast cancer", LUMINAL),
])
def test_a_stated_status_rules_out_a_trial_for_the_other(inclusion, note):
    assert outcome(inclusion, note) == "not_met"


@pytest.mark.parametrize("inclusion, note", [
    ("HER2-positive breast cancer", HER2_POSITIVE),
    ("Breast cancer", HER2_POSITIVE),
    ("HER2-negative, hormone receptor positive breast cancer", LUMINAL),
])
def test_the_stated_status_or_the_disease_is_met(inclusion, note):
    assert outcome(inclusion, note) == "met"


@pytest.mark.parametrize("inclusion", ["HER2-negative breast cancer", "HER2-positive breast cancer",
                                       "Triple negative breast cancer"])
def test_an_unstated_status_stays_unknown(inclusion):
    assert outcome(inclusion, UNSTATED) == "unknown"


def test_an_exclusion_of_another_status_does_not_rule_the_patient_out():
    assert outcome("HER2-positive disease", LUMINAL, kind="Exclusion") == "not_met"
    assert outcome("HER2-positive disease", HER2_POSITIVE, kind="Exclusion") == "met"


def test_statuses_are_kinds_of_breast_cancer_that_exclude_their_siblings():
    assert terminology.resolve("HER2-negative breast cancer") == ["her2_negative_breast_cancer"]
    assert terminology.is_a("triple_negative_breast_cancer", "breast_cancer")
    # (a triple-negative record is ruled out through its HER2-negative ancestor)
    assert terminology.exclusive_of("her2_positive_breast_cancer") == {"her2_negative_breast_cancer"}
    assert "hr_positive_breast_cancer" in terminology.exclusive_of("triple_negative_breast_cancer")
    assert terminology.exclusive_of("breast_cancer") == frozenset()
