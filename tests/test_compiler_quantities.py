"""Numbers as criteria write them: the NUMBER pattern's look-ahead is a speed-up only."""

from __future__ import annotations

import re

import pytest

from criteria_rules.quantities import _COMPOUND, _NUMBER_WORDS_READ, NUMBER, number_of

PLAIN_NUMBER = r"(?:\d+(?:[.,]\d+)*|" + _COMPOUND + "|" + "|".join(_NUMBER_WORDS_READ) + ")"
TEXTS = [
    "Within the last TWELVE months", "at least two weeks", "hormone therapy", "often, none, attention",
    "1,5 mg/dL or 100,000 /mm3", "Eighteen years or older; Sixty-five", "ſix ſeven", "no numbers here",
    "Ninety days after fourteen doses", "twenty-one", "ONE", "1.2.3",
]


@pytest.mark.parametrize("flags", [0, re.I])
def test_number_matches_what_the_words_alone_match(flags):
    fast, plain = re.compile(NUMBER, flags), re.compile(PLAIN_NUMBER, flags)
    for text in TEXTS:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert [m.group(0) for m in fast.finditer("two or Three")] == (["two", "Three"] if flags else ["two"])


def test_a_compound_number_word_is_one_number():
    # "sixty-five" was read as sixty: an upper age of 60 for "between eighteen and sixty-five"
    assert [m.group(0) for m in re.finditer(NUMBER, "between eighteen and sixty-five years")] == ["eighteen", "sixty-five"]
    assert number_of("sixty-five") == 65 and number_of("Twenty one") == 21 and number_of("forty") == 40
