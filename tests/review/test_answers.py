"""clean_text: what is dropped from every answer is exactly Unicode's control characters
(but tab and line feed) and the surrogates."""

from __future__ import annotations

import sys
import unicodedata

from review.answers import _LINE_BREAKS, clean_text


def _by_category(text: str) -> str:
    """The rule read straight from the Unicode database, one character at a time."""
    text = _LINE_BREAKS.sub("\n", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))


def test_every_code_point_is_kept_or_dropped_by_its_category() -> None:
    step = 30_000  # three characters each: under MAX_READ
    for start in range(0, sys.maxunicode + 1, step):
        # Each code point between two letters, so stripping line ends never reaches it.
        text = "".join(f"x{chr(c)}y" for c in range(start, min(start + step, sys.maxunicode + 1)))
        assert clean_text(text) == _by_category(text), hex(start)


def test_line_breaks_and_blanks() -> None:
    assert clean_text("  one\r\ntwo \u2028three\x00\x85four\t \n") == "one\ntwo\nthree\nfour"
    assert clean_text(" one\r\n two\x07\tthree ", multiline=False) == "one two three"
