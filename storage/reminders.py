"""Reminder rows in the outbox: planned with the change that moves a milestone, superseded
when several fall due at once (after downtime), cancelled when no longer wanted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboundMessage
from storage.repositories import _insert

NUDGE = "nudge"


@dataclass(frozen=True)
class NudgeRow:
    """A reminder as it should be planned."""

    milestone: str
    stage: str
    day: date
    send_after: datetime


async def replan(
    session: AsyncSession,
    *,
    case_id: int,
    partnership_id: int,
    wanted: Sequence[NudgeRow],
    today: date,
    now: datetime,
) -> None:
    """Make the case's reminders from `today` on exactly `wanted` (in the caller's transaction).

    Rows no longer wanted are cancelled; wanted rows are added, or revived if cancelled
    earlier; rows already sent, or being sent, are left alone.
    """
    keys = {(w.milestone, w.stage, w.day) for w in wanted}
    existing = await session.execute(
        select(
            OutboundMessage.id,
            OutboundMessage.milestone,
            OutboundMessage.stage,
            OutboundMessage.due_on,
        ).where(
            OutboundMessage.case_id == case_id,
            OutboundMessage.kind == NUDGE,
            OutboundMessage.status == "pending",
            OutboundMessage.due_on >= today,
        )
    )
    unwanted = [row_id for row_id, m, s, d in existing if (m, s, d) not in keys]
    if unwanted:
        await session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(unwanted))
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
    if not wanted:
        return
    insert = _insert(session)
    stmt = insert(OutboundMessage).values(
        [
            {
                "case_id": case_id,
                "partnership_id": partnership_id,
                "kind": NUDGE,
                "milestone": w.milestone,
                "stage": w.stage,
                "due_on": w.day,
                "send_after": w.send_after,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
            for w in wanted
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[
            OutboundMessage.case_id,
            OutboundMessage.milestone,
            OutboundMessage.stage,
            OutboundMessage.due_on,
        ],
        set_={"status": "pending", "send_after": stmt.excluded.send_after, "last_error": None},
        where=text("outbound_message.status = 'cancelled'"),
    )
    await session.execute(stmt)


async def supersede_missed(session: AsyncSession, *, now: datetime) -> int:
    """After downtime, keep only the newest day's reminders per case and milestone.

    Several days' reminders may be due at once when the service was down; sending each
    would repeat the same nudge. The newest day's rows (an overdue and an escalation may
    share a day) stay pending; older days' rows are marked superseded. Returns how many.
    """
    rows = await session.execute(
        select(
            OutboundMessage.id,
            OutboundMessage.case_id,
            OutboundMessage.milestone,
            OutboundMessage.stage,
            OutboundMessage.due_on,
        ).where(
            OutboundMessage.kind == NUDGE,
            OutboundMessage.status == "pending",
            OutboundMessage.send_after <= now,
        )
    )
    due = list(rows)
    newest: dict[tuple[int | None, str], date] = {}
    for _, case_id, milestone, _, due_on in due:
        key = (case_id, milestone)
        if key not in newest or due_on > newest[key]:
            newest[key] = due_on
    losers = [
        row_id
        for row_id, case_id, milestone, _, due_on in due
        if due_on < newest[(case_id, milestone)]
    ]
    if losers:
        await session.execute(
            update(OutboundMessage)
            .where(and_(OutboundMessage.id.in_(losers), OutboundMessage.status == "pending"))
            .values(status="superseded")
            .execution_options(synchronize_session=False)
        )
    return len(losers)


async def plan_partnership_message(
    session: AsyncSession,
    *,
    partnership_id: int,
    kind: str,
    day: date,
    send_after: datetime,
    now: datetime,
) -> bool:
    """Plan a partnership-wide message (the daily digest) once per day."""
    insert = _insert(session)
    result = await session.execute(
        insert(OutboundMessage)
        .values(
            case_id=None,
            partnership_id=partnership_id,
            kind=kind,
            milestone=kind,
            stage="daily",
            due_on=day,
            send_after=send_after,
            status="pending",
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=[
                OutboundMessage.partnership_id,
                OutboundMessage.kind,
                OutboundMessage.milestone,
                OutboundMessage.stage,
                OutboundMessage.due_on,
            ],
            index_where=text("case_id IS NULL"),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
