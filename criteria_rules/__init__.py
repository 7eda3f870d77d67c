"""Eligibility text -> structured, explainable rules (the rule IR in ``ir.py``).

Public API:
- ``compile_eligibility(text, facts=None) -> RuleSet``
- ``compile_many([(text, facts), ...]) -> list[RuleSet]`` (one spaCy pipe for the batch)
- ``explain(ruleset) -> str``
- ``COMPILER_VERSION``: bumped whenever compiled output changes.

A pure library: no database, no web.
"""

from criteria_rules.compiler import COMPILER_VERSION, compile_eligibility, compile_many
from criteria_rules.explain import explain

__all__ = ["COMPILER_VERSION", "compile_eligibility", "compile_many", "explain"]
