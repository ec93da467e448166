"""`Database.transaction()` on both databases: commit, rollback, and the pool's connection
back either way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from storage.db import Database, JoinedSession
from storage.models import AuditEvent

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _audit(action: str) -> object:
    return insert(AuditEvent).values(at=AT, action=action, outcome="ok", detail={})


async def _count(db: Database, action: str) -> int:
    async with db.session() as s:
        n = await s.scalar(select(func.count()).where(AuditEvent.action == action))
    return int(n or 0)


def _checked_out(db: Database) -> int:
    return int(db.engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_what_the_block_writes_is_committed_when_it_ends(db: Database) -> None:
    async with db.transaction() as connection:
        assert connection.in_transaction()
        await connection.execute(_audit("transaction.commit"))
        async with JoinedSession(connection) as orm:  # the ORM joins the same transaction
            orm().add(AuditEvent(at=AT, action="transaction.commit", outcome="ok", detail={}))
    assert await _count(db, "transaction.commit") == 2
    assert _checked_out(db) == 0


async def test_nothing_is_written_when_the_block_raises(db: Database) -> None:
    with pytest.raises(LookupError):
        async with db.transaction() as connection:
            await connection.execute(_audit("transaction.rollback"))
            raise LookupError("the use case refused")
    assert await _count(db, "transaction.rollback") == 0
    assert _checked_out(db) == 0
    async with db.transaction() as connection:  # and the pooled connection is fit for use
        await connection.execute(_audit("transaction.after"))
    assert await _count(db, "transaction.after") == 1


async def test_a_failed_statement_leaves_nothing_and_returns_the_connection(db: Database) -> None:
    with pytest.raises(Exception, match="(?i)null|not-null"):
        async with db.transaction() as connection:
            await connection.execute(_audit("transaction.partial"))
            await connection.execute(insert(AuditEvent).values(at=AT, action=None, outcome="ok"))
    assert await _count(db, "transaction.partial") == 0
    assert _checked_out(db) == 0
