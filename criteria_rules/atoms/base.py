"""Shared types for atom extractors."""

from __future__ import annotations

from dataclasses import dataclass, field

from criteria_rules.ir import AtomBase, Span


@dataclass(frozen=True)
class Mention:
    """A lexicon / terminology concept found in the criterion (character offsets)."""

    start: int
    end: int
    concept_id: str
    kind: str  # condition | procedure | drug | drug_class | analyte | other
    source: str


@dataclass
class Found:
    """An atom read from [start, end) of the criterion text."""

    start: int
    end: int
    atom: AtomBase
    negated: bool | None = None  # None: ConText decides
    covers: list[tuple[int, int]] = field(default_factory=list)  # other words it explains
    role: str = "expr"  # "expr" or "applies_if"
    # further atoms any of which holds in the atom's place: one phrase naming alternatives
    # ("both sexes" is female or male)
    either: tuple[AtomBase, ...] = ()


@dataclass
class CriterionContext:
    text: str  # the criterion's text, exactly as in the eligibility text
    offset: int  # where it starts in the eligibility text
    kind: str  # inclusion | exclusion
    outline: list[str]
    mentions: list[Mention]
    claimed: list[tuple[int, int]] = field(default_factory=list)  # spans already read

    def claim(self, start: int, end: int) -> None:
        self.claimed.append((start, end))

    def is_claimed(self, start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in self.claimed)

    def span(self, start: int, end: int) -> Span:
        return Span(start=self.offset + start, end=self.offset + end)

    def mentions_in(self, start: int, end: int, kinds: tuple[str, ...] | None = None) -> list[Mention]:
        return [
            m
            for m in self.mentions
            if m.start >= start and m.end <= end and (kinds is None or m.kind in kinds)
        ]


def make(ctx: CriterionContext, start: int, end: int, atom_cls, **fields) -> Found:
    """Build a Found with the atom's text and absolute span filled in."""
    atom = atom_cls(text=ctx.text[start:end], span=ctx.span(start, end), **fields)
    return Found(start, end, atom)
