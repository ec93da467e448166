"""The working-day calendar for England: the statutory clock every deadline is counted on.

A day is a working day unless it is a Saturday, a Sunday, an England & Wales bank holiday
(from the `holidays` package, including substitute days and one-off days such as the 2022
state funeral) or an extra closure date listed in the partnership's profile.

Every date a person sees is a Europe/London date. Datetimes come in timezone-aware, with any
UTC offset, and are turned into dates with `london_date` before any counting starts.

Counting rules (the functions below follow them exactly):

- "within N working days of X": day 0 is the London date of X, whatever the hour and whether
  or not it is a working day; the deadline is the Nth working day after day 0 (so a referral
  on Friday, Saturday or Sunday gets the same deadlines).
- "N working days before Y": the Nth working day before Y's date.
- "N calendar days" / "N months" after X: counted from X's date; months keep the day of the
  month, clamped to the month's last day (31 Aug + 6 months = 28 or 29 Feb); if the result is
  not a working day it moves back to the previous working day — every due date shown is a
  working day.
- A window "between A and B working days after X" has an earliest and a latest date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "LONDON",
    "WorkingCalendar",
    "england_bank_holidays",
    "london_date",
    "shift_months",
    "supported_years",
]

LONDON = ZoneInfo("Europe/London")

# The bank-holiday rules before 1900 are of no use to a safeguarding partnership; the upper
# bound is wherever the `holidays` package stops (it returns nothing after that, silently).
_FIRST_YEAR = max(1900, int(holidays.country_holidays("GB", subdiv="ENG").start_year))
_LAST_YEAR = int(holidays.country_holidays("GB", subdiv="ENG").end_year)

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Tables grow by at least this many years at a time, so long runs rarely rebuild them.
_GROWTH_YEARS = 4


def supported_years() -> tuple[int, int]:
    """Return the first and last year the calendar can count in."""
    return _FIRST_YEAR, _LAST_YEAR


def london_date(dt: datetime) -> date:
    """Return the Europe/London calendar date of an aware datetime; raise ValueError if naive."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a timezone-aware datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: a UTC offset or time zone is required")
    return dt.astimezone(LONDON).date()


@cache
def england_bank_holidays(year: int) -> frozenset[date]:
    """Return the England & Wales bank holidays (with substitute days) falling in one year."""
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValueError(_out_of_range(year))
    found: set[date] = set()
    # A substitute day could in principle fall in the next or previous year, so look either side.
    for y in (year - 1, year, year + 1):
        found.update(d for d in holidays.country_holidays("GB", subdiv="ENG", years=y))
    return frozenset(d for d in found if d.year == year)


def _out_of_range(year: int) -> str:
    return f"year {year} is outside the working-day calendar ({_FIRST_YEAR}–{_LAST_YEAR})"


def _check_date(d: date) -> int:
    """Return the ordinal of a plain date; refuse datetimes and anything else."""
    # datetime is a subclass of date: taking its naive date part would skip the London rule.
    if type(d) is date:
        return d.toordinal()
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}; use london_date() first")
    return d.toordinal()


@dataclass(frozen=True, slots=True)
class _Table:
    """Working days for whole years first_year..last_year, as day ordinals."""

    first_year: int
    last_year: int
    start: int  # ordinal of 1 January first_year
    end: int  # ordinal of 31 December last_year
    # rank[o - start + 1] = number of working days on or before ordinal o; rank[0] = 0
    rank: tuple[int, ...]
    # workdays[k] = ordinal of the (k+1)th working day in the table
    workdays: tuple[int, ...]


