"""Deadline reminders as a person acts on them (mark a milestone done, snooze its reminders),
and what a sweep plans for the day (the digest, the missed ones superseded, the long overdue
topped up).

Reminder rows are planned (`replan_case`) in the same transaction as the change that
creates or moves a milestone; the sweep that sends them is delivery's (bot/delivery/sweep.py).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import OPEN_CASE_STATUSES, replan_case
from bot.usecases.people import NotAllowed, Person
from review.calendar import LONDON, london_date
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import reminders as reminder_repo
from storage import repositories as repo
from storage.models import Case, Milestone

DIGEST_AT = time(9, 0)
DONE_ROLES = frozenset({"panel", "deputy", "manager", "chair", "agency_lead"})


async def _member_allowed(
    app: AppContext, session: AsyncSession, person: Person, roles: frozenset[str]
) -> object:
    member = await repo.find_member(
        session, app.partnership_id, aad_object_id=person.aad_object_id, email=person.email
    )
    if member is None or not roles & set(member.roles):
        return None
    return member


async def mark_done(
    app: AppContext, *, reference: str, milestone_id: str, person: Person
) -> tuple[str, date]:
    """Record a milestone as done now: its reminders stop, what counts from it moves."""
    now = app.now()
    try:
        milestone = app.profile.milestone(milestone_id)
    except KeyError:
        raise NotAllowed(f"{milestone_id!r} is not a milestone of this partnership.") from None
    async with app.db.session() as session, session.begin():
        try:
            case = await panel_repo.lock_case(session, app.partnership_id, reference)
        except repo.NotFound:
            raise NotAllowed(f"There is no case {reference} in this partnership.") from None
        member = await _member_allowed(app, session, person, DONE_ROLES)
        if member is None:
            await repo.audit(
                session,
                action="milestone.done",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                outcome="refused",
                detail={"milestone": milestone_id},
            )
            refused = True
        else:
            refused = False
            if milestone.completed_by is not None:
                await case_repo.record_event(session, case.id, milestone.completed_by, now)
            await case_repo.mark_milestone_done(
                session, case.id, milestone_id, now, getattr(member, "id", None)
            )
            await replan_case(app, session, case)
            await panel_repo.plan_card_update(session, case=case, now=now)
            await repo.audit(
                session,
                action="milestone.done",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                detail={"milestone": milestone_id},
            )
    if refused:
        raise NotAllowed("Only people on the partnership's roster can mark a milestone done.")
    return milestone.title, london_date(now)


async def snooze(app: AppContext, *, reference: str, milestone_id: str, person: Person) -> date:
    """A manager quietens a milestone's reminders for one working day; the next one's date."""
    now = app.now()
    today = london_date(now)
    if milestone_id not in {m.id for m in app.profile.milestones}:
        raise NotAllowed(f"{milestone_id!r} is not a milestone of this partnership.")
    async with app.db.session() as session, session.begin():
        try:
            case = await panel_repo.lock_case(session, app.partnership_id, reference)
        except repo.NotFound:
            raise NotAllowed(f"There is no case {reference} in this partnership.") from None
        member = await _member_allowed(app, session, person, frozenset({"manager"}))
        if member is None:
            await repo.audit(
                session,
                action="milestone.snooze",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                outcome="refused",
                detail={"milestone": milestone_id},
            )
        else:
            row = await session.scalar(
                select(Milestone).where(
                    Milestone.case_id == case.id, Milestone.milestone == milestone_id
                )
            )
            if row is not None:
                row.snoozed_until = today
            await replan_case(app, session, case)
            await repo.audit(
                session,
                action="milestone.snooze",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                detail={"milestone": milestone_id},
            )
    if member is None:
        raise NotAllowed("Only a partnership manager can snooze a reminder.")
    return app.calendar.add_working_days(today, 1)


async def plan_day(app: AppContext, now: datetime) -> None:
    """Plan the day's digest (on a working day, from 09:00) and supersede what piled up."""
    today = london_date(now)
    async with app.db.session() as session, session.begin():
        if app.calendar.is_working_day(today):
            at = datetime.combine(today, DIGEST_AT, tzinfo=LONDON)
            if now >= at:
                await reminder_repo.plan_partnership_message(
                    session,
                    partnership_id=app.partnership_id,
                    kind="digest",
                    day=today,
                    send_after=at.astimezone(now.tzinfo),
                    now=now,
                )
        await reminder_repo.supersede_missed(session, now=now)


async def top_up(app: AppContext, today: date) -> None:
    """Once a day, extend the reminders of cases whose milestones are long overdue."""
    async with app.db.session() as session:
        ids = list(
            await session.scalars(
                select(Milestone.case_id)
                .join(Case, Case.id == Milestone.case_id)
                .where(
                    Case.partnership_id == app.partnership_id,
                    Case.status.in_(OPEN_CASE_STATUSES),
                    Milestone.done_at.is_(None),
                    Milestone.due_on < today - timedelta(days=7),
                )
                .distinct()
            )
        )
    for case_id in ids:
        async with app.db.session() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is not None:
                await replan_case(app, session, case)
