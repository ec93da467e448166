"""The Rapid Review meeting: the window from each profile (crossing bank holidays), the plain
reasons a proposed time is refused, and the invitation parsed back with icalendar.

Every person is fictional; the addresses use example domains.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from review.calendar import LONDON, WorkingCalendar
from review.meeting import check_meeting_time, meeting_ics, meeting_summary, meeting_window
from review.profiles import PROFILES_DIR, Profile, load_profile
from review.timeline import calendar_for

STOCKPORT = load_profile("stockport")
HALTON = load_profile("halton")
DECIDED = date(2026, 11, 24)  # Tuesday
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _check(
    proposed: datetime,
    profile: Profile = STOCKPORT,
    decided: date = DECIDED,
    now: datetime = NOW,
    **kwargs: bool,
) -> str | None:
    return check_meeting_time(
        proposed,
        decided_on=decided,
        calendar=calendar_for(profile),
        profile=profile,
        now=now,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("profile", "decided", "window"),
    [
        (STOCKPORT, date(2026, 11, 24), (date(2026, 12, 3), date(2026, 12, 11))),
        # Christmas 2026: 25 Dec (Fri), 28 Dec (Boxing Day substitute), 1 Jan 2027.
        (STOCKPORT, date(2026, 12, 18), (date(2026, 12, 31), date(2027, 1, 11))),
        (STOCKPORT, date(2026, 12, 24), (date(2027, 1, 7), date(2027, 1, 15))),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
        (STOCKPORT, date(2027, 3, 24), (date(2027, 4, 6), date(2027, 4, 14))),
        # Halton: "within 13 working days": from the next working day.
        (HALTON, date(2026, 11, 24), (date(2026, 11, 25), date(2026, 12, 11))),
        (HALTON, date(2026, 12, 24), (date(2026, 12, 29), date(2027, 1, 15))),
    ],
)
def test_window(profile: Profile, decided: date, window: tuple[date, date]) -> None:
    assert meeting_window(decided, calendar=calendar_for(profile), profile=profile) == window


def test_the_window_comes_from_the_profile(tmp_path: Path) -> None:
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    old = "offset = { earliest_working_days_after = 7, latest_working_days_after = 13 }"
    assert old in text
    path = tmp_path / "northdale.toml"
    path.write_text(
        text.replace(
            old, "offset = { earliest_working_days_after = 3, latest_working_days_after = 5 }"
        ),
        encoding="utf-8",
    )
    profile = load_profile(path)
    window = meeting_window(DECIDED, calendar=WorkingCalendar(), profile=profile)
    assert window == (date(2026, 11, 27), date(2026, 12, 1))
    reason = _check(_at(date(2026, 12, 2)), profile)
    assert reason is not None and "between 3 and 5 working days" in reason


def test_closures_count() -> None:
    calendar = WorkingCalendar([date(2026, 12, 3)])
    first, _ = meeting_window(DECIDED, calendar=calendar, profile=STOCKPORT)
    assert first == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("proposed", "reason"),
    [
        (_at(date(2026, 12, 3)), None),
        (_at(date(2026, 12, 11), 16), None),
        (_at(date(2026, 12, 5)), "Sat 5 Dec 2026 is not a working day"),
        (_at(date(2026, 12, 25)), "Fri 25 Dec 2026 is not a working day"),
        (
            _at(date(2026, 12, 2)),
            "Wed 2 Dec 2026 is too early. Stockport holds the meeting between 7 and 13 working "
            "days after the panel decision: between Thu 3 Dec and Fri 11 Dec 2026",
        ),
        (
            _at(date(2026, 12, 14)),
            "Mon 14 Dec 2026 is too late. Stockport holds the meeting between 7 and 13 working "
            "days after the panel decision: between Thu 3 Dec and Fri 11 Dec 2026",
        ),
        (
            datetime(2026, 11, 24, 14, 59, tzinfo=UTC),
            "14:59 on Tue 24 Nov 2026 has already passed. Choose a time in the future.",
        ),
    ],
)
def test_stockport_reasons(proposed: datetime, reason: str | None) -> None:
    assert _check(proposed) == reason


def test_halton_reasons() -> None:
    assert _check(_at(date(2026, 11, 25)), HALTON) is None
    assert _check(_at(date(2026, 12, 14)), HALTON) == (
        "Mon 14 Dec 2026 is too late. Halton holds the meeting within 13 working days of the "
        "panel decision: by Fri 11 Dec 2026"
    )
    early = _check(_at(DECIDED, 17), HALTON)
    assert early is not None and early.startswith("Tue 24 Nov 2026 is too early")


def test_a_late_meeting_can_be_allowed() -> None:
    assert _check(_at(date(2026, 12, 14)), allow_late=True) is None
    assert _check(_at(date(2026, 12, 2)), allow_late=True) is not None


def test_london_date_not_utc_date() -> None:
    # 23:30 UTC on Thu 2 Jul 2026 is 00:30 on Fri 3 Jul in London (BST).
    summer_decided = date(2026, 6, 22)
    late = datetime(2026, 7, 2, 23, 30, tzinfo=UTC)
    window = meeting_window(summer_decided, calendar=calendar_for(STOCKPORT), profile=STOCKPORT)
    assert window == (date(2026, 7, 1), date(2026, 7, 9))
    assert _check(late, decided=summer_decided, now=datetime(2026, 6, 22, tzinfo=UTC)) is None
    saturday = datetime(2026, 7, 3, 23, 30, tzinfo=UTC)  # 00:30 Sat 4 Jul in London
    reason = _check(saturday, decided=summer_decided, now=datetime(2026, 6, 22, tzinfo=UTC))
    assert reason == "Sat 4 Jul 2026 is not a working day"


def test_naive_times_are_refused() -> None:
    with pytest.raises((ValueError, TypeError)):
        _check(datetime(2026, 12, 3, 10))  # noqa: DTZ001


# --- the invitation -------------------------------------------------------------------------

ATTENDEES = (
    ("Pat Constable", "pat.constable@northdale.example"),
    ("Robin Sample", "robin@northdale.example"),
)
CHILD_MARKERS = ("date_of_birth", "MARKER-CHILD", "2019-03-14", "Female", "disability", "papers")


def _ics(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "uid": "meeting-42@rapid-review.example",
        "reference": "SSCP-2026-0001",
        "start": datetime(2026, 12, 10, 10, 0, tzinfo=UTC),
        "duration_minutes": 90,
        "location": "Room 2, Town Hall; Teams link to follow",
        "organiser_email": "jo.sample@northdale.example",
        "attendees": ATTENDEES,
        "now": NOW,
    }
    arguments.update(overrides)
    return meeting_ics(**arguments)  # type: ignore[arg-type]


def test_invitation_fields() -> None:
    cal = Calendar.from_ical(_ics())
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == "meeting-42@rapid-review.example"
    assert str(event["SUMMARY"]) == "Rapid Review meeting — SSCP-2026-0001"
    assert str(event["SUMMARY"]) == meeting_summary("SSCP-2026-0001")
    assert str(event["LOCATION"]) == "Room 2, Town Hall; Teams link to follow"
    assert event["DTSTAMP"].dt == NOW
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == "Europe/London" and end.params["TZID"] == "Europe/London"
    assert start.dt == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert end.dt - start.dt == timedelta(minutes=90)
    assert str(event["ORGANIZER"]) == "mailto:jo.sample@northdale.example"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [f"mailto:{email}" for _, email in ATTENDEES]
    assert [a.params["CN"] for a in attendees] == [name for name, _ in ATTENDEES]
    assert all(a.params["RSVP"] == "TRUE" for a in attendees)


def test_a_rebooking_raises_the_sequence_and_a_cancellation_keeps_the_uid() -> None:
    first = Calendar.from_ical(_ics()).walk("VEVENT")[0]
    moved = Calendar.from_ical(_ics(sequence=2)).walk("VEVENT")[0]
    assert int(first["SEQUENCE"]) == 0 and int(moved["SEQUENCE"]) == 2
    cancelled = Calendar.from_ical(_ics(sequence=3, cancel=True, attendees=ATTENDEES[:1]))
    assert str(cancelled["METHOD"]) == "CANCEL"
    event = cancelled.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == str(first["UID"])
    assert [str(a) for a in [event["ATTENDEE"]]] == ["mailto:pat.constable@northdale.example"]


def test_invitation_has_the_london_time_zone_in_summer_too() -> None:
    text = _ics(start=datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    cal = Calendar.from_ical(text)
    timezones = cal.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/London"]
    event = cal.walk("VEVENT")[0]
    assert b"DTSTART;TZID=Europe/London:20260702T100000" in text
    local = event["DTSTART"].dt
    assert local.utcoffset() == timedelta(hours=1)
    assert local.astimezone(ZoneInfo("UTC")) == datetime(2026, 7, 2, 9, 0, tzinfo=UTC)


def test_invitation_names_the_case_by_reference_only() -> None:
    text = _ics().decode("utf-8")
    for marker in CHILD_MARKERS:
        assert marker.lower() not in text.lower()


def test_attendees_listed_once_and_names_made_safe() -> None:
    cal = Calendar.from_ical(
        _ics(
            attendees=(
                ('Sam "The" Lead\r\nX-EVIL:1', "sam@northdale.example"),
                ("Sam again", "SAM@northdale.example"),
            )
        )
    )
    event = cal.walk("VEVENT")[0]
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:sam@northdale.example"
    assert attendee.params["CN"] == "Sam 'The' Lead X-EVIL:1"
    assert "X-EVIL" not in event


@pytest.mark.parametrize(
    "override",
    [
        {"start": datetime(2026, 12, 10, 10, 0)},  # noqa: DTZ001
        {"now": datetime(2026, 11, 24, 15, 0)},  # noqa: DTZ001
        {"duration_minutes": 10},
        {"duration_minutes": 481},
        {"organiser_email": "not an email"},
        {"attendees": (("Pat", "pat@northdale.example\r\nX-EVIL:1"),)},
        {"uid": " "},
    ],
)
def test_invitation_refuses_bad_arguments(override: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _ics(**override)