class WorkingCalendar:
    """Weekends, England & Wales bank holidays and a partnership's own closure dates."""

    __slots__ = ("_closures", "_table")

    def __init__(self, closures: Iterable[date] = ()) -> None:
        """Build a calendar; `closures` are extra non-working dates (a partnership's own)."""
        closed = frozenset(closures)
        for d in closed:
            _check_date(d)
        self._closures = closed
        self._table: _Table | None = None

    def __repr__(self) -> str:
        return f"WorkingCalendar(closures={sorted(self._closures)!r})"

    @property
    def closures(self) -> frozenset[date]:
        """Return the partnership's extra closure dates."""
        return self._closures

    # -- dates ---------------------------------------------------------------------------

    @staticmethod
    def london_date(dt: datetime) -> date:
        """Return the Europe/London date of an aware datetime; raise ValueError if naive."""
        return london_date(dt)

    def is_working_day(self, d: date) -> bool:
        """Return True unless `d` is a weekend, a bank holiday or a partnership closure."""
        o = _check_date(d)
        t = self._covering(o, o)
        i = o - t.start
        return t.rank[i + 1] != t.rank[i]

    def add_working_days(self, d: date, n: int) -> date:
        """Return the deadline "within N working days of X", where `d` is X's London date.

        Counting rule: day 0 is the London date of X, whatever the hour and whether or not it
        is a working day; the deadline is the Nth working day after day 0 (so a referral on
        Friday, Saturday or Sunday gets the same deadlines). N = 0 returns `d` itself;
        a negative N counts backwards like `subtract_working_days`.
        """
        o = _check_date(d)
        if n <= 0:
            return d if n == 0 else self.subtract_working_days(d, -n)
        t = self._table
        if t is not None and t.start <= o <= t.end:  # the usual case, inlined for speed
            k = t.rank[o - t.start + 1] + n - 1
            if k < len(t.workdays):
                return date.fromordinal(t.workdays[k])
        return date.fromordinal(self._nth_after(o, n))

    def subtract_working_days(self, d: date, n: int) -> date:
        """Return the date "N working days before Y", where `d` is Y's London date.

        Counting rule: the Nth working day before Y's date (Y itself is never counted).
        N = 0 returns `d` itself; a negative N counts forwards like `add_working_days`.
        """
        o = _check_date(d)
        if n <= 0:
            return d if n == 0 else self.add_working_days(d, -n)
        return date.fromordinal(self._nth_before(o, n))

    def working_days_between(self, a: date, b: date) -> int:
        """Return how many working days fall after `a` up to and including `b` (< 0 if b < a)."""
        oa, ob = _check_date(a), _check_date(b)
        t = self._table
        if t is None or not (t.start <= oa <= t.end and t.start <= ob <= t.end):
            t = self._covering(min(oa, ob), max(oa, ob))
        base = t.start - 1
        return t.rank[ob - base] - t.rank[oa - base]

    def working_day_window(self, d: date, earliest: int, latest: int) -> tuple[date, date]:
        """Return (earliest, latest) for "between A and B working days after X", `d` = X's date.

        Counting rule: a window "between A and B working days after X" has an earliest and a
        latest date: the Ath and the Bth working day after X's London date, counted as for
        "within N working days of X".
        """
        if earliest > latest:
            raise ValueError(f"window starts after it ends: {earliest} > {latest}")
        return self.add_working_days(d, earliest), self.add_working_days(d, latest)

    def add_calendar_days(self, d: date, n: int) -> date:
        """Return the due date "N calendar days after X", where `d` is X's London date.

        Counting rule: counted from X's date; if the result is not a working day it moves back
        to the previous working day — every due date shown is a working day.
        """
        _check_date(d)
        try:
            raw = d + timedelta(days=n)
        except OverflowError:
            raise ValueError(_out_of_range(d.year + (1 if n > 0 else -1))) from None
        return self.previous_working_day_on_or_before(raw)

    def add_months(self, d: date, n: int) -> date:
        """Return the due date "N months after X", where `d` is X's London date.

        Counting rule: counted from X's date; months keep the day of the month, clamped to the
        month's last day (31 Aug + 6 months = 28 or 29 Feb); if the result is not a working day
        it moves back to the previous working day — every due date shown is a working day.
        """
        return self.previous_working_day_on_or_before(shift_months(d, n))

    def next_working_day_on_or_after(self, d: date) -> date:
        """Return `d` if it is a working day, otherwise the first working day after it."""
        return date.fromordinal(self._nth_after(_check_date(d) - 1, 1))

    def previous_working_day_on_or_before(self, d: date) -> date:
        """Return `d` if it is a working day, otherwise the last working day before it."""
        o = _check_date(d)
        t = self._table
        if t is not None and t.start <= o <= t.end:  # the usual case, inlined for speed
            k = t.rank[o - t.start + 1] - 1
            if k >= 0:
                return date.fromordinal(t.workdays[k])
        return date.fromordinal(self._nth_before(o + 1, 1))

    # -- tables --------------------------------------------------------------------------

    def _nth_after(self, o: int, n: int) -> int:
        """The ordinal of the nth (n >= 1) working day after ordinal o."""
        t = self._covering(o, o)
        while True:
            k = t.rank[o - t.start + 1] + n - 1
            if k < len(t.workdays):
                return t.workdays[k]
            t = self._grow(t, forward=True)

    def _nth_before(self, o: int, n: int) -> int:
        """The ordinal of the nth (n >= 1) working day before ordinal o."""
        t = self._covering(o - 1, o - 1)
        while True:
            k = t.rank[o - t.start] - n  # working days on or before o - 1, less n
            if k >= 0:
                return t.workdays[k]
            t = self._grow(t, forward=False)

    def _covering(self, lo: int, hi: int) -> _Table:
        """A table holding ordinals lo..hi, built or grown if need be."""
        t = self._table
        if t is not None and t.start <= lo and hi <= t.end:
            return t
        first_year, last_year = date.fromordinal(lo).year, date.fromordinal(hi).year
        for y in (first_year, last_year):
            if not _FIRST_YEAR <= y <= _LAST_YEAR:
                raise ValueError(_out_of_range(y))
        if t is not None:
            first_year, last_year = min(first_year, t.first_year), max(last_year, t.last_year)
        return self._build(
            max(_FIRST_YEAR, first_year - _GROWTH_YEARS // 2),
            min(_LAST_YEAR, last_year + _GROWTH_YEARS),
        )

    def _grow(self, t: _Table, *, forward: bool) -> _Table:
        if forward:
            if t.last_year >= _LAST_YEAR:
                raise ValueError(_out_of_range(_LAST_YEAR + 1))
            return self._build(t.first_year, min(_LAST_YEAR, t.last_year + _GROWTH_YEARS))
        if t.first_year <= _FIRST_YEAR:
            raise ValueError(_out_of_range(_FIRST_YEAR - 1))
        return self._build(max(_FIRST_YEAR, t.first_year - _GROWTH_YEARS), t.last_year)

    def _build(self, first_year: int, last_year: int) -> _Table:
        start = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal()
        closed = {d.toordinal() for d in self._closures}
        for year in range(first_year, last_year + 1):
            closed.update(d.toordinal() for d in england_bank_holidays(year))
        rank: list[int] = [0]
        workdays: list[int] = []
        for o in range(start, end + 1):
            # date.fromordinal(1) is a Monday, so (o - 1) % 7 is the weekday (Monday = 0).
            if (o - 1) % 7 < 5 and o not in closed:
                workdays.append(o)
            rank.append(len(workdays))
        table = _Table(first_year, last_year, start, end, tuple(rank), tuple(workdays))
        # One assignment swaps the whole table in, so a reader never sees half of one.
        self._table = table
        return table


def shift_months(d: date, n: int) -> date:
    """Return `d` moved by `n` calendar months, keeping the day clamped to the month's end."""
    _check_date(d)
    years, month0 = divmod(d.month - 1 + n, 12)
    year = d.year + years
    if not 1 <= year <= 9999:
        raise ValueError(_out_of_range(year))
    if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    else:
        last = _DAYS_IN_MONTH[month0]
    return date(year, month0 + 1, min(d.day, last))
