"""The learning review pathway's checks (Stockport: "the SSCP Partnership Manager will submit
the case to the PIP to agree a process for the learning"; Halton: "the methodology and scope
for this will be discussed and agreed at the next HCYPSP Executive Group Meeting").

Each returns (what was given, {}) or (None, errors by the card's input ids) and never raises
on what a card sends. Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from review.answers import UNREADABLE, clean_text, too_long
from review.referral import format_date, parse_iso_date

__all__ = ["LEAD_MAX", "SUMMARY_MAX", "Choice", "check_choice", "check_meeting", "check_summary"]

LEAD_MAX = 200
SUMMARY_MAX = 4000


@dataclass(frozen=True, slots=True)
class Choice:
    """The group's choice: the method, its lead, when it is due, and whether the group also
    decides on a local child safeguarding practice review (its own six-month clock)."""

    method: str
    lead: str
    due_on: date
    local_review: bool


def _day(raw: Mapping[str, object], key: str, missing: str, errors: dict[str, str]) -> date | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        errors[key] = UNREADABLE
        return None
    day = parse_iso_date(value)
    if day is None:
        errors[key] = missing
    return day


def check_meeting(
    raw: Mapping[str, object], *, decided_on: date
) -> tuple[date | None, dict[str, str]]:
    """The group's meeting date: a real date, not before the panel's decision."""
    errors: dict[str, str] = {}
    day = _day(raw, "meeting_on", "Pick the date of the group's meeting.", errors)
    if day is not None and day < decided_on:
        errors["meeting_on"] = (
            f"The meeting cannot be before the panel's decision ({format_date(decided_on)})."
        )
    return (None, errors) if errors else (day, {})


def check_choice(
    raw: Mapping[str, object], *, methods: Sequence[str], meeting_on: date
) -> tuple[Choice | None, dict[str, str]]:
    """The method (one of `methods`), a lead, a due date after the meeting."""
    errors: dict[str, str] = {}
    method = raw.get("method")
    if not isinstance(method, str) or method not in methods:
        errors["method"] = "Choose the method the group agreed."
    lead_raw = raw.get("lead")
    lead = clean_text(lead_raw, multiline=False) if isinstance(lead_raw, str) else ""
    if lead_raw is not None and not isinstance(lead_raw, str):
        errors["lead"] = UNREADABLE
    elif not lead:
        errors["lead"] = "Enter who leads the learning review."
    elif len(lead) > LEAD_MAX:
        errors["lead"] = too_long(LEAD_MAX, len(lead))
    due = _day(raw, "due_on", "Pick the date the learning review is due.", errors)
    if due is not None and due <= meeting_on:
        errors["due_on"] = f"The due date must be after the meeting ({format_date(meeting_on)})."
    local = str(raw.get("local_review") or "").strip().lower() == "true"
    if errors or due is None or not isinstance(method, str):
        return None, errors
    return Choice(method, lead, due, local), {}


def check_summary(raw: Mapping[str, object]) -> tuple[str | None, dict[str, str]]:
    """The learning summary that closes the case."""
    value = raw.get("summary")
    if value is not None and not isinstance(value, str):
        return None, {"summary": UNREADABLE}
    text = clean_text(value or "")
    if not text:
        return None, {"summary": "Write the learning the review found (it closes the case)."}
    if len(text) > SUMMARY_MAX:
        return None, {"summary": too_long(SUMMARY_MAX, len(text))}
    return text, {}
