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
from bot.usecases.people import NotAllowed, Person, member_for
from bot.usecases.roles import holds, holds_any, who
from review.answers import clean_text
from review.calendar import LONDON, london_date
from review.profiles import Milestone as ProfileMilestone
from review.referral import parse_iso_date
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import reminders as reminder_repo
from storage import repositories as repo
from storage.models import Case, Member, Milestone

DIGEST_AT = time(9, 0)
RECORD_REASON_MAX = 1000


async def _refuse(
    app: AppContext, session: AsyncSession, person: Person, case: Case, action: str, detail: dict
) -> None:
    await repo.audit(
        session,
        action=action,
        actor=person.aad_object_id,
        partnership_id=app.partnership_id,
        case_id=case.id,
        outcome="refused",
        detail=detail,
    )


async def _case_and_person(
    app: AppContext, session: AsyncSession, reference: str, person: Person
) -> tuple[Case, Member | None]:
    """The case, locked (a missing one refused), and the person's roster entry."""
    try:
        case = await panel_repo.lock_case(session, app.partnership_id, reference)
    except repo.NotFound:
        raise NotAllowed(f"There is no case {reference} in this partnership.") from None
    return case, await member_for(app, session, person)


def _milestone_of(app: AppContext, milestone_id: str) -> ProfileMilestone:
    try:
        return app.profile.milestone(milestone_id)
    except KeyError:
        raise NotAllowed(f"{milestone_id!r} is not a milestone of this partnership.") from None


async def mark_done(
    app: AppContext, *, reference: str, milestone_id: str, person: Person
) -> tuple[str, date]:
    """Record a milestone as done now: its reminders stop, what counts from it moves.

    Only the roles the profile lets complete it may (its responsible role and managers by
    default). A milestone an action of the bot completes (the decision, the requests sent,
    the report sent...) is completed by that action: Mark done is refused and says so; a
    manager records it by hand with a date and a reason (`record_by_hand`). Every refusal
    is audited and changes nothing.
    """
    now = app.now()
    milestone = _milestone_of(app, milestone_id)
    refusal: str | None = None
    async with app.db.session() as session, session.begin():
        case, member = await _case_and_person(app, session, reference, person)
        detail = {"milestone": milestone_id}
        if milestone.by_action:
            refusal = (
                f"“{milestone.title}” is done in the bot itself, when it happens, and is marked "
                "done then. If it was done another way, a partnership manager records it by hand "
                "with its date and a reason (Record by hand, on the case's timeline)."
            )
        elif not holds_any(app, member, milestone.may_complete):
            refusal = (
                f"Only {who(app, milestone.may_complete)} can mark “{milestone.title}” done. "
                "Nothing was changed."
            )
        if refusal is not None:
            await _refuse(app, session, person, case, "milestone.done", detail)
        else:
            assert member is not None
            if milestone.completed_by is not None:
                await case_repo.record_event(session, case.id, milestone.completed_by, now)
            await case_repo.mark_milestone_done(session, case.id, milestone_id, now, member.id)
            await replan_case(app, session, case)
            await panel_repo.plan_card_update(session, case=case, now=now)
            await repo.audit(
                session,
                action="milestone.done",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                detail=detail,
            )
    if refusal is not None:
        raise NotAllowed(refusal)
    return milestone.title, london_date(now)


async def record_by_hand(
    app: AppContext,
    *,
    reference: str,
    milestone_id: str,
    person: Person,
    on: object,
    reason: object,
) -> tuple[str, date]:
    """A manager records by hand a milestone an action of the bot completes: done on `on`
    (an ISO date, not in the future, not before the referral) for `reason` (required), both
    audited and kept with the milestone, shown on the case. The milestone's event is recorded
    at that date, so what counts from it moves."""
    milestone = _milestone_of(app, milestone_id)
    today = london_date(app.now())
    day = parse_iso_date(on) if isinstance(on, str) else None
    text = clean_text(reason if isinstance(reason, str) else "").strip()
    async with app.db.session() as session, session.begin():
        case, member = await _case_and_person(app, session, reference, person)
        detail: dict[str, object] = {"milestone": milestone_id}
        problem = None
        if not holds(app, member, "manager"):
            problem = "Only a partnership manager can record a milestone by hand."
        elif not milestone.by_action:
            problem = f"“{milestone.title}” is marked done with Mark done; nothing to record."
        elif day is None:
            problem = "Choose the date it was done."
        elif day > today:
            problem = "The date it was done cannot be in the future."
        elif day < london_date(case.received_at):
            problem = "The date it was done cannot be before the referral was received."
        elif not text:
            problem = "Say why it is recorded by hand (how it was done outside the bot)."
        elif len(text) > RECORD_REASON_MAX:
            problem = f"Keep the reason under {RECORD_REASON_MAX} characters (it is {len(text)})."
        if problem is not None:
            await _refuse(app, session, person, case, "milestone.record", detail)
        else:
            assert member is not None and day is not None
            at = datetime.combine(day, time(12, 0), tzinfo=LONDON).astimezone(app.now().tzinfo)
            if milestone.completed_by is not None:
                await case_repo.record_event(session, case.id, milestone.completed_by, at)
            await case_repo.mark_milestone_done(
                session, case.id, milestone_id, at, member.id, note=text
            )
            await replan_case(app, session, case)
            await panel_repo.plan_card_update(session, case=case, now=app.now())
            await repo.audit(
                session,
                action="milestone.record",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
                # The reason is kept on the milestone (encrypted), never in the audit.
                detail={**detail, "on": day.isoformat()},
            )
    if problem is not None:
        raise NotAllowed(problem)
    return milestone.title, day


async def snooze(app: AppContext, *, reference: str, milestone_id: str, person: Person) -> date:
    """A manager quietens a milestone's reminders for one working day; the next one's date."""
    now = app.now()
    today = london_date(now)
    _milestone_of(app, milestone_id)
    async with app.db.session() as session, session.begin():
        case, member = await _case_and_person(app, session, reference, person)
        allowed = holds(app, member, "manager")
        if not allowed:
            await _refuse(
                app, session, person, case, "milestone.snooze", {"milestone": milestone_id}
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
    if not allowed:
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
