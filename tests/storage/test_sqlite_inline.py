"""SQLite on the event loop: another process's lock is waited for off the loop, as before."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import db as db_module
from storage.db import Database
from storage.sqlite_inline import InlineConnection


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """What another process does: take SQLite's write lock and keep it for a while."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
    finally:
        other.close()


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
    path = tmp_path / "x.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.session() as s, s.begin():
            await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        held = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 0.5, held))
        holder.start()
        held.wait(5)
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
        holder.join()
        assert waited >= 0.3  # it waited for the other writer ...
        assert ticks >= 5  # ... while the event loop kept running
        async with database.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM t")) == 1
    finally:
        await database.dispose()


async def test_a_lock_held_too_long_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_LOCK_WAIT_S", 0.2)
    path = tmp_path / "x.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.session() as s, s.begin():
            await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        held = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, held))
        holder.start()
        held.wait(5)
        with pytest.raises(Exception, match="locked"):
            async with database.session() as s, s.begin():
                await s.execute(text("INSERT INTO t DEFAULT VALUES"))
        holder.join()
    finally:
        await database.dispose()


async def test_commits_leave_the_checkpoint_to_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No commit copies the WAL into the database file on the event loop; the checkpointer
    does, in the background, and the WAL does not grow without end."""
    monkeypatch.setattr(db_module, "CHECKPOINT_INTERVAL_S", 0.05)
    path = tmp_path / "x.db"
    database = Database(f"sqlite+aiosqlite:///{path}")

    def rows_in_database_file() -> int:
        # immutable=1: the main file alone, as if the WAL were not there.
        reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return int(reader.execute("SELECT count(*) FROM t").fetchone()[0])
        finally:
            reader.close()

    try:
        async with database.session() as s, s.begin():
            assert await s.scalar(text("PRAGMA wal_autocheckpoint")) == 0
            await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)"))
        written = 0
        for _ in range(6):
            for _ in range(200):
                async with database.session() as s, s.begin():
                    await s.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": "x" * 2000})
            written += 200
            deadline = time.monotonic() + 10
            while rows_in_database_file() < written and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            # Every committed row reached the database file, copied by the checkpointer.
            assert rows_in_database_file() == written
        # 1,200 transactions of a page or more each: over 5 MB of WAL had it never restarted.
        assert (tmp_path / "x.db-wal").stat().st_size < 4 * 1024 * 1024
    finally:
        await database.dispose()
