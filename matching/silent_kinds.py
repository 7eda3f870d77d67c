"""Kinds of facts a patient says nothing of, so criteria about only those are unknown.

Most patients give a few conditions, an age and a sex, and nothing else: no procedures,
medications, allergies or lab results, no performance score, nothing about consent or
other trials. Under an open world every atom of a kind the patient says nothing of (no
item listed or denied, no field given, no question of that kind answered) is unknown for
them: that is what the judges of :mod:`matching.facts` give. A criterion whose atoms are
all of such kinds is then unknown too (Kleene: no value settles a node; the rules of
``matching.outcomes`` past that read only a complete record, a met or not-met outcome, or
answers to the criterion itself).

A patient who lists conditions, medications, procedures or labs still names few of the
concepts criteria ask about. An atom of those kinds whose concept (or analyte) no listed
item names or denies, and no answer speaks of, is unknown as well
(``matching.facts.says_nothing_of``, memoised per concept for the request).

Judging reads this instead of deciding such criteria: more than half of the distinct
criteria of an open-world match at 10k trials. A criterion's kinds are a bit mask and its
named concepts a tuple, worked out when it is planned; a patient's quiet kinds are another
mask, worked out once per request. Atoms of any other type (age, sex, pregnancy ...) are
``LOUD``: never silent by kind.
"""

from __future__ import annotations

from collections.abc import Iterable

(CONDITION, FAMILY, PROCEDURE, MEDICATION, ALLERGY, LAB, CONSENT, COMPLIANCE, LIFE_EXPECTANCY, PERFORMANCE,
 TRIAL_PARTICIPATION, LOUD) = (1 << n for n in range(12))
_BY_TYPE = {"procedure": PROCEDURE, "medication": MEDICATION, "allergy": ALLERGY, "lab": LAB, "consent": CONSENT,
            "compliance": COMPLIANCE, "life_expectancy": LIFE_EXPECTANCY, "performance_status": PERFORMANCE,
            "trial_participation": TRIAL_PARTICIPATION}
# kinds whose atoms name one concept (an analyte for labs) that a patient's items can be
# tested against alone
NAMED = CONDITION | PROCEDURE | MEDICATION | LAB
# the questions of each kind begin so (matching.question_catalog.question_id_for_atom)
QUESTIONS = {CONDITION: "q:condition:", FAMILY: "q:family:", PROCEDURE: "q:procedure:", MEDICATION: "q:medication:",
              ALLERGY: "q:allergy:", LAB: "q:lab:", CONSENT: "q:consent", COMPLIANCE: "q:compliance",
              LIFE_EXPECTANCY: "q:life_expectancy", PERFORMANCE: "q:performance:",
              TRIAL_PARTICIPATION: "q:trial_participation"}


def atom_kind(atom) -> int:
    """The bit of an atom's kind."""
    if atom.type == "condition":
        return FAMILY if atom.family else CONDITION
    return _BY_TYPE.get(atom.type, LOUD)


def kinds_of(atoms: Iterable) -> int:
    mask = 0
    for atom in atoms:
        mask |= atom_kind(atom)
    return mask


def names_of(atoms: Iterable) -> tuple[tuple[int, str], ...]:
    """(kind, concept or analyte) of the atoms of ``NAMED`` kinds, each once."""
    names: dict[tuple[int, str], None] = {}
    for atom in atoms:
        kind = atom_kind(atom)
        if kind & NAMED:
            names[(kind, atom.analyte if kind == LAB else atom.concept)] = None
    return tuple(names)


def quiet_kinds(facts) -> int | None:
    """The kinds ``facts``' patient says nothing of (module docs); None when silence may
    be "no" or a record is complete (its unread words, its silence and the other kinds of
    a disease it names settle criteria), or when answers to a trial's own criteria may
    settle any criterion."""
    if facts.profile.absent_means_no or facts.complete or facts.criterion_answers:
        return None
    profile = facts.profile
    unsaid = {CONDITION: facts.condition_index[False].lists_nothing,
              FAMILY: facts.condition_index[True].lists_nothing,
              PROCEDURE: facts.procedure_index.lists_nothing, MEDICATION: facts.medication_index.lists_nothing,
              ALLERGY: facts.allergy_index.lists_nothing, LAB: not facts.labs,
              CONSENT: profile.can_consent is None, COMPLIANCE: profile.will_comply is None,
              LIFE_EXPECTANCY: profile.life_expectancy_months is None,
              PERFORMANCE: profile.ecog is None and profile.karnofsky is None,
              TRIAL_PARTICIPATION: profile.in_other_trial is None and profile.last_trial_participation is None}
    mask = 0
    for kind, quiet in unsaid.items():
        if quiet and not any(question.startswith(QUESTIONS[kind]) for question in facts.answers):
            mask |= kind
    return mask
