"""The outbox: messages planned in the database, claimed once, sent, and marked.

A row is claimed by one worker at a time — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL,
an atomic conditional `UPDATE … WHERE status = 'pending'` on SQLite — so several sweeps or
replicas never send the same row twice. The worker holding a claim renews it while it holds
it (`renew_claims`), and records just before each POST that the send began
(`mark_send_started`). A claim not renewed within the lease (its worker stopped) becomes
pending again; one whose send had begun may have reached Teams, so it is marked `resent` and
goes out again saying so.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, case, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage import prepared
from storage.models import OutboundMessage
from storage.prepared import Prepared
from storage.types import UTCDateTime

PENDING, SENDING, SENT, FAILED, UNCERTAIN, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "uncertain",
    "cancelled",
)
# A 1:1 message that cannot reach its person (no Entra id to open a chat with, or Teams refused
# the chat with 403/404): never retried by itself, sent again when the person messages the bot.
UNDELIVERABLE = "undeliverable"
# Why, as `undeliverable_note` writes it in `last_error`: a code and a roster member's id, never
# a name or an address.
NO_ENTRA_ID, TEAMS_REFUSED, NOT_IN_TEAMS = "no_entra_id", "teams_refused_403", "not_found_404"
# Not a status: `counts_by_status` counts the rows sent again after an interruption under it.
RESENT = "resent"
LEASE = timedelta(minutes=2)
# The kind of the row that redraws a case's shared card (one per case, coalesced).
CASE_CARD_UPDATE = "case_card_update"


# Built once: the courier claims every second while votes come in (#8), and building the
# statements anew each time cost more than running them.
_OUTBOX = prepared.table_of(OutboundMessage)
_RELEASE = Prepared(
    lambda _: (
        update(_OUTBOX)
        .where(_OUTBOX.c.status == SENDING, _OUTBOX.c.claimed_at < bindparam("b_before"))
        .values(
            status=PENDING,
            claimed_by=None,
            resent=case((_OUTBOX.c.send_started_at.is_not(None), true()), else_=_OUTBOX.c.resent),
            send_started_at=None,
        )
    )
)
_RENEW = Prepared(
    lambda _: (
        update(_OUTBOX)
        .where(_OUTBOX.c.status == SENDING, _OUTBOX.c.claimed_by == bindparam("b_worker"))
        .values(claimed_at=bindparam("b_now", type_=UTCDateTime()))
    )
)
_SEND_STARTED = Prepared(
    lambda _: (
        update(_OUTBOX)
        .where(
            _OUTBOX.c.id == bindparam("b_id"),
            _OUTBOX.c.status == SENDING,
            _OUTBOX.c.claimed_by == bindparam("b_worker"),
        )
        .values(send_started_at=bindparam("b_now", type_=UTCDateTime()))
    )
)
# The due rows, oldest first, claimed by one conditional UPDATE. On PostgreSQL they are
# locked FOR UPDATE SKIP LOCKED, so concurrent sweeps take disjoint rows without waiting,
# in a MATERIALIZED CTE (PostgreSQL 12 on): as `id IN (subquery)` the planner ran the
# locking subquery again for each row it updated, and every run took its LIMIT anew,
# claiming more than the limit. On SQLite (where neither is rendered) the transaction's
# write lock makes the claim atomic.
_DUE = (
    select(_OUTBOX.c.id)
    .where(_OUTBOX.c.status == PENDING, _OUTBOX.c.send_after <= bindparam("b_now"))
    .order_by(_OUTBOX.c.send_after, _OUTBOX.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    .with_for_update(skip_locked=True)
    .cte("due")
    .prefix_with("MATERIALIZED", dialect="postgresql")
)
_CLAIM = Prepared(
    lambda _: (
        update(_OUTBOX)
        .where(_OUTBOX.c.id == _DUE.c.id, _OUTBOX.c.status == PENDING)
        .values(
            status=SENDING,
            claimed_at=bindparam("b_now", type_=UTCDateTime()),
            claimed_by=bindparam("b_worker"),
        )
        .returning(_OUTBOX.c.id)
    )
)


async def release_stale_claims(connection: AsyncConnection, now: datetime) -> int:
    """Put rows whose claim was not renewed within the lease back to pending; how many.

    A row whose send had begun is marked `resent`: it may have reached Teams. In the
    connection's transaction, as a prepared statement (storage/prepared.py).
    """
    params = {"b_before": now - LEASE}
    return await prepared.run(connection, lambda cursor: cursor.run(_RELEASE, params))


async def renew_claims(connection: AsyncConnection, *, worker: str, now: datetime) -> int:
    """Renew the lease of every claim `worker` holds; how many."""
    params = {"b_worker": worker, "b_now": now}
    return await prepared.run(connection, lambda cursor: cursor.run(_RENEW, params))


async def give_back_unsent(connection: AsyncConnection, ids: Sequence[int], *, worker: str) -> int:
    """Put these claims of `worker`'s whose send never began back to pending; how many."""
    result = await connection.execute(
        update(_OUTBOX)
        .where(
            _OUTBOX.c.id.in_(list(ids)),
            _OUTBOX.c.status == SENDING,
            _OUTBOX.c.claimed_by == worker,
            _OUTBOX.c.send_started_at.is_(None),
        )
        .values(status=PENDING, claimed_by=None)
    )
    return int(result.rowcount)


