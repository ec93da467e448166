"""Files offered in 1:1 chats: the record of each offer and its answer, and their expiry.

A file the app made (a report, an invitation) is offered to one person; Teams asks them to
allow it, and the Teams side (bot/teams/files.py) uploads the bytes to their OneDrive. What
is recorded here: who may answer, the claim an accept takes before uploading (two accepts at
once upload once), the answer, and the audit of each. Never a file's contents or a URL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.people import Person
from storage import files as files_repo
from storage import repositories as repo
from storage.files import ACCEPTED, DECLINED, EXPIRED, OFFERED, UPLOADING
from storage.models import SharedFile

# An accept's claim on a file lasts while its upload can still be running (60 s at most); one
# older than this was left by a process that stopped mid-upload, and a new accept takes it over.
UPLOAD_CLAIM_EXPIRES = timedelta(minutes=5)
ASK_AGAIN = "Ask for it again from the case when you want it."
# A file offered and never answered is not kept for the case's whole retention: its bytes (a
# report, an invitation) go after this long, and it can be asked for again from the case.
OFFER_KEPT = timedelta(days=30)


async def offered_file(app: AppContext, file_id: int) -> SharedFile | None:
    """The partnership's file with that id, whatever its status; None if there is none."""
    async with app.db.session() as session:
        file = await files_repo.get_offered(session, file_id)
    if file is None or file.partnership_id != app.partnership_id:
        return None
    return file


def is_open(file: SharedFile) -> bool:
    """True while the offer can still be answered (offered, or an upload under way)."""
    return file.status in (OFFERED, UPLOADING)


async def decline(app: AppContext, person: Person, file: SharedFile) -> str:
    """Record a no to the offer (audited); the sentence to tell the person."""
    async with app.db.session() as session, session.begin():
        current = await files_repo.get_offered(session, file.id, lock=True)
        if current is None or current.status != OFFERED:
            return answered_again(current or file)
        await files_repo.mark_answered(session, current, DECLINED, app.now())
        await audit_file(app, person, current, "file.declined", "ok", session=session)
    return f"{file.name} was not sent. {ASK_AGAIN}"


async def claim_upload(app: AppContext, file: SharedFile) -> datetime | None:
    """Claim the file for one accept's upload: the claim's time, or None when another accept
    holds it (or has just finished)."""
    claimed_at = app.now()
    async with app.db.session() as session, session.begin():
        claimed = await files_repo.claim_upload(
            session, file.id, now=claimed_at, stale_before=claimed_at - UPLOAD_CLAIM_EXPIRES
        )
    return claimed_at if claimed else None


async def current(app: AppContext, file: SharedFile) -> SharedFile:
    """The file as it is recorded now (itself if it has gone)."""
    async with app.db.session() as session:
        found = await files_repo.get_offered(session, file.id)
    return found or file


async def release(app: AppContext, file: SharedFile, claimed_at: datetime) -> None:
    """Give up an upload claim (the upload failed): the offer can be accepted again."""
    async with app.db.session() as session, session.begin():
        await files_repo.release_upload(session, file.id, claimed_at=claimed_at)


async def record_uploaded(
    app: AppContext, person: Person, file: SharedFile, claimed_at: datetime, action: str
) -> SharedFile | None:
    """Record the upload of the claim made at `claimed_at` (audited as `action`); None when
    recorded, else the file as answered since (the claim was taken over as stale)."""
    async with app.db.session() as session, session.begin():
        found = await files_repo.get_offered(session, file.id, lock=True)
        if found is None or found.status != UPLOADING or found.answered_at != claimed_at:
            return found or file
        await files_repo.mark_answered(session, found, ACCEPTED, app.now())
        await audit_file(app, person, found, action, "ok", session=session)
    return None


async def expire_offers(app: AppContext) -> int:
    """Drop the bytes of the partnership's files offered more than `OFFER_KEPT` ago and never
    answered, each audited; how many."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        expired = await files_repo.expire_offers(
            session, partnership_id=app.partnership_id, offered_before=now - OFFER_KEPT, now=now
        )
        for file in expired:
            await audit_file(app, None, file, "file.expired", "ok", session=session)
    return len(expired)


def answered_again(file: SharedFile) -> str:
    """What to say to a second answer of an offer already answered (or expired)."""
    if file.status == EXPIRED:
        return (
            f"{file.name} is no longer on offer: a file not accepted within "
            f"{OFFER_KEPT.days} days is deleted. {ASK_AGAIN}"
        )
    if file.status == UPLOADING:
        return f"{file.name} is being put in your OneDrive now, from when you first allowed it."
    if file.status == ACCEPTED:
        return f"{file.name} is already in your OneDrive: it was sent when you first allowed it."
    return f"You declined {file.name} earlier, so it was not sent. {ASK_AGAIN}"


async def audit_file(
    app: AppContext,
    person: Person | None,
    file: SharedFile,
    action: str,
    outcome: str,
    *,
    session: AsyncSession | None = None,
    **detail: Any,
) -> None:
    """Audit an answer, or the bot's own step where `person` is None (in `session`, or a
    transaction of its own): the file's id and name, never its contents or a URL."""
    if session is None:
        async with app.db.session() as own, own.begin():
            await audit_file(app, person, file, action, outcome, session=own, **detail)
        return
    await repo.audit(
        session,
        action=action,
        actor=person.aad_object_id if person is not None else None,
        partnership_id=app.partnership_id,
        case_id=file.case_id,
        outcome=outcome,
        detail={"file_id": file.id, "name": file.name, **detail},
        at=app.now(),
    )
