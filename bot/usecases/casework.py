"""Casework shared by the use cases: a case's timeline from what is stored, and keeping
its milestones and reminders in step with it (the clock is computed nowhere else)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.batch import prefetched
from review.calendar import london_date
from review.reminders import plan_reminders
from review.timeline import Timeline, compute_timeline
from storage import cases as case_repo
from storage import reminders as reminder_repo
from storage.cases import MilestoneDates
from storage.models import Case

OPEN_CASE_STATUSES = ("received", "panel", "queries", "decided")
# Who is responsible for a milestone, as a person reads it.
ROLE_LABELS = {
    "manager": "Partnership managers",
    "chair": "The panel chair",
    "panel": "The virtual panel",
    "agency_lead": "Agency leads",
    "la": "Local Authority",
    "police": "Police",
    "health": "Health",
}


def timeline_for(
    app: AppContext,
    case: Case,
    events: Mapping[str, datetime],
    completed: Mapping[str, datetime] | None = None,
) -> Timeline:
    """The case's timeline on the partnership's clock (the only place dates are computed).

    `compute_timeline` is a pure function and a Timeline is immutable, so the latest few
    are kept: a panel card asks for the same case's timeline twice, a vote after a vote
    asks again for the same one.
    """
    pathway = case.pathway or case.pathway_sought
    notifiable = case.notifiable
    key = (
        id(app.profile),
        id(app.calendar),
        pathway,
        notifiable,
        tuple(events.items()),
        tuple(completed.items()) if completed else None,
    )
    hit = _timelines.get(key)
    if hit is not None and hit[0] is app.profile and hit[1] is app.calendar:
        return hit[2]
    timeline = compute_timeline(
        app.profile, app.calendar, events, pathway, completed=completed, notifiable=notifiable
    )
    if len(_timelines) >= _TIMELINES_KEPT:
        _timelines.pop(next(iter(_timelines)))
    _timelines[key] = (app.profile, app.calendar, timeline)
    return timeline


_TIMELINES_KEPT = 256
_timelines: dict[tuple[object, ...], tuple[object, object, Timeline]] = {}


async def case_timeline(app: AppContext, session: AsyncSession, case: Case) -> Timeline:
    """The case's timeline from what is stored: its events and the milestones marked done."""
    # Inside an outbox delivery run these may have been read for a batch of cases at once.
    events = prefetched(("case_events", case.id))
    if events is None:
        events = await case_repo.case_events(session, case.id)
    stored = prefetched(("case_milestones", case.id))
    if stored is None:
        stored = await case_repo.milestones(session, case.id)
    done = {
        m.milestone: m.done_at
        for m in stored
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
