"""Files offered to one person in their 1:1 chat (Teams file consent), and their answers.

The bytes wait here only until the person accepts: once the file is in their OneDrive the
content is cleared. Every function works inside the caller's transaction.

An accept claims the file (`claim_upload`: offered -> uploading) in a short transaction of its
own before it uploads, so two accepts arriving together upload it once; no transaction is held
open across the upload. A failed upload gives the claim back (`release_upload`); a claim whose
upload never ended (the process died) can be taken again once it is older than the caller says.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboundMessage, SharedFile

OFFERED, UPLOADING, ACCEPTED, DECLINED = "offered", "uploading", "accepted", "declined"
EXPIRED = "expired"
"""Offered too long ago and never answered: the bytes are gone (`expire_offers`)."""
ANSWERS = frozenset({ACCEPTED, DECLINED})
FILE_OFFER = "file_offer"
# One PUT to a OneDrive upload session takes at most 60 MiB; what the bot offers (a report,
# an invitation) is far smaller, and it waits in the database until answered.
MAX_OFFER_BYTES = 10 * 1024 * 1024
_LONDON = ZoneInfo("Europe/London")
# A file for a roster member with no Entra id yet waits under this recipient (never a GUID, so
# no one can accept it) until they first message the bot (`give_to`).
_AWAITING = "member:"


def awaiting(member_id: int) -> str:
    """The recipient a file for a member with no Entra id yet is offered to."""
    return f"{_AWAITING}{member_id}"


def awaited_member(recipient: str) -> int | None:
    """The member id a file waits for (`awaiting`), or None for an Entra object id."""
    rest = recipient.removeprefix(_AWAITING)
    return int(rest) if rest != recipient and rest.isdigit() else None


async def give_to(session: AsyncSession, member_id: int, aad_object_id: str) -> int:
    """The files waiting for `member_id` are offered to their Entra id now; how many."""
    result = await session.execute(
        update(SharedFile)
        .where(SharedFile.recipient_aad_object_id == awaiting(member_id))
        .values(recipient_aad_object_id=aad_object_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def offer_file(
    session: AsyncSession,
    *,
    partnership_id: int,
    case_id: int | None,
    recipient_aad_object_id: str,
    name: str,
    description: str,
    content_type: str,
    content: bytes,
    now: datetime,
    milestone: str = "file",
) -> SharedFile:
    """Store a file for one person and plan its consent card in the outbox (sent once);
    `milestone` names what the offer is for (a copy for a person not reached has its own)."""
    if not recipient_aad_object_id:
        raise ValueError("a file is offered to one person: recipient_aad_object_id is empty")
    if not name.strip() or len(name) > 200:
        raise ValueError("a file name must be 1 to 200 characters")
    if not content:
        raise ValueError("an empty file cannot be offered (OneDrive needs at least one byte)")
    if len(content) > MAX_OFFER_BYTES:
        raise ValueError(f"a file offered in chat must be at most {MAX_OFFER_BYTES} bytes")
    shared = SharedFile(
        partnership_id=partnership_id,
        case_id=case_id,
        recipient_aad_object_id=recipient_aad_object_id,
        name=name,
        description=description[:500],
        content_type=content_type[:100],
        content=content,
        size=len(content),
        status=OFFERED,
        offered_at=now,
    )
    session.add(shared)
    await session.flush()
    # The file's id in `stage` makes the row unique by construction, with or without a case
    # (so neither of the outbox's unique keys can clash and no upsert is needed).
    session.add(
        OutboundMessage(
            case_id=case_id,
            partnership_id=partnership_id,
            kind=FILE_OFFER,
            milestone=milestone,
            stage=str(shared.id),
            due_on=now.astimezone(_LONDON).date(),
            send_after=now,
            status="pending",
            attempts=0,
            created_at=now,
        )
    )
    await session.flush()
    return shared


async def get_offered(
    session: AsyncSession, file_id: int, *, lock: bool = False
) -> SharedFile | None:
    """The file offered with this id, whatever its answer (locked for the transaction if asked)."""
    return await session.get(
        SharedFile, file_id, populate_existing=lock, with_for_update=lock or None
    )


def _unanswered(claimed_before: datetime) -> ColumnElement[bool]:
    """Offered, or claimed by an upload before `claimed_before` (one no longer running)."""
    return or_(
        SharedFile.status == OFFERED,
        and_(SharedFile.status == UPLOADING, SharedFile.answered_at < claimed_before),
    )


async def claim_upload(
    session: AsyncSession, file_id: int, *, now: datetime, stale_before: datetime
) -> bool:
    """Claim an offered file for one upload: True if this answer may upload it.

    A claim made before `stale_before` is taken over (its upload can no longer be running).
    The claim's time is kept in `answered_at`: when the accept arrived.
    """
    result = await session.execute(
        update(SharedFile)
        .where(SharedFile.id == file_id, _unanswered(stale_before))
        .values(status=UPLOADING, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_upload(session: AsyncSession, file_id: int, *, claimed_at: datetime) -> None:
    """Give back the claim made at `claimed_at` (the upload failed): the file is offered again."""
    await session.execute(
        update(SharedFile)
        .where(
            SharedFile.id == file_id,
            SharedFile.status == UPLOADING,
            SharedFile.answered_at == claimed_at,
        )
        .values(status=OFFERED, answered_at=None)
        .execution_options(synchronize_session=False)
    )


async def expire_offers(
    session: AsyncSession, *, partnership_id: int, offered_before: datetime, now: datetime
) -> list[SharedFile]:
    """Drop the bytes of files offered before `offered_before` and never answered (a claim
    as old counts as unanswered); the files expired."""
    stale = list(
        await session.scalars(
            select(SharedFile)
            .where(
                SharedFile.partnership_id == partnership_id,
                SharedFile.offered_at < offered_before,
                _unanswered(offered_before),
            )
            .with_for_update()
        )
    )
    for file in stale:
        file.status, file.answered_at, file.content = EXPIRED, now, None
    await session.flush()
    return stale


async def mark_answered(
    session: AsyncSession, file: SharedFile, status: str, now: datetime
) -> None:
    """Record the person's answer; the bytes are dropped either way (accepted: they are in
    the person's OneDrive; declined: a report or invitation is made afresh when asked for)."""
    if status not in ANSWERS:
        raise ValueError(f"a file is answered accepted or declined, not {status!r}")
    # An accept has claimed the file for its upload; a decline answers an offered one.
    expected = UPLOADING if status == ACCEPTED else OFFERED
    if file.status != expected:
        raise ValueError(f"file {file.id} is {file.status}, not {expected}")
    file.status = status
    file.answered_at = now
    file.content = None
    await session.flush()
