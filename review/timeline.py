"""A case's timeline: every milestone of a profile, dated on the working-day calendar.

`compute_timeline` is pure: it takes the profile, the calendar and the events recorded so far
(timezone-aware datetimes, keyed by the names in `review.profiles.ANCHOR_EVENTS`) and never
reads the clock.

How a due date is found (see review/calendar.py for the counting rules):

- A milestone counts from its `anchor` event. If that event has been recorded, its London date
  is day 0.
- If it has not, the due date of the milestone the event completes (`completed_by`) stands in
  for it, so a whole plan can be shown from the day a referral arrives; such dates are marked
  `provisional`. A window stands in with its latest date. Stand-ins chain: in Stockport,
  `agency_returns` before the request has gone out is 8 working days after the
  `information_request` due date, itself 2 working days after the panel decision.
- An anchor with neither a recorded event nor a stand-in leaves the milestone waiting for that
  event (`due` is None, `waiting_for` names the anchor). Stockport's process sets no deadline
  for the virtual panel's decision, so nothing completes `panel_decision` there and every
  milestone counted from it (`information_request`, `agency_returns`, `rapid_review_meeting`,
  `papers_circulated`) waits until the decision is recorded. Halton's `virtual_panel`
  milestone (1 working day after receipt) completes `panel_decision`, so its plan is complete
  from day 0.
- A milestone is done when its `completed_by` event is recorded, or when the caller says so
  in `completed` (milestone id -> when), for milestones no event completes.
- Events are taken as given: a planned event (a publication date, a meeting booked for next
  week) may be recorded ahead of time, and `completed_on` may then lie in the future; the
  helpers that take `today` treat a milestone as done only from `completed_on` onwards.

Nudges (`nudges_on`), at the London wall-clock times in the profile: ``heads_up`` on the Nth
working day before the due date; ``due_today`` on the due date; ``overdue`` on every working
day after it; ``escalation`` once, to its role, on the Nth working day after the due date
(with Stockport's defaults, a milestone due on Monday is escalated on Wednesday). Nothing is
sent on a non-working day, for an undated entry, or once the milestone was done on or before
that day. A window is nudged against its latest date. A scheduler that was down should ask
again for each working day it missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import NamedTuple

from review.calendar import LONDON, WorkingCalendar, london_date
from review.profiles import (
    ANCHOR_EVENTS,
    PATHWAYS,
    CalendarDaysAfter,
    Milestone,
    MonthsAfter,
    Profile,
    WorkingDaysAfter,
    WorkingDaysBefore,
    WorkingDayWindow,
)

__all__ = [
    "NUDGE_STAGES",
    "Nudge",
    "Timeline",
    "TimelineEntry",
    "calendar_for",
    "compute_timeline",
    "next_due",
    "nudges_on",
    "outstanding",
]

NUDGE_STAGES: tuple[str, ...] = ("heads_up", "due_today", "overdue", "escalation")


class TimelineEntry(NamedTuple):
    """One milestone on a case's timeline (an immutable record; a tuple for speed)."""

    milestone: Milestone
    # The deadline (for a window, its latest date); None while waiting for an event.
    due: date | None
    # The earliest date of a window; None for every other kind of offset.
    earliest: date | None = None
    # The anchor event this milestone waits for, when it cannot be dated yet.
    waiting_for: str | None = None
    # Day 0 of the count, and whether it is a stand-in for an event not yet recorded.
    anchor_on: date | None = None
    provisional: bool = False
    # When the milestone was done: its `completed_by` event, or `completed` in compute_timeline.
    completed_on: date | None = None
    # Working days after the referral's receipt up to `due` (and up to `earliest`).
    working_days_from_receipt: int | None = None
    earliest_working_days_from_receipt: int | None = None

    @property
    def id(self) -> str:
        """Return the milestone id."""
        return self.milestone.id

    @property
    def is_window(self) -> bool:
        """Return True if the milestone is due within a window of dates."""
        return isinstance(self.milestone.offset, WorkingDayWindow)

    @property
    def latest(self) -> date | None:
        """Return the latest date of a window (None for other offsets)."""
        return self.due if self.is_window else None

    def outstanding_on(self, day: date) -> bool:
        """Return True unless the milestone was completed on or before `day`."""
        return self.completed_on is None or self.completed_on > day


