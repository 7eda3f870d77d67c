"""Concept lookup shared by the compiler and the matcher.

The contract (kept stable; the implementation grows):
- ``resolve(text) -> list[str]``: the concept ids named in a phrase, most specific first
  ("allogeneic stem cell transplant" -> ["hsct"], "prednisolone" -> ["prednisolone"]).
  Phrases outside the curated lexicon fall back to terminologies (HPO, ICD-10-CM) and
  finally to ``term:<normalised words>``.
- ``ancestors(concept_id) -> frozenset[str]``: the concept and everything above it
  ("prednisolone" -> {"prednisolone", "corticosteroid", ...}).
- ``is_a(concept_id, parent_id) -> bool``.
- ``label(concept_id) -> str``: plain-language name for reasons and questions.
- ``normalise_term(text) -> str``: lowercase, punctuation-free, singular words.
"""
