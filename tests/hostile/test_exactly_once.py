"""Exactly once through a database outage and a kill -9 during a POST Teams holds open: two
app instances on one database behind a Bot Connector stand-in that can hold a POST.

- An instance whose POST succeeded while the database was away keeps the outcome and records
  it once the database is back; the other instance, back from the same outage, does not take
  the claim over (it has not watched a whole lease since it could reach the database).
- An instance that is alive renews its claim while Teams holds its POST open: the other one,
  in touch all along, does not take it over however long the POST takes.
- An instance killed during the POST cannot know whether the message arrived: the other takes
  the claim over after the lease and sends it again saying it may be a repeat, counted on
  /healthz and in the digest.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import POSTGRES_URL, needs_postgres

from bot.delivery.courier import RELEASE_EVERY
from bot.teams.keys import COURIER, REMINDERS
from helpers.app import app_settings, running_app
from helpers.connector import Call, FakeConnector
from helpers.outbox import nudge_rows, one_due_nudge, sweep
from helpers.proxy import proxied_postgres
from storage import outbox
from storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
REPEAT = "Sent again after an interruption"


def thread_posts(connector: FakeConnector) -> list[Call]:
    """New activities posted in a case's thread (the nudges)."""
    return [c for c in connector.calls if c.method == "POST" and ";messageid=" in c.conversation_id]


async def until(condition: object, limit_s: float = 10.0) -> None:
    """Wait (briefly, bounded) for something another task or process does to the database."""
    deadline = time.monotonic() + limit_s
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@needs_postgres
async def test_a_post_that_succeeded_during_an_outage_is_recorded_after_it_not_sent_again(
    connector: FakeConnector,
) -> None:
    proxy, url = await proxied_postgres(POSTGRES_URL)
    try:
        clock = await one_due_nudge(url, connector)
        gate = asyncio.Event()
        connector.hold_thread_posts = gate
        async with (
            running_app(app_settings(url), clock=clock) as one,
            running_app(app_settings(url), clock=clock) as two,
        ):
            due = clock.now
            clock.now = due - timedelta(hours=2)
            await sweep(two)  # in touch with the database; nothing due yet
            clock.now = due
            delivering = asyncio.create_task(one.client.app[COURIER].deliver())
            await connector.wait_until(lambda: connector.held == 1)
            await proxy.cut()  # the database goes away while Teams holds the POST
            gate.set()  # Teams answers: the message is posted
            failed = await asyncio.gather(delivering, return_exceptions=True)
            assert isinstance(failed[0], Exception)  # its outcome could not be recorded...
            assert one.client.app[COURIER].holding  # ...and is kept
            # Both sweep while it is away (every 30 s in production): both fail quietly.
            assert await one.client.app[REMINDERS].sweep() == 0
            assert await two.client.app[REMINDERS].sweep() == 0
            clock.now += outbox.LEASE + timedelta(minutes=1)  # a long outage, past the lease
            await proxy.start()
            # The other instance is back first, and sweeps twice: it has not watched a lease
            # since it reached the database again, so the claim is not its to take.
            await sweep(two)
            await sweep(two)
            assert len(thread_posts(connector)) == 1
            await sweep(one)  # the sender records what it sent, first thing
            (row,) = await nudge_rows(url)
            assert (row.status, row.attempts, row.resent) == ("sent", 1, False)
            clock.now += outbox.LEASE + timedelta(minutes=1)
            await sweep(two)
            await sweep(one)
        assert len(thread_posts(connector)) == 1
        (row,) = await nudge_rows(url)
        assert row.status == "sent" and not row.resent
    finally:
        await proxy.cut()


@needs_postgres
async def test_reminders_resume_within_one_sweep_of_the_database_coming_back(
    connector: FakeConnector,
) -> None:
    """A delivery the outage stopped before its send gives its claims back at once: the next
    sweep after the database returns sends them (no lease to wait out)."""
    proxy, url = await proxied_postgres(POSTGRES_URL)
    try:
        clock = await one_due_nudge(url, connector)
        async with running_app(app_settings(url), clock=clock) as app:
            courier = app.client.app[COURIER]
            render_nudge = courier.renderers["nudge"]

            async def cut_while_rendering(*args: Any) -> Any:
                await proxy.cut()  # the database goes away after the claim, before the send
                return await render_nudge(*args)

            courier.renderers["nudge"] = cut_while_rendering
            assert await app.client.app[REMINDERS].sweep() == 0
            assert courier.holding  # the claim it could not send is remembered
            courier.renderers["nudge"] = render_nudge
            await proxy.start()
            assert await sweep(app) == 1  # the first sweep after the outage sends it
        assert len(thread_posts(connector)) == 1
        (row,) = await nudge_rows(url)
        assert (row.status, row.resent) == ("sent", False)
    finally:
        await proxy.cut()


