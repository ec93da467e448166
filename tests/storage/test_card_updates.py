"""The shared card's update request on both databases: many asks, one row, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import cases as case_repo
from storage import outbox
from storage import panel as panel_repo
from storage import repositories as repo
from storage.db import Database
from storage.models import Case, OutboundMessage

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _case(db: Database) -> Case:
    async with db.session() as s, s.begin():
        p = await repo.ensure_partnership(s, slug="test", name="Test", profile="stockport")
        return await case_repo.open_case(
            s,
            partnership_id=p.id,
            prefix="TST",
            year=2026,
            received_at=T0,
            pathway_sought="rapid_review",
            referring_agency="fictional_agency",
            event_date=T0.date(),
            referrer_member_id=None,
            referrer_aad_object_id=None,
            submission_key="card-updates",
            form={},
            status="panel",
        )


async def _ask(db: Database, case: Case, at: datetime) -> OutboundMessage:
    async with db.session() as s, s.begin():
        await panel_repo.plan_card_update(s, case=case, now=at)
    async with db.session() as s:
        rows = list(
            await s.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id))
        )
    assert len(rows) == 1
    return rows[0]


async def test_asks_while_waiting_make_one_update_that_stays_due(db: Database) -> None:
    case = await _case(db)
    first = await _ask(db, case, T0)
    again = await _ask(db, case, T0 + timedelta(seconds=30))
    assert (again.id, again.status, again.attempts) == (first.id, "pending", 0)
    assert again.send_after == T0  # left as it was: already due


async def test_an_ask_during_a_send_or_after_a_failure_or_a_send_pends_it_again(
    db: Database,
) -> None:
    case = await _case(db)
    row = await _ask(db, case, T0)
    async with db.session() as s, s.begin():
        assert await outbox.claim_due(await s.connection(), now=T0, worker="w1") == [row.id]
    during = await _ask(db, case, T0 + timedelta(seconds=1))
    assert (during.status, during.claimed_by) == ("pending", None)  # the newer state is sent

    async with db.session() as s, s.begin():
        claimed = await outbox.claim_due(
            await s.connection(), now=T0 + timedelta(seconds=2), worker="w2"
        )
        assert claimed == [row.id]
        await outbox.mark_failed_attempt(
            s,
            row.id,
            worker="w2",
            error="429",
            status="pending",
            retry_at=T0 + timedelta(minutes=5),
        )
    later = T0 + timedelta(seconds=3)
    after_failure = await _ask(db, case, later)
    assert (after_failure.status, after_failure.attempts) == ("pending", 0)
    assert after_failure.send_after == later

    async with db.session() as s, s.begin():
        assert await outbox.claim_due(await s.connection(), now=later, worker="w3") == [row.id]
        assert await outbox.mark_sent(s, row.id, worker="w3", activity_id="a1", now=later)
    after_send = await _ask(db, case, later + timedelta(seconds=1))
    assert after_send.status == "pending"


async def test_a_send_is_marked_only_by_the_worker_holding_the_claim(db: Database) -> None:
    """`mark_sent_on` (the sweep's prepared UPDATE) writes what `mark_sent` writes, and a
    worker whose claim was lost changes nothing."""
    case = await _case(db)
    row = await _ask(db, case, T0)
    async with db.session() as s, s.begin():
        assert await outbox.claim_due(await s.connection(), now=T0, worker="w1") == [row.id]
    sent_at = T0 + timedelta(seconds=2)
    async with db.transaction() as c:
        assert not await outbox.mark_sent_on(
            c, row.id, worker="w2", activity_id="other", now=sent_at
        )
    async with db.transaction() as c:
        assert await outbox.mark_sent_on(c, row.id, worker="w1", activity_id="act-9", now=sent_at)
    async with db.session() as s:
        stored = await s.get(OutboundMessage, row.id)
    assert stored is not None
    assert (stored.status, stored.sent_activity_id, stored.attempts, stored.last_error) == (
        "sent",
        "act-9",
        1,
        None,
    )
    assert stored.sent_at == sent_at


async def _due_rows(db: Database, case: Case, minutes_late: list[int]) -> list[int]:
    """Pending outbox rows for `case`, due `minutes_late` before T0 (negative: not yet due)."""
    async with db.session() as s, s.begin():
        rows = [
            OutboundMessage(
                case_id=case.id,
                partnership_id=case.partnership_id,
                kind="nudge",
                milestone=f"fictional_{n}",
                stage="due",
                due_on=T0.date(),
                send_after=T0 - timedelta(minutes=late),
            )
            for n, late in enumerate(minutes_late)
        ]
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows]


async def test_a_claim_takes_the_oldest_due_rows_up_to_the_limit(db: Database) -> None:
    case = await _case(db)
    ids = await _due_rows(db, case, [5, 30, -1, 10, 20])
    async with db.transaction() as c:
        assert await outbox.claim_due(c, now=T0, worker="w1", limit=2) == sorted([ids[1], ids[4]])
    async with db.transaction() as c:
        assert await outbox.claim_due(c, now=T0, worker="w2") == sorted([ids[0], ids[3]])
        assert await outbox.claim_due(c, now=T0, worker="w3") == []  # the last is not yet due
    async with db.session() as s:
        claimed = {
            r.id: (r.status, r.claimed_by, r.claimed_at)
            for r in await s.scalars(
                select(OutboundMessage).where(OutboundMessage.case_id == case.id)
            )
        }
    assert claimed[ids[1]] == ("sending", "w1", T0)
    assert claimed[ids[0]] == ("sending", "w2", T0)
    assert claimed[ids[2]] == ("pending", None, None)


async def test_concurrent_claims_take_disjoint_rows(db: Database) -> None:
    """Two workers claiming at once never get the same row. On PostgreSQL the second skips
    the rows the first has locked rather than waiting for it (SKIP LOCKED); on SQLite it
    waits for the first's transaction, the write lock being the database's."""
    case = await _case(db)
    ids = await _due_rows(db, case, [40, 30, 20, 10])
    postgres = db.engine.dialect.name == "postgresql"
    async with db.transaction() as c:
        first = await outbox.claim_due(c, now=T0, worker="w1", limit=2)

        async def second() -> list[int]:
            async with db.transaction() as c2:
                return await outbox.claim_due(c2, now=T0, worker="w2")

        other = asyncio.create_task(second())
        # PostgreSQL's second claim ends while the first transaction is open; SQLite's does not.
        done, _ = await asyncio.wait([other], timeout=5.0 if postgres else 0.3)
        assert bool(done) == postgres
    assert sorted(first + await other) == sorted(ids)
    assert not set(first) & set(await other)
    assert first == sorted(ids[:2])  # the oldest two


async def test_rows_by_id_reads_exactly_the_rows_asked_for_as_the_orm_would(db: Database) -> None:
    case = await _case(db)
    ids = await _due_rows(db, case, list(range(9)))
    async with db.session() as s:
        by_orm = {r.id: r for r in await s.scalars(select(OutboundMessage))}
        expected = {
            i: {c: getattr(r, c) for c in outbox._OUTBOX_COLUMNS} for i, r in by_orm.items()
        }
    # Each count pads to a power of two (1, 2, 4, 8, 16) with the last id again; one id
    # asked for is not there.
    for wanted in ([ids[0]], ids[:2], ids[:3], ids[:5], [*ids, 10**9]):
        async with db.session() as s:
            got = await outbox.rows_by_id(s, wanted)
        assert sorted(got) == sorted(i for i in wanted if i in expected)
        for i, row in got.items():
            assert {c: getattr(row, c) for c in outbox._OUTBOX_COLUMNS} == expected[i]
    async with db.session() as s:
        assert await outbox.rows_by_id(s, []) == {}


async def test_case_by_id_reads_the_case_as_the_orm_would(db: Database) -> None:
    case = await _case(db)
    columns = [c.key for c in Case.__table__.columns]
    async with db.session() as s:
        stored = await s.get(Case, case.id)
        assert stored is not None
        expected = {c: getattr(stored, c) for c in columns}
    async with db.session() as s:
        read = await case_repo.case_by_id(s, case.id)
        assert await case_repo.case_by_id(s, case.id + 1000) is None
    assert read is not None
    assert {c: getattr(read, c) for c in columns} == expected
