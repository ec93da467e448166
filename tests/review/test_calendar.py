"""The working-day calendar: every expected date below was worked out by hand from a printed
calendar and GOV.UK's bank holiday list, never with the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.calendar import (
    LONDON,
    WorkingCalendar,
    england_bank_holidays,
    london_date,
    shift_months,
    supported_years,
)

D = date
CAL = WorkingCalendar()

# GOV.UK "UK bank holidays", England and Wales, 2022-2027, copied by hand (weekday dates
# only: GOV.UK lists the substitute day, not the weekend day it replaces).
GOV_UK_ENGLAND_AND_WALES = {
    2022: [
        D(2022, 1, 3),  # New Year's Day (substitute day)
        D(2022, 4, 15),  # Good Friday
        D(2022, 4, 18),  # Easter Monday
        D(2022, 5, 2),  # Early May bank holiday
        D(2022, 6, 2),  # Spring bank holiday (moved for the jubilee)
        D(2022, 6, 3),  # Platinum Jubilee bank holiday
        D(2022, 8, 29),  # Summer bank holiday
        D(2022, 9, 19),  # Bank Holiday for the State Funeral of Queen Elizabeth II
        D(2022, 12, 26),  # Boxing Day
        D(2022, 12, 27),  # Christmas Day (substitute day)
    ],
    2023: [
        D(2023, 1, 2),  # New Year's Day (substitute day)
        D(2023, 4, 7),  # Good Friday
        D(2023, 4, 10),  # Easter Monday
        D(2023, 5, 1),  # Early May bank holiday
        D(2023, 5, 8),  # Bank holiday for the coronation of King Charles III
        D(2023, 5, 29),  # Spring bank holiday
        D(2023, 8, 28),  # Summer bank holiday
        D(2023, 12, 25),  # Christmas Day
        D(2023, 12, 26),  # Boxing Day
    ],
    2024: [
        D(2024, 1, 1),
        D(2024, 3, 29),
        D(2024, 4, 1),
        D(2024, 5, 6),
        D(2024, 5, 27),
        D(2024, 8, 26),
        D(2024, 12, 25),
        D(2024, 12, 26),
    ],
    2025: [
        D(2025, 1, 1),
        D(2025, 4, 18),
        D(2025, 4, 21),
        D(2025, 5, 5),
        D(2025, 5, 26),
        D(2025, 8, 25),
        D(2025, 12, 25),
        D(2025, 12, 26),
    ],
    2026: [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),  # Boxing Day (substitute day)
    ],
    2027: [
        D(2027, 1, 1),
        D(2027, 3, 26),
        D(2027, 3, 29),
        D(2027, 5, 3),
        D(2027, 5, 31),
        D(2027, 8, 30),
        D(2027, 12, 27),  # Christmas Day (substitute day)
        D(2027, 12, 28),  # Boxing Day (substitute day)
    ],
}


# -- bank holiday data, checked against GOV.UK ------------------------------------------


@pytest.mark.parametrize("year", sorted(GOV_UK_ENGLAND_AND_WALES))
def test_bank_holidays_match_gov_uk(year: int) -> None:
    weekdays = {d for d in england_bank_holidays(year) if d.weekday() < 5}
    assert weekdays == set(GOV_UK_ENGLAND_AND_WALES[year])


@pytest.mark.parametrize(
    "day", [d for days in GOV_UK_ENGLAND_AND_WALES.values() for d in days], ids=str
)
def test_every_gov_uk_bank_holiday_is_not_a_working_day(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize("year", sorted(GOV_UK_ENGLAND_AND_WALES))
def test_working_days_per_year(year: int) -> None:
    all_days = [D(year, 1, 1) + timedelta(days=i) for i in range(366)]
    weekdays = sum(1 for d in all_days if d.year == year and d.weekday() < 5)
    expected = weekdays - len(GOV_UK_ENGLAND_AND_WALES[year])
    assert CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2022, 5, 30), True),  # the usual spring bank holiday date, moved in 2022
        (D(2022, 6, 1), True),
        (D(2022, 6, 2), False),  # jubilee
        (D(2022, 6, 3), False),  # jubilee
        (D(2022, 9, 19), False),  # state funeral
        (D(2022, 9, 20), True),
        (D(2022, 12, 27), False),  # Christmas substitute
        (D(2022, 12, 28), True),
        (D(2023, 1, 2), False),  # New Year substitute
        (D(2023, 5, 8), False),  # coronation
        (D(2023, 5, 9), True),
        (D(2026, 12, 24), True),  # Christmas Eve is a working day
        (D(2026, 12, 28), False),  # Boxing Day substitute
        (D(2026, 12, 29), True),
        (D(2026, 12, 31), True),  # New Year's Eve is a working day
        (D(2027, 3, 26), False),  # Good Friday
        (D(2027, 3, 29), False),  # Easter Monday
        (D(2027, 3, 30), True),
        (D(2027, 12, 29), True),
        (D(2026, 1, 3), False),  # Saturday
        (D(2026, 1, 4), False),  # Sunday
        (D(2026, 1, 5), True),  # Monday
        (D(2020, 5, 4), True),  # early May bank holiday moved to 8 May (VE Day) in 2020
        (D(2020, 5, 8), False),
    ],
    ids=str,
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


# -- London dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-24T16:05:00+00:00", D(2026, 12, 24)),
        ("2026-06-30T23:30:00+00:00", D(2026, 7, 1)),  # 00:30 BST on 1 July
        ("2026-06-30T22:59:59+00:00", D(2026, 6, 30)),  # 23:59:59 BST
        ("2026-06-30T23:30:00-05:00", D(2026, 7, 1)),
        ("2026-07-01T00:30:00+02:00", D(2026, 6, 30)),  # 23:30 BST on 30 June
        ("2026-12-31T23:59:00+00:00", D(2026, 12, 31)),  # GMT: no shift in winter
        ("2026-12-31T23:30:00-01:00", D(2027, 1, 1)),
        ("2027-01-01T05:00:00+05:30", D(2026, 12, 31)),
        # Spring forward: 01:00 UTC on Sunday 29 March 2026.
        ("2026-03-28T23:30:00+00:00", D(2026, 3, 28)),
        ("2026-03-29T00:30:00+00:00", D(2026, 3, 29)),
        ("2026-03-29T23:30:00+00:00", D(2026, 3, 30)),
        ("2026-03-30T22:59:00+00:00", D(2026, 3, 30)),
        ("2026-03-30T23:00:00+00:00", D(2026, 3, 31)),
        # Fall back: 01:00 UTC on Sunday 25 October 2026.
        ("2026-10-24T22:59:00+00:00", D(2026, 10, 24)),
        ("2026-10-24T23:30:00+00:00", D(2026, 10, 25)),
        ("2026-10-25T00:59:00+00:00", D(2026, 10, 25)),
        ("2026-10-25T23:30:00+00:00", D(2026, 10, 25)),
        ("2026-10-26T23:30:00+00:00", D(2026, 10, 26)),
        # Late March 2027 (28 March) and late October 2025 (26 October).
        ("2027-03-28T23:15:00Z", D(2027, 3, 29)),
        ("2025-10-26T23:15:00Z", D(2025, 10, 26)),
    ],
)
def test_london_date(moment: str, expected: date) -> None:
    assert london_date(datetime.fromisoformat(moment)) == expected
    assert CAL.london_date(datetime.fromisoformat(moment)) == expected


def test_london_date_accepts_any_time_zone() -> None:
    new_york = datetime(2026, 6, 30, 19, 30, tzinfo=ZoneInfo("America/New_York"))  # 23:30 UTC
    assert london_date(new_york) == D(2026, 7, 1)
    assert london_date(datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)) == D(2026, 7, 1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        london_date(datetime(2026, 12, 24, 16, 5))  # noqa: DTZ001 - the point of the test


def test_datetimes_are_refused_where_a_london_date_is_expected() -> None:
    aware = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    with pytest.raises(TypeError):
        CAL.is_working_day(aware)
    with pytest.raises(TypeError):
        CAL.add_working_days(aware, 5)


# -- "within N working days of X" --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Christmas and New Year 2025/26: 25, 26 Dec and 1 Jan are bank holidays.
        (D(2025, 12, 24), 1, D(2025, 12, 29)),
        (D(2025, 12, 24), 3, D(2025, 12, 31)),
        (D(2025, 12, 24), 4, D(2026, 1, 2)),
        (D(2025, 12, 24), 5, D(2026, 1, 5)),
        (D(2025, 12, 24), 15, D(2026, 1, 19)),
        (D(2025, 12, 23), 5, D(2026, 1, 2)),
        (D(2025, 12, 19), 15, D(2026, 1, 14)),
        (D(2025, 12, 25), 5, D(2026, 1, 5)),  # received on Christmas Day
        (D(2025, 12, 26), 5, D(2026, 1, 5)),
        (D(2025, 12, 27), 5, D(2026, 1, 5)),
        (D(2025, 12, 28), 5, D(2026, 1, 5)),
        (D(2025, 12, 31), 1, D(2026, 1, 2)),
        (D(2025, 12, 31), 2, D(2026, 1, 5)),
        # Christmas and New Year 2026/27: 25 Dec, 28 Dec (substitute) and 1 Jan.
        (D(2026, 12, 23), 1, D(2026, 12, 24)),
        (D(2026, 12, 23), 2, D(2026, 12, 29)),
        (D(2026, 12, 23), 5, D(2027, 1, 4)),
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        (D(2026, 12, 24), 2, D(2026, 12, 30)),
        (D(2026, 12, 24), 3, D(2026, 12, 31)),
        (D(2026, 12, 24), 4, D(2027, 1, 4)),
        (D(2026, 12, 24), 5, D(2027, 1, 5)),
        (D(2026, 12, 24), 8, D(2027, 1, 8)),
        (D(2026, 12, 24), 9, D(2027, 1, 11)),
        (D(2026, 12, 24), 12, D(2027, 1, 14)),
        (D(2026, 12, 24), 13, D(2027, 1, 15)),
        (D(2026, 12, 24), 15, D(2027, 1, 19)),
        (D(2026, 12, 26), 1, D(2026, 12, 29)),  # Saturday receipt
        (D(2026, 12, 28), 1, D(2026, 12, 29)),  # receipt on the substitute day
        # Christmas 2022: Sunday 25, Monday 26, Tuesday 27 (substitute), Monday 2 Jan 2023.
        (D(2022, 12, 23), 1, D(2022, 12, 28)),
        (D(2022, 12, 23), 4, D(2023, 1, 3)),
        (D(2022, 12, 23), 5, D(2023, 1, 4)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (D(2026, 4, 1), 1, D(2026, 4, 2)),
        (D(2026, 4, 1), 2, D(2026, 4, 7)),
        (D(2026, 4, 2), 1, D(2026, 4, 7)),
        (D(2026, 4, 2), 5, D(2026, 4, 13)),
        (D(2026, 4, 3), 1, D(2026, 4, 7)),
        (D(2026, 4, 6), 1, D(2026, 4, 7)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (D(2027, 3, 25), 1, D(2027, 3, 30)),
        (D(2027, 3, 25), 3, D(2027, 4, 1)),
        (D(2027, 3, 26), 1, D(2027, 3, 30)),
        (D(2027, 3, 24), 2, D(2027, 3, 30)),
        # Platinum Jubilee 2022: Thursday 2 and Friday 3 June; Monday 30 May is a working day.
        (D(2022, 5, 27), 1, D(2022, 5, 30)),
        (D(2022, 5, 27), 3, D(2022, 6, 1)),
        (D(2022, 5, 27), 4, D(2022, 6, 6)),
        (D(2022, 5, 27), 5, D(2022, 6, 7)),
        (D(2022, 6, 1), 1, D(2022, 6, 6)),
        # State funeral, Monday 19 September 2022.
        (D(2022, 9, 16), 1, D(2022, 9, 20)),
        (D(2022, 9, 16), 5, D(2022, 9, 26)),
        # Coronation, Monday 8 May 2023 (and the early May bank holiday, Monday 1 May).
        (D(2023, 4, 28), 1, D(2023, 5, 2)),
        (D(2023, 4, 28), 4, D(2023, 5, 5)),
        (D(2023, 4, 28), 5, D(2023, 5, 9)),
        (D(2023, 4, 28), 6, D(2023, 5, 10)),
        # Clock changes make no difference to dates.
        (D(2026, 3, 27), 1, D(2026, 3, 30)),
        (D(2026, 10, 23), 1, D(2026, 10, 26)),
        # A Friday, Saturday and Sunday receipt get the same deadlines.
        (D(2027, 1, 8), 5, D(2027, 1, 15)),
        (D(2027, 1, 9), 5, D(2027, 1, 15)),
        (D(2027, 1, 10), 5, D(2027, 1, 15)),
        # N = 0 is day 0 itself.
        (D(2026, 12, 26), 0, D(2026, 12, 26)),
    ],
    ids=str,
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        # Thursday 2 July 2026, 23:30 UTC is 00:30 BST on Friday 3 July.
        ("2026-07-02T23:30:00+00:00", 5, D(2026, 7, 10)),
        ("2026-07-02T22:30:00+00:00", 5, D(2026, 7, 9)),  # 23:30 BST, still Thursday
        ("2026-07-03T23:30:00+00:00", 5, D(2026, 7, 10)),  # Saturday in London
        # Christmas Eve 2026, late evening: still 24 December in London (GMT).
        ("2026-12-24T23:30:00+00:00", 15, D(2027, 1, 19)),
        # 23:30 UTC on 31 December 2026 is 31 December in London ...
        ("2026-12-31T23:30:00+00:00", 1, D(2027, 1, 4)),
        # ... but 23:30 at UTC-1 is 1 January in London, a bank holiday: same deadline.
        ("2026-12-31T23:30:00-01:00", 1, D(2027, 1, 4)),
        # Sunday 29 March 2026, 23:30 UTC is Monday 00:30 BST: day 0 is Monday.
        ("2026-03-29T23:30:00+00:00", 1, D(2026, 3, 31)),
        # Saturday 24 October 2026, 23:30 UTC is Sunday 00:30 BST.
        ("2026-10-24T23:30:00+00:00", 1, D(2026, 10, 26)),
    ],
)
def test_deadline_from_a_late_evening_utc_time(received: str, n: int, expected: date) -> None:
    day0 = london_date(datetime.fromisoformat(received))
    assert CAL.add_working_days(day0, n) == expected


# -- "N working days before Y" -----------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "n", "expected"),
    [
        (D(2026, 12, 29), 1, D(2026, 12, 24)),
        (D(2027, 1, 4), 1, D(2026, 12, 31)),
        (D(2027, 1, 4), 2, D(2026, 12, 30)),
        (D(2027, 1, 8), 7, D(2026, 12, 29)),
        (D(2027, 1, 1), 1, D(2026, 12, 31)),  # Y itself a bank holiday
        (D(2026, 4, 7), 1, D(2026, 4, 2)),
        (D(2027, 3, 30), 1, D(2027, 3, 25)),
        (D(2027, 3, 5), 7, D(2027, 2, 24)),
        (D(2022, 6, 6), 1, D(2022, 6, 1)),
        (D(2022, 9, 20), 1, D(2022, 9, 16)),
        (D(2023, 5, 9), 1, D(2023, 5, 5)),
        (D(2023, 5, 9), 4, D(2023, 5, 2)),
        (D(2023, 5, 9), 5, D(2023, 4, 28)),  # over the early May bank holiday
        (D(2026, 1, 5), 2, D(2025, 12, 31)),
        (D(2026, 1, 4), 1, D(2026, 1, 2)),  # Y a Sunday
        (D(2026, 1, 4), 0, D(2026, 1, 4)),
    ],
    ids=str,
)
def test_subtract_working_days(end: date, n: int, expected: date) -> None:
    assert CAL.subtract_working_days(end, n) == expected


def test_negative_counts_go_the_other_way() -> None:
    assert CAL.add_working_days(D(2027, 1, 4), -2) == D(2026, 12, 30)
    assert CAL.subtract_working_days(D(2026, 12, 24), -1) == D(2026, 12, 29)


# -- between, windows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 12, 24), D(2027, 1, 19), 15),
        (D(2026, 12, 24), D(2026, 12, 28), 0),
        (D(2026, 12, 24), D(2026, 12, 29), 1),
        (D(2026, 12, 24), D(2026, 12, 24), 0),
        (D(2027, 1, 19), D(2026, 12, 24), -15),
        (D(2026, 4, 4), D(2026, 4, 7), 1),
        (D(2022, 5, 27), D(2022, 6, 7), 5),
        (D(2025, 12, 31), D(2026, 1, 5), 2),
    ],
    ids=str,
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a, b) == expected


def test_working_day_window() -> None:
    # Between 7 and 13 working days after Monday 4 January 2027.
    assert CAL.working_day_window(D(2027, 1, 4), 7, 13) == (D(2027, 1, 13), D(2027, 1, 21))
    with pytest.raises(ValueError):
        CAL.working_day_window(D(2027, 1, 4), 13, 7)


# -- calendar days and months, moved back to a working day -------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 12, 3), 28, D(2026, 12, 31)),
        (D(2026, 11, 30), 28, D(2026, 12, 24)),  # lands on the Boxing Day substitute
        (D(2026, 11, 27), 28, D(2026, 12, 24)),  # lands on Christmas Day
        (D(2026, 3, 6), 28, D(2026, 4, 2)),  # Good Friday
        (D(2026, 3, 9), 28, D(2026, 4, 2)),  # Easter Monday
        (D(2026, 11, 10), 28, D(2026, 12, 8)),
        (D(2026, 2, 7), 28, D(2026, 3, 6)),  # a Saturday
        (D(2022, 8, 22), 28, D(2022, 9, 16)),  # the state funeral
        (D(2023, 4, 10), 28, D(2023, 5, 5)),  # the coronation
    ],
    ids=str,
)
def test_add_calendar_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_calendar_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 8, 31), 6, D(2026, 2, 27)),  # 28 Feb 2026 is a Saturday
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # leap year, a Thursday
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # leap year, a Tuesday
        (D(2026, 8, 31), 6, D(2027, 2, 26)),  # 28 Feb 2027 is a Sunday
        (D(2027, 1, 19), 6, D(2027, 7, 19)),
        (D(2027, 1, 19), 12, D(2028, 1, 19)),
        (D(2026, 6, 25), 6, D(2026, 12, 24)),  # Christmas Day
        (D(2026, 6, 28), 6, D(2026, 12, 24)),  # the Boxing Day substitute
        (D(2021, 12, 2), 6, D(2022, 6, 1)),  # the jubilee
        (D(2026, 3, 31), 6, D(2026, 9, 30)),  # 31 -> 30
        (D(2025, 9, 30), 6, D(2026, 3, 30)),
        (D(2022, 11, 8), 6, D(2023, 5, 5)),  # the coronation
        (D(2022, 3, 19), 6, D(2022, 9, 16)),  # the state funeral
    ],
    ids=str,
)
def test_add_months(start: date, n: int, expected: date) -> None:
    assert CAL.add_months(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 1, 31), -2, D(2025, 11, 30)),
        (D(2026, 5, 31), 0, D(2026, 5, 31)),
    ],
    ids=str,
)
def test_shift_months_does_not_move_to_a_working_day(start: date, n: int, expected: date) -> None:
    assert shift_months(start, n) == expected


@pytest.mark.parametrize(
    ("day", "after", "before"),
    [
        (D(2026, 12, 26), D(2026, 12, 29), D(2026, 12, 24)),
        (D(2026, 12, 24), D(2026, 12, 24), D(2026, 12, 24)),
        (D(2026, 4, 3), D(2026, 4, 7), D(2026, 4, 2)),
        (D(2027, 3, 29), D(2027, 3, 30), D(2027, 3, 25)),
        (D(2023, 5, 7), D(2023, 5, 9), D(2023, 5, 5)),
        (D(2022, 9, 19), D(2022, 9, 20), D(2022, 9, 16)),
        (D(2022, 6, 3), D(2022, 6, 6), D(2022, 6, 1)),
    ],
    ids=str,
)
def test_nearest_working_days(day: date, after: date, before: date) -> None:
    assert CAL.next_working_day_on_or_after(day) == after
    assert CAL.previous_working_day_on_or_before(day) == before


# -- partnership closures ----------------------------------------------------------------


def test_partnership_closures_are_not_working_days() -> None:
    closed = WorkingCalendar([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert not closed.is_working_day(D(2026, 12, 30))
    assert closed.add_working_days(D(2026, 12, 24), 1) == D(2027, 1, 4)
    assert closed.add_working_days(D(2026, 12, 24), 5) == D(2027, 1, 8)
    assert closed.subtract_working_days(D(2027, 1, 4), 1) == D(2026, 12, 24)
    assert closed.working_days_between(D(2026, 12, 24), D(2027, 1, 4)) == 1
    # The shared calendar is not affected.
    assert CAL.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


# -- the edges of the calendar -----------------------------------------------------------


def test_dates_outside_the_supported_years_are_refused() -> None:
    first, last = supported_years()
    assert first <= 2000 and last >= 2090
    with pytest.raises(ValueError, match="outside"):
        CAL.is_working_day(D(last + 1, 1, 4))
    with pytest.raises(ValueError, match="outside"):
        CAL.add_working_days(D(last, 12, 20), 30)
    with pytest.raises(ValueError, match="outside"):
        CAL.subtract_working_days(D(first, 1, 10), 30)


def test_counting_across_many_years_grows_the_tables() -> None:
    cal = WorkingCalendar()
    assert cal.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    far = cal.add_working_days(D(2026, 12, 24), 2500)  # about ten years on
    assert cal.is_working_day(far)
    assert cal.working_days_between(D(2026, 12, 24), far) == 2500
    assert cal.subtract_working_days(far, 2500) == cal.previous_working_day_on_or_before(
        D(2026, 12, 24)
    )


# -- properties --------------------------------------------------------------------------
# No hypothesis deadline: the first use of a year builds its holiday tables, which is slow
# once and fast afterwards, and would otherwise be reported as flaky timing.

days = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))
counts = st.integers(min_value=1, max_value=300)
closure_sets = st.frozensets(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2091, 6, 30)), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(days, counts, closure_sets)
def test_a_working_day_deadline_is_always_a_working_day(
    d: date, n: int, closures: frozenset[date]
) -> None:
    cal = WorkingCalendar(closures)
    assert cal.is_working_day(cal.add_working_days(d, n))
    assert cal.is_working_day(cal.subtract_working_days(d, n))
    assert cal.is_working_day(cal.add_calendar_days(d, n))
    assert cal.is_working_day(cal.add_months(d, n % 25 + 1))


@settings(deadline=None)
@given(days, st.integers(min_value=0, max_value=300))
def test_deadlines_strictly_increase_with_n(d: date, n: int) -> None:
    assert CAL.add_working_days(d, n) < CAL.add_working_days(d, n + 1)
    assert CAL.subtract_working_days(d, n) > CAL.subtract_working_days(d, n + 1)


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=600))
def test_working_days_between_undoes_add(d: date, n: int) -> None:
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n
    assert CAL.working_days_between(CAL.add_working_days(d, n), d) == -n


@settings(deadline=None)
@given(days, st.integers(min_value=1, max_value=40), closure_sets)
def test_add_working_days_matches_stepping_one_day_at_a_time(
    d: date, n: int, closures: frozenset[date]
) -> None:
    cal = WorkingCalendar(closures)
    day, left = d, n
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closures and day not in england_bank_holidays(day.year):
            left -= 1
    assert cal.add_working_days(d, n) == day


@settings(deadline=None)
@given(days, st.integers(min_value=1, max_value=40))
def test_subtract_working_days_matches_stepping_back(d: date, n: int) -> None:
    day, left = d, n
    while left:
        day -= timedelta(days=1)
        if CAL.is_working_day(day):
            left -= 1
    assert CAL.subtract_working_days(d, n) == day


@settings(deadline=None)
@given(days, st.integers(min_value=1, max_value=60))
def test_calendar_days_move_back_at_most_past_the_closed_days(d: date, n: int) -> None:
    raw = d + timedelta(days=n)
    due = CAL.add_calendar_days(d, n)
    assert due <= raw
    assert all(not CAL.is_working_day(raw - timedelta(days=k)) for k in range((raw - due).days))


@settings(deadline=None)
@given(days, st.integers(min_value=1, max_value=24))
def test_months_keep_the_day_or_the_month_end(d: date, n: int) -> None:
    moved = shift_months(d, n)
    assert (moved.year * 12 + moved.month) - (d.year * 12 + d.month) == n
    assert moved.day == d.day or (moved.day < d.day and (moved + timedelta(days=1)).day == 1)
    due = CAL.add_months(d, n)
    assert due == CAL.previous_working_day_on_or_before(moved)


@settings(deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2090, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(
            [
                UTC,
                LONDON,
                ZoneInfo("America/Los_Angeles"),
                ZoneInfo("Asia/Kolkata"),
                timezone(timedelta(hours=-11)),
            ]
        ),
    )
)
def test_friday_saturday_and_sunday_receipts_share_deadlines(moment: datetime) -> None:
    day0 = london_date(moment)
    friday = day0 - timedelta(days=(day0.weekday() - 4) % 7)
    for n in (1, 5, 15):
        assert CAL.add_working_days(friday + timedelta(days=1), n) == CAL.add_working_days(
            friday + timedelta(days=2), n
        )
        assert CAL.add_working_days(friday, n) == CAL.add_working_days(
            friday + timedelta(days=1), n
        )
