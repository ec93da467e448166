"""Panel storage: the case lock, votes (history kept), decisions and queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Decision, Member, OutboundMessage, PanelQuery, PanelVote
from storage.outbox import CASE_CARD_UPDATE, PENDING
from storage.repositories import NotFound, _insert, _insert_for
from storage.types import UTCDateTime

_LOCK_CASE = (
    update(Case)
    .where(
        Case.partnership_id == bindparam("b_partnership_id"),
        Case.reference == bindparam("b_reference"),
    )
    .values(panel_round=Case.panel_round)
    .returning(Case)
    .execution_options(synchronize_session=False, populate_existing=True)
)


async def lock_case(session: AsyncSession, partnership_id: int, reference: str) -> Case:
    """Lock the partnership's case for this transaction (votes on one case queue up).

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before
    anything is read, so the votes read afterwards include every committed vote. Its
    RETURNING clause brings the case back as it is once locked (one statement, not two).
    """
    case = await session.scalar(
        _LOCK_CASE, {"b_partnership_id": partnership_id, "b_reference": reference}
    )
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


async def votes_of(session: AsyncSession, case_id: int) -> Sequence[PanelVote]:
    """Every vote on a case, oldest first (the history)."""
    rows = await session.scalars(
        select(PanelVote)
        .where(PanelVote.case_id == case_id)
        .order_by(PanelVote.cast_at, PanelVote.id)
    )
    return rows.all()


def latest_vote_ids(agencies: int) -> list[Any]:
    """Each of `agencies` agencies' latest vote id in a round: one probe of
    `ix_panel_vote_latest` per agency. Bound by `latest_vote_params`."""
    return [
        select(PanelVote.id)
        .where(
            PanelVote.case_id == bindparam("case_id"),
            PanelVote.round == bindparam("round"),
            PanelVote.agency == bindparam(f"agency_{n}"),
        )
        .order_by(PanelVote.cast_at.desc(), PanelVote.id.desc())
        .limit(1)
        .scalar_subquery()
        for n in range(agencies)
    ]


def latest_vote_params(case_id: int, round: int, agencies: Sequence[str]) -> dict[str, Any]:
    """The parameters of `latest_vote_ids(len(agencies))`."""
    params: dict[str, Any] = {"case_id": case_id, "round": round}
    params.update({f"agency_{n}": agency for n, agency in enumerate(agencies)})
    return params


@functools.lru_cache(maxsize=8)
def _latest_votes_stmt(agencies: int) -> Select[PanelVote]:
    return (
        select(PanelVote)
        .where(PanelVote.id.in_(latest_vote_ids(agencies)))
        .order_by(PanelVote.cast_at, PanelVote.id)
    )


async def latest_votes(
    session: AsyncSession, case_id: int, round: int, agencies: Sequence[str]
) -> Sequence[PanelVote]:
    """Each agency's latest vote in a round (what counts; the history stays in the table).

    One probe of `ix_panel_vote_latest` per agency: the cost does not grow with the number
    of votes cast (a changed vote is a new row).
    """
    if not agencies:
        return []
    rows = await session.scalars(
        _latest_votes_stmt(len(agencies)), latest_vote_params(case_id, round, agencies)
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
    return await session.scalar(_DECISION_OF, {"case_id": case_id})


_DECISION_OF = select(Decision).where(Decision.case_id == bindparam("case_id"))


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
        "status": PENDING,
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
    sent (the send then fails to mark it sent, and the next delivery draws the newer state),
    and after a failed attempt or a send. A row still waiting for its first send is left
    as it is.
    """
    await session.execute(
        _card_update_stmt(session.get_bind().dialect.name),
        {
            "b_case_id": case.id,
            "b_partnership_id": case.partnership_id,
            "b_due_on": now.date(),
            "b_now": now,
        },
    )


@functools.cache
def _card_update_stmt(dialect: str) -> Any:
    now = bindparam("b_now", type_=UTCDateTime())
    stmt = _insert_for(dialect)(OutboundMessage.__table__).values(
        case_id=bindparam("b_case_id"),
        partnership_id=bindparam("b_partnership_id"),
        kind=CASE_CARD_UPDATE,
        milestone="case_card",
        stage="update",
        due_on=bindparam("b_due_on", type_=Date()),
        send_after=now,
        status=PENDING,
        attempts=0,
        created_at=now,
    )
    table = OutboundMessage.__table__.c
    return stmt.on_conflict_do_update(
        index_elements=["case_id", "milestone", "stage", "due_on"],
        set_={"status": PENDING, "send_after": now, "attempts": 0, "claimed_by": None},
        # A row already waiting and never tried is left as it is (it is due, and draws the
        # case as it is when sent): no write, one page fewer for each vote to commit.
        where=(table.status != PENDING) | (table.attempts != 0),
    )