async def mark_send_started(
    connection: AsyncConnection, message_id: int, *, worker: str, now: datetime
) -> bool:
    """Record that `worker` is about to POST the row; False if it no longer holds the claim."""
    params = {"b_id": message_id, "b_worker": worker, "b_now": now}
    return bool(await prepared.run(connection, lambda cursor: cursor.run(_SEND_STARTED, params)))


async def claim_due(
    connection: AsyncConnection, *, now: datetime, worker: str, limit: int = 100
) -> list[int]:
    """Claim up to `limit` pending rows due by `now`; their ids back, in order.

    In the connection's transaction, as a prepared statement (storage/prepared.py).
    """
    params = {"b_now": now, "b_worker": worker, "b_limit": limit}
    rows = await prepared.run(connection, lambda cursor: cursor.rows(_CLAIM, params))
    return sorted(int(row[0]) for row in rows)


_OUTBOX_COLUMNS = prepared.column_keys(_OUTBOX)


@functools.cache
def _rows_with_ids(count: int) -> Prepared:
    """The rows whose id is one of `count` parameters (`id0`, `id1`...)."""
    ids = [bindparam(f"id{i}", type_=Integer) for i in range(count)]
    return Prepared(lambda _: select(_OUTBOX).where(_OUTBOX.c.id.in_(ids)))


async def rows_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, OutboundMessage]:
    """The outbox rows with these ids, in one prepared query in the session's transaction.

    The objects are in no session and only read (the courier renders from them). Read
    through the ORM, one card update's row cost ~1 ms of the event loop a second (#8).
    """
    if not ids:
        return {}
    # Padded to a power of two with the last id again: a few statements compiled, not one
    # for every batch size.
    size = 1 << (len(ids) - 1).bit_length()
    padded = [*ids, *[ids[-1]] * (size - len(ids))]
    params = {f"id{i}": value for i, value in enumerate(padded)}
    rows = await prepared.session_rows(session, _rows_with_ids(size), params)
    found = (prepared.detached(OutboundMessage, _OUTBOX_COLUMNS, row) for row in rows)
    return {row.id: row for row in found}


# A sweep marks up to a thousand rows one by one: a prepared statement, each in a short
# transaction of its own.
_MARK_SENT = Prepared(
    lambda _: (
        update(_OUTBOX)
        .where(
            _OUTBOX.c.id == bindparam("b_id"),
            _OUTBOX.c.status == SENDING,
            _OUTBOX.c.claimed_by == bindparam("b_worker"),
        )
        .values(
            status=SENT,
            sent_at=bindparam("b_now", type_=UTCDateTime()),
            sent_activity_id=bindparam("b_activity_id"),
            attempts=_OUTBOX.c.attempts + 1,
            last_error=None,
        )
    )
)


