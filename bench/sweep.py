"""A reminder sweep over 10,000 open cases with 1,000 reminders due.

The sweep's own work — supersede, claim, render each reminder from the database, mark it
sent — on SQLite, with the Bot Connector replaced by an instant stand-in (the network is
measured by the HTTP benchmark). Baseline: claiming and marking the same rows without
rendering, measured in the same run.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

CASES = 10_000
DUE = 1_000


class InstantMessenger:
    """Stands in for the Bot Connector: accepts every send at once."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, to: Any, activity: Any) -> str:
        self.sent += 1
        return f"activity-{self.sent}"

    async def update(self, to: Any, activity_id: str, activity: Any) -> None:
        self.sent += 1


async def _seed(db_url: str) -> tuple[Any, Any]:
    from bot.context import AppContext
    from bot.settings import Settings
    from bot.usecases.roster import DEMO_ROSTER, import_roster
    from storage import repositories as repo
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Case, CaseEvent, OutboundMessage

    now = datetime(2027, 1, 7, 9, 30, tzinfo=UTC)
    received = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
    db = Database(db_url)
    await upgrade(db.engine)
    settings = Settings(database_url=db_url, reminder_sweep_seconds=0)
    await import_roster(settings, DEMO_ROSTER)
    app = await AppContext.start(settings, db, clock=lambda: now)
    async with db.session() as s, s.begin():
        await repo.save_conversation_reference(
            s,
            app.partnership_id,
            kind="channel",
            key="rapid_review",
            conversation_id="19:bench@thread.tacv2",
            service_url="http://127.0.0.1:1/",
            tenant_id=None,
            reference={},
        )
        await s.execute(
            insert(Case),
            [
                {
                    "partnership_id": app.partnership_id,
                    "reference": f"SSCP-2026-{i:05d}",
                    "year": 2026,
                    "seq": i,
                    "status": "panel",
                    "pathway_sought": "rapid_review",
                    "referring_agency": "stockport_nhs_ft",
                    "event_date": date(2026, 12, 30),
                    "received_at": received,
                    "channel_activity_id": f"root-{i}",
                    "panel_round": 1,
                }
                for i in range(1, CASES + 1)
            ],
        )
        ids = list(await s.scalars(select(Case.id)))
        await s.execute(
            insert(CaseEvent),
            [{"case_id": i, "event": "referral_received", "occurred_at": received} for i in ids],
        )
        await s.execute(
            insert(OutboundMessage),
            [
                {
                    "case_id": i,
                    "partnership_id": app.partnership_id,
                    "kind": "nudge",
                    "milestone": "national_panel_notification",
                    "stage": "due_today",
                    "due_on": date(2027, 1, 7),
                    "status": "pending",
                    "attempts": 0,
                    "send_after": now - timedelta(minutes=30)
                    if n < DUE
                    else now + timedelta(days=3),
                    "created_at": received,
                }
                for n, i in enumerate(ids)
            ],
        )
    return app, db


def unpaced(courier: Any) -> Any:
    """The courier without Teams' per-tenant pace (50 sends a second): with it 1,000 sends
    take 20 s whatever the bot does, and the bench measures the bot's own work."""
    from bot.delivery.courier import Pacer

    courier.tenant_pacer = Pacer(1_000_000)
    return courier


async def _run() -> dict[str, float]:
    from bot.delivery.addresses import channel_address
    from bot.delivery.courier import Courier, Rendered
    from bot.delivery.message import Address, card_message
    from bot.delivery.renderers import RENDERERS
    from bot.delivery.sweep import Reminders
    from storage.models import OutboundMessage

    with tempfile.TemporaryDirectory() as tmp:
        # Baseline: the same claims and marks with the cheapest possible renderer.
        app, db = await _seed(f"sqlite+aiosqlite:///{tmp}/base.db")

        async def trivial(app: Any, session: Any, row: OutboundMessage) -> Rendered:
            channel = await channel_address(app, session)
            to = Address(channel.service_url, f"{channel.conversation_id};messageid={row.id}")
            return Rendered(to, card_message({"type": "AdaptiveCard"}))

        courier = unpaced(Courier(app, InstantMessenger(), {"nudge": trivial}))  # type: ignore[arg-type]
        began = time.perf_counter()
        base_sent = await courier.deliver(limit=DUE)
        baseline = time.perf_counter() - began
        await db.dispose()

        app, db = await _seed(f"sqlite+aiosqlite:///{tmp}/sweep.db")
        messenger = InstantMessenger()
        reminders = Reminders(app, unpaced(Courier(app, messenger, RENDERERS)))  # type: ignore[arg-type]
        reminders._topped_up = app.now().date()  # the daily top-up is measured apart
        began = time.perf_counter()
        sent = await reminders.sweep()
        elapsed = time.perf_counter() - began
        await db.dispose()
    assert base_sent == DUE and sent >= DUE, (base_sent, sent)
    return {"sweep_10k_s": elapsed, "sweep_claim_only_10k_s": baseline}


def run() -> dict[str, float]:
    """Time the sweep and its claim-only baseline."""
    return asyncio.run(_run())
