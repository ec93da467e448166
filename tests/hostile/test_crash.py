"""`kill -9` of the real server process mid-referral and mid-burst of votes: nothing lost,
nothing half-written, nothing counted twice once Teams redelivers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from helpers.activities import card_invoke, message, recorded
from helpers.connector import FakeConnector
from helpers.referral import FORM, SECTIONS, find_tokens
from storage.db import Database
from storage.models import Case, CaseEvent, Milestone, PanelVote, Referral

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`python -m bot run` in its own process, on loopback, killable."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "REMINDER_SWEEP_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "RAPID_REVIEW_CLOCK_START": "2026-11-23T10:00:00+00:00",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    def cli(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(self.log.read_text()[-2000:])

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@contextmanager
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    s = Server(db_url, tmp_path / "server.log")
    try:
        yield s
    finally:
        s.stop()


async def post(session: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> int:
    async with session.post(url, json=activity) as resp:
        await resp.read()
        return resp.status


async def walk_referral(
    session: aiohttp.ClientSession, srv: Server, connector: FakeConnector, sections: tuple[str, ...]
) -> None:
    for section in sections:
        token = find_tokens(connector.cards()[-1])[0]
        value = {"action": "referral.step", "section": section, "token": token, **FORM[section]}
        assert (
            await post(session, srv.url, message("", service_url=connector.url, value=value)) == 201
        )


async def _count(db_url: str, *what: Any) -> int:
    db = Database(db_url)
    try:
        async with db.session() as s:
            stmt = select(func.count()).select_from(what[0])
            for clause in what[1:]:
                stmt = stmt.where(clause)
            return int(await s.scalar(stmt) or 0)
    finally:
        await db.dispose()


async def test_kill_9_mid_referral_then_submit_opens_one_whole_case(
    tmp_path: Path, connector: FakeConnector
) -> None:
    empty_db_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    with server(empty_db_url, tmp_path) as srv:
        srv.cli("db", "upgrade")
        srv.cli("demo", "load")
        srv.start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            channel = recorded("channel_message", service_url=connector.url)
            assert await post(http, srv.url, channel) == 201
            assert await post(http, srv.url, message("refer", service_url=connector.url)) == 201
            await walk_referral(http, srv, connector, SECTIONS[:2])
            srv.kill9()  # mid-form
            srv.start()
            assert await post(http, srv.url, message("continue", service_url=connector.url)) == 201
            await walk_referral(http, srv, connector, SECTIONS[2:])
            token = find_tokens(connector.cards()[-1])[0]
            submit = message(
                "", service_url=connector.url, value={"action": "referral.submit", "token": token}
            )
            # Kill while the submit is in flight, then let Teams redeliver it.
            task = asyncio.create_task(post(http, srv.url, submit))
            await asyncio.sleep(0.05)
            srv.kill9()
            try:
                await task
            except aiohttp.ClientError:
                pass
            srv.start()
            status = await post(http, srv.url, submit)
            assert status in (200, 201)
            again = message(
                "", service_url=connector.url, value={"action": "referral.submit", "token": token}
            )
            assert await post(http, srv.url, again) in (200, 201)  # a second click
    assert await _count(empty_db_url, Case) == 1
    assert await _count(empty_db_url, Referral) == 1
    assert await _count(empty_db_url, CaseEvent, CaseEvent.event == "referral_received") == 1
    assert await _count(empty_db_url, Milestone) > 0


async def test_kill_9_in_a_burst_of_votes_loses_none_and_doubles_none(
    tmp_path: Path, connector: FakeConnector
) -> None:
    empty_db_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    with server(empty_db_url, tmp_path) as srv:
        srv.cli("db", "upgrade")
        srv.cli("demo", "load")
        srv.start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            assert (
                await post(http, srv.url, recorded("channel_message", service_url=connector.url))
                == 201
            )
            assert await post(http, srv.url, message("refer", service_url=connector.url)) == 201
            await walk_referral(http, srv, connector, SECTIONS)
            token = find_tokens(connector.cards()[-1])[0]
            submit = message(
                "", service_url=connector.url, value={"action": "referral.submit", "token": token}
            )
            assert await post(http, srv.url, submit) == 201
            # Disagreeing votes, so the panel stays open and every vote must be kept.
            outcomes = {"lee": "rapid_review", "pat": "practice_review", "hana": "escalation"}
            votes = []
            for n in range(60):
                who = list(outcomes)[n % 3]
                data = {
                    "reference": "SSCP-2026-0001",
                    "round": 1,
                    "outcome": outcomes[who],
                    "rationale": f"fictional rationale {n}",
                    "serious_harm_basis": "fictional",
                    "notifiable": "yes",
                }
                votes.append(
                    card_invoke(
                        "panel.vote",
                        data,
                        who=who,
                        service_url=connector.url,
                        activity_id=f"f:burst-{n}",
                    )
                )
            acknowledged: list[str] = []
            twenty = asyncio.Event()

            async def vote(activity: dict[str, Any]) -> None:
                try:
                    if await post(http, srv.url, activity) == 200:
                        acknowledged.append(activity["id"])
                        if len(acknowledged) >= 20:
                            twenty.set()
                except aiohttp.ClientError:
                    pass

            tasks = [asyncio.create_task(vote(v)) for v in votes]
            await asyncio.wait_for(twenty.wait(), 60)
            srv.kill9()
            await asyncio.gather(*tasks)
            srv.start()
            for v in votes:  # Teams redelivers everything it has no answer for (and more)
                assert await post(http, srv.url, v) == 200
    db = Database(empty_db_url)
    try:
        async with db.session() as s:
            ids = list(await s.scalars(select(PanelVote.activity_id)))
    finally:
        await db.dispose()
    assert len(ids) == len(set(ids)) == 60  # every vote once, none twice
    assert set(acknowledged) <= set(ids)
