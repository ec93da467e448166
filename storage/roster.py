"""The roster's changes from Teams: one person by member id, the whole roster (active or not),
the roster lock, and roster files waiting for a manager's "Replace the roster"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Partnership, RosterUpload


async def lock_roster(session: AsyncSession, partnership_id: int) -> None:
    """Take the partnership's row lock: roster changes queue up, so "the last manager" and
    a preview's roster are read as they are (SQLite's BEGIN IMMEDIATE holds it already)."""
    await session.execute(
        update(Partnership)
        .where(Partnership.id == partnership_id)
        .values(slug=Partnership.slug)
        .execution_options(synchronize_session=False)
    )


async def member_by_id(session: AsyncSession, partnership_id: int, member_id: int) -> Member | None:
    """The partnership's member with this id (active or not), or None."""
    return await session.scalar(
        select(Member).where(Member.partnership_id == partnership_id, Member.id == member_id)
    )


async def whole_roster(session: AsyncSession, partnership_id: int) -> Sequence[Member]:
    """Every member of the partnership, active or not, by name."""
    rows = await session.scalars(
        select(Member)
        .where(Member.partnership_id == partnership_id)
        .order_by(Member.name, Member.id)
    )
    return rows.all()


async def find_people(
    session: AsyncSession, partnership_id: int, words: str, limit: int
) -> Sequence[Member]:
    """Active members whose name or email contains `words` (any case), by name."""
    pattern = "%" + words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern += "%"
    rows = await session.scalars(
        select(Member)
        .where(
            Member.partnership_id == partnership_id,
            Member.active.is_(True),
            (Member.email.like(pattern, escape="\\")) | (Member.name.ilike(pattern, escape="\\")),
        )
        .order_by(Member.name, Member.id)
        .limit(limit)
    )
    return rows.all()


def set_cover(member: Member, cover_from: date | None, cover_to: date | None) -> None:
    """A deputy's cover dates (None: that end open)."""
    member.cover_from, member.cover_to = cover_from, cover_to


async def save_upload(
    session: AsyncSession,
    *,
    partnership_id: int,
    member_id: int,
    file_name: str,
    entries: list[dict[str, Any]],
    fingerprint: str,
    at: datetime,
) -> RosterUpload:
    """Keep a checked roster file for its preview; the manager's earlier ones are superseded."""
    await session.execute(
        update(RosterUpload)
        .where(
            RosterUpload.partnership_id == partnership_id,
            RosterUpload.uploaded_by_member_id == member_id,
            RosterUpload.status == "pending",
        )
        .values(status="superseded", entries=[])
        .execution_options(synchronize_session=False)
    )
    upload = RosterUpload(
        partnership_id=partnership_id,
        uploaded_by_member_id=member_id,
        uploaded_at=at,
        file_name=file_name[:200],
        entries=entries,
        roster_fingerprint=fingerprint,
        status="pending",
    )
    session.add(upload)
    await session.flush()
    return upload


async def upload_by_id(
    session: AsyncSession, partnership_id: int, upload_id: int
) -> RosterUpload | None:
    """The partnership's roster file with this id, or None."""
    return await session.scalar(
        select(RosterUpload).where(
            RosterUpload.partnership_id == partnership_id, RosterUpload.id == upload_id
        )
    )


async def link_state(session: AsyncSession, partnership_id: int, aad_object_id: str) -> str:
    """ "linked" when a member has this Entra id; else "waiting" when some active member has
    none yet (added by email, not written to the bot yet), or "none"."""
    linked = select(Member.id).where(
        Member.partnership_id == partnership_id, Member.aad_object_id == aad_object_id
    )
    waiting = select(Member.id).where(
        Member.partnership_id == partnership_id,
        Member.active.is_(True),
        Member.aad_object_id.is_(None),
    )
    found = await session.execute(select(linked.exists(), waiting.exists()))
    is_linked, someone_waits = found.one()
    if is_linked:
        return "linked"
    return "waiting" if someone_waits else "none"


async def link_by_email(
    session: AsyncSession,
    partnership_id: int,
    *,
    email: str,
    aad_object_id: str,
    teams_user_id: str | None,
) -> Member | None:
    """Give the active member with this email and no Entra id yet this one; None if none."""
    member = await session.scalar(
        select(Member).where(
            Member.partnership_id == partnership_id,
            Member.email == email.strip().lower(),
            Member.active.is_(True),
            Member.aad_object_id.is_(None),
        )
    )
    if member is None:
        return None
    member.aad_object_id = aad_object_id
    if teams_user_id:
        member.teams_user_id = teams_user_id
    await session.flush()
    return member
