"""SQLite statements run on the event loop, without a thread hop per driver call.

aiosqlite runs every driver call (make a cursor, execute, fetch, close, commit) on its own
thread and wakes the event loop for each result; SQLAlchemy makes five or six such calls per
statement. On a small VM each round trip costs 60-100 µs of wake-ups and, once the loop is
busy, a wait of up to the interpreter's switch interval (5 ms) for the GIL, while the
statement itself takes a few microseconds: a panel vote spent most of its time there.

`InlineConnection` is the part of `aiosqlite.Connection` that SQLAlchemy's aiosqlite dialect
uses, answering each call at once on the calling thread. It is plugged in with
`create_async_engine(..., async_creator=...)`, so the dialect, pool, events and SQL are
SQLAlchemy's own.

What could block the loop is a lock held by another process: with SQLite's busy timeout a
statement would sleep on the event loop. So the connection's busy timeout is 0, and a
statement refused with SQLITE_BUSY is run again on a worker thread with the full wait
(`lock_wait`), as aiosqlite would have run it. SQLite undoes a statement refused as busy, so
running it again is safe. In this project every transaction begins with `BEGIN IMMEDIATE`
(storage/db.py), which is where a lock is taken or waited for; once a transaction holds it,
no statement of the transaction waits on a lock in WAL mode.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

_SQLITE_BUSY = 5


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == _SQLITE_BUSY
    return "database is locked" in str(exc)


class _InlineQueue:
    """Stands in for aiosqlite's request queue, which the dialect uses directly for one
    thing (setting `isolation_level`): run the function now and settle its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # settled on the future, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineCursor:
    """An `aiosqlite.Cursor` look-alike over a `sqlite3.Cursor`."""

    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        """Run one statement."""
        if parameters is None:
            await self._connection._run(self._cursor.execute, sql)
        else:
            await self._connection._run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        await self._connection._run(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` more rows."""
        if size is None:
            return self._cursor.fetchmany()
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        """SQLite has one result set per statement."""
        return None

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    @property
    def description(self) -> Any:
        """The DB-API description of the last result."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The row id of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows fetched by fetchmany() by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """An `aiosqlite.Connection` look-alike that runs each call on the calling thread."""

    def __init__(self, connection: sqlite3.Connection, *, lock_wait: float) -> None:
        # The dialect reads `_conn` (to set isolation_level through `_tx`) and checks
        # `_connection` before commit and rollback (None once closed), as with aiosqlite.
        self._conn: sqlite3.Connection | None = connection
        self._tx = _InlineQueue()
        self._lock_wait_ms = max(0, int(lock_wait * 1000))

    @classmethod
    async def connect(cls, database: str, *, lock_wait: float = 10.0) -> InlineConnection:
        """Open `database` (opening may wait on a lock, so it happens on a worker thread)."""
        connection = await asyncio.to_thread(
            sqlite3.connect, database, timeout=0, check_same_thread=False
        )
        return cls(connection, lock_wait=lock_wait)

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    def _may_wait(self, exc: sqlite3.OperationalError) -> bool:
        """True when `exc` says another process holds the lock and we wait for locks."""
        return _is_busy(exc) and self._lock_wait_ms != 0

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` now; if another process holds the lock, wait for it off the loop."""
        try:
            return function(*args)
        except sqlite3.OperationalError as exc:
            if not self._may_wait(exc):
                raise
        return await asyncio.to_thread(self._waiting, function, *args)

    def _waiting(self, function: Callable[..., T], *args: Any) -> T:
        connection = self._live()
        connection.execute(f"PRAGMA busy_timeout={self._lock_wait_ms}")
        try:
            return function(*args)
        finally:
            connection.execute("PRAGMA busy_timeout=0")

    def begin_now(self, sql: str) -> bool:
        """Run `sql` (a BEGIN) at once; False, with nothing changed, if it must wait.

        A BEGIN refused as busy (another process holds the lock) is left to the caller to
        run again through `_run`, which waits off the event loop.
        """
        try:
            self._live().execute(sql)
        except sqlite3.OperationalError as exc:
            if not self._may_wait(exc):
                raise
            return False
        return True

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's isolation level (None: SQLAlchemy begins transactions)."""
        return self._live().isolation_level

    def sqlite_cursor(self) -> sqlite3.Cursor:
        """A plain `sqlite3` cursor, for statements inside a transaction already begun.

        Such a transaction began with `BEGIN IMMEDIATE` (storage/db.py), so in WAL mode none
        of its statements waits for a lock: they need not go through `_run`.
        """
        return self._live().cursor()

    def cursor(self) -> InlineCursor:
        """A new cursor (the dialect enters it with `async with`, as aiosqlite's)."""
        return InlineCursor(self, self._live().cursor())

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """Commit the transaction."""
        connection = self._live()
        await self._run(connection.commit)

    async def rollback(self) -> None:
        """Roll the transaction back."""
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection (a second close does nothing)."""
        connection, self._conn = self._conn, None
        if connection is not None:
            connection.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        connection, self._conn = self._conn, None
        if connection is not None:
            connection.close()
