"""The National Panel's answer to a Rapid Review, and reopening the panel to reconsider.

Both documents: the National Panel "may recommend a local panel reconsider their view"; it
may ask for further information, or take the case forward as a national review. Stockport:
"reconsider on new information and report to the National Panel". Nothing here reads the
clock; `check_answer` and `check_reopen` never raise on what a card sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from review.answers import UNREADABLE, clean_text, too_long
from review.referral import format_date, parse_iso_date

__all__ = [
    "ANSWERS",
    "DETAIL_MAX",
    "REOPEN_WHY",
    "Answer",
    "Reopening",
    "check_answer",
    "check_reopen",
]

ANSWERS: dict[str, str] = {
    "agrees": "Agrees with the local decision",
    "further_information": "Asks for further information",
    "national_review": "Will carry out a national review",
    "reconsider": "Asks the partnership to reconsider",
}
"""The National Panel's answers, in the card's order."""

REOPEN_WHY: dict[str, str] = {
    "reconsider": "The National Panel asked the partnership to reconsider",
    "new_information": "New information came to light",
}
"""Why a sealed decision is reopened (the words the panel card shows)."""

DETAIL_MAX = 2000


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer as checked: what, on which day, and (further information) what and by when."""

    answer: str
    answered_on: date
    asks: str | None = None
    asks_by: date | None = None


@dataclass(frozen=True, slots=True)
class Reopening:
    """Why the panel reopens, and what the manager wrote about it."""

    why: str
    detail: str | None


def _day(raw: Mapping[str, object], key: str, missing: str, errors: dict[str, str]) -> date | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        errors[key] = UNREADABLE
        return None
    day = parse_iso_date(value)
    if day is None:
        errors[key] = missing
    return day


def _text(raw: Mapping[str, object], key: str, errors: dict[str, str]) -> str:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        errors[key] = UNREADABLE
        return ""
    text = clean_text(value or "")
    if len(text) > DETAIL_MAX:
        errors[key] = too_long(DETAIL_MAX, len(text))
    return text


def check_answer(
    raw: Mapping[str, object], *, today: date, notified_on: date
) -> tuple[Answer | None, dict[str, str]]:
    """(the answer, {}) or (None, errors keyed by input id)."""
    errors: dict[str, str] = {}
    answer = raw.get("answer")
    if not isinstance(answer, str) or answer not in ANSWERS:
        errors["answer"] = "Choose the National Panel's answer."
    day = _day(raw, "answered_on", "Pick the date of the National Panel's answer.", errors)
    if day is not None and day > today:
        errors["answered_on"] = "The answer's date cannot be in the future."
    elif day is not None and day < notified_on:
        errors["answered_on"] = (
            f"The answer cannot be before the National Panel was notified "
            f"({format_date(notified_on)})."
        )
    asks, asks_by = None, None
    if answer == "further_information":
        asks = _text(raw, "asks", errors) or None
        if asks is None and "asks" not in errors:
            errors["asks"] = "Say what the National Panel asks for, and from whom."
        asks_by = _day(raw, "asks_by", "Pick the date it is asked for by.", errors)
        if asks_by is not None and day is not None and asks_by < day:
            errors["asks_by"] = "The date it is asked for by cannot be before the answer."
    if errors or day is None or not isinstance(answer, str):
        return None, errors
    return Answer(answer, day, asks, asks_by), {}


def check_reopen(raw: Mapping[str, object]) -> tuple[Reopening | None, dict[str, str]]:
    """Why the panel reopens (new information needs a word on what it is)."""
    errors: dict[str, str] = {}
    why = raw.get("why")
    if not isinstance(why, str) or why not in REOPEN_WHY:
        errors["why"] = "Choose why the panel is reopened."
    detail = _text(raw, "detail", errors) or None
    if why == "new_information" and detail is None and "detail" not in errors:
        errors["detail"] = "Say what the new information is (the panel reads it in 1:1 only)."
    if errors or not isinstance(why, str):
        return None, errors
    return Reopening(why, detail), {}
