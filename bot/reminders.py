"""Deadline reminders: the outbox is the truth, APScheduler only the trigger.

Reminder rows are planned (`replan_case`) in the same transaction as the change that
creates or moves a milestone. A short periodic sweep supersedes what piled up during
downtime, plans the day's digest, and hands due rows to the courier, which claims each row
once (`FOR UPDATE SKIP LOCKED` / conditional UPDATE) — so a restart, a retried sweep or a
second replica never posts a reminder twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import OPEN_CASE_STATUSES, replan_case
from bot.context import AppContext
from bot.files import expire_offers
from bot.outbox import Courier
from bot.referrals import Person
from review.calendar import LONDON, london_date
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import reminders as reminder_repo
from storage import repositories as repo
from storage.models import Case, Milestone

log = logging.getLogger(__name__)

DIGEST_AT = time(9, 0)
DONE_ROLES = frozenset({"panel", "deputy", "manager", "chair", "agency_lead"})
SWEEP_SECONDS = 30


class NotAllowed(Exception):
    """The person may not do this; the message says why."""


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


class Reminders:
    """The periodic sweep and the daily digest, driven by APScheduler."""

    def __init__(self, app: AppContext, courier: Courier) -> None:
        self.app = app
        self.courier = courier
        self._topped_up: date | None = None

    def schedule(self, scheduler: AsyncIOScheduler, every_seconds: int = SWEEP_SECONDS) -> None:
        """Sweep now (missed reminders go out once on start-up), then every few seconds."""
        scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=every_seconds, timezone=LONDON),
            id="sweep",
            next_run_time=datetime.now(LONDON),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def sweep(self) -> int:
        """One sweep; a failure (the database away) is logged and the next sweep retries."""
        try:
            return await self._sweep()
        except (OSError, SQLAlchemyError) as exc:
            log.warning("reminder sweep failed; the next one retries", extra={"why": repr(exc)})
            return 0

    async def _sweep(self) -> int:
        """Plan what the day needs, supersede what piled up, and deliver what is due."""
        now = self.app.now()
        today = london_date(now)
        async with self.app.db.session() as session, session.begin():
            if self.app.calendar.is_working_day(today):
                at = datetime.combine(today, DIGEST_AT, tzinfo=LONDON)
                if now >= at:
                    await reminder_repo.plan_partnership_message(
                        session,
                        partnership_id=self.app.partnership_id,
                        kind="digest",
                        day=today,
                        send_after=at.astimezone(now.tzinfo),
                        now=now,
                    )
            await reminder_repo.supersede_missed(session, now=now)
        if self._topped_up != today:
            await self.top_up(today)
            await expire_offers(self.app)
            self._topped_up = today
        return await self.courier.deliver(limit=1000)

    async def top_up(self, today: date) -> None:
        """Once a day, extend the reminders of cases whose milestones are long overdue."""
        async with self.app.db.session() as session:
            ids = list(
                await session.scalars(
                    select(Milestone.case_id)
                    .join(Case, Case.id == Milestone.case_id)
                    .where(
                        Case.partnership_id == self.app.partnership_id,
                        Case.status.in_(OPEN_CASE_STATUSES),
                        Milestone.done_at.is_(None),
                        Milestone.due_on < today - timedelta(days=7),
                    )
                    .distinct()
                )
            )
        for case_id in ids:
            async with self.app.db.session() as session, session.begin():
                case = await session.get(Case, case_id)
                if case is not None:
                    await replan_case(self.app, session, case)
