"""Make raw eligibility text safe to outline without moving any character: HTML tags and
entities and control characters become spaces (block tags become a newline), so spans
computed on the cleaned text are also spans in the original."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]{0,500}>|<!--.*?-->", re.S)
_BLOCK_TAGS = frozenset("p br li ul ol div tr table h1 h2 h3 h4 h5 h6 dt dd section".split())
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,5});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_LOOKS_HTML = re.compile(r"</?(?:p|br|li|ul|ol|div|span|b|i|strong|em|table|tr|td|h\d)\b[^<>]*>", re.I)


def _tag_replacement(m: re.Match) -> str:
    length = len(m.group(0))
    name = (m.group(2) or "").lower()
    if name in _BLOCK_TAGS:
        return "\n" + " " * (length - 1)
    return " " * length


def _entity_replacement(m: re.Match) -> str:
    char = html.unescape(m.group(0))
    if len(char) != 1:
        char = " "
    return char + " " * (len(m.group(0)) - 1)


def clean_text(text: str | None) -> tuple[str, list[str]]:
    """(cleaned text of the same length, warnings)."""
    if not text:
        return "", []
    warnings: list[str] = []
    cleaned = text.replace("\r\n", " \n").replace("\r", "\n")
    if _LOOKS_HTML.search(cleaned):
        cleaned = _TAG.sub(_tag_replacement, cleaned)
        cleaned = _ENTITY.sub(_entity_replacement, cleaned)
        warnings.append("HTML markup removed")
    elif _ENTITY.search(cleaned):
        cleaned = _ENTITY.sub(_entity_replacement, cleaned)
    if _CONTROL.search(cleaned):
        cleaned = _CONTROL.sub(" ", cleaned)
        warnings.append("control characters removed")
    return cleaned, warnings


_ASCII_LETTER = re.compile(r"[A-Za-z]")
_LOWER_WORD = re.compile(r"[a-z]+")


def looks_english(text: str) -> bool:
    """Cheap script check: most letters are Latin and, in longer texts, common English
    words occur."""
    if text.isascii():  # the common case, without a pass over every character
        if not _ASCII_LETTER.search(text):
            return False
    else:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return False
        latin = sum(1 for c in letters if c.isascii())
        if latin / len(letters) < 0.6:
            return False
    words = _LOWER_WORD.findall(text.lower())
    if len(words) < 15:
        return True
    common = sum(1 for w in words if w in _COMMON)
    return common / len(words) > 0.05


_COMMON = frozenset(
    "the of and or with to in for be a an is are who have has not no at by on from patients patient subjects "
    "history age years must any other than prior within".split()
)
