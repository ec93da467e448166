"""The database engine, sessions, health check and migration state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.concurrency import await_, greenlet_spawn
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from storage.sqlite_inline import InlineConnection
from storage.urls import is_sqlite, normalise_database_url

SQLITE_LOCK_WAIT_S = 10.0
# Small and often: a checkpoint's copy and fsyncs stall a commit's WAL write on the same
# disk, and under steady writes they grow with what was written since the last one. In
# `make bench` (#8), once a second a checkpoint took 15-25 ms and a commit waited 4-11 ms
# (the slowest votes); every quarter second one takes ~8 ms and commits seldom wait 2 ms
# (every 5 s, votes waited up to ~100 ms). A checkpoint with nothing to copy costs a
# thread hop.
CHECKPOINT_INTERVAL_S = 0.25
# A WAL longer than this (256 MB of 4 KB pages) after a checkpoint is started over. That
# stops writers for tens of milliseconds; only writes that never pause ever get here
# (`make bench` writes 15 MB a second).
WAL_RESTART_FRAMES = 65536
# The WAL file is cut back to this when it starts over.
WAL_KEPT_BYTES = 64 * 1024 * 1024
# How long that restart waits for a gap between writers before it tries again next round.
WAL_RESTART_WAIT_MS = 2000

log = logging.getLogger(__name__)


class DatabaseNotMigrated(RuntimeError):
    """The schema is missing or behind the code; the message says which command to run."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, begin transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The WAL is copied into the database file by the Database's checkpointer, on a worker
    # thread: an automatic checkpoint would run inside a commit, on the event loop, with
    # its fsyncs (milliseconds on a VM disk; the slowest votes of the benchmark, #8).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
    # No busy timeout here: InlineConnection waits for another process's lock (10 s, as
    # before) on a worker thread, never asleep on the event loop.
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # The Python sqlite driver only starts a transaction before the first write, so reads
    # ran outside it and a SAVEPOINT committed on release: a case could be half-written by
    # a crash. Every transaction starts here instead, taking the write lock at once
    # (SQLite has one writer; this also avoids a stale read snapshot failing a later write).
    # Straight to sqlite3 when nothing holds the lock, not `exec_driver_sql`: a whole
    # statement execution context for a constant cost more than the statement. A lock held
    # by another process is waited for off the event loop (InlineConnection._run), through
    # the driver adapter's cursor.
    dbapi = conn.dialect.loaded_dbapi
    try:
        driver = conn.connection.driver_connection
        if isinstance(driver, InlineConnection) and driver.begin_now("BEGIN IMMEDIATE"):
            return
        cursor = conn.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()
    except (dbapi.Error, sqlite3.Error) as error:
        raise exc.DBAPIError.instance(
            "BEGIN IMMEDIATE", (), error, dbapi.Error, dialect=conn.dialect
        ) from error


class _FairQueue(AsyncAdaptedQueue[Any]):
    """SQLAlchemy's asyncio pool queue, first come first served.

    The stock queue (and asyncio.Queue under it) hands a returned connection to whoever
    asks next while a woken waiter is still on its way; the waiter then queues again at
    the back. With SQLite's single connection and twenty votes queued, some waited a
    second while the median was 40 ms (#8). Here waiters line up behind an asyncio.Lock,
    which is FIFO, and only the one at the front waits on the queue itself.

    A newcomer still takes a connection it finds free while the front waiter has waited
    less than OVERTAKE_S: the waiter needs a turn of the event loop to take its turn, and
    a newcomer that uses the connection without yielding (a vote) gives it back before
    then. Lining every newcomer up behind a waiter instead made a convoy under load: one
    vote that waited (for a lock another connection held) put every later vote in the
    line, each paying a suspension, for as long as the load lasted. Past OVERTAKE_S the
    line is strictly first come, first served.
    """

    OVERTAKE_S = 0.02

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiting = 0
        self._line = asyncio.Lock()
        self._front_since: float | None = None  # when the front waiter began to wait

    def _may_overtake(self) -> bool:
        front = self._front_since
        return front is None or time.monotonic() - front < self.OVERTAKE_S

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not block or self._waiting == 0 or self._may_overtake():
            try:
                return self.get_nowait()
            except Empty:
                if not block:
                    raise
        self._waiting += 1
        try:
            return await_(self._in_line(limit_s=timeout, since=time.monotonic()))
        except TimeoutError as err:
            raise Empty() from err
        finally:
            self._waiting -= 1

    async def _in_line(self, *, limit_s: float | None, since: float) -> Any:
        async with asyncio.timeout(limit_s), self._line:
            self._front_since = since
            try:
                return await self._queue.get()
            finally:
                self._front_since = None


