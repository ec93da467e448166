"""The Rapid Review meeting: when it may be held, and the calendar invitation for it.

When the meeting may be held comes from the profile's ``rapid_review_meeting`` milestone,
counted from the London date of the virtual panel's decision on the working-day calendar:

- a window ``{ earliest_working_days_after = A, latest_working_days_after = B }`` (Stockport:
  "between 7 and 13 working days") allows the Ath to the Bth working day after the decision;
- a single offset such as ``{ working_days_after = N }`` (Halton: "within 13 working days")
  allows any working day after the decision up to the due date.

`check_meeting_time` says in plain words why a proposed time will not do, or None. It never
reads the clock: the caller passes ``now``.

`meeting_ics` builds the invitation (iCalendar, ``METHOD:REQUEST``) sent to the attendees.
It names the case by its reference only: nothing about the child is ever in it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from review.calendar import LONDON, WorkingCalendar, london_date
from review.profiles import (
    CalendarDaysAfter,
    MonthsAfter,
    Profile,
    WorkingDaysAfter,
    WorkingDayWindow,
)
from review.referral import format_date

__all__ = [
    "MAX_DURATION_MINUTES",
    "MEETING_MILESTONE",
    "MIN_DURATION_MINUTES",
    "PRODID",
    "check_meeting_time",
    "meeting_ics",
    "meeting_summary",
    "meeting_window",
]

MEETING_MILESTONE = "rapid_review_meeting"
"""The profile milestone that says when the meeting is held."""
MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 480
PRODID = "-//Rapid Review//Teams assistant//EN"

_EMAIL = re.compile(r"[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}")


def meeting_window(
    decided_on: date, *, calendar: WorkingCalendar, profile: Profile
) -> tuple[date, date]:
    """The first and last dates the meeting may be held on, from the profile's milestone."""
    milestone = profile.milestone(MEETING_MILESTONE)
    offset = milestone.offset
    if isinstance(offset, WorkingDayWindow):
        return calendar.working_day_window(decided_on, offset.earliest, offset.latest)
    earliest = calendar.add_working_days(decided_on, 1)
    if isinstance(offset, WorkingDaysAfter):
        return earliest, calendar.add_working_days(decided_on, offset.working_days)
    if isinstance(offset, CalendarDaysAfter):
        return earliest, max(earliest, calendar.add_calendar_days(decided_on, offset.days))
    if isinstance(offset, MonthsAfter):
        return earliest, max(earliest, calendar.add_months(decided_on, offset.months))
    raise ValueError(
        f"{profile.id}: milestone {MEETING_MILESTONE!r} must count forwards from the panel "
        f"decision, not {offset.describe()}"
    )


def _place_name(profile: Profile) -> str:
    """The partnership's place name for a sentence: "Stockport", "Halton"."""
    words = [w for w in profile.partnership.name.split() if w.lower() != "the"]
    return words[0] if words else profile.id.capitalize()


def _span(first: date, last: date) -> str:
    """ "between Wed 2 Dec and Fri 11 Dec 2026" (the year once when both share it)."""
    start = format_date(first)
    if first.year == last.year:
        start = start.rsplit(" ", 1)[0]
    return f"between {start} and {format_date(last)}"


def _rule(profile: Profile, first: date, last: date) -> str:
    """The profile's rule in words, with the dates it gives."""
    offset = profile.milestone(MEETING_MILESTONE).offset
    place = _place_name(profile)
    if isinstance(offset, WorkingDayWindow):
        return (
            f"{place} holds the meeting between {offset.earliest} and {offset.latest} working "
            f"days after the panel decision: {_span(first, last)}"
        )
    if isinstance(offset, WorkingDaysAfter):
        return (
            f"{place} holds the meeting within {offset.working_days} working days of the "
            f"panel decision: by {format_date(last)}"
        )
    return f"{place} holds the meeting {offset.describe()} the panel decision: {_span(first, last)}"


