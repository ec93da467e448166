"""Core statements compiled once per dialect and run on the transaction's DB-API cursor.

For the one path that must be fast under load (a panel vote, issue #8). There SQLAlchemy's
own per-statement work (cache key, execution context, result and ORM loading, a greenlet
per awaited call) cost 100-600 µs of CPU a statement, while SQLite ran each in 20-60 µs.

What stays SQLAlchemy's: the SQL is its compilation of a Core statement for the dialect,
values go through the same bind and result processors it would apply (UTC timestamps,
JSON, booleans), the statement runs in the connection's transaction (so it commits or
rolls back with everything else, and SQLite's `BEGIN IMMEDIATE` still starts it), and a
driver error is raised as SQLAlchemy's `DBAPIError`, the connection invalidated when the
driver says it is gone. What is skipped is the per-call machinery.

`await run(connection, work)` runs `work(cursor)` in the connection's transaction. On
SQLite the statements go straight to the `sqlite3` connection on the event loop, where the
InlineConnection would run them anyway (storage/sqlite_inline.py): the transaction began
with `BEGIN IMMEDIATE`, so no statement in it waits for a lock. Elsewhere `work` runs
through `run_sync` on the driver adapter's cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler

from storage.sqlite_inline import InlineConnection

Processor = Callable[[Any], Any] | None
_REQUIRED = object()


@dataclass(frozen=True)
class _Plan:
    sql: str
    # Each positional parameter: its name, fixed value (or _REQUIRED) and bind processor.
    params: tuple[tuple[str, Any, Processor], ...]
    results: tuple[Processor, ...]


class Prepared:
    """One statement, built and compiled once per dialect (`build(dialect_name)`)."""

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        """The statement's SQL and processors for `dialect` (compiled on first use)."""
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _compile(self._build(dialect.name), dialect)
        return plan


def _compile(stmt: ClauseElement, dialect: Dialect) -> _Plan:
    if dialect.paramstyle not in ("qmark", "numeric_dollar", "format"):
        raise ValueError(f"unsupported paramstyle {dialect.paramstyle!r}")
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        # A Python-side column default would be computed by the execution context we skip.
        raise ValueError("give every column with a Python default a value explicitly")
    names = compiled.positiontup
    if names is None:
        raise ValueError("the dialect did not compile positional parameters")
    params = []
    for name in names:
        bind = compiled.binds[name]
        if bind.expanding:
            raise ValueError("expanding IN parameters are not supported here")
        fixed = _REQUIRED if bind.required or bind.callable is not None else bind.value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        params.append((name, fixed, processor))
    results: tuple[Processor, ...] = ()
    if isinstance(stmt, Select):
        columns = stmt.selected_columns
        results = tuple(
            col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns
        )
    return _Plan(sql=compiled.string, params=tuple(params), results=results)


T = TypeVar("T")
M = TypeVar("M")


def table_of(model: type[Any]) -> Table:
    """The table a declarative model maps."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def column_keys(table: Table) -> tuple[str, ...]:
    """The table's column names, in the order `select(table)` returns them (for `detached`)."""
    return tuple(str(c.key) for c in table.columns)


def detached(model: type[M], columns: Sequence[str], row: Sequence[Any]) -> M:
    """A model object holding a row's values, in no session, only to be read.

    Filled as the ORM's own loading fills an object (straight into its dict, not through
    `__init__` and an attribute event per column, which cost more than the statement).
    """
    obj: M = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(zip(columns, row, strict=True))
    return obj


async def session_rows(
    session: AsyncSession, stmt: Prepared, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """`stmt`'s rows in the session's transaction, what the session holds flushed first (a
    prepared statement sees only what is in the database)."""
    await session.flush()
    connection = await session.connection()
    return await run(connection, lambda cursor: cursor.rows(stmt, params))


async def run(connection: AsyncConnection, work: Callable[[Cursor], T]) -> T:
    """`work(cursor)` on the connection's transaction, which must have begun."""
    sync = connection.sync_connection
    assert sync is not None and sync.in_transaction()
    driver = sync.connection.driver_connection
    if isinstance(driver, InlineConnection):
        with Cursor(sync, driver.sqlite_cursor()) as cursor:
            return work(cursor)

    def in_greenlet(sync_connection: Connection) -> T:
        with Cursor(sync_connection, sync_connection.connection.cursor()) as cursor:
            return work(cursor)

    return await connection.run_sync(in_greenlet)


class Cursor:
    """A DB-API cursor in a connection's transaction, running `Prepared` statements."""

    def __init__(self, connection: Connection, cursor: Any) -> None:
        self._connection = connection
        self._dialect = connection.dialect
        self._cursor = cursor

    def close(self) -> None:
        """Close the DB-API cursor."""
        self._cursor.close()

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, stmt: Prepared, params: Mapping[str, Any]) -> int:
        """Execute; the number of rows it changed."""
        self._execute(stmt.plan(self._dialect), params)
        return int(self._cursor.rowcount)

    def rows(self, stmt: Prepared, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute; every row, its values as SQLAlchemy would give them."""
        return self.processed(stmt, self.raw_rows(stmt, params))

    def raw_rows(self, stmt: Prepared, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute; every row as the driver gives it (see `processed`)."""
        self._execute(stmt.plan(self._dialect), params)
        return [tuple(row) for row in self._cursor.fetchall()]

    def processed(self, stmt: Prepared, raw: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """`raw_rows`' rows with the values SQLAlchemy would give (timestamps, JSON...)."""
        processors = stmt.plan(self._dialect).results
        if not any(processors):
            return list(raw)
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
            for row in raw
        ]

    def _execute(self, plan: _Plan, params: Mapping[str, Any]) -> None:
        values = []
        for name, fixed, processor in plan.params:
            value = params[name] if fixed is _REQUIRED else params.get(name, fixed)
            values.append(processor(value) if processor is not None else value)
        dbapi = self._dialect.loaded_dbapi
        try:
            self._cursor.execute(plan.sql, tuple(values))
        except dbapi.Error as error:
            if self._dialect.is_disconnect(error, self._connection.connection, self._cursor):
                self._connection.invalidate(error)
            raise exc.DBAPIError.instance(
                plan.sql, values, error, dbapi.Error, dialect=self._dialect
            ) from error