@dataclass(frozen=True, slots=True)
class Timeline:
    """All the milestones of one case, in profile order."""

    profile_id: str
    received: date
    pathway: str | None
    entries: tuple[TimelineEntry, ...]

    def entry(self, milestone_id: str) -> TimelineEntry:
        """Return the entry for a milestone id; raise KeyError if it is not on the timeline."""
        for e in self.entries:
            if e.milestone.id == milestone_id:
                return e
        raise KeyError(milestone_id)


@dataclass(frozen=True, slots=True)
class Nudge:
    """A reminder to send: which milestone, which stage, when (London time) and to whom."""

    milestone_id: str
    stage: str
    at: datetime
    to: str


@cache
def _calendar_for_closures(closures: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(closures)


def calendar_for(profile: Profile) -> WorkingCalendar:
    """Return the (shared, cached) working calendar for a profile's closure dates."""
    return _calendar_for_closures(profile.partnership.closures)


def compute_timeline(
    profile: Profile,
    calendar: WorkingCalendar,
    events: Mapping[str, datetime],
    pathway: str | None = None,
    *,
    completed: Mapping[str, datetime] | None = None,
    notifiable: bool | None = None,
) -> Timeline:
    """Date `profile`'s milestones (for `pathway`; all if None) from events and completions;
    `notifiable` is what the panel said about the incident (None: nothing yet)."""
    if pathway is not None and pathway not in profile.ways and pathway not in PATHWAYS:
        known = ", ".join(profile.ways)
        raise ValueError(f"unknown pathway {pathway!r}; expected one of {known}")
    dates: dict[str, date] = {}
    for name, when in events.items():
        if name not in ANCHOR_EVENTS:
            raise ValueError(f"unknown event {name!r}; expected one of {', '.join(ANCHOR_EVENTS)}")
        dates[name] = london_date(when)
    if "referral_received" not in dates:
        raise ValueError("events must include referral_received")
    done: dict[str, date] = {}
    if completed:
        for mid, when in completed.items():
            if not any(m.id == mid for m in profile.milestones):
                raise ValueError(f"unknown milestone {mid!r} in profile {profile.id}")
            done[mid] = london_date(when)
    case = _Case(profile, calendar, dates, done)
    entries = tuple(
        case.resolve(m) for m in profile.milestones if m.applies_to(pathway, notifiable)
    )
    return Timeline(profile.id, case.received, pathway, entries)


class _Case:
    """The working state of one compute_timeline call: resolves milestones once each."""

    __slots__ = ("profile", "calendar", "dates", "done", "received", "resolved")

    def __init__(
        self,
        profile: Profile,
        calendar: WorkingCalendar,
        dates: dict[str, date],
        done: dict[str, date],
    ) -> None:
        self.profile = profile
        self.calendar = calendar
        self.dates = dates
        self.done = done
        self.received = dates["referral_received"]
        self.resolved: dict[str, TimelineEntry] = {}

    def resolve(self, m: Milestone) -> TimelineEntry:
        entry = self.resolved.get(m.id)
        if entry is None:
            entry = self.resolved[m.id] = self._date(m)
        return entry

    def _date(self, m: Milestone) -> TimelineEntry:
        cal = self.calendar
        completed_on = self.dates.get(m.completed_by) if m.completed_by else None
        if completed_on is None:
            completed_on = self.done.get(m.id)
        # Day 0: the anchor event, or the due date of the milestone it completes.
        provisional = False
        day0 = self.dates.get(m.anchor)
        if day0 is None:
            stand_in = self.profile.milestone_completing(m.anchor)
            if stand_in is not None:
                day0 = self.resolve(stand_in).due
                provisional = True
        if day0 is None:
            return TimelineEntry(m, None, None, m.anchor, None, False, completed_on)
        earliest: date | None = None
        offset = m.offset
        if isinstance(offset, WorkingDaysAfter):
            due = cal.add_working_days(day0, offset.working_days)
        elif isinstance(offset, WorkingDaysBefore):
            due = cal.subtract_working_days(day0, offset.working_days)
        elif isinstance(offset, CalendarDaysAfter):
            due = cal.add_calendar_days(day0, offset.days)
        elif isinstance(offset, MonthsAfter):
            due = cal.add_months(day0, offset.months)
        else:
            earliest, due = cal.working_day_window(day0, offset.earliest, offset.latest)
        received = self.received
        return TimelineEntry(
            m,
            due,
            earliest,
            None,
            day0,
            provisional,
            completed_on,
            cal.working_days_between(received, due),
            None if earliest is None else cal.working_days_between(received, earliest),
        )


@dataclass(frozen=True)
class Conflict:
    """A plan whose dates contradict each other: `milestone` may be done as late as `ends`,
    after `before` (which it must precede) is due on `due`."""

    milestone: Milestone
    ends: date
    before: Milestone
    due: date

    def describe(self) -> str:
        """The conflict in words, with its dates."""
        return (
            f"{self.milestone.title} may be as late as {self.ends:%a %d %b %Y}, after "
            f"{self.before.title} is due on {self.due:%a %d %b %Y}."
        )


def conflicts(timeline: Timeline) -> tuple[Conflict, ...]:
    """Where the plan's dates contradict each other: a milestone not yet done whose date (a
    window's last day) falls after a milestone it must precede (`before` in the profile)."""
    found: list[Conflict] = []
    by_id = {e.id: e for e in timeline.entries}
    for entry in timeline.entries:
        if entry.completed_on is not None or entry.due is None:
            continue
        for other_id in entry.milestone.before:
            other = by_id.get(other_id)
            if other is None or other.due is None or other.completed_on is not None:
                continue
            if entry.due > other.due:
                found.append(Conflict(entry.milestone, entry.due, other.milestone, other.due))
    return tuple(found)


def outstanding(timeline: Timeline, today: date) -> tuple[TimelineEntry, ...]:
    """Return the dated entries not completed by `today`, soonest (or most overdue) first."""
    order = {e.milestone.id: i for i, e in enumerate(timeline.entries)}
    live = [e for e in timeline.entries if e.due is not None and e.outstanding_on(today)]
    return tuple(sorted(live, key=lambda e: (e.due, order[e.milestone.id])))


def next_due(timeline: Timeline, today: date) -> TimelineEntry | None:
    """Return the outstanding entry with the earliest due date (it may already be overdue)."""
    live = outstanding(timeline, today)
    return live[0] if live else None


def nudges_on(entry: TimelineEntry, calendar: WorkingCalendar, day: date) -> tuple[Nudge, ...]:
    """Return the reminders an entry's nudge stages call for on `day` (a London date)."""
    due = entry.due
    if due is None or not entry.outstanding_on(day) or not calendar.is_working_day(day):
        return ()
    m = entry.milestone
    plan = m.nudges
    found: list[Nudge] = []
    if plan.heads_up is not None and day < due:
        if calendar.subtract_working_days(due, plan.heads_up.working_days_before) == day:
            found.append(Nudge(m.id, "heads_up", _at(day, plan.heads_up.at), m.responsible))
    if plan.due_today is not None and day == due:
        found.append(Nudge(m.id, "due_today", _at(day, plan.due_today.at), m.responsible))
    if plan.overdue is not None and day > due:
        found.append(Nudge(m.id, "overdue", _at(day, plan.overdue.at), m.responsible))
    esc = plan.escalation
    if esc is not None and day > due:
        if calendar.add_working_days(due, esc.after_overdue_working_days) == day:
            found.append(Nudge(m.id, "escalation", _at(day, esc.at), esc.to))
    return tuple(found)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)
