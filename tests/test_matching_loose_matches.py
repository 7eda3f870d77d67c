"""A patient's finding does not satisfy a broad disease rule merely because HPO files it
under that organ system's category ("Abnormality of the nervous system"); the curated
lexicon, not the fallback hierarchy, decides what counts as the disease."""

from __future__ import annotations

import pytest

from criteria_rules import terminology
from single_criterion import exclusion_outcome_for_fields as exclusion_outcome


@pytest.mark.parametrize("finding", ["paresthesia", "tremor", "ataxia"])
def test_a_finding_under_an_organ_system_category_is_not_that_systems_disease(finding):
    assert not terminology.is_a(terminology.resolve(finding)[0], "neurological_disease")
    assert exclusion_outcome("History of any neurological disorders",
                             conditions=[{"text": finding}], absent_means_no=True) == "not_met"
    assert exclusion_outcome("History of any neurological disorders", conditions=[{"text": finding}]) == "unknown"


@pytest.mark.parametrize("have, rule", [
    ("focal seizure", "History of epilepsy"),          # an HPO xref below the category still reaches
    ("focal seizure", "Neurological disorder"),
    ("peripheral neuropathy", "Neurological disorder"),  # a curated synonym
    ("abnormality of the nervous system", "Neurological disorder"),  # the category named itself
])
def test_curated_and_specific_xrefs_still_match(have, rule):
    assert exclusion_outcome(rule, conditions=[{"text": have}]) == "met"


@pytest.mark.parametrize("impairment", ["severe cognitive impairment", "mild cognitive impairment", "cognitive decline"])
def test_cognitive_impairment_does_not_establish_dementia(impairment):
    assert not terminology.is_a(terminology.resolve(impairment)[0], "dementia")
    assert exclusion_outcome("Diagnosis of Dementia", conditions=[{"text": impairment}], absent_means_no=True) == "not_met"


@pytest.mark.parametrize("have", ["dementia", "alzheimer disease"])
def test_dementia_still_meets_a_cognitive_impairment_rule(have):
    assert exclusion_outcome("Cognitive impairment", conditions=[{"text": have}]) == "met"
    assert exclusion_outcome("Diagnosis of Dementia", conditions=[{"text": have}]) == "met"


@pytest.mark.parametrize("tumour", ["anaplastic astrocytoma of the spine", "glioblastoma", "meningioma", "brain metastases"])
def test_a_tumour_of_the_nervous_system_is_a_neurological_condition(tumour):
    """HPO's "Neoplasm of the nervous system" and MeSH's "Central Nervous System Neoplasms"
    (under Nervous System Diseases) are neurological conditions; another cancer is not."""
    assert exclusion_outcome("The presence of other neurologic conditions", conditions=[{"text": tumour}]) == "met"
    assert exclusion_outcome("History of any neurological disorders",
                             conditions=[{"text": "breast cancer"}], absent_means_no=True) == "not_met"
    # the class does not make a neuropathy a brain tumour
    assert exclusion_outcome("Known brain tumor", conditions=[{"text": "peripheral neuropathy"}],
                             absent_means_no=True) == "not_met"
