"""What every form in the process shares when it reads a person's answers."""

from __future__ import annotations

import re

UNREADABLE = "We could not read this answer. Please give it again."
# Characters of one answer read at most; Teams messages are far smaller than this.
MAX_READ = 100_000

_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\v\f]")
_BLANKS = re.compile(r"\s+")
# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F) but tab and
# line feed, and the surrogates (Cs). One regex pass, not a category lookup per character.
_DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Normalise line breaks, drop control characters and surrogates, strip the ends.

    Single-line answers have every run of white space folded to one space.
    """
    text = _LINE_BREAKS.sub("\n", text[:MAX_READ])
    text = _DROPPED.sub("", text)
    if multiline:
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return _BLANKS.sub(" ", text).strip()


def too_long(limit: int, length: int) -> str:
    """The message for an answer over its limit."""
    return f"Keep this under {limit:,} characters (it is {length:,})."
