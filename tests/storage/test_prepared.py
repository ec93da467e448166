"""Prepared statements (storage/prepared.py) on both databases: the values SQLAlchemy would
store and read, its exceptions, and the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, exc, select

from storage import prepared
from storage.db import Database
from storage.models import AuditEvent, ProcessedActivity
from storage.prepared import Cursor, Prepared

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
_AUDIT = AuditEvent.__table__
_INSERT = Prepared(
    lambda _: _AUDIT.insert().values(
        at=bindparam("at"),
        action=bindparam("action"),
        actor=bindparam("actor"),
        outcome="ok",
        detail=bindparam("detail"),
    )
)
_READ = Prepared(
    lambda _: select(_AUDIT.c.at, _AUDIT.c.detail, _AUDIT.c.outcome).where(
        _AUDIT.c.action == bindparam("action")
    )
)
_LEDGER = ProcessedActivity.__table__
_CLAIM = Prepared(
    lambda _: _LEDGER.insert().values(
        activity_key=bindparam("key"), processed_at=bindparam("at"), outcome=""
    )
)


def _write(cursor: Cursor) -> None:
    cursor.run(
        _INSERT,
        {"at": AT, "action": "prepared.test", "actor": None, "detail": {"n": 1, "é": ["x"]}},
    )


async def test_values_are_stored_and_read_as_sqlalchemy_would(db: Database) -> None:
    async with db.engine.connect() as conn, conn.begin():
        await prepared.run(conn, _write)
        rows = await prepared.run(conn, lambda c: c.rows(_READ, {"action": "prepared.test"}))
    assert rows == [(AT, {"n": 1, "é": ["x"]}, "ok")]
    assert rows[0][0].tzinfo is not None
    async with db.session() as s:  # and the ORM reads the same row back
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "prepared.test"))
    assert event is not None
    assert (event.at, event.detail, event.outcome, event.actor) == (
        AT,
        {"n": 1, "é": ["x"]},
        "ok",
        None,
    )


async def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(exc.IntegrityError):
        async with db.engine.connect() as conn, conn.begin():
            await prepared.run(conn, _write)
            await prepared.run(conn, lambda c: c.run(_CLAIM, {"key": "k1", "at": AT}))
            await prepared.run(conn, lambda c: c.run(_CLAIM, {"key": "k1", "at": AT}))
    async with db.session() as s:  # nothing of the failed transaction stayed
        assert (
            await s.scalar(select(AuditEvent).where(AuditEvent.action == "prepared.test")) is None
        )
        assert await s.scalar(select(ProcessedActivity)) is None


def test_a_column_default_left_to_python_is_refused_at_compile_time() -> None:
    # AuditEvent.at has a Python default (utcnow); the skipped execution context would not
    # compute it, so leaving it out must fail loudly rather than store NULL.
    from sqlalchemy.dialects import sqlite

    missing_at = Prepared(
        lambda _: _AUDIT.insert().values(action=bindparam("action"), outcome="ok", detail={})
    )
    with pytest.raises(ValueError, match="Python default"):
        missing_at.plan(sqlite.dialect())