async def test_a_live_owner_keeps_its_claim_while_teams_holds_the_post_open(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    gate = asyncio.Event()
    connector.hold_thread_posts = gate
    async with (
        running_app(app_settings(roster_db), clock=clock) as one,
        running_app(app_settings(roster_db), clock=clock) as two,
    ):
        one.client.app[COURIER].heartbeat_s = 0.05
        due = clock.now
        clock.now = due - timedelta(hours=2)
        await sweep(two)  # in touch from here on; nothing due yet
        clock.now = due
        delivering = asyncio.create_task(one.client.app[COURIER].deliver())
        await connector.wait_until(lambda: connector.held == 1)
        clock.now += outbox.LEASE * 2  # Teams holds the POST open for four minutes

        async def renewed() -> bool:
            (row,) = await nudge_rows(roster_db)
            return row.claimed_at == clock.now

        await until(renewed)  # the owner's heartbeat renewed its claim
        await sweep(two)  # in touch for two leases: it would take over a stopped worker's claim
        assert len(thread_posts(connector)) == 1
        gate.set()
        assert await delivering == 1
        await sweep(two)
    assert len(thread_posts(connector)) == 1
    (row,) = await nudge_rows(roster_db)
    assert (row.status, row.attempts, row.resent) == ("sent", 1, False)


async def test_a_worker_just_back_does_not_take_over_an_old_claim_until_it_has_watched_a_lease(
    roster_db: str, connector: FakeConnector
) -> None:
    """However old a claim is, a worker that has only just reached the database cannot tell a
    stopped worker from one that could not reach it either: it waits a lease of its own."""
    clock = await one_due_nudge(roster_db, connector)
    db = Database(roster_db)
    try:
        async with db.transaction() as c:
            assert await outbox.claim_due(c, now=clock.now, worker="elsewhere") != []
    finally:
        await db.dispose()
    clock.now += timedelta(hours=1)  # the claim is an hour old
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)
        clock.now += outbox.LEASE - timedelta(seconds=1)
        await sweep(app)
        assert thread_posts(connector) == []
        clock.now += RELEASE_EVERY  # past a lease of its own, at its next look
        await sweep(app)
    (post,) = thread_posts(connector)
    assert REPEAT not in json.dumps(post.body)  # its send had never begun: not a repeat
    (row,) = await nudge_rows(roster_db)
    assert (row.status, row.resent) == ("sent", False)


class Replica:
    """`python -m bot run` in its own process, sweeping every second, killable."""

    def __init__(self, db_url: str, log: Path, clock_start: datetime) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "REMINDER_SWEEP_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            "RAPID_REVIEW_CLOCK_START": clock_start.isoformat(),
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


async def test_killed_during_a_held_post_the_other_replica_sends_it_again_saying_so(
    roster_db: str, connector: FakeConnector, tmp_path: Path
) -> None:
    clock = await one_due_nudge(roster_db, connector)
    gate = asyncio.Event()
    connector.hold_thread_posts = gate
    replica = Replica(roster_db, tmp_path / "replica.log", clock.now)
    try:
        replica.start()
        await connector.wait_until(lambda: connector.held == 1, limit_s=60)
        replica.kill9()  # while Teams holds its POST open: did it arrive? Nobody can know.
    finally:
        replica.stop()
        gate.set()
    (row,) = await nudge_rows(roster_db)
    assert row.status == "sending" and row.send_started_at is not None  # the attempt left a trace
    clock.now += timedelta(minutes=1)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await sweep(app)  # in touch from now: the claim is not yet its to take
        assert len(thread_posts(connector)) == 1
        clock.now += outbox.LEASE + timedelta(seconds=1)
        await sweep(app)
        await sweep(app)
        posts = thread_posts(connector)
        assert len(posts) == 2
        assert REPEAT not in json.dumps(posts[0].body)
        assert REPEAT in json.dumps(posts[1].body)  # on the card: it may be a repeat
        health = await (await app.client.get("/healthz")).json()
        assert health["outbox"]["resent"] == 1
        (row,) = await nudge_rows(roster_db)
        assert (row.status, row.resent) == ("sent", True)
        # The managers' digest (09:00 on a working day) says so too.
        clock.now = datetime(2027, 1, 7, 9, 5, tzinfo=UTC)
        await sweep(app)
    digests = [
        c.body
        for c in connector.calls
        if "digest" in json.dumps(c.body).lower() and "Rapid review digest" in json.dumps(c.body)
    ]
    assert digests and "sent again after an interruption" in json.dumps(digests[-1])


async def test_a_delivery_with_nothing_to_send_leaves_another_deliverys_claims_held(
    roster_db: str, connector: FakeConnector
) -> None:
    """Two deliveries of one worker at once: the one that claimed nothing does not count the
    other's claims off, so their heartbeat goes on while Teams holds the POST open."""
    clock = await one_due_nudge(roster_db, connector)
    gate = asyncio.Event()
    connector.hold_thread_posts = gate
    async with running_app(app_settings(roster_db), clock=clock) as app:
        courier = app.client.app[COURIER]
        holding = asyncio.create_task(courier.deliver())
        await connector.wait_until(lambda: connector.held == 1)
        assert await courier.deliver() == 0  # nothing left to claim
        assert courier.holding  # the first delivery's claim is still held (and renewed)
        gate.set()
        assert await holding == 1
        assert not courier.holding
