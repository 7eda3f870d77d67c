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

import math
from dataclasses import dataclass, field
from typing import Iterable

from matching.ballots import Ballot
from matching.evaluate import Evaluation
from matching.question_catalog import spec_for
from matching.results import Question

MAX_QUESTIONS = 8
VOTING_TRIALS = 50  # only the top candidates vote; far-down trials should not steer the questions


@dataclass
class _Tally:
    weight: float = 0.0
    settles: int = 0
    trials: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)


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
        for criterion in evaluation.criteria:
            if criterion.outcome != "unknown" or not criterion.question_ids:
                continue
            ids = [q for q in criterion.question_ids if q not in skip]
            for question_id in ids:
                tally = tallies.setdefault(question_id, _Tally())
                tally.weight += weight / len(ids)
                tally.settles += 1
                tally.trials.add(evaluation.nct_id)
                if len(tally.examples) < 2 and criterion.text not in tally.examples:
                    tally.examples.append(criterion.text)
                if question_id in evaluation.question_atoms:
                    atoms.setdefault(question_id, evaluation.question_atoms[question_id])
                texts.setdefault(question_id, criterion.text)
    order = sorted(tallies.items(), key=lambda kv: (-round(kv[1].weight, 9), -kv[1].settles, kv[0]))
    questions = []
    for question_id, tally in order[:limit]:
        spec = spec_for(question_id, atoms.get(question_id), texts.get(question_id, ""))
        questions.append(Question(id=question_id, text=spec.text, answer_type=spec.answer_type, unit=spec.unit,
                                  choices=list(spec.choices), settles=tally.settles, trials=len(tally.trials),
                                  weight=round(tally.weight, 4), examples=tally.examples))
    return questions
