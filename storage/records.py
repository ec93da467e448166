"""Reading a case's record: its audit trail a page at a time, and what the other repositories
do not list (every question to the referrer, every anchor event with who recorded it, every
file offered on the case, the whole roster). Reads only: the audit is append-only
(`repositories.audit` adds; nothing here or anywhere in storage/ updates or deletes it, and
on both databases a trigger refuses it: migration 0012)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, CaseEvent, Member, PanelQuery, SharedFile


async def audit_count(session: AsyncSession, case_id: int) -> int:
    """How many audit events the case has."""
    found = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)
    )
    return int(found or 0)


async def audit_page(
    session: AsyncSession, case_id: int, *, offset: int, limit: int | None
) -> Sequence[AuditEvent]:
    """The case's audit events, newest first, from `offset` (all of them with no `limit`).

    Newest is the last written (the id): the time each step records is its own clock's.
    """
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.id.desc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return (await session.scalars(stmt)).all()


async def whole_roster(session: AsyncSession, partnership_id: int) -> Sequence[Member]:
    """Every member of the partnership, active or not (who acted may have left since)."""
    rows = await session.scalars(
        select(Member).where(Member.partnership_id == partnership_id).order_by(Member.id)
    )
    return rows.all()


async def queries_of(session: AsyncSession, case_id: int) -> Sequence[PanelQuery]:
    """Every round of questions the panel sent the referrer, oldest first."""
    rows = await session.scalars(
        select(PanelQuery).where(PanelQuery.case_id == case_id).order_by(PanelQuery.round)
    )
    return rows.all()


async def events_of(session: AsyncSession, case_id: int) -> Sequence[CaseEvent]:
    """The case's anchor events, in the order they happened."""
    rows = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.occurred_at, CaseEvent.id)
    )
    return rows.all()


async def files_of(session: AsyncSession, case_id: int) -> Sequence[SharedFile]:
    """Every file offered on the case, oldest first (bytes only while still on offer)."""
    rows = await session.scalars(
        select(SharedFile).where(SharedFile.case_id == case_id).order_by(SharedFile.id)
    )
    return rows.all()
