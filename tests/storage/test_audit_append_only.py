"""The audit trail is append-only: no code path updates or deletes it, and on SQLite and
PostgreSQL the database itself refuses an UPDATE or DELETE of audit_event (migration 0013),
while retention still deletes a closed case and its audit events stay, case_id cleared."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from storage import repositories as repo
from storage.db import Database
from storage.models import AuditEvent, Case, Partnership
from storage.retention import delete_closed_cases

ROOT = Path(__file__).resolve().parents[2]
# An UPDATE or DELETE aimed at the audit, however it is written: SQLAlchemy's update()/delete()
# of the model or its table, the table's own .update()/.delete(), or SQL text.
_WRITES = re.compile(
    r"\b(update|delete)\s*\(\s*(AuditEvent|table_of\(\s*AuditEvent\s*\)|audit_table)\b"
    r"|AuditEvent\.__table__\.(update|delete)\b"
    r"|\bUPDATE\s+\"?audit_event\b"
    r"|\bDELETE\s+FROM\s+\"?audit_event\b"
    r"|\bTRUNCATE\s+(TABLE\s+)?\"?audit_event\b",
    re.IGNORECASE,
)


def test_no_code_updates_or_deletes_the_audit() -> None:
    found = []
    for room in ("storage", "bot"):
        for path in sorted((ROOT / room).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _WRITES.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
    # The scan itself finds what it is for.
    assert _WRITES.search("await session.execute(delete(AuditEvent).where(x))")
    assert _WRITES.search('conn.exec_driver_sql("UPDATE audit_event SET actor = NULL")')
    assert not _WRITES.search("BEFORE UPDATE ON audit_event")


def test_the_repositories_only_append() -> None:
    names = [n for n, f in inspect.getmembers(repo, inspect.isfunction) if "audit" in n]
    assert sorted(names) == ["audit", "audit_trail"]  # add one, read them: nothing else


async def _case(db: Database, reference: str, closed: bool) -> tuple[int, int]:
    async with db.session() as s, s.begin():
        partnership = await s.scalar(select(Partnership).where(Partnership.slug == "test"))
        if partnership is None:
            partnership = Partnership(slug="test", name="Fictional", profile="stockport")
            s.add(partnership)
            await s.flush()
        now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        case = Case(
            partnership_id=partnership.id,
            reference=reference,
            year=2026,
            seq=int(reference[-4:]),
            status="closed" if closed else "referred",
            pathway_sought="rapid_review",
            referring_agency="stockport_nhs_ft",
            event_date=date(2026, 11, 20),
            received_at=now,
            closed_at=now if closed else None,
        )
        s.add(case)
        await s.flush()
        for action in ("referral.submit", "case.view"):
            await repo.audit(
                s,
                action=action,
                actor="00000000-0000-4000-8000-000000000005",
                partnership_id=partnership.id,
                case_id=case.id,
                detail={"fields": ["gender"]},
            )
        return partnership.id, case.id


async def _refused(db: Database, statement: object) -> str:
    with pytest.raises(DBAPIError) as caught:
        async with db.session() as s, s.begin():
            await s.execute(statement)  # type: ignore[call-overload]
    return str(caught.value)


async def test_the_database_refuses_to_change_or_remove_an_audit_event(db: Database) -> None:
    partnership_id, case_id = await _case(db, "TEST-2026-0001", closed=True)
    _, other_id = await _case(db, "TEST-2026-0002", closed=False)
    attempts = [
        update(AuditEvent).where(AuditEvent.case_id == case_id).values(outcome="refused"),
        update(AuditEvent).values(detail={}),
        text("UPDATE audit_event SET actor = NULL"),
        # Moving events to another case.
        update(AuditEvent).where(AuditEvent.case_id == case_id).values(case_id=other_id),
        # Clearing case_id with something else changed.
        update(AuditEvent).where(AuditEvent.case_id == case_id).values(case_id=None, actor=None),
        delete(AuditEvent).where(AuditEvent.case_id == case_id),
        text("DELETE FROM audit_event"),
    ]
    if db.engine.dialect.name == "postgresql":
        # Detaching events from a case that still exists (SQLite cannot look: migration 0013).
        attempts.append(
            update(AuditEvent).where(AuditEvent.case_id == case_id).values(case_id=None)
        )
        attempts.append(text("TRUNCATE audit_event"))
    for statement in attempts:
        assert "audit_event is append-only" in await _refused(db, statement), statement
    async with db.session() as s:
        events = (await s.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [(e.case_id, e.outcome, e.detail) for e in events] == [
        (case_id, "ok", {"fields": ["gender"]}),
        (case_id, "ok", {"fields": ["gender"]}),
        (other_id, "ok", {"fields": ["gender"]}),
        (other_id, "ok", {"fields": ["gender"]}),
    ]

    # Retention deletes the closed case: its audit events stay, no longer naming it.
    async with db.session() as s, s.begin():
        deleted = await delete_closed_cases(
            s,
            partnership_id=partnership_id,
            closed_before=datetime(2034, 1, 1, tzinfo=UTC),
            actor="cli",
        )
    assert deleted == ["TEST-2026-0001"]
    async with db.session() as s:
        kept = (await s.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        cases = await s.scalar(select(func.count()).select_from(Case))
    assert cases == 1
    assert [(e.case_id, e.action) for e in kept] == [
        (None, "referral.submit"),
        (None, "case.view"),
        (other_id, "referral.submit"),
        (other_id, "case.view"),
        (None, "retention.delete"),
    ]
    assert kept[0].detail == {"fields": ["gender"]} and kept[0].actor is not None
    # And the events it left behind are as fixed as any other.
    assert "append-only" in await _refused(
        db, update(AuditEvent).where(AuditEvent.id == kept[0].id).values(case_id=other_id)
    )
