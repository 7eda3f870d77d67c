"""Atom extractors: each module reads one kind of fact from a criterion's text.

Every extractor is a plain function ``extract(ctx) -> list[Found]``; ``ALL_EXTRACTORS``
runs them in order. Extractors that claim a span (an allergy's target drug, a dose's
reference steroid) run before the generic concept extractor so a mention is read once.
"""

from criteria_rules.atoms.base import CriterionContext, Found, Mention
from criteria_rules.atoms import (
    age,
    concepts,
    labs,
    participation,
    performance,
    reproductive,
    sex,
)

ALL_EXTRACTORS = (
    performance.extract,  # before age: "life expectancy < 2 years" is not an age
    age.extract,
    sex.extract,
    labs.extract,
    participation.extract,
    reproductive.extract,
    concepts.extract,
)

__all__ = ["ALL_EXTRACTORS", "CriterionContext", "Found", "Mention"]
