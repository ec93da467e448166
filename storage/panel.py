"""Panel storage: the case lock, votes (history kept), decisions and queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Decision, Member, OutboundMessage, PanelQuery, PanelVote
from storage.repositories import NotFound, _insert


async def lock_case(session: AsyncSession, partnership_id: int, reference: str) -> Case:
    """Lock the partnership's case for this transaction (votes on one case queue up).

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before
    anything is read, so the votes read afterwards include every committed vote.
    """
    case_id = await session.scalar(
        update(Case)
        .where(Case.partnership_id == partnership_id, Case.reference == reference)
        .values(panel_round=Case.panel_round)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    )
    if case_id is None:
        raise NotFound(f"no case {reference}")
    case = await session.get(Case, case_id, populate_existing=True)
    assert case is not None
    return case


async def votes_of(session: AsyncSession, case_id: int) -> Sequence[PanelVote]:
    """Every vote on a case, oldest first (the history)."""
    rows = await session.scalars(
        select(PanelVote)
        .where(PanelVote.case_id == case_id)
        .order_by(PanelVote.cast_at, PanelVote.id)
    )
    return rows.all()


async def latest_votes(session: AsyncSession, case_id: int, round: int) -> Sequence[PanelVote]:
    """Each agency's latest vote in a round (what counts; the history stays in the table)."""
    ranked = (
        select(
            PanelVote.id,
            func.row_number()
            .over(
                partition_by=PanelVote.agency,
                order_by=(PanelVote.cast_at.desc(), PanelVote.id.desc()),
            )
            .label("rank"),
        )
        .where(PanelVote.case_id == case_id, PanelVote.round == round)
        .subquery()
    )
    rows = await session.scalars(
        select(PanelVote)
        .join(ranked, ranked.c.id == PanelVote.id)
        .where(ranked.c.rank == 1)
        .order_by(PanelVote.cast_at, PanelVote.id)
    )
    return rows.all()


async def voters(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Member]:
    """The members who cast these votes."""
    if not member_ids:
        return {}
    rows = await session.scalars(select(Member).where(Member.id.in_(set(member_ids))))
    return {m.id: m for m in rows}


async def decision_of(session: AsyncSession, case_id: int) -> Decision | None:
    """The sealed decision of a case, if any."""
    return await session.scalar(select(Decision).where(Decision.case_id == case_id))


async def open_query(session: AsyncSession, case_id: int, round: int) -> PanelQuery | None:
    """The questions of a round, if the panel sent any."""
    return await session.scalar(
        select(PanelQuery).where(PanelQuery.case_id == case_id, PanelQuery.round == round)
    )


async def plan_message(
    session: AsyncSession,
    *,
    case: Case,
    kind: str,
    milestone: str,
    stage: str,
    due_on: date,
    send_after: datetime,
) -> bool:
    """Add an outbox row once (the unique key makes a second plan a no-op)."""
    insert = _insert(session)
    values: dict[str, Any] = {
        "case_id": case.id,
        "partnership_id": case.partnership_id,
        "kind": kind,
        "milestone": milestone,
        "stage": stage,
        "due_on": due_on,
        "send_after": send_after,
        "status": "pending",
        "attempts": 0,
        "created_at": send_after,
    }
    result = await session.execute(
        insert(OutboundMessage)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[
                OutboundMessage.case_id,
                OutboundMessage.milestone,
                OutboundMessage.stage,
                OutboundMessage.due_on,
            ]
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def plan_card_update(session: AsyncSession, *, case: Case, now: datetime) -> None:
    """Ask for the shared card to be redrawn; many asks before it is sent make one update.

    One row per case and day: a newer ask puts it back to pending even while it is being
    sent (the send then fails to mark it sent, and the next delivery draws the newer state).
    """
    insert = _insert(session)
    stmt = insert(OutboundMessage).values(
        case_id=case.id,
        partnership_id=case.partnership_id,
        kind="case_card_update",
        milestone="case_card",
        stage="update",
        due_on=now.date(),
        send_after=now,
        status="pending",
        attempts=0,
        created_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[
            OutboundMessage.case_id,
            OutboundMessage.milestone,
            OutboundMessage.stage,
            OutboundMessage.due_on,
        ],
        set_={"status": "pending", "send_after": now, "attempts": 0, "claimed_by": None},
    )
    await session.execute(stmt)
