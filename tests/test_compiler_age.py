"""Whose age is it: the patient's age now is an age atom of the criterion; an age that
says when the criterion applies is its applies_if; someone else's age, an onset age, a
duration or a count of patients is no age atom of the patient."""

from __future__ import annotations

import pytest

from criteria_rules import compile_eligibility
from criteria_rules.ir import AgeAtom, iter_atoms, iter_criteria


def _criterion(text: str, kind: str = "Inclusion"):
    rs = compile_eligibility(f"{kind} Criteria:\n- {text}")
    [c] = [c for c in iter_criteria(rs.criteria) if text.startswith(c.text.strip()[:20])][:1]
    return c


def body_ages(text: str, kind: str = "Inclusion") -> list[tuple]:
    c = _criterion(text, kind)
    return [(a.min_years, a.max_years) for a in iter_atoms(c.expr) if isinstance(a, AgeAtom)]


def condition_ages(text: str, kind: str = "Inclusion") -> list[tuple]:
    c = _criterion(text, kind)
    return [(a.min_years, a.max_years) for a in iter_atoms(c.applies_if) if isinstance(a, AgeAtom)]


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("Aged 1 to 14 years", [(1, 14)]),
        ("Age >= 18", [(18, None)]),
        ("18 years or older", [(18, None)]),
        ("Adults", [(18, None)]),
        ("18-75 years", [(18, 75)]),
        ("Patients under 65 years", [(None, 65)]),
        ("Patients over 65 years", [(65, None)]),
        ("Patients up to 65 years of age", [(None, 65)]),
        ("Between 18 and 75 years of age", [(18, 75)]),
        ("Age 6 months to 17 years", [(0.5, 17)]),
        ("Infants between 6 months and 17 years", [(0.5, 17)]),
        ("Subjects of postnatal age between 3 to 30 days", [(round(3 / 365, 4), round(30 / 365, 4))]),
        # the patient's age, even though other words follow
        ("Adult male patients ranging from 25 to 70 years.", [(25, 70)]),
        ("Adult patients (age 14-60 years) who were diagnosed as lupus nephritis", [(14, 60)]),
        ("Male and female patients ≥ 12 months and ≤ 18 years of age at inclusion", [(1, 18)]),
        ("Male or female patients aged between 0 and ≤55 years", [(0, 55)]),
        ("Women aged 40 to 50 years of age or older who have not gone through menopause", [(40, None)]),
        # a list number run into the age ("2." then "18 Years to 65")
        ("Signed the informed consent; 2.18 Years to 65 Years old, BMI between 18 and 30", [(18, 65)]),
        # ages in words (quality lane, session 7)
        ("Children younger than five years", [(None, 5)]),
        ("Aged between eighteen and sixty-five years", [(18, 65)]),
        ("Age twenty-one to seventy-five years", [(21, 75)]),
    ],
)
def test_patient_age(text, bounds):
    assert body_ages(text) == bounds


@pytest.mark.parametrize(
    "text",
    [
        "Donor aged 18 to 60 years",
        "Subject's sexual partner < 18 years of age",
        "Has one identified adult caregiver who is able to read and speak the language",
        "Age at diagnosis 40 years or older",
        "Diagnosed before 5 years of age",
        "2 years or more postprostatectomy with PSA level ≤ 0.04 ng/mL",
        "Participants ≥2 years from completion of radiation therapy",
        "> 5 years in remission prior to screening",
        "Diagnosis of PD between 4 to 7 years",
        "Patients with adult periodontitis",
        "Diabetes documented by hemoglobin adult type 1 component (A1C) > 7%",
        "Patients (children and adults) developing acute or chronic GvHD after HSCT",
        "Puberty defined as Tanner III or more in male patients (typically age ≥ 13 years)",
        "At least 3 adult patients and at least 3 patients ≥12 to <18 years will be treated",
        "Younger patients with five prior lines of therapy",
    ],
)
def test_no_patient_age(text):
    assert body_ages(text) == []


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("Karnofsky score 60% or greater if 10 yrs old or older", [(10, None)]),
        ("For participants 1 to 18 years of age, renal function is estimated with the Schwartz equation", [(1, 18)]),
        ("Female participants of childbearing potential (≥ 10 years of age) must use contraception", [(10, None)]),
        ("Reduced lung function (in children older than 6 years: FEV1 < 70%)", [(6, None)]),
        ("Consent from a guardian in the case of patients under the age of 19", [(None, 19)]),
    ],
)
def test_age_as_condition(text, bounds):
    assert body_ages(text) == []
    assert condition_ages(text) == bounds


def test_joined_bounds_need_the_other_end():
    # "> 3 months" is a duration of the injury, not the other end of "age > 18 years"
    assert body_ages("CNS injury > 3 months age > 18 years willing to give consent") == [(18, None)]


def test_exclusive_bounds_kept():
    rs = compile_eligibility("Inclusion Criteria:\n- Older than 17 years\n- Younger than 76 years")
    ages = [a for c in iter_criteria(rs.criteria) for a in iter_atoms(c.expr) if isinstance(a, AgeAtom)]
    assert [(a.min_years, a.min_inclusive, a.max_years, a.max_inclusive) for a in ages] == [
        (17, False, None, True),
        (None, True, 76, False),
    ]


def test_a_negation_elsewhere_does_not_negate_the_age():
    c = _criterion("Non-pregnant females of age >= 18 years")
    assert [type(n).__name__ for n in c.expr.args] == ["Not", "AtomNode"]
    assert c.expr.args[1].atom.min_years == 18


