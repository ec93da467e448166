"""The reminder sweep: the outbox is the truth, APScheduler only the trigger.

A short periodic sweep supersedes what piled up during downtime, plans the day's digest
(bot/usecases/reminders.py), and hands due rows to the courier, which claims each row once
(`FOR UPDATE SKIP LOCKED` / conditional UPDATE) — so a restart, a retried sweep or a second
replica never posts a reminder twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.usecases import reminders
from bot.usecases.files import expire_offers
from review.calendar import LONDON, london_date

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30


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
            self.courier.out_of_touch()
            return 0

    async def _sweep(self) -> int:
        """Plan what the day needs, supersede what piled up, and deliver what is due."""
        now = self.app.now()
        today = london_date(now)
        await reminders.plan_day(self.app, now)
        if self._topped_up != today:
            await self.top_up(today)
            await expire_offers(self.app)
            self._topped_up = today
        return await self.courier.deliver(limit=1000)

    async def top_up(self, today: date) -> None:
        """Once a day, extend the reminders of cases whose milestones are long overdue."""
        await reminders.top_up(self.app, today)
