"""The Rapid Review report's sign-offs: recorded one per role, cleared by a later edit of the
chair's notes (kept, so the people who signed can be told)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReportSignOff


async def sign_offs_of(session: AsyncSession, case_id: int) -> list[ReportSignOff]:
    """The case's standing sign-offs (not cleared), oldest first."""
    stmt = (
        select(ReportSignOff)
        .where(ReportSignOff.case_id == case_id, ReportSignOff.cleared_at.is_(None))
        .order_by(ReportSignOff.signed_at, ReportSignOff.id)
    )
    return list((await session.scalars(stmt)).all())


async def add_sign_off(
    session: AsyncSession,
    *,
    case_id: int,
    role: str,
    member_id: int,
    now: datetime,
    notes_saved_at: datetime,
) -> ReportSignOff:
    """Record a sign-off as `role` of the notes saved at `notes_saved_at`."""
    row = ReportSignOff(
        case_id=case_id,
        role=role,
        member_id=member_id,
        signed_at=now,
        notes_saved_at=notes_saved_at,
    )
    session.add(row)
    await session.flush()
    return row


async def clear_sign_offs(session: AsyncSession, case_id: int, now: datetime) -> int:
    """Clear every standing sign-off of the case (the notes changed); how many were."""
    result = await session.execute(
        update(ReportSignOff)
        .where(ReportSignOff.case_id == case_id, ReportSignOff.cleared_at.is_(None))
        .values(cleared_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cleared_untold(
    session: AsyncSession, case_id: int, member_id: int
) -> Sequence[ReportSignOff]:
    """This member's cleared sign-offs they have not been told of yet; marks them told."""
    stmt = select(ReportSignOff).where(
        ReportSignOff.case_id == case_id,
        ReportSignOff.member_id == member_id,
        ReportSignOff.cleared_at.is_not(None),
        ReportSignOff.told_cleared.is_(False),
    )
    rows = list((await session.scalars(stmt)).all())
    for row in rows:
        row.told_cleared = True
    return rows
