"""Reminders in the outbox for tests: cases with a nudge due, a sweep run to its end."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update

from bot.teams.keys import COURIER, REMINDERS
from helpers.app import RunningApp, app_settings, running_app
from helpers.connector import FakeConnector
from helpers.panel import Clock
from helpers.referral import complete_referral, register_channel, submit
from storage.db import Database
from storage.models import Case, CaseEvent, OutboundMessage


async def sweep(app: RunningApp) -> int:
    """One reminder sweep, and the delivery it started, to the end."""
    sent = await app.client.app[REMINDERS].sweep()
    await app.client.app[COURIER].idle()
    return sent


async def seed_due_nudges(db_url: str, count: int, connector: FakeConnector) -> None:
    """Open `count` cases whose notification reminder is due on Thu 7 Jan 2027."""
    clock = Clock(datetime(2026, 12, 31, 9, 0, tzinfo=UTC))
    async with running_app(app_settings(db_url), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        await app.client.app[COURIER].idle()
    connector.calls.clear()
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            case = (await s.scalars(select(Case))).one()
            template = case
            # Copy the case (no child details are needed for reminders) and its rows.
            for i in range(2, count + 1):
                s.add(
                    Case(
                        partnership_id=template.partnership_id,
                        reference=f"SSCP-2026-{i:04d}",
                        year=2026,
                        seq=i,
                        status=template.status,
                        pathway_sought=template.pathway_sought,
                        referring_agency=template.referring_agency,
                        event_date=template.event_date,
                        received_at=template.received_at,
                        channel_activity_id=f"root-{i}",
                        panel_round=1,
                    )
                )
            await s.flush()
            await s.execute(update(OutboundMessage).values(status="cancelled"))
            ids = list(await s.scalars(select(Case.id)))
            for case_id in ids[1:]:
                s.add(
                    CaseEvent(
                        case_id=case_id, event="referral_received", occurred_at=template.received_at
                    )
                )
            # Before 09:00, so the day's digest is not yet due and only reminders are sent.
            due = datetime(2027, 1, 7, 7, 0, tzinfo=UTC)
            for case_id in ids:
                s.add(
                    OutboundMessage(
                        case_id=case_id,
                        partnership_id=template.partnership_id,
                        kind="nudge",
                        milestone="national_panel_notification",
                        stage="due_today",
                        due_on=date(2027, 1, 7),
                        send_after=due,
                        status="pending",
                    )
                )
    finally:
        await db.dispose()


async def one_due_nudge(roster_db: str, connector: FakeConnector) -> Clock:
    """One case whose notification reminder is due on Thu 7 Jan 2027; the clock at 07:30."""
    await seed_due_nudges(roster_db, 1, connector)
    return Clock(datetime(2027, 1, 7, 7, 30, tzinfo=UTC))


async def nudge_rows(db_url: str) -> list[Any]:
    """The nudge rows not cancelled."""
    db = Database(db_url)
    try:
        async with db.session() as s:
            return list(
                await s.scalars(
                    select(OutboundMessage).where(
                        OutboundMessage.kind == "nudge", OutboundMessage.status != "cancelled"
                    )
                )
            )
    finally:
        await db.dispose()
