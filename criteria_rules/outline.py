"""Eligibility text -> sections and items (with character spans and nesting).

Handles the shapes ClinicalTrials.gov text comes in: markdown bullets and numbering with
indentation, nested lists, "lost bullets" (one criterion per line or paragraph), old NCI
layouts (DISEASE CHARACTERISTICS / PATIENT CHARACTERISTICS / PRIOR CONCURRENT THERAPY,
with short sub-headers such as "Hepatic"), texts with no headers, and whole criteria
sections flattened into one paragraph ("Inclusion Criteria: -Patients ... Exclusion
Criteria: - Patients ..."). Group lead-ins ("meeting 1 of the following:") become parents
whose children combine by any / all.

Spans are offsets into the text given to ``build_outline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["inclusion", "exclusion"]

# --- line level patterns -------------------------------------------------------------

_MARKER = re.compile(
    r"""^(?P<marker>
        [-–—*•·▪◦●○■□➢►+]\s*(?=\S)          # bullets (the text may follow without a space)
      | \(?\d{1,2}[.)](?!\d)\s*(?=\S)         # 1.  1)  (1)
      | \(\d{1,2}\)\s*(?=\S)
      | \(?[a-hA-H][.)]\s+(?=\S)               # a)  b.  (c)
      | \([ivxIVX]{1,4}\)\s*                   # (i) (ii)
      | [ivx]{1,4}[.)]\s+(?=\S)                # i.  ii)
    )""",
    re.VERBOSE,
)

_SECTION_WORDS = (
    r"(?:key\s+|main\s+|major\s+|general\s+|specific\s+|additional\s+|other\s+|principal\s+)?"
)
_INCLUSION_HEADER = re.compile(
    _SECTION_WORDS
    + r"(?:inclusion|eligibility|eligible|including|enrollment|entry)\s*(?:criteria|criterion|requirements?)?"
    r"\b[^:\n.]{0,60}?:|" + _SECTION_WORDS + r"inclusion\s+criteria\b[^:\n]{0,60}?$",
    re.IGNORECASE,
)
_EXCLUSION_HEADER = re.compile(
    _SECTION_WORDS
    + r"(?:exclusion|exclusionary|non[- ]?inclusion|ineligibility|excluding)\s*(?:criteria|criterion)?"
    r"\b[^:\n.]{0,60}?:|" + _SECTION_WORDS + r"exclusion\s+criteria\b[^:\n]{0,60}?$",
    re.IGNORECASE,
)
# "Donor-Inclusion Criteria", "Patient exclusion criteria:": the criteria of one population.
_POPULATION_HEADER = re.compile(
    r"(?:donors?|recipients?|subjects?|patients?|participants?|(?:healthy\s+)?volunteers?|controls?|mothers?|"
    r"infants?|children|adults?|p(?:a)?ediatric)\s*[-–/]?\s*(?P<kind>inclusion|exclusion)\s+criteria\b[^:\n.]{0,60}?:?",
    re.IGNORECASE,
)
_NCI_HEADER = re.compile(
    r"(?:DISEASE CHARACTERISTICS|PATIENT CHARACTERISTICS|PRIOR\s*/?\s*CONCURRENT THERAPY"
    r"|PRIOR CONCURRENT THERAPY)\s*:?",
    re.IGNORECASE,
)
# Headers can also start in the middle of a line (flattened texts).
_HEADER_ANYWHERE = re.compile(
    r"(?<![\w-])(?:"
    + _SECTION_WORDS
    + r"(?:inclusion|exclusion|non[- ]?inclusion)\s+criteri(?:a|on)\b[^:\n.]{0,50}?:"
    r"|(?:DISEASE CHARACTERISTICS|PATIENT CHARACTERISTICS|PRIOR\s*/?\s*CONCURRENT THERAPY):)",
    re.IGNORECASE,
)
# Sub-headers of the NCI layout, written without a colon on a line of their own.
_NCI_SUBHEADER_SET = frozenset(
    s.strip()
    for s in (
        "age", "sex", "menopausal status", "performance status", "life expectancy",
        "hematopoietic", "hematologic", "hepatic", "renal", "cardiovascular", "pulmonary",
        "other", "biologic therapy", "chemotherapy", "endocrine therapy", "radiotherapy",
        "surgery", "neurologic", "immunologic", "gastrointestinal", "cardiac", "metabolic",
    )
)
_FILLER_ITEM = re.compile(
    r"^(?:not specified|none|n/?a|see disease characteristics|no restrictions?|unspecified)\.?$",
    re.IGNORECASE,
)
_GROUP_ANY = re.compile(
    r"\b(?:(?:at least|any)\s+(?:one|1|two|2)\b|one or more|1 or more|one of|1 of|either|any of|"
    r"(?:one|1|two|2)\s+of\s+the\s+following)",
    re.IGNORECASE,
)
_GROUP_ALL = re.compile(r"\b(?:all|each|both)\s+(?:of\s+)?(?:the\s+)?following\b", re.IGNORECASE)
_LEAD_IN = re.compile(r"(?:following|below|criteria|these|:)\s*[^\w]*$", re.IGNORECASE)
_ROMAN_MARKER = re.compile(r"^\(?[ivxIVX]+[.)]")
_FOLLOWING_AT_END = re.compile(r"following\W*$")
_SENTENCE_END = re.compile(r"[.;:!?]\W*$")
# An item that names its subject and says what is required of them ("Subjects should be
# willing to ...", "Subject has been counseled ...", "Patients must have ...") is a criterion
# of its own: the alternatives or parts a lead-in announces ("one of the following
# criteria:") are conditions or findings, not sentences about the subject. Without list
# markers such an item is where a lead-in's list ends.
_STANDS_ALONE = re.compile(
    r"^\W*(?:the\s+|all\s+|each\s+)?(?:subjects?|patients?|participants?|volunteers?|individuals?|"
    r"candidates?|women|men)\s+"
    r"(?:must|should|shall|will|may|need\s+to|needs\s+to|has|have|is|are|agrees?|agreed)\b",
    re.IGNORECASE,
)
_MARKER_ONLY = re.compile(r"^\s*(?:[-–—*•·▪◦●○■□➢►>+]|\(?[0-9a-zA-Z]{1,3}[.)]|\(\d{1,2}\))?\s*$")
# Inline list markers inside a flattened paragraph.
_INLINE_BULLET = re.compile(r"(?<=\S)\s+[-–•*]\s*(?=[A-Z(\d≥≤<>])")
_INLINE_PAREN_NUMBER = re.compile(r"(?<=[\s;:,.])\(\d{1,2}\)\s*|(?<=[;:.]\s)\d{1,2}\)\s*")


@dataclass
class Item:
    text: str  # whitespace-collapsed
    start: int
    end: int
    kind: Kind
    outline: list[str]  # section header and sub-headers above the item
    indent: int = 0
    marker_type: str = ""
    children: list["Item"] = field(default_factory=list)
    combine: Literal["all", "any"] | None = None
    is_group: bool = False
    section: int = 0  # inclusion sections seen so far: a repeated one is another population


@dataclass
class Outline:
    items: list[Item]
    has_headers: bool
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Segment:
    start: int  # offset of the first content character
    end: int
    indent: int
    marker_type: str  # "" when the line has no list marker
    blank_before: bool


def _marker_type(marker: str) -> str:
    m = marker.strip()
    if m[:1].isdigit() or m[1:2].isdigit():
        return "number"
    if _ROMAN_MARKER.match(m):
        return "roman"
    if m[:1].isalpha() or (m[:1] == "(" and m[1:2].isalpha()):
        return "letter"
    return "bullet:" + m[:1]


def _split_inline(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one physical line into pieces at inline headers and inline list markers."""
    cuts = {start, end}
    line = text[start:end]
    if ":" in line:  # (every inline header ends with a colon: most lines are not scanned)
        for m in _HEADER_ANYWHERE.finditer(line):
            cuts.add(start + m.start())
            cuts.add(start + m.end())
    pieces = sorted(cuts)
    result: list[tuple[int, int]] = []
    for a, b in zip(pieces, pieces[1:]):
        piece = text[a:b]
        sub = [a]
        bullets = list(_INLINE_BULLET.finditer(piece))
        if len(bullets) >= 2 or (bullets and _MARKER.match(piece.lstrip())):
            sub += [a + m.start() + (len(m.group()) - len(m.group().lstrip())) for m in bullets]
        numbers = list(_INLINE_PAREN_NUMBER.finditer(piece)) if ")" in piece else []
        if len(numbers) >= 2:
            sub += [a + m.start() for m in numbers]
        sub = sorted(set(sub)) + [b]
        result += [(x, y) for x, y in zip(sub, sub[1:]) if not _MARKER_ONLY.match(text[x:y])]
    return result


