"""Casework shared by the use cases: a case's timeline from what is stored, and keeping
its milestones and reminders in step with it (the clock is computed nowhere else)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from review.calendar import london_date
from review.reminders import plan_reminders
from review.timeline import Timeline, compute_timeline
from storage import cases as case_repo
from storage import reminders as reminder_repo
from storage.cases import MilestoneDates
from storage.models import Case

OPEN_CASE_STATUSES = ("received", "panel", "queries", "decided")


def timeline_for(
    app: AppContext,
    case: Case,
    events: Mapping[str, datetime],
    completed: Mapping[str, datetime] | None = None,
) -> Timeline:
    """The case's timeline on the partnership's clock (the only place dates are computed)."""
    return compute_timeline(
        app.profile,
        app.calendar,
        events,
        case.pathway or case.pathway_sought,
        completed=completed,
    )


async def case_timeline(app: AppContext, session: AsyncSession, case: Case) -> Timeline:
    """The case's timeline from what is stored: its events and the milestones marked done."""
    events = await case_repo.case_events(session, case.id)
    done = {
        m.milestone: m.done_at
        for m in await case_repo.milestones(session, case.id)
        if m.done_at is not None and app.profile.milestone(m.milestone).completed_by is None
    }
    return timeline_for(app, case, events, done)


def milestone_dates(timeline: Timeline) -> list[MilestoneDates]:
    """The timeline's dates as stored rows."""
    return [MilestoneDates(e.id, e.due, e.earliest, e.waiting_for) for e in timeline.entries]


async def replan_case(app: AppContext, session: AsyncSession, case: Case) -> None:
    """Recompute the case's milestones and plan its reminders (caller's transaction)."""
    now = app.now()
    today = london_date(now)
    timeline = await case_timeline(app, session, case)
    await case_repo.save_milestones(session, case.id, milestone_dates(timeline))
    if case.status not in OPEN_CASE_STATUSES:
        wanted: list[reminder_repo.NudgeRow] = []
    else:
        snoozed = {
            m.milestone: m.snoozed_until
            for m in await case_repo.milestones(session, case.id)
            if m.snoozed_until is not None
        }
        wanted = [
            reminder_repo.NudgeRow(p.milestone_id, p.stage, p.day, p.at.astimezone(now.tzinfo))
            for p in plan_reminders(timeline, app.calendar, today=today, snoozed_until=snoozed)
        ]
    await reminder_repo.replan(
        session,
        case_id=case.id,
        partnership_id=case.partnership_id,
        wanted=wanted,
        today=today,
        now=now,
    )
