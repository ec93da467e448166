"""The complaints register: one row per complaint, never overwritten by the next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Complaint, Milestone

__all__ = ["add", "of_case", "of_open_cases", "one", "reopen_milestone"]


async def add(
    session: AsyncSession, *, case_id: int, received_on: date, member_id: int | None
) -> Complaint:
    """A new open complaint on the case."""
    row = Complaint(
        case_id=case_id, received_on=received_on, status="open", recorded_by_member_id=member_id
    )
    session.add(row)
    await session.flush()
    return row


async def of_case(session: AsyncSession, case_id: int) -> Sequence[Complaint]:
    """The case's complaints, oldest first."""
    rows = await session.scalars(
        select(Complaint)
        .where(Complaint.case_id == case_id)
        .order_by(Complaint.received_on, Complaint.id)
    )
    return rows.all()


async def one(session: AsyncSession, case_id: int, complaint_id: int) -> Complaint | None:
    """One complaint of the case, locked for update; None when it is not the case's."""
    return await session.scalar(
        select(Complaint)
        .where(Complaint.case_id == case_id, Complaint.id == complaint_id)
        .with_for_update()
    )


async def of_open_cases(
    session: AsyncSession, partnership_id: int, closed: str = "closed"
) -> Sequence[tuple[Case, Complaint]]:
    """Every complaint of the partnership's cases that are not closed, by case then age."""
    rows = await session.execute(
        select(Case, Complaint)
        .join(Complaint, Complaint.case_id == Case.id)
        .where(Case.partnership_id == partnership_id, Case.status != closed)
        .order_by(Case.reference, Complaint.received_on, Complaint.id)
    )
    return [(case, complaint) for case, complaint in rows]


async def reopen_milestone(session: AsyncSession, case_id: int, milestone: str) -> None:
    """A milestone marked done becomes open again (a new complaint after the last answered)."""
    await session.execute(
        update(Milestone)
        .where(Milestone.case_id == case_id, Milestone.milestone == milestone)
        .values(done_at=None, done_by_member_id=None, done_note=None)
    )