def _segments(text: str) -> list[_Segment]:
    segments: list[_Segment] = []
    blank = True
    pos = 0
    for raw_line in text.splitlines(keepends=True):
        line_start, line_end = pos, pos + len(raw_line.rstrip("\r\n"))
        pos += len(raw_line)
        if not text[line_start:line_end].strip():
            blank = True
            continue
        for a, b in _split_inline(text, line_start, line_end):
            piece = text[a:b]
            stripped = piece.lstrip()
            # indentation counts only for the physical line's first piece
            indent = len(piece) - len(stripped) if a == line_start else 99
            content_start = a + len(piece) - len(stripped)
            marker = _MARKER.match(stripped)
            marker_type = ""
            if marker:
                marker_type = _marker_type(marker.group("marker"))
                content_start += marker.end()
            content_end = b - (len(piece) - len(piece.rstrip()))
            if content_end <= content_start:
                continue
            segments.append(_Segment(content_start, content_end, indent, marker_type, blank))
            blank = False
    return segments


def _header_kind(content: str) -> tuple[Kind, bool] | None:
    """(kind, is_nci) when a line is a section header."""
    c = content.strip()
    if len(c) > 120:
        return None
    if _NCI_HEADER.fullmatch(c):
        return "inclusion", True
    if _EXCLUSION_HEADER.fullmatch(c) or _EXCLUSION_HEADER.match(c) and c.endswith(":"):
        return "exclusion", False
    if _INCLUSION_HEADER.fullmatch(c) or _INCLUSION_HEADER.match(c) and c.endswith(":"):
        return "inclusion", False
    population = _POPULATION_HEADER.fullmatch(c)
    if population:
        return population.group("kind").lower(), False
    return None


