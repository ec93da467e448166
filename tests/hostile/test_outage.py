"""The database unavailable: /healthz says degraded, people hear "try again
shortly", and the reminders resume afterwards with nothing lost or doubled."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from conftest import POSTGRES_URL, needs_postgres
from sqlalchemy import select

from bot.teams.keys import COURIER, REMINDERS
from helpers.activities import message
from helpers.app import app_settings, running_app
from helpers.connector import FakeConnector
from helpers.proxy import proxied_postgres
from helpers.referral import complete_referral, register_channel, submit
from storage.db import Database
from storage.models import OutboundMessage

# Real seconds the database stays away: the app's clock is the test's, so what matters is
# that every pooled connection is broken and new ones are refused, not how long it lasts.
OUTAGE_SECONDS = 2


@needs_postgres
async def test_an_outage_of_the_database(connector: FakeConnector) -> None:
    proxy, proxied = await proxied_postgres(POSTGRES_URL)

    class Clock:
        now = datetime(2026, 12, 24, 16, 5, tzinfo=UTC)

        def __call__(self) -> datetime:
            return self.now

    clock = Clock()
    async with running_app(app_settings(proxied), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        await app.client.app[COURIER].idle()
        clock.now = datetime(2026, 12, 31, 9, 30, tzinfo=UTC)  # the heads-up is due

        await proxy.cut()
        health = await app.client.get("/healthz")
        assert health.status == 503 and (await health.json())["status"] == "degraded"
        before = len(connector.texts())
        resp = await app.post_activity(message("help", service_url=connector.url))
        assert resp.status < 500
        assert any("try again shortly" in t for t in connector.texts()[before:])
        assert await app.client.app[REMINDERS].sweep() == 0  # fails quietly, retries later
        await asyncio.sleep(OUTAGE_SECONDS)

        await proxy.start()
        health = await app.client.get("/healthz")
        assert health.status == 200
        posted_before = len(connector.calls)
        await app.client.app[REMINDERS].sweep()
        await app.client.app[REMINDERS].sweep()
        nudges = [
            c
            for c in connector.calls[posted_before:]
            if ";messageid=" in c.conversation_id and "milestone.done" in json.dumps(c.body)
        ]
        assert len(nudges) == 1
    db = Database(POSTGRES_URL)
    try:
        async with db.session() as s:
            rows = list(
                await s.scalars(
                    select(OutboundMessage).where(
                        OutboundMessage.kind == "nudge",
                        OutboundMessage.due_on == date(2026, 12, 31),
                    )
                )
            )
        assert [r.status for r in rows] == ["sent"]
    finally:
        await db.dispose()
    await proxy.cut()


@needs_postgres
async def test_every_invoke_with_the_database_down_answers_200_and_says_try_again(
    connector: FakeConnector,
) -> None:
    """Each Action.Execute verb the bot knows (and one it does not), a file consent answer and
    another invoke name, while PostgreSQL is away: never a 5xx; a card's button gets a card
    saying nothing was changed and to try again shortly."""
    from bot.teams.handler import VERBS
    from helpers.activities import card_invoke, recorded

    proxy, proxied = await proxied_postgres(POSTGRES_URL)
    try:
        async with running_app(app_settings(proxied)) as app:
            await proxy.cut()
            for verb in [*VERBS, "not.a.verb"]:
                activity = card_invoke(
                    verb, {"reference": "SSCP-2026-0001"}, who="lee", service_url=connector.url
                )
                activity["id"] = f"invoke-{verb}"
                resp = await app.post_activity(activity)
                assert resp.status == 200, (verb, resp.status, await resp.text())
                body = await resp.json()
                assert body["type"] == "application/vnd.microsoft.card.adaptive", verb
                if verb in VERBS:
                    assert "try again shortly" in json.dumps(body["value"]), verb
            for name, value in (
                ("fileConsent/invoke", {"action": "accept", "context": {"file_id": 1}}),
                ("task/fetch", {}),
            ):
                activity = recorded("personal_message", service_url=connector.url)
                activity.update(type="invoke", name=name, value=value, id=f"invoke-{name}")
                resp = await app.post_activity(activity)
                assert resp.status < 500, (name, resp.status)
    finally:
        await proxy.cut()
