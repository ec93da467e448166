"""Renderers against a real database: what they hold while they wait on Teams."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.context import AppContext
from bot.delivery.addresses import CHANNEL_KEY, CHANNEL_KIND, personal_address
from bot.delivery.courier import run_messenger
from bot.delivery.message import Address
from bot.usecases.chats import PERSONAL_KIND
from helpers.app import app_settings
from helpers.people import PEOPLE
from storage import repositories as repo
from storage.db import Database

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_a_chat_is_opened_with_no_database_connection_held(roster_db: str) -> None:
    """Opening a 1:1 chat is a round trip to Teams: on SQLite a transaction held over it
    would keep every vote and message waiting for the one connection."""
    db = Database(roster_db)
    try:
        app = await AppContext.start(app_settings(roster_db), db, clock=lambda: MONDAY)
        async with db.session() as s, s.begin():
            await repo.save_conversation_reference(
                s,
                app.partnership_id,
                kind=CHANNEL_KIND,
                key=CHANNEL_KEY,
                conversation_id="19:fictional@thread.tacv2",
                service_url="https://smba.trafficmanager.net/uk/",
                tenant_id=None,
                reference={},
            )
        pool = db.engine.sync_engine.pool
        held: list[int] = []

        class Teams:
            async def open_personal_chat(
                self, service_url: str, user_id: str, tenant_id: str | None
            ) -> Address:
                held.append(pool.checkedout())  # type: ignore[attr-defined]
                return Address(service_url, "a:opened-for-robin", tenant_id)

        robin = PEOPLE["robin"]["aadObjectId"]
        token = run_messenger.set(Teams())  # type: ignore[arg-type]
        try:
            async with db.session() as s:
                address = await personal_address(app, s, robin)
        finally:
            run_messenger.reset(token)
        assert held == [0]
        assert address.conversation_id == "a:opened-for-robin"
        async with db.session() as s:  # and the chat is remembered for next time
            ref = await repo.conversation_reference(
                s, app.partnership_id, kind=PERSONAL_KIND, key=robin
            )
        assert ref is not None and ref.conversation_id == "a:opened-for-robin"
    finally:
        await db.dispose()
