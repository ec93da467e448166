"""Agencies added at run time (`AddedAgency`): listed, found by name, added."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AddedAgency

KEY_PREFIX = "added_"
"""Added agencies' keys are `added_<n>`: never a profile agency's id (profiles use names)."""


async def added_agencies(session: AsyncSession, partnership_id: int) -> Sequence[AddedAgency]:
    """The partnership's added agencies, in the order they were added."""
    rows = await session.scalars(
        select(AddedAgency)
        .where(AddedAgency.partnership_id == partnership_id)
        .order_by(AddedAgency.id)
    )
    return rows.all()


async def agency_named(
    session: AsyncSession, partnership_id: int, name: str
) -> AddedAgency | None:
    """The added agency with this name, whatever its case (letters' case ignored)."""
    return await session.scalar(
        select(AddedAgency).where(
            AddedAgency.partnership_id == partnership_id,
            func.lower(AddedAgency.name) == name.lower(),
        )
    )


async def add_agency(
    session: AsyncSession,
    *,
    partnership_id: int,
    name: str,
    now: datetime,
    member_id: int | None,
    case_id: int | None,
) -> AddedAgency:
    """Add an agency (the caller checked its name is new); its key is set from its row id."""
    row = AddedAgency(
        partnership_id=partnership_id,
        key=f"{KEY_PREFIX}pending",
        name=name,
        added_at=now,
        added_by_member_id=member_id,
        case_id=case_id,
    )
    session.add(row)
    await session.flush()
    row.key = f"{KEY_PREFIX}{row.id}"
    await session.flush()
    return row