def check_meeting_time(
    proposed: datetime,
    *,
    decided_on: date,
    calendar: WorkingCalendar,
    profile: Profile,
    now: datetime,
    allow_late: bool = False,
) -> str | None:
    """None if the meeting may be held at ``proposed``, else the reason in plain words.

    ``allow_late`` accepts a date after the window (for a meeting that is already late).
    """
    day = london_date(proposed)
    if proposed <= now:
        when = f"{proposed.astimezone(LONDON):%H:%M} on {format_date(day)}"
        return f"{when} has already passed. Choose a time in the future."
    if not calendar.is_working_day(day):
        return f"{format_date(day)} is not a working day"
    first, last = meeting_window(decided_on, calendar=calendar, profile=profile)
    if day < first:
        if not isinstance(profile.milestone(MEETING_MILESTONE).offset, WorkingDayWindow):
            return (
                f"{format_date(day)} is too early: the meeting is held after the panel "
                f"decision of {format_date(decided_on)}, from {format_date(first)}"
            )
        return f"{format_date(day)} is too early. {_rule(profile, first, last)}"
    if day > last and not allow_late:
        return f"{format_date(day)} is too late. {_rule(profile, first, last)}"
    return None


def meeting_summary(reference: str) -> str:
    """The title of the meeting in calendars: the reference only, never the child."""
    return f"Rapid Review meeting — {reference}"


def _plain(text: str, limit: int) -> str:
    """One line of text with control characters and quotes removed (safe in a parameter)."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    return " ".join(text.replace('"', "'").split())[:limit]


def _line(text: str, limit: int) -> str:
    """One line of text with control characters removed."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    return " ".join(text.split())[:limit]


def _address(email: str, name: str | None, **params: str) -> vCalAddress:
    """A ``mailto:`` address with a display name; ValueError for something not an email."""
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise ValueError(f"not an email address: {email!r}")
    address = vCalAddress(f"mailto:{email}")
    if name is not None and _plain(name, 100):
        address.params["CN"] = _plain(name, 100)
    for key, value in params.items():
        address.params[key] = value
    return address


def meeting_ics(
    *,
    uid: str,
    reference: str,
    start: datetime,
    duration_minutes: int,
    location: str,
    organiser_email: str,
    attendees: Sequence[tuple[str, str]],
    now: datetime,
    sequence: int = 0,
    cancel: bool = False,
) -> bytes:
    """An iCalendar invitation (METHOD:REQUEST) to the meeting; attendees are (name, email).

    A rebooked meeting keeps its ``uid`` and raises ``sequence``, so calendars replace it.
    ``cancel`` makes it a cancellation (METHOD:CANCEL) for ``attendees``: the way to take
    people off the meeting, e.g. the lead of an agency that turned out not to be involved.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be a timezone-aware datetime")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValueError(
            f"duration_minutes must be {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES}, "
            f"not {duration_minutes}"
        )
    if not uid.strip() or not reference.strip():
        raise ValueError("uid and reference are required")
    local_start = start.astimezone(LONDON)
    local_end = (start + timedelta(minutes=duration_minutes)).astimezone(LONDON)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    cal.add_component(
        Timezone.from_tzid(
            "Europe/London",
            first_date=date(local_start.year - 1, 1, 1),
            last_date=date(local_end.year + 1, 12, 31),
        )
    )
    event = Event()
    event.add("uid", _plain(uid, 255))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    event.add("summary", meeting_summary(_plain(reference, 40)))
    event.add(
        "description",
        vText(
            f"Rapid Review meeting for case {_plain(reference, 40)}. "
            "Please do not forward this invitation."
        ),
    )
    event.add("location", _line(location, 200))
    event.add("class", "CONFIDENTIAL")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("sequence", max(0, int(sequence)))
    event.add("organizer", _address(organiser_email, None))
    seen: set[str] = set()
    for name, email in attendees:
        if email.strip().lower() in seen:
            continue
        seen.add(email.strip().lower())
        event.add(
            "attendee",
            _address(
                email,
                name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
                CUTYPE="INDIVIDUAL",
            ),
        )
    cal.add_component(event)
    ics: bytes = cal.to_ical()
    return ics
