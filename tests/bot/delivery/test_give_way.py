"""Background delivery gives way to requests (bot/delivery/foreground.py and courier.py, #8).

While a request is being answered, the courier pauses between its steps (claim, render,
send), so its work falls between the requests' work instead of holding them all up at
once; with no request in flight it goes straight through.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import ActivityHandler, TurnContext

import bot.delivery.courier
from bench.servers import bare_app
from bot.delivery.foreground import Foreground
from bot.teams.keys import BOT, COURIER, FOREGROUND
from helpers.activities import message
from helpers.app import app_settings, running_app
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, open_case, press, vote_data
from helpers.people import VOTERS

pytestmark = pytest.mark.usefixtures("connector")


def test_foreground_counts_requests_until_each_ends_even_by_raising() -> None:
    foreground = Foreground()
    assert not foreground.busy
    with foreground.serving():
        with pytest.raises(RuntimeError), foreground.serving():
            raise RuntimeError("the turn failed")
        assert foreground.busy
    assert not foreground.busy


async def test_a_request_counts_as_served_while_its_turn_runs() -> None:
    seen: list[bool] = []

    class Recorder(ActivityHandler):
        async def on_turn(self, turn_context: TurnContext) -> None:
            seen.append(app[FOREGROUND].busy)

    app = await bare_app()
    app[BOT] = Recorder()
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        resp = await client.post(
            "/api/messages", json=message("hello", service_url="http://127.0.0.1:9/")
        )
        assert resp.status == 201, await resp.text()
    finally:
        await client.close()
    assert seen == [True]
    assert not app[FOREGROUND].busy


async def _card_update_time(
    roster_db: str,
    connector: FakeConnector,
    monkeypatch: pytest.MonkeyPatch,
    *,
    pause: float,
    busy: bool,
) -> float:
    """Seconds the courier takes to send one card update, with or without a request in
    flight, when it pauses `pause` s between steps. The vote's own update is left due (not
    sent) until the test asks for it."""
    settings = app_settings(roster_db, card_update_seconds=3600.0)
    async with running_app(settings, clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        courier = app.client.app[COURIER]
        await courier.idle()
        monkeypatch.setattr(bot.delivery.courier, "GIVE_WAY_S", pause)
        put_before = sum(c.method == "PUT" for c in connector.calls)
        await press(app, connector, "panel.vote", VOTERS["la"], vote_data("rapid_review", "la"))
        began = time.monotonic()
        if busy:
            with app.client.app[FOREGROUND].serving():
                await courier.idle()
        else:
            async with asyncio.timeout(10):
                await courier.idle()
        elapsed = time.monotonic() - began
    updates = [c for c in connector.calls if c.method == "PUT"][put_before:]
    assert len(updates) == 1
    return elapsed


async def test_delivery_pauses_between_its_steps_while_a_request_is_answered(
    roster_db: str, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Claim | render | send: at least two pauses before the update is out and marked.
    elapsed = await _card_update_time(roster_db, connector, monkeypatch, pause=0.3, busy=True)
    assert elapsed >= 0.6


async def test_delivery_does_not_pause_with_no_request_in_flight(
    roster_db: str, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    elapsed = await _card_update_time(roster_db, connector, monkeypatch, pause=60, busy=False)
    assert elapsed < 10
