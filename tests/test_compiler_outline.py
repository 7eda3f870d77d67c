"""Outline shapes: nesting, groups, NCI layout, lost bullets, no headers."""

from __future__ import annotations

from criteria_rules import compile_eligibility
from test_compiler_support import find_criterion, shape

NESTED = """Inclusion Criteria:

  -  Age >= 18
  -  Adequate organ function defined as:
       -  ANC >= 1.5 x 10^9/L
       -  Platelets >= 100 x 10^9/L
  -  Meeting at least one of the following:
       1. prior HSCT
       2. prior radiotherapy

Exclusion Criteria:

  1. Pregnant
  2. HIV positive
"""

NCI = """DISEASE CHARACTERISTICS:

Histologically confirmed acute myeloid leukemia

PATIENT CHARACTERISTICS:

Age

18 to 55

Performance status

Karnofsky 70-100%

Hepatic

Bilirubin < 2 times upper limit of normal (ULN)

Other

Not pregnant or nursing
No active infection

PRIOR CONCURRENT THERAPY:

Chemotherapy

No prior chemotherapy
"""


def test_nested_groups_and_ids():
    rs = compile_eligibility(NESTED)
    ids = [c.id for c in rs.criteria]
    assert ids == ["inc-1", "inc-2", "inc-3", "exc-1", "exc-2"]
    organ = rs.criteria[1]
    assert organ.combine == "all" and [c.id for c in organ.children] == ["inc-2.1", "inc-2.2"]
    assert shape(organ.children[0].expr) == "anc"
    group = rs.criteria[2]
    assert group.combine == "any" and [shape(c.expr) for c in group.children] == ["hsct", "radiotherapy"]
    assert group.children[0].outline[-1].startswith("Meeting at least one")


def test_nci_layout_items_are_inclusions_with_negations():
    rs = compile_eligibility(NCI)
    assert all(c.kind == "inclusion" for c in rs.criteria)
    age = find_criterion(rs, "18 to 55")
    assert age.expr.atom.min_years == 18 and age.expr.atom.max_years == 55
    assert shape(find_criterion(rs, "Not pregnant").expr) == "not(any(pregnancy, breastfeeding))"
    assert shape(find_criterion(rs, "No prior chemotherapy").expr) == "not(chemotherapy)"
    assert shape(find_criterion(rs, "No active infection").expr) == "not(active_infection)"
    # sub-headers are outline, not criteria
    assert not [c for c in rs.criteria if c.text in ("Chemotherapy", "Age", "Hepatic")]
    assert find_criterion(rs, "Bilirubin").outline == ["PATIENT CHARACTERISTICS", "Hepatic"]


def test_lost_bullets_one_criterion_per_line():
    text = "Inclusion Criteria:\n\nAge 18 to 60, inclusive\nIn need of medial meniscectomy\n\nExclusion Criteria:\n\nPregnant or lactating\n"
    rs = compile_eligibility(text)
    assert [c.id for c in rs.criteria] == ["inc-1", "inc-2", "exc-1"]
    assert shape(rs.criteria[2].expr) == "any(pregnancy, breastfeeding)"


def test_no_headers_are_inclusions_with_warning():
    rs = compile_eligibility("Age over 18\nType 2 diabetes")
    assert [c.kind for c in rs.criteria] == ["inclusion", "inclusion"]
    assert any("no inclusion/exclusion headers" in w for w in rs.warnings)


def test_key_criteria_headers_and_numbered_parens():
    text = "Key Inclusion Criteria:\n(1) Age 18 years or older\n(2) Asthma\nKey Exclusion Criteria:\n(1) COPD"
    rs = compile_eligibility(text)
    assert [(c.id, shape(c.expr)) for c in rs.criteria] == [("inc-1", "age"), ("inc-2", "asthma"), ("exc-1", "copd")]


def test_a_flattened_paragraph_splits_at_inline_headers_and_numbers():
    """Headers and "(1)" numbers in the middle of one line (the outline scans a line for
    them only when it has the colon or bracket they need)."""
    text = ("Inclusion Criteria: (1) Adults with asthma; (2) Signed informed consent. "
            "Exclusion Criteria: - Pregnancy - Current smoker")
    rs = compile_eligibility(text)
    assert [(c.kind, c.text.strip(" ;.")) for c in rs.criteria] == [
        ("inclusion", "Adults with asthma"), ("inclusion", "Signed informed consent"),
        ("exclusion", "Pregnancy"), ("exclusion", "Current smoker")]


# Bullets lost: every item on its own line at one indentation (TREC 2021, NCT00073073).
LOST_LEAD_IN = """INCLUSION CRITERIA:
  Postmenopausal female.
  Elevated risk for developing invasive breast cancer by virtue of one of the following criteria:
  Gail Model risk of greater than or equal to 1.7% over 5 years from study entry.
  Lobular neoplasia.
  Atypical ductal hyperplasia.
  Subjects should be willing to abstain from use of hormonal therapies (e.g. tamoxifen).
  Eastern Cooperative Oncology Group (ECOG) performance status 0-1.
  Hemoglobin greater than or equal to 11 g/dl.
EXCLUSION CRITERIA:
  History of clotting or bleeding disorder.
"""


def test_a_lost_layout_lead_in_ends_at_an_item_that_stands_alone():
    """Without markers, the alternatives a lead-in announces end at a sentence about the
    subject ("Subjects should be willing ..."): the items after it are criteria of their
    own, not more ways to meet the lead-in (read as alternatives, ECOG and haemoglobin
    needed not hold)."""
    rs = compile_eligibility(LOST_LEAD_IN)
    group = find_criterion(rs, "Elevated risk")
    assert group.combine == "any"
    assert [c.text for c in group.children] == [
        "Gail Model risk of greater than or equal to 1.7% over 5 years from study entry.",
        "Lobular neoplasia.", "Atypical ductal hyperplasia."]
    top = [c.text.split()[0] for c in rs.criteria if c.kind == "inclusion"]
    assert top == ["Postmenopausal", "Elevated", "Subjects", "Eastern", "Hemoglobin"]


def test_a_lost_layout_lead_in_ends_at_the_next_lead_in():
    text = ("Inclusion Criteria:\nFor patients under 60 years: any 1 of the following:\nHypertension\nDiabetes\n"
            "For patients 60 years or older: any 2 of the following:\nHypertension\nDiabetes\nSmoking\n")
    rs = compile_eligibility(text)
    assert [(c.combine, len(c.children)) for c in rs.criteria] == [("any", 2), ("any", 3)]


def test_items_about_the_subject_may_still_be_a_lead_ins_alternatives():
    """An item naming the patients it is about ("Patients with ...", "Patients who ...") is not
    a requirement of its own: it stays one of the alternatives."""
    text = ("Inclusion Criteria:\nOne of the following:\nPatients with relapsed disease\n"
            "Patients who did not respond to induction\n")
    rs = compile_eligibility(text)
    assert len(rs.criteria) == 1 and len(rs.criteria[0].children) == 2
