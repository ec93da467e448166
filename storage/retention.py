"""Retention: closed cases past the partnership's retention period are deleted, with everything
hanging off them (the referral, votes, decision, milestones, outbox rows); the audit trail
keeps a record that they were deleted, and nothing about the child."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case
from storage.repositories import audit


async def delete_closed_cases(
    session: AsyncSession, *, partnership_id: int, closed_before: datetime, actor: str
) -> list[str]:
    """Delete the partnership's cases closed before `closed_before`; their references back."""
    doomed = list(
        await session.execute(
            select(Case.id, Case.reference).where(
                Case.partnership_id == partnership_id,
                Case.status == "closed",
                Case.closed_at.is_not(None),
                Case.closed_at < closed_before,
            )
        )
    )
    ids = [case_id for case_id, _ in doomed]
    references = sorted(reference for _, reference in doomed)
    if ids:
        await session.execute(
            delete(Case).where(Case.id.in_(ids)).execution_options(synchronize_session=False)
        )
    await audit(
        session,
        action="retention.delete",
        actor=actor,
        partnership_id=partnership_id,
        detail={"closed_before": closed_before.isoformat(), "deleted": references},
    )
    return references
