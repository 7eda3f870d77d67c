"""A partly read criterion whose unread words qualify what was read (matching.unread_qualifiers):
an exclusion not triggered, a "no ..." inclusion not failed by what was read alone; absent
qualifiers under a complete record; alternatives left alone; the fast path
(matching.outcomes) and the ballots agree with the full evaluation."""

from __future__ import annotations

import datetime as dt

from criteria_rules import compile_eligibility
from matching.profile import Condition, PatientProfile
from matching.trial import TrialSummary
from test_matching_support import criteria_by_text
from matching.unread_qualifiers import narrowing_phrases

AS_OF = dt.date(2024, 1, 1)
TEXT = """Exclusion Criteria:
- Cough from occupational dust exposure
- Pregnancy or breastfeeding or menstruation
"""
COUGH_NOTE = "A 35-year-old pregnant woman with a dry cough for two weeks. She works as a teacher."
DUST_NOTE = "A 35-year-old pregnant woman with a dry cough for two weeks. She works in a quarry with dust."


def _outcomes(profile: PatientProfile) -> dict[str, object]:
    return criteria_by_text(TrialSummary(nct_id="NCT00000004", rules=compile_eligibility(TEXT)), profile, AS_OF)


def _profile(note: str | None, complete: bool = True) -> PatientProfile:
    return PatientProfile(age_years=35, sex="female", pregnant=True, absent_means_no=complete, record_text=note,
                          conditions=[Condition(text="cough", status="active")])


def test_qualifier_and_alternative_are_told_apart():
    rules = compile_eligibility(TEXT).criteria
    cough, pregnancy = rules
    assert cough.status == pregnancy.status == "partial"
    assert [p for _, p in narrowing_phrases(cough).phrases] == ["occupational dust exposure"]
    assert narrowing_phrases(pregnancy) is None  # "or menstruation" adds an alternative


def test_absent_qualifier_under_a_complete_record_does_not_trigger():
    result = _outcomes(_profile(COUGH_NOTE))["Cough from occupational dust exposure"]
    assert result.outcome == "not_met"
    assert '"occupational dust exposure"' in result.reason and "does not mention" in result.reason


def test_mentioned_qualifier_is_unknown():
    result = _outcomes(_profile(DUST_NOTE))["Cough from occupational dust exposure"]
    assert result.outcome == "unknown"
    assert result.question_ids  # the criterion itself becomes the question


def test_open_world_profile_is_unknown_not_triggered():
    assert _outcomes(_profile(None, complete=False))["Cough from occupational dust exposure"].outcome == "unknown"


def test_an_alternative_still_triggers():
    assert _outcomes(_profile(COUGH_NOTE))["Pregnancy or breastfeeding or menstruation"].outcome == "met"


def test_an_answer_to_the_criterion_stands():
    trial_rules = compile_eligibility(TEXT)
    cough = trial_rules.criteria[0]
    profile = _profile(COUGH_NOTE).model_copy(update={"answers": {f"q:criterion:NCT00000004:{cough.id}": "yes"}})
    assert _outcomes(profile)["Cough from occupational dust exposure"].outcome == "met"


# --- inclusions: "no [excisional] biopsy" ----------------------------------------------------------

INCLUSIONS = """Inclusion Criteria:
- No excisional biopsy
- No biopsy of the liver or kidney
"""
CORE_NOTE = "A 52-year-old woman with breast cancer diagnosed on core needle biopsy last month."


def test_an_unread_qualifier_of_a_negated_inclusion_is_found():
    excisional, _ = compile_eligibility(INCLUSIONS).criteria
    assert excisional.status == "partial"
    assert [p for _, p in narrowing_phrases(excisional).phrases] == ["excisional"]


def test_a_negated_inclusion_is_not_failed_by_what_was_read_alone():
    from matching.ballots import ballot
    from matching.facts import PatientFacts
    from matching.note import extract_profile

    profile = extract_profile(CORE_NOTE, as_of=AS_OF).profile
    assert any("biopsy" in (p.text or "").lower() for p in profile.procedures)
    trial = TrialSummary(nct_id="NCT00000005", rules=compile_eligibility(INCLUSIONS))
    found = criteria_by_text(trial, profile, AS_OF)
    # a core biopsy is not known to be excisional: not settled, asked about
    assert found["No excisional biopsy"].outcome == "unknown"
    assert found["No excisional biopsy"].question_ids
    voted = ballot(trial, PatientFacts(profile, AS_OF), "possibly_eligible")
    assert voted.criteria[0].outcome == "unknown"


def test_a_fully_read_negated_inclusion_still_fails():
    profile = PatientProfile(age_years=52, sex="female", absent_means_no=True, record_text=CORE_NOTE,
                             procedures=[{"text": "biopsy"}])
    rules = compile_eligibility("Inclusion Criteria:\n- No prior biopsy\n")
    assert rules.criteria[0].status == "compiled"
    found = criteria_by_text(TrialSummary(nct_id="NCT00000006", rules=rules), profile, AS_OF)
    assert found["No prior biopsy"].outcome == "not_met"


# --- inclusions: "allergic rhinitis due to [ragweed]" -------------------------------------------

CAUSED = """Inclusion Criteria:
- Allergic rhinitis due to ragweed pollen
- Typical allergic rhinitis
"""
SUMMER_NOTE = "A 39-year-old man with allergic rhinitis every summer. He does not smoke."
RAGWEED_NOTE = "A 39-year-old man with allergic rhinitis every autumn from ragweed pollen. He does not smoke."


def _rhinitis(note: str, complete: bool = True):
    from matching.ballots import ballot
    from matching.facts import PatientFacts
    from matching.note import extract_profile

    profile = extract_profile(note, as_of=AS_OF).profile.model_copy(update={"absent_means_no": complete})
    trial = TrialSummary(nct_id="NCT00000007", rules=compile_eligibility(CAUSED))
    found = criteria_by_text(trial, profile, AS_OF)
    voted = ballot(trial, PatientFacts(profile, AS_OF), "possibly_eligible")
    return found, [c.outcome for c in voted.criteria]


def test_a_cause_joined_to_a_condition_is_a_linked_qualifier():
    caused, typical = compile_eligibility(CAUSED).criteria
    assert caused.status == typical.status == "partial"
    assert [p for _, p in narrowing_phrases(caused).linked] == ["ragweed pollen"]
    assert not narrowing_phrases(typical).linked  # an adjective: not a cause or a place


def test_a_met_inclusion_whose_cause_a_complete_record_never_mentions_is_unknown():
    found, voted = _rhinitis(SUMMER_NOTE)
    caused = found["Allergic rhinitis due to ragweed pollen"]
    assert caused.outcome == "unknown"  # not failed: silence may only help
    assert caused.question_ids and '"ragweed pollen"' in caused.reason
    assert found["Typical allergic rhinitis"].outcome == "met"
    assert voted == ["unknown", "met"]  # the ballot (fast path) agrees


def test_a_mentioned_cause_or_an_open_record_leaves_it_met():
    found, voted = _rhinitis(RAGWEED_NOTE)
    assert found["Allergic rhinitis due to ragweed pollen"].outcome == "met"
    found, voted = _rhinitis(SUMMER_NOTE, complete=False)
    assert found["Allergic rhinitis due to ragweed pollen"].outcome == "met"
    assert voted == ["met", "met"]