def test_adults_naming_an_excluded_group_is_no_age():
    assert body_ages("Cognitively impaired adults", kind="Exclusion") == []
    assert body_ages("Adults", kind="Exclusion") == [(18, None)]


def test_a_for_label_makes_the_ages_conditions():
    text = "For pediatric participants: Schwartz equation (infants through adolescence, <18 years old)"
    assert body_ages(text) == []
    assert condition_ages(text) == [(None, 18)]


def test_up_to_the_birthday():
    c = _criterion("Age ≥ 2 years to ≤ 12 years (11 years, 364 days) at the time of consent")
    [age] = [a for a in iter_atoms(c.expr) if isinstance(a, AgeAtom)]
    assert (age.min_years, age.max_years, age.max_inclusive) == (2, 12, False)


def test_an_exclusion_age_qualifying_its_people_is_a_condition():
    # the rest not read, the age alone would exclude everyone younger than 65
    text = "Patients younger than 65 years old ,whose estimated glomerular filtration rate (eGFR) were less than 60"
    assert body_ages(text, "Exclusion") == [] and condition_ages(text, "Exclusion") == [(None, 65)]
    assert condition_ages("Are >55 years of age AND have cardiovascular disease", "Exclusion") == [(55, None)]
    # an age alone, or one of several alternatives, is still the rule
    assert body_ages("Age over 75 or under 18 years or legally dependent", "Exclusion") == [(75, None), (None, 18)]
    assert body_ages("Patients aged 18-65 who have diabetes") == [(18, 65)]  # inclusions keep their ages


def test_a_consent_rule_for_minors_says_who_signs():
    text = "Subjects or guardian of subjects who are under the age of 18 years must be capable of giving signed informed consent"
    assert body_ages(text) == [] and condition_ages(text) == [(None, 18)]
    text = "Able to self sign informed consent, 7 to 17 years of age must be signed by the guardian informed consent"
    assert condition_ages(text) == [(7, 17)]
    # an adult age in a consent rule is still required
    assert body_ages("Patients aged 18 years or older must be able to give informed consent") == [(18, None)]


def test_enrolment_order_and_counts_per_age_band_are_no_ages():
    text = ("The first 2 subjects must be 18 years or older at the time of signing the informed consent. If approved, "
            "additional subjects may be 6 years or older at the time of signing the informed consent.")
    assert body_ages(text) == [(6, None)]
    assert body_ages("Six subjects, three between 7-11 and three between 12-18 years of age, will be included") == []


def test_bounds_joined_by_but():
    assert body_ages("Age greater than or equal to 1 year but less than or equal to 55 years") == [(1, None), (None, 55)]


# Criteria the age extractor's quick check should pass or skip: each age reading, its
# near misses ("stage", "dosage", weeks without an age word), and words inside words.
GATE_TEXTS = [
    "Stage III or IV disease", "Stable dosage of methotrexate for 12 weeks", "Age >= 18", "Aged 1 to 14 years",
    "18-75 years", "65y or older", "Patients older than 65", "Younger than 5 years", "Older than 18", "Adults",
    "adult male patients", "between 6 months and 17 years", "Children 2 to 11", "at least 3 months since surgery",
    "threshold of 5 mg", "two-fold increase in 3 days", "Under eighteen years", "twenty years or more",
    "Girls >= 12 and <= 17 years of age", "women of childbearing potential (>= 10 years of age) must use",
    "3 patients >= 12 years", "History of cancer within 5 years", "damage to the liver", "Money of 5 yen",
]


def _extracted_ages(text: str, outline: list[str], kind: str) -> list[tuple]:
    from criteria_rules.atoms import age
    from criteria_rules.atoms.base import CriterionContext

    found = age.extract(CriterionContext(text=text, offset=0, kind=kind, outline=outline, mentions=[]))
    return [(f.start, f.end, f.role, f.negated, f.atom.model_dump()) for f in found]


def _criteria_texts(shared_dir, limit: int) -> list[tuple[str, list[str], str]]:
    """(text, outline, kind) of the criteria of the first eligibility texts of the corpus."""
    import json

    from criteria_rules.compiler import _prepare

    texts = []
    with (shared_dir / "data/criteria/criteria-corpus.jsonl").open(encoding="utf-8") as handle:
        for line, _ in zip(handle, range(limit)):
            _, pending = _prepare(json.loads(line)["eligibility_criteria"], None)
            texts += [(p.text, list(p.criterion.outline), p.criterion.kind) for p in pending]
    return texts


def test_the_quick_age_check_skips_only_criteria_without_an_age(monkeypatch, shared_dir, shared_file):
    """``_AGE_READING_NEEDS`` is a speed-up only: with it letting everything through, the
    extractor reads the same ages from the same criteria (curated near misses, and the
    criteria of 150 real eligibility texts)."""
    import re

    from criteria_rules.atoms import age

    shared_file("data/criteria/criteria-corpus.jsonl")
    texts = [(t, [], kind) for t in GATE_TEXTS for kind in ("inclusion", "exclusion")]
    texts += _criteria_texts(shared_dir, 150)
    gated = [_extracted_ages(*t) for t in texts]
    skipped = sum(1 for t, outline, _ in texts if not age._may_state_age(t, outline))
    monkeypatch.setattr(age, "_AGE_READING_NEEDS", re.compile(""))
    assert [_extracted_ages(*t) for t in texts] == gated
    assert skipped > len(texts) // 2  # (most criteria state no age)
    assert any(gated)
