"""Next questions: the unknown facts that would settle the most across the candidates.

Each unknown criterion of a candidate trial votes for the questions that bear on it.
A vote is weighted by the trial's rank (1 / log2(rank + 2), as in DCG: the top trials
matter most) and split between the questions when several bear on one criterion
(answering one of "pregnant or breastfeeding" alone may not settle it). Trials already
ineligible do not vote: no answer can make them eligible. Ordering is by weight, then by
criteria count, then by id, so it is deterministic.

Ids, wording and accepted answers are defined in :mod:`matching.question_catalog`.
"""

from __future__ import annotations

import heapq
import math
from typing import Iterable

from matching.ballots import Ballot
from matching.evaluate import Evaluation
from matching.question_catalog import spec_for
from matching.results import Question

MAX_QUESTIONS = 8
VOTING_TRIALS = 50  # only the top candidates vote; far-down trials should not steer the questions


class _Tally:
    """One question's votes. A plain slotted class: a match opens about a thousand of
    them, and a dataclass with default factories costs several times as much to create."""

    __slots__ = ("weight", "settles", "trials", "examples")

    def __init__(self) -> None:
        self.weight = 0.0
        self.settles = 0
        self.trials: set[str] = set()
        self.examples: list[str] = []


def rank_weight(rank: int) -> float:
    return 1.0 / math.log2(rank + 2)


def next_questions(ranked: Iterable[Evaluation | Ballot], *, answered: Iterable[str] = (),
                   limit: int = MAX_QUESTIONS) -> list[Question]:
    """Questions for evaluations (or their ballots) given in rank order (best first)."""
    skip = set(answered)
    tallies: dict[str, _Tally] = {}
    atoms: dict[str, object] = {}
    texts: dict[str, str] = {}
    rank = 0
    for evaluation in ranked:
        if evaluation.verdict == "ineligible":
            continue
        if rank >= VOTING_TRIALS:
            break
        weight = rank_weight(rank)
        rank += 1
        nct_id, question_atoms = evaluation.nct_id, evaluation.question_atoms
        for criterion in evaluation.criteria:
            if criterion.outcome != "unknown" or not criterion.question_ids:
                continue
            ids = [q for q in criterion.question_ids if q not in skip] if skip else criterion.question_ids
            if not ids:
                continue
            share = weight / len(ids)
            text = criterion.text
            for question_id in ids:
                tally = tallies.get(question_id)
                if tally is None:
                    tally = tallies[question_id] = _Tally()
                    texts[question_id] = text
                tally.weight += share
                tally.settles += 1
                tally.trials.add(nct_id)
                examples = tally.examples
                if len(examples) < 2 and text not in examples:
                    examples.append(text)
                if question_id not in atoms and question_id in question_atoms:
                    atoms[question_id] = question_atoms[question_id]
    # (the same as sorted(...)[:limit]: the heap keeps the first ``limit`` in that order)
    order = heapq.nsmallest(limit, tallies.items(), key=lambda kv: (-round(kv[1].weight, 9), -kv[1].settles, kv[0]))
    questions = []
    for question_id, tally in order:
        spec = spec_for(question_id, atoms.get(question_id), texts.get(question_id, ""))
        questions.append(Question(id=question_id, text=spec.text, answer_type=spec.answer_type,  # type: ignore[arg-type]
                                  unit=spec.unit,
                                  choices=list(spec.choices), settles=tally.settles, trials=len(tally.trials),
                                  weight=round(tally.weight, 4), examples=tally.examples))
    return questions
