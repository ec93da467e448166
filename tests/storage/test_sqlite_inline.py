"""SQLite on the event loop: another process's lock is waited for off the loop, as before."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import db as db_module
from storage.db import Database
from storage.sqlite_inline import InlineConnection


def hold_write_lock(
    path: Path, seconds: float, held: threading.Event, then: str | None = None
) -> None:
    """What another process does: take SQLite's write lock and keep it for a while (and
    run `then` before it commits)."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        if then is not None:
            other.execute(then)
        other.execute("COMMIT")
    finally:
        other.close()


@contextlib.asynccontextmanager
async def table_locked_elsewhere(path: Path, seconds: float) -> AsyncIterator[Database]:
    """A Database with a table `t`, whose write lock another connection holds `seconds`."""
    database = Database(f"sqlite+aiosqlite:///{path}")
    holder: threading.Thread | None = None
    try:
        async with database.session() as s, s.begin():
            await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        held = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, seconds, held))
        holder.start()
        held.wait(5)
        yield database
    finally:
        if holder is not None:
            holder.join()
        await database.dispose()


async def test_sqlite_connections_are_inline(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
    finally:
        await database.dispose()


async def test_a_lock_held_elsewhere_is_waited_for_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    async with table_locked_elsewhere(tmp_path / "x.db", 0.5) as database:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        ticker = asyncio.create_task(tick())
        began = time.monotonic()
        async with database.session() as s, s.begin():
            await s.execute(text("INSERT INTO t DEFAULT VALUES"))
        waited = time.monotonic() - began
        ticker.cancel()
        assert waited >= 0.3  # it waited for the other writer ...
        assert ticks >= 5  # ... while the event loop kept running
        async with database.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM t")) == 1


async def test_a_lock_held_too_long_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_LOCK_WAIT_S", 0.2)
    async with table_locked_elsewhere(tmp_path / "x.db", 1.0) as database:
        with pytest.raises(Exception, match="locked"):
            async with database.session() as s, s.begin():
                await s.execute(text("INSERT INTO t DEFAULT VALUES"))


async def test_commits_leave_the_checkpoint_to_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No commit copies the WAL into the database file (autocheckpoint is off); the
    checkpointer does, in the background, so the WAL restarts instead of growing.

    The first burst runs with the checkpointer held back, so its WAL is a whole burst's
    (a round in the middle of it would restart the WAL and make the yardstick small); after
    each burst the test waits for a round of the checkpointer's own, not a fixed time.
    """
    monkeypatch.setattr(db_module, "CHECKPOINT_INTERVAL_S", 0.05)
    checkpoint = db_module._Checkpointer.checkpoint
    loop = asyncio.get_running_loop()
    after_burst = 0  # how many bursts had ended when a round began; 0: held back
    round_done = asyncio.Event()

    def counted(self: db_module._Checkpointer) -> None:
        began = after_burst
        if began == 0:
            return
        checkpoint(self)
        if began == after_burst:  # began after the latest burst, not during it
            loop.call_soon_threadsafe(round_done.set)

    monkeypatch.setattr(db_module._Checkpointer, "checkpoint", counted)
    path = tmp_path / "x.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    wal = tmp_path / "x.db-wal"
    try:
        # Connections, as a vote uses, not sessions: whichever way, a transaction starts it.
        async with database.engine.connect() as c, c.begin():
            assert await c.scalar(text("PRAGMA wal_autocheckpoint")) == 0
            await c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)"))
        burst = 0
        for n in range(1, 7):
            for _ in range(200):
                async with database.engine.connect() as c, c.begin():
                    await c.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": "x" * 2000})
            burst = burst or wal.stat().st_size  # the WAL after one burst
            round_done.clear()
            after_burst = n
            async with asyncio.timeout(30):
                await round_done.wait()  # a whole round after the burst
        # Six bursts: six times the first burst's WAL had nothing copied it and restarted it.
        assert wal.stat().st_size < 2.5 * burst
        async with database.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM t")) == 1200
    finally:
        await database.dispose()


async def test_sessions_get_the_connection_in_the_order_they_asked(tmp_path: Path) -> None:
    """SQLite has one pooled connection: whoever asked first gets it next, even when the
    one giving it back asks again at once (the stock queue let that one jump the line), once
    the first in line has waited OVERTAKE_S."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    order: list[str] = []
    try:
        first = await database.engine.connect()
        waiting = [
            asyncio.create_task(_take_turn(database, f"waiter-{n}", order)) for n in range(3)
        ]
        await asyncio.sleep(0.05)  # all three are queued for the connection by now
        await first.close()
        await _take_turn(database, "again", order)  # asks again at once, without yielding
        await asyncio.gather(*waiting)
        assert order == ["waiter-0", "waiter-1", "waiter-2", "again"]
    finally:
        await database.dispose()


async def test_a_free_connection_is_used_at_once_while_a_waiter_is_on_its_way(
    tmp_path: Path,
) -> None:
    """A waiter handed the connection needs a turn of the event loop to take it. A request
    that finds it free meanwhile uses it and gives it back without yielding, instead of
    lining up: lined up, every later request queued behind it, a convoy under load (#8)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    order: list[str] = []
    try:
        holder = database.transaction()
        await holder.__aenter__()
        waiter = asyncio.create_task(_take_turn(database, "waiter", order))
        await asyncio.sleep(0)  # the waiter is in line (it has only just begun to wait)
        await holder.__aexit__(None, None, None)  # back in the pool; the waiter is woken
        async with database.transaction() as c:  # no turn of the loop since
            await c.execute(text("SELECT 1"))
            order.append("newcomer")
        await waiter
        assert order == ["newcomer", "waiter"]
    finally:
        await database.dispose()


async def _take_turn(database: Database, name: str, order: list[str]) -> None:
    async with database.engine.connect() as conn:
        order.append(name)
        await conn.execute(text("SELECT 1"))


async def test_a_session_gives_its_connection_back_before_anything_else_runs(
    tmp_path: Path,
) -> None:
    """SQLite has one connection: a read-only session must not hold it while its close
    waits for a turn of the event loop, or whatever runs meanwhile queues for it (#8)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    pool = database.engine.sync_engine.pool
    seen: list[int] = []
    try:
        async with database.session() as s:  # no begin(): the transaction is still open
            await s.execute(text("SELECT 1"))
            assert pool.checkedout() == 1  # type: ignore[attr-defined]
            asyncio.get_running_loop().call_soon(
                lambda: seen.append(pool.checkedout())  # type: ignore[attr-defined]
            )
        await asyncio.sleep(0)
        assert seen == [0]
    finally:
        await database.dispose()


def wal_frames(path: Path) -> int:
    """How many frames the database's WAL holds (a checkpoint reports it)."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as c:
        _busy, frames, _copied = c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


async def test_a_wal_that_writes_never_let_restart_is_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite starts the WAL over only when a writer begins after all of it was copied.
    Under writes that never pause none does, and the WAL grew without bound (megabytes a
    second in `make bench`); past WAL_RESTART_FRAMES the checkpointer restarts it."""
    monkeypatch.setattr(db_module, "WAL_RESTART_FRAMES", 20)
    path = tmp_path / "x.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    checkpointer = database._checkpointer
    assert checkpointer is not None
    try:
        async with database.transaction() as c:
            await c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)"))
        for _ in range(50):
            async with database.transaction() as c:
                await c.execute(text("INSERT INTO t (x) VALUES ('x')"))
        # Another writer began before the checkpoint and commits while it runs: without a
        # restart its frames go after the 50 already copied, and so does every write after.
        held = threading.Event()
        other = threading.Thread(
            target=hold_write_lock, args=(path, 0.3, held, "INSERT INTO t (x) VALUES ('y')")
        )
        other.start()
        held.wait(5)
        await asyncio.to_thread(checkpointer.checkpoint)
        other.join()
        async with database.transaction() as c:
            await c.execute(text("INSERT INTO t (x) VALUES ('x')"))
        assert wal_frames(path) <= 5  # the last write started the WAL over
        async with database.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM t")) == 52
    finally:
        await database.dispose()
