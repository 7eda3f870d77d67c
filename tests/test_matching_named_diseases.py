"""A named disease is a concept below its class, not a synonym of it (the lexicon's
``parents``): a rule about bipolar disorder is not met by depression, one about Crohn
disease not by ulcerative colitis, one about alcohol abuse not by a drug use disorder,
while the class-level rule ("any psychiatric illness") still is. Notes written for the
purpose, read by the real note extractor; criteria compiled by the real compiler."""

from __future__ import annotations

import pytest

from single_criterion import exclusion_outcome_for_note as exclusion_outcome


DEPRESSED = "34-year-old woman with major depressive disorder for 5 years, on sertraline 100 mg daily."
COLITIS = "41-year-old man with ulcerative colitis diagnosed in 2015, on mesalamine."
OPIOIDS = "29-year-old man with opioid use disorder, on buprenorphine maintenance. Denies alcohol use."
RELAPSING = "38-year-old woman with relapsing-remitting multiple sclerosis, on interferon beta."


@pytest.mark.parametrize("criterion, note", [
    ("History of bipolar disorder or schizophrenia", DEPRESSED),
    ("Crohn disease", COLITIS),
    ("Rheumatoid arthritis", COLITIS),
    ("History of alcohol abuse", OPIOIDS),
    ("Parkinson disease", RELAPSING),
])
def test_a_sibling_in_the_same_class_does_not_trigger(criterion, note):
    assert exclusion_outcome(criterion, note) == "not_met"


@pytest.mark.parametrize("criterion, note", [
    ("Any psychiatric illness", DEPRESSED),
    ("Inflammatory bowel disease", COLITIS),
    ("Autoimmune disease", COLITIS),
    ("History of drug or alcohol abuse", OPIOIDS),
    ("Multiple sclerosis", RELAPSING),
    ("Neurological disease", RELAPSING),
])
def test_the_class_and_the_disease_itself_still_trigger(criterion, note):
    assert exclusion_outcome(criterion, note) == "met"
