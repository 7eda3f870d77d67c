"""The question vote's order and its voters.

``next_questions`` keeps the first ``limit`` tallies by a partial sort (``heapq.nsmallest``);
it must give exactly what sorting every tally gives (weight, then criteria count, then id).
``match_trials`` lets a voter that is on the page vote with its explanation instead of a
ballot; the questions must be those of ballots for every voter.
"""

import datetime as dt
import itertools

import pytest

from matching.ballots import Ballot, BallotCriterion, ballot
from matching.engine import match_trials
from matching.facts import PatientFacts
from matching.outcomes import judge_trial
from matching.profile import PatientProfile
from matching.questions import VOTING_TRIALS, next_questions, rank_weight
from test_matching_outcomes import PROFILES, TRIALS, _profiles

AS_OF = dt.date(2025, 6, 1)


def _ballots() -> list[Ballot]:
    # 12 trials voting on overlapping questions: many equal weights and counts, so the
    # order rests on every part of the key, ids included
    ballots = []
    for n in range(12):
        criteria = [BallotCriterion("unknown", [f"q:{(n + k) % 7}", f"q:{(n * k) % 5}x"], f"text {n}.{k}")
                    for k in range(3)]
        criteria.append(BallotCriterion("met", ["q:never"], "settled"))
        criteria.append(BallotCriterion("unknown", [f"q:{n % 3}", "q:answered"], f"pair {n}"))
        criteria.append(BallotCriterion("unknown", ["q:twin-b", "q:twin-a"], f"twins {n}"))  # always tied
        ballots.append(Ballot(f"NCT{n:08d}", "possibly_eligible" if n % 4 else "ineligible", criteria, {}))
    return ballots


def _fully_sorted(ballots: list[Ballot], answered: set[str]) -> list[tuple[str, float, int]]:
    """The rule of matching.questions, written out with a full sort."""
    weights: dict[str, float] = {}
    settles: dict[str, int] = {}
    voters = [b for b in ballots if b.verdict != "ineligible"][:VOTING_TRIALS]
    for rank, cast in enumerate(voters):
        for criterion in cast.criteria:
            ids = [q for q in criterion.question_ids if q not in answered]
            if criterion.outcome != "unknown" or not ids:
                continue
            for question_id in ids:
                weights[question_id] = weights.get(question_id, 0.0) + rank_weight(rank) / len(ids)
                settles[question_id] = settles.get(question_id, 0) + 1
    order = sorted(weights, key=lambda q: (-round(weights[q], 9), -settles[q], q))
    return [(q, round(weights[q], 9), settles[q]) for q in order]


@pytest.mark.parametrize("limit", [0, 1, 3, 8, 100])
@pytest.mark.parametrize("answered", [set(), {"q:answered", "q:1"}])
def test_the_first_questions_are_those_of_a_full_sort(limit, answered):
    ballots = _ballots()
    got = [(q.id, q.weight, q.settles) for q in next_questions(ballots, answered=answered, limit=limit)]
    assert got == [(q, round(w, 4), n) for q, w, n in _fully_sorted(ballots, answered)[:limit]]
    assert "q:never" not in {q for q, _, _ in got}


def test_ties_are_broken_by_count_then_id():
    ballots = _ballots()
    order = _fully_sorted(ballots, set())
    tied = [(a, b) for a, b in itertools.pairwise(order) if a[1] == b[1] and a[2] == b[2]]
    assert tied, "the fixture must hold ties for this test to mean anything"
    assert all(a[0] < b[0] for a, b in tied)


@pytest.mark.parametrize("limit,offset", [(20, 0), (2, 0), (2, 1), (1, 3)])
@pytest.mark.parametrize("profile", _profiles(), ids=[str(n) for n in range(len(PROFILES))])
def test_page_voters_vote_as_their_ballots_would(profile, limit, offset):
    result = match_trials(profile, TRIALS, as_of=AS_OF, statuses=("RECRUITING",), limit=limit, offset=offset,
                          include_healthy_volunteer_trials=True)
    facts = PatientFacts(profile, AS_OF)
    ranked = [t for t in (next(x for x in TRIALS if x.nct_id == m.nct_id) for m in
                          match_trials(profile, TRIALS, as_of=AS_OF, statuses=("RECRUITING",), limit=len(TRIALS),
                                       include_healthy_volunteer_trials=True).trials)]
    ballots = [ballot(t, facts, judge_trial(t, facts).verdict) for t in ranked]
    expected = next_questions([b for b in ballots if b.verdict != "ineligible"][:VOTING_TRIALS],
                              answered=profile.answers.keys())
    assert [q.model_dump() for q in result.questions] == [q.model_dump() for q in expected]
