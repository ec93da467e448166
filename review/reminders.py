"""Which reminders a case's timeline calls for, day by day (pure; explicit dates).

Reminders are planned ahead as rows, one per (milestone, stage, day): from `today` to a
horizon of working days after each due date, so every overdue day has its row and the
escalation day is covered. A daily top-up extends the horizon for milestones still open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from review.calendar import WorkingCalendar
from review.timeline import Timeline, nudges_on

OVERDUE_HORIZON_WORKING_DAYS = 15


@dataclass(frozen=True, slots=True)
class PlannedNudge:
    """One reminder to send: milestone, stage, the London day it is for, and when (aware)."""

    milestone_id: str
    stage: str
    day: date
    at: datetime
    to: str


def plan_reminders(
    timeline: Timeline,
    calendar: WorkingCalendar,
    *,
    today: date,
    snoozed_until: Mapping[str, date] | None = None,
    horizon: int = OVERDUE_HORIZON_WORKING_DAYS,
) -> list[PlannedNudge]:
    """Every reminder from `today` on for the outstanding, dated milestones of `timeline`.

    A milestone snoozed until day S has no reminder on S or before.
    """
    snoozed = snoozed_until or {}
    planned: list[PlannedNudge] = []
    for entry in timeline.entries:
        if entry.due is None or not entry.outstanding_on(today):
            continue
        last = calendar.add_working_days(max(entry.due, today), horizon)
        quiet_until = snoozed.get(entry.id)
        day = today
        while day <= last:
            if quiet_until is None or day > quiet_until:
                for n in nudges_on(entry, calendar, day):
                    planned.append(PlannedNudge(n.milestone_id, n.stage, day, n.at, n.to))
            day += timedelta(days=1)
    return planned


def rag(calendar: WorkingCalendar, due: date | None, today: date) -> tuple[str, int | None]:
    """Red (overdue), amber (due within 2 working days), green (later), or none; and the
    working days left (negative: overdue by)."""
    if due is None:
        return "none", None
    if due < today:
        return "red", -calendar.working_days_between(due, today)
    left = calendar.working_days_between(today, due)
    return ("amber" if left <= 2 else "green"), left
