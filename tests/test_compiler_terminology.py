"""The terminology contract the matcher relies on."""

from __future__ import annotations

from criteria_rules import terminology as t


def test_curated_synonyms_and_abbreviations():
    for phrase in ("BMT", "HCT", "SCT", "stem cell transplant", "bone marrow transplantation"):
        assert t.resolve(phrase) == ["hsct"], phrase
    assert t.resolve("allogeneic stem cell transplant") == ["hsct_allogeneic"]
    assert t.is_a("hsct_allogeneic", "hsct")
    for phrase in ("RT", "irradiation", "radiation therapy"):
        assert t.resolve(phrase) == ["radiotherapy"], phrase
    assert t.is_a(t.resolve("chemoradiation")[0], "radiotherapy")
    assert t.is_a(t.resolve("chemoradiation")[0], "chemotherapy")


def test_drug_classes_and_steroid_potency():
    assert t.is_a("prednisone", "corticosteroid")
    assert "corticosteroid" in t.ancestors("dexamethasone")
    assert t.concept("dexamethasone").get("prednisolone_factor") > 6


def test_spelling_and_plurals():
    assert t.resolve("Leukaemias") == ["leukemia"]
    assert t.normalise_term("Crohn's Diseases") == "crohn disease"


def test_fallbacks_and_terms():
    fever = t.resolve("fever")[0]
    assert fever.startswith("hpo:HP:")
    assert t.label(fever).lower() == "fever"
    assert t.resolve("carotid endarterectomy tattoo")[-1].startswith(("term:", "icd10cm:", "hpo:"))
    assert t.resolve("zzqx") == ["term:zzqx"]


def test_hpo_reaches_lexicon_through_xrefs():
    seizure = t.resolve("focal-onset seizure")
    assert any(t.is_a(c, "epilepsy") for c in seizure)


def test_labels():
    assert t.label("hsct") and t.label("pregnancy") == "pregnancy"


def test_external_causes_of_injury_are_not_conditions():
    # ICD-10-CM V00-Y99 name how and where an injury happened ("Activity, unspecified")
    assert not any(c.startswith("icd10cm:") for c in t.resolve("activities"))
    assert t.resolve("sarcoidosis") == ["icd10cm:D86"]  # diagnoses are still read


def test_prefix_index_stops_lookups_only_where_no_phrase_starts():
    from criteria_rules.fallback_terms import prefix_index

    index = prefix_index({"heart failure": "hf", "heart": "organ", "chronic kidney disease": "ckd"})
    assert index == {"heart failure": "hf", "heart": "organ", "chronic": "", "chronic kidney": "",
                     "chronic kidney disease": "ckd"}
    # the longest phrase still wins where a shorter one starts it, across skipped words
    words = ["severe", "chronic", "", "kidney", "disease", "and", "heart", "failure"]
    found = t.find_mentions(words)
    assert [(m.start, m.end) for m in found if m.source == "lexicon"][:2] == [(1, 5), (6, 8)]
