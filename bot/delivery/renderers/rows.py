"""What a renderer reads of its outbox row: the case, and the stage's ids."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.courier import NotReady, Skip, Unreachable
from storage import cases as case_repo
from storage import outbox
from storage.models import Case, Member, OutboundMessage


async def case_of_row(
    session: AsyncSession, row: OutboundMessage, *, prefetched: bool = True
) -> Case:
    """The row's case: from the session (where the courier's prefetch put it), or, when not
    `prefetched`, read afresh as an object in no session, only to be read."""
    if row.case_id is None:
        case = None
    elif prefetched:
        case = await session.get(Case, row.case_id)
    else:
        case = await case_repo.case_by_id(session, row.case_id)
    if case is None:
        raise NotReady("case no longer exists")
    return case


def stage_ids(row: OutboundMessage) -> tuple[int, int]:
    first, _, second = row.stage.partition(":")
    return int(first), int(second or 0)


async def member_of_row(session: AsyncSession, row: OutboundMessage) -> Member:
    """The roster member a 1:1 row is for (its stage ends "-<member id>"): gone from the
    roster, Skip; no Entra id to open a chat with, Unreachable."""
    member = await session.get(Member, int(row.stage.rsplit("-", 1)[1]))
    if member is None or not member.active:
        raise Skip("that person is gone from the roster")
    if not member.aad_object_id:
        raise Unreachable(member.id, outbox.NO_ENTRA_ID)
    return member
