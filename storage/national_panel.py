"""The National Panel's answers and the earlier decisions of a reopened panel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseEvent, EarlierDecision, NationalPanelAnswer


async def answers_of(session: AsyncSession, case_id: int) -> Sequence[NationalPanelAnswer]:
    """The case's National Panel answers, oldest first."""
    rows = await session.scalars(
        select(NationalPanelAnswer)
        .where(NationalPanelAnswer.case_id == case_id)
        .order_by(NationalPanelAnswer.answered_on, NationalPanelAnswer.id)
    )
    return rows.all()


async def earlier_decisions(session: AsyncSession, case_id: int) -> Sequence[EarlierDecision]:
    """The case's reconsidered decisions, oldest first."""
    rows = await session.scalars(
        select(EarlierDecision)
        .where(EarlierDecision.case_id == case_id)
        .order_by(EarlierDecision.reopened_at, EarlierDecision.id)
    )
    return rows.all()


async def forget_event(session: AsyncSession, case_id: int, event: str) -> None:
    """Remove an anchor event that no longer holds (a reopened panel's decision): its time is
    kept in the earlier decision."""
    await session.execute(
        delete(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
    )