def _is_subheader(content: str, nci: bool) -> bool:
    c = content.strip().rstrip(":").strip().lower()
    if nci and c in _NCI_SUBHEADER_SET:
        return True
    words = c.split()
    return (
        content.strip().endswith(":")
        and 0 < len(words) <= 5
        and not _GROUP_ANY.search(c)
        and not _GROUP_ALL.search(c)
        and "following" not in c
        and not any(ch.isdigit() for ch in c)
    )


def _group_combine(content: str) -> Literal["all", "any"] | None:
    if not content.rstrip().endswith(":") and not _FOLLOWING_AT_END.search(content):
        return None
    if _GROUP_ANY.search(content):
        return "any"
    if _GROUP_ALL.search(content) or _LEAD_IN.search(content):
        return "all"
    return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def build_outline(text: str) -> Outline:
    segments = _segments(text)
    items: list[Item] = []
    warnings: list[str] = []
    kind: Kind = "inclusion"
    section: list[str] = []
    subheader: list[str] = []
    nci = False
    has_headers = False
    section_no = 0
    section_has_markers = False
    stack: list[Item] = []  # open items, outermost first
    open_lost_group: Item | None = None  # a lead-in without markers collecting its paragraph
    last: Item | None = None
    last_segment_end = 0

    def attach(item: Item, parent: Item | None) -> None:
        if parent is None:
            items.append(item)
        else:
            parent.children.append(item)

    for seg in segments:
        content = text[seg.start : seg.end]
        header = _header_kind(content)
        if header is not None and not (seg.marker_type and len(content) > 60):
            kind, nci = header
            has_headers = True
            if kind == "inclusion" and not nci:
                section_no += 1
            section = [_collapse(content).rstrip(":")]
            subheader = []
            stack, last, open_lost_group = [], None, None
            section_has_markers = False
            continue
        if _is_subheader(content, nci) and not seg.marker_type:
            subheader = [_collapse(content).rstrip(":")]
            stack, last, open_lost_group = [], None, None
            continue
        if _FILLER_ITEM.match(content.strip()):
            continue
        gap_text = text[last_segment_end : seg.start] if last is not None else ""
        continues = (
            last is not None
            and not seg.marker_type
            and not seg.blank_before
            and seg.indent != 99
            and (
                section_has_markers
                or (not _SENTENCE_END.search(text[last.start : last.end]) and content[:1].islower())
            )
            and "\n" in gap_text
        )
        last_segment_end = seg.end
        if continues and last is not None:
            last.end = seg.end
            last.text = _collapse(text[last.start : last.end])
            last.combine = _group_combine(last.text) if last.is_group or last.children == [] else last.combine
            last.is_group = last.combine is not None
            continue
        if seg.marker_type:
            section_has_markers = True
        item = Item(
            text=_collapse(content),
            start=seg.start,
            end=seg.end,
            kind=kind,
            outline=section + subheader,
            indent=seg.indent,
            marker_type=seg.marker_type,
            section=section_no,
        )
        item.combine = _group_combine(item.text)
        item.is_group = item.combine is not None

        parent: Item | None = None
        if seg.marker_type:
            open_lost_group = None
            while stack:
                top = stack[-1]
                nested_deeper = seg.indent != 99 and seg.indent > top.indent
                under_group = top.is_group and top.marker_type != seg.marker_type
                if nested_deeper or under_group:
                    break
                stack.pop()
            parent = stack[-1] if stack else None
            stack.append(item)
        else:
            if open_lost_group is not None and open_lost_group.children and (
                    seg.blank_before or _STANDS_ALONE.match(content) or item.is_group):
                # the lead-in's list ends at a blank line, at an item that stands alone, or at
                # another lead-in (without markers a list cannot show one nested in another)
                open_lost_group = None
            parent = open_lost_group
            if parent is None:
                stack = [item]
        if parent is not None:
            item.outline = parent.outline + [parent.text]
        attach(item, parent)
        if item.is_group and not seg.marker_type:
            open_lost_group = item
        last = item

    if not has_headers and items:
        warnings.append("no inclusion/exclusion headers: items read as inclusion criteria")
    _finish_groups(items)
    return Outline(items=items, has_headers=has_headers, warnings=warnings)


def _finish_groups(items: list[Item]) -> None:
    """A parent with children and no explicit wording combines them with all."""
    for item in items:
        if item.children:
            if item.combine is None:
                item.combine = "all"
            _finish_groups(item.children)
        else:
            # a lead-in without children is an ordinary criterion
            item.combine = None
            item.is_group = False
