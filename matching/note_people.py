"""The words a note uses for people other than the patient: one list for every reader.

``note_context`` turns them into ConText cues (a relative's disease is family history, a
spouse's is nobody's the patient's); ``note_diagnoses`` drops a diagnosis phrase its clause
gives to one of them. Plain data, no imports: both readers share it.

- ``RELATIVES``: blood relatives, whose diseases are the patient's family history;
- ``CHILDREN``: "child", "kids" are a relative only after a possessive ("her son" is clear,
  "a 6-year-old child with asthma" is the patient);
- ``OTHER_PEOPLE``: a spouse, a partner, a friend: their disease is neither the patient's
  nor family history in the genetic sense a trial means by "a close relative has ...".
"""

from __future__ import annotations

RELATIVES: tuple[str, ...] = tuple("""
mother mothers mom moms mum mums father fathers dad dads parent parents
sister sisters brother brothers sibling siblings twin son sons daughter daughters
grandmother grandmothers grandfather grandfathers grandparent grandparents grandma grandpa
grandson grandsons granddaughter granddaughters grandchild grandchildren
aunt aunts uncle uncles cousin cousins niece nieces nephew nephews
half-sister half-brother stepmother stepfather
""".split())
CHILDREN: tuple[str, ...] = ("child", "children", "kid", "kids", "baby", "infant", "newborn")
OTHER_PEOPLE: tuple[str, ...] = tuple("""
husband husbands wife wives spouse spouses partner partners boyfriend girlfriend fiance fiancee
friend friends roommate roommates coworker coworkers colleague colleagues neighbor neighbour
""".split())
POSSESSIVES: tuple[str, ...] = ("his", "her", "their")
# Words that name the patient again: a relative's clause has ended ("his mother had breast
# cancer; he has diabetes").
PATIENT_WORDS: tuple[str, ...] = ("he", "she", "him", "patient", "pt", "himself", "herself")
# The subject pronouns among them: after "her sister was told", "she" is the sister again.
PRONOUNS: tuple[str, ...] = ("he", "she", "they")
# A relative who reports, notices or brings the patient: what follows is the patient's
# ("brought in by his mother with fever", "mother reports a rash", "her father tells us she
# fainted"). Verbs of telling, noticing and worrying, in every inflection (``inflections``).
_RELAYING_BASES = """
report state say tell note notice describe bring observe feel think worry complain mention
explain relate recount recall remember believe add endorse express confirm reveal provide
hear witness ask fear suspect wonder
""".split()
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "say": ("said",), "tell": ("told",), "bring": ("brought",), "feel": ("felt",),
    "think": ("thought",), "hear": ("heard",),
}
# "was told", "is noted": a passive verb says something about the relative
# ("her sister was told she had lupus"), so it relays nothing.
PASSIVE_BEFORE: tuple[str, ...] = ("was", "were", "is", "are", "been", "be", "being", "get", "got")


def inflections(base: str) -> tuple[str, ...]:
    """A regular verb's forms ("report" -> reports, reported, reporting) and any irregular
    ones from ``_IRREGULAR``; good enough for a closed list, not a general stemmer."""
    if base.endswith("y") and base[-2:-1] not in ("a", "e", "o", "u"):
        third, past, stem = f"{base[:-1]}ies", f"{base[:-1]}ied", base
    else:
        third = f"{base}es" if base.endswith(("s", "sh", "ch", "x")) else f"{base}s"
        stem = base[:-1] if base.endswith("e") else base
        past = f"{stem}ed"
    irregular = _IRREGULAR.get(base)
    return tuple(sorted({base, third, f"{stem}ing", *(irregular or (past,))}))


RELAYING_VERBS: tuple[str, ...] = tuple(sorted({f for b in _RELAYING_BASES for f in inflections(b)}
                                              | {"concerned", "worried"}))
# Words before a relative noun that make it the patient ("a 30-year-old mother of two",
# "single mother").
PATIENT_AS_RELATIVE_BEFORE: tuple[str, ...] = ("old", "single", "new", "young", "expectant",
                                               "first-time", "working", "is", "as")