async def mark_sent(
    session: AsyncSession, message_id: int, *, worker: str, activity_id: str, now: datetime
) -> bool:
    """Record a successful send (only by the worker holding the claim), in the session's
    transaction (what it holds flushed first)."""
    await session.flush()
    connection = await session.connection()
    return await mark_sent_on(
        connection, message_id, worker=worker, activity_id=activity_id, now=now
    )


async def mark_sent_on(
    connection: AsyncConnection,
    message_id: int,
    *,
    worker: str,
    activity_id: str,
    now: datetime,
) -> bool:
    """`mark_sent` in a connection's transaction: a session for each of a sweep's rows cost
    more than the UPDATE."""
    params = {"b_id": message_id, "b_worker": worker, "b_activity_id": activity_id, "b_now": now}
    changed = await prepared.run(connection, lambda cursor: cursor.run(_MARK_SENT, params))
    return bool(changed)


async def mark_failed_attempt(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    error: str,
    status: str,
    retry_at: datetime | None,
) -> bool:
    """Record a failed attempt: back to pending at `retry_at`, or `failed` / `uncertain` /
    `undeliverable`; False when `worker` no longer held the claim (nothing recorded)."""
    values: dict[str, object] = {
        "status": status,
        "last_error": error[:1000],
        "attempts": OutboundMessage.attempts + 1,
        "claimed_by": None,
        # The attempt ended with an answer (or none, `uncertain`): not one in flight.
        "send_started_at": None,
    }
    if retry_at is not None:
        values["send_after"] = retry_at
    result = await session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == message_id,
            OutboundMessage.status == SENDING,
            OutboundMessage.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def undeliverable_note(member_id: int, reason: str) -> str:
    """What an undeliverable row keeps in `last_error`: who (a member id) and why (a code)."""
    return f"undeliverable member={member_id} reason={reason}"


def undeliverable_of(row: OutboundMessage) -> tuple[int, str] | None:
    """The member id and reason code of an undeliverable row (None for any other row)."""
    if row.status != UNDELIVERABLE or not row.last_error:
        return None
    fields: dict[str, str] = {}
    for part in row.last_error.split()[1:]:
        key, _, value = part.partition("=")
        fields[key] = value
    member, reason = fields.get("member", ""), fields.get("reason", "")
    return (int(member), reason) if member.isdigit() and reason else None


async def undeliverable_rows(
    session: AsyncSession, partnership_id: int, *, case_id: int | None = None
) -> list[OutboundMessage]:
    """The partnership's undeliverable rows (of one case, when given), oldest first."""
    query = select(OutboundMessage).where(
        OutboundMessage.partnership_id == partnership_id,
        OutboundMessage.status == UNDELIVERABLE,
    )
    if case_id is not None:
        query = query.where(OutboundMessage.case_id == case_id)
    return list(await session.scalars(query.order_by(OutboundMessage.id)))


async def send_again(session: AsyncSession, ids: Sequence[int], *, now: datetime) -> list[int]:
    """Put these undeliverable rows back to pending, due now; the ids this call changed.

    Conditional on the row still being undeliverable, so two callers at once re-plan a row
    once, and the courier then claims and sends it once (it never reached Teams: no repeat).
    """
    if not ids:
        return []
    result = await session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(list(ids)), OutboundMessage.status == UNDELIVERABLE)
        .values(status=PENDING, send_after=now, claimed_by=None, send_started_at=None)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(int(i) for i in result.scalars())


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    """How many rows are in each status (for /healthz and the digest), and how many were
    sent again after an interruption (`resent`)."""
    rows = await session.execute(
        select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
    )
    counts = {status: int(n) for status, n in rows}
    resent = await session.scalar(
        select(func.count()).select_from(OutboundMessage).where(OutboundMessage.resent.is_(True))
    )
    counts[RESENT] = int(resent or 0)
    return counts