class _FairPool(AsyncAdaptedQueuePool):
    _queue_class = _FairQueue


def _is_inline(url: str) -> bool:
    """True when `create_engine` runs this SQLite database's statements inline."""
    url = normalise_database_url(url)
    return is_sqlite(url) and "?" not in url and bool(make_url(url).database)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`, with SQLite set up for several writers (WAL, busy timeout)."""
    url = normalise_database_url(url)
    if is_sqlite(url):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = make_url(url).database or ""
        if _is_inline(url):
            # Statements run on the event loop, not one aiosqlite thread hop per driver
            # call (see storage/sqlite_inline.py): the database file is the same.
            kwargs.setdefault(
                "async_creator",
                lambda: InlineConnection.connect(database, lock_wait=SQLITE_LOCK_WAIT_S),
            )
        # SQLite has one writer and every transaction here begins IMMEDIATE: one pooled
        # connection makes sessions queue in the pool (first come, first served) instead of
        # in SQLite's busy handler, which sleeps and retries.
        kwargs.setdefault("poolclass", _FairPool)
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(url, **kwargs)


class _Checkpointer:
    """Copies a SQLite database's WAL into the database file, on a worker thread.

    Every `interval` seconds while the Database is in use, a PASSIVE checkpoint on its own
    connection: it waits for no reader or writer, and writers go on appending meanwhile.
    SQLite restarts the WAL from its beginning once all of it has been copied, so the file
    stays small; under writes that never pause, a WAL grown past WAL_RESTART_FRAMES is
    restarted (RESTART) instead. The last connection to close checkpoints what is left.
    """

    def __init__(self, path: str, interval: float) -> None:
        self._path = path
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None
        # A cancelled task does not stop its worker thread: the connection is closed only
        # once no checkpoint is running on it (closing it under one can crash the process).
        self._lock = threading.Lock()
        self._closed = False

    def on_begin(self, _connection: Any) -> None:
        """The engine's `begin` event: make sure the checkpoints are running."""
        self.ensure_running()

    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await asyncio.to_thread(self.checkpoint)

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint, then a RESTART if the WAL is still long (none once stopped)."""
        with self._lock:
            if self._closed:
                return
            try:
                if self._connection is None:
                    self._connection = sqlite3.connect(
                        self._path, timeout=0, check_same_thread=False, isolation_level=None
                    )
                connection = self._connection
                _busy, frames, _copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if frames > WAL_RESTART_FRAMES:
                    # SQLite starts the WAL over only when a writer begins after a checkpoint
                    # has copied all of it; under steady writes none ever has, and the WAL
                    # grew by megabytes a second. RESTART waits for a gap between writers
                    # (they wait for it, off the event loop), copies the rest and makes the
                    # next writer start from the beginning.
                    connection.execute(f"PRAGMA busy_timeout={WAL_RESTART_WAIT_MS}")
                    try:
                        connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
                    finally:
                        connection.execute("PRAGMA busy_timeout=0")
            except sqlite3.Error as error:
                # Busy or not there yet: the next round tries again.
                log.debug("checkpoint skipped", extra={"why": str(error)})

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()


class JoinedSession:
    """An ORM session on a connection's transaction, made only when something asks for it.

    For a use case that runs on a connection (a vote's prepared statements) and needs the
    ORM only now and then: `orm()` gives the session, which joins the connection's
    transaction and never commits or ends it. On leaving, what it holds is flushed (unless
    an error is on its way) and it is closed; the connection's own `begin()` commits.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._session: AsyncSession | None = None

    def __call__(self) -> AsyncSession:
        if self._session is None:
            self._session = AsyncSession(
                bind=self._connection,
                expire_on_commit=False,
                join_transaction_mode="rollback_only",
            )
        return self._session

    async def __aenter__(self) -> JoinedSession:
        return self

    async def __aexit__(self, exc_type: object, *_: object) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if exc_type is None:
                await session.flush()
        finally:
            await session.close()


class _InlineSession(AsyncSession):
    """An AsyncSession that gives its connection back as it leaves `async with`.

    SQLAlchemy closes a session leaving `async with` in a task of its own, so that a
    cancellation cannot cut the close short, and waits for that task: a read-only session
    (no `begin()` block) holds its connection until the task has run. On SQLite there is
    one connection, so whatever ran meanwhile and needed it queued (first come, first
    served); under load each later request then queued behind those, and never caught up.
    One card update a second put every vote in that line, each paying a suspension and a
    wake-up (1.6 turns of the event loop a vote instead of one, #8). On the inline
    connection a close never waits on I/O, so nothing can cut it short: it runs at once.
    """

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await self.close()


class Transaction:
    """`async with db.transaction() as connection:` a connection in a transaction.

    The same as `async with engine.connect() as c, c.begin():` (commit when the block ends,
    roll back if it raises, the connection back to the pool either way), in two calls into
    SQLAlchemy's greenlet instead of four, and without the task `AsyncConnection.close`
    starts to shield itself. On SQLite that was 100-150 µs of a vote's ~2 ms (#8).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Connection | None = None

    async def __aenter__(self) -> AsyncConnection:
        self._sync = await greenlet_spawn(_connect_and_begin, self._engine.sync_engine)
        return AsyncConnection(self._engine, self._sync)

    async def __aexit__(self, exc_type: object, *_: object) -> None:
        sync, self._sync = self._sync, None
        assert sync is not None
        await greenlet_spawn(_finish, sync, exc_type is None)


def _connect_and_begin(engine: Any) -> Connection:
    connection: Connection = engine.connect()
    try:
        connection.begin()
    except BaseException:
        connection.close()
        raise
    return connection


def _finish(connection: Connection, commit: bool) -> None:
    # close() rolls back whatever is still open: the block raised, or the commit failed.
    try:
        if commit and connection.in_transaction():
            connection.commit()
    finally:
        connection.close()


class Database:
    """An engine and its session factory; start and stop it with the app."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_database_url(url)
        self.engine = create_engine(self.url, **engine_kwargs)
        self.sessions = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            class_=_InlineSession if _is_inline(self.url) else AsyncSession,
        )
        database = make_url(self.url).database if is_sqlite(self.url) else None
        self._checkpointer = (
            _Checkpointer(database, CHECKPOINT_INTERVAL_S)
            if database and database != ":memory:"
            else None
        )
        if self._checkpointer is not None:
            # Started by the first transaction, whichever way it comes (a session, or a
            # connection as a vote uses): autocheckpoint is off, so something must run it.
            event.listen(self.engine.sync_engine, "begin", self._checkpointer.on_begin)

    @property
    def dialect(self) -> str:
        """The SQL dialect name ('sqlite' or 'postgresql')."""
        return self.engine.dialect.name

    def session(self) -> AsyncSession:
        """A new session (use `async with db.session() as s, s.begin(): ...`)."""
        return self.sessions()

    def transaction(self) -> Transaction:
        """A connection in a new transaction (use `async with db.transaction() as c: ...`)."""
        return Transaction(self.engine)

    async def ping(self, limit_s: float = 2.0) -> bool:
        """True when the database answers a trivial query within `limit_s` seconds."""
        try:
            async with asyncio.timeout(limit_s):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def check_migrated(self) -> None:
        """Raise DatabaseNotMigrated unless the schema is at the newest migration."""
        from storage.migrate import current_revision, head_revision

        current = await current_revision(self.engine)
        head = head_revision()
        if current != head:
            state = "has no schema" if current is None else f"is at revision {current}"
            raise DatabaseNotMigrated(
                f"The database {state}, the code needs {head}. "
                "Run `python -m bot db upgrade` (or `make run`, which does it) first."
            )

    async def dispose(self) -> None:
        """Close every pooled connection (and stop the checkpoints)."""
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        await self.engine.dispose()
