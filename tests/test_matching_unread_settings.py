"""A partly read inclusion that also asks where the patient lives or is cared for
(matching.unread_settings): not met on what was read alone; the fast path
(matching.outcomes) agrees with the full evaluation."""

from __future__ import annotations

import datetime as dt

from criteria_rules import compile_eligibility
from matching.profile import Condition, PatientProfile
from matching.trial import TrialSummary
from test_matching_support import criteria_by_text
from matching.unread_settings import unread_setting

AS_OF = dt.date(2024, 1, 1)
TEXT = """Inclusion Criteria:
- Adults with asthma living in the district served by the study hospital
- Adults with asthma followed at the respiratory clinic since childhood
- Adults with asthma and persistent wheeze
"""


def _outcomes(profile: PatientProfile) -> dict[str, object]:
    return criteria_by_text(TrialSummary(nct_id="NCT00000005", rules=compile_eligibility(TEXT)), profile, AS_OF)


def _profile(**extra) -> PatientProfile:
    return PatientProfile(age_years=40, sex="female", absent_means_no=True,
                          conditions=[Condition(text="asthma"), Condition(text="wheezing")], **extra)


def test_the_place_is_found_among_the_unread_words():
    living, followed, plain = compile_eligibility(TEXT).criteria
    assert unread_setting(living) == "living in"
    assert unread_setting(followed) == "followed at"
    assert unread_setting(plain) is None


def test_a_place_not_read_leaves_the_inclusion_open():
    outcomes = _outcomes(_profile())
    living, followed, plain = outcomes.values()
    assert living.outcome == followed.outcome == "unknown"
    assert "where you live or are cared for" in living.reason and "living in" in living.reason
    assert living.question_ids  # its own question is asked
    assert plain.outcome == "met"


def test_what_was_read_still_fails_it():
    outcomes = _outcomes(PatientProfile(age_years=40, sex="female", conditions=[
        Condition(text="asthma", present=False)]))
    assert {c.outcome for c in outcomes.values()} == {"not_met"}


def test_an_answer_to_its_question_settles_it():
    rules = compile_eligibility(TEXT)
    living = rules.criteria[0]
    answers = {f"q:criterion:NCT00000005:{living.id}": "yes"}
    outcomes = _outcomes(_profile(answers=answers))
    assert outcomes[living.text].outcome == "met"


OWN_REQUIREMENTS = """Inclusion Criteria:
- Asthma diagnosed in childhood
- Admitted with asthma as the primary cause of admission
- Adults with asthma presenting with an emergency department triage category of 2 or higher
"""


def test_another_unread_requirement_a_record_does_not_settle_leaves_it_open():
    rules = compile_eligibility(OWN_REQUIREMENTS)
    assert [unread_setting(c) for c in rules.criteria] == ["in childhood", "primary cause", "triage category"]
    outcomes = criteria_by_text(TrialSummary(nct_id="NCT00000006", rules=rules), _profile(), AS_OF)
    for result in outcomes.values():
        assert result.outcome == "unknown"
        assert "but it also asks" in result.reason and "where you live" not in result.reason
    denied = criteria_by_text(TrialSummary(nct_id="NCT00000006", rules=rules), PatientProfile(
        age_years=40, sex="female", conditions=[Condition(text="asthma", present=False)]), AS_OF)
    assert {c.outcome for c in denied.values()} == {"not_met"}  # what was read still fails it
