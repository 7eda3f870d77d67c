"""Symptoms do not establish diseases; lexicon synonyms keep their specificity; a
denied finding rules out only what lies below it."""

from __future__ import annotations

import pytest

from criteria_rules import terminology
from single_criterion import exclusion_outcome_for_fields as exclusion_outcome


@pytest.mark.parametrize("symptom, disease", [
    ("palpitations", "History of atrial fibrillation"),
    ("cough", "History of bronchiectasis"),
    ("cough", "Significant lung disease"),
    ("chest pain", "Cardiovascular disease"),
])
def test_a_symptom_does_not_trigger_a_disease_rule(symptom, disease):
    assert exclusion_outcome(disease, conditions=[{"text": symptom}], absent_means_no=True) == "not_met"
    assert exclusion_outcome(disease, conditions=[{"text": symptom}]) == "unknown"


@pytest.mark.parametrize("have, rule", [
    ("atrial fibrillation", "History of atrial fibrillation"),
    ("atrial fibrillation", "Cardiac arrhythmia"),
    ("bronchiectasis", "Pulmonary disease"),
    ("pneumonia", "Lung disease"),
])
def test_the_disease_itself_and_its_broader_concepts_still_match(have, rule):
    assert exclusion_outcome(rule, conditions=[{"text": have}]) == "met"


def test_lexicon_synonym_becomes_the_specific_term_below_it():
    [af] = terminology.resolve("atrial fibrillation")
    assert af != "arrhythmia" and terminology.is_a(af, "arrhythmia")
    assert terminology.resolve("arrhythmia") == ["arrhythmia"]


def test_a_denied_symptom_rules_out_only_itself():
    # "denies fever" must not settle every phenotype below "phenotypic abnormality"
    assert exclusion_outcome("History of bronchiectasis", conditions=[{"text": "fever", "present": False}]) == "unknown"
    assert exclusion_outcome("Fever", conditions=[{"text": "fever", "present": False}]) == "not_met"
    assert exclusion_outcome("hepatitis B", conditions=[{"text": "hepatitis", "present": False}]) == "not_met"
