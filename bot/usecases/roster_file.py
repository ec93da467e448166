"""Replacing the roster from a file a manager sends in 1:1 (CSV or .xlsx, with the word
`roster` in the same message): every row checked and the problems listed by row and column,
nothing changed; or, when every row is right, a preview of what would change, kept until the
manager presses "Replace the roster". The replacement matches people by email, so a member
keeps their id and history; those not in the file are deactivated, never deleted. It is one
transaction, audited as one `roster.replace` event with its counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.roster import rules_for, save_entry
from cards.base import Card
from cards.roster import (
    roster_done_card,
    roster_file_card,
    roster_file_problems_card,
    roster_preview_card,
)
from review.roster import RosterEntry
from review.roster_file import (
    MAX_BYTES,
    MAX_ROWS,
    Listed,
    RosterChanges,
    entry_as_json,
    entry_from_json,
    parse_roster_rows,
    read_roster_file,
    roster_changes,
    roster_fingerprint,
)
from storage import repositories as repo
from storage import roster as roster_repo
from storage.models import Member

PREVIEW_FOR = timedelta(hours=24)
NOT_A_MANAGER = "Only a partnership manager can replace the roster. Nothing was changed."

__all__ = ["MAX_BYTES", "file_help", "manager_only", "replace_roster", "upload_roster"]


async def _manager(app: AppContext, session: AsyncSession, person: Person) -> Member:
    member = await member_for(app, session, person)
    if member is None or not member.active or "manager" not in (member.roles or ()):
        raise Refused(NOT_A_MANAGER, action="roster.replace")
    return member


@refusals_audited
async def manager_only(app: AppContext, *, person: Person) -> None:
    """Refuse (audited) anyone but a manager, before their file is fetched."""
    async with app.db.session() as session:
        await _manager(app, session, person)


@refusals_audited
async def file_help(app: AppContext, *, person: Person) -> Card:
    """How to replace the roster from a file."""
    async with app.db.session() as session:
        await _manager(app, session, person)
    return roster_file_card(max_people=MAX_ROWS, max_megabytes=MAX_BYTES // (1024 * 1024))


def _listed(members: list[Member]) -> list[Listed]:
    return [
        Listed(
            member_id=m.id,
            entry=RosterEntry(
                name=m.name,
                email=m.email,
                agency=m.agency,
                roles=tuple(m.roles or ()),
                cover_from=m.cover_from,
                cover_to=m.cover_to,
            ),
            active=m.active,
        )
        for m in members
    ]


async def _current(session: AsyncSession, app: AppContext) -> list[Listed]:
    return _listed(list(await roster_repo.whole_roster(session, app.partnership_id)))


@refusals_audited
async def upload_roster(app: AppContext, *, person: Person, name: str, content: bytes) -> Card:
    """A roster file checked: its problems by row and column, or the preview to confirm."""
    file_name = name[:200] or "the file"
    rows, problems = read_roster_file(file_name, content)
    entries: list[RosterEntry] = []
    if not problems:
        entries, problems = parse_roster_rows(rows, rules_for(app.profile))
    async with app.db.session() as session, session.begin():
        member = await _manager(app, session, person)
        if problems:
            await repo.audit(
                session,
                action="roster.upload",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                outcome="invalid",
                detail={"problems": len(problems)},
            )
            return roster_file_problems_card(
                file_name=file_name,
                problems=[(p.where(), p.message) for p in problems],
                total=len(problems),
            )
        current = await _current(session, app)
        changes = roster_changes(current, entries)
        upload = await roster_repo.save_upload(
            session,
            partnership_id=app.partnership_id,
            member_id=member.id,
            file_name=file_name,
            entries=[entry_as_json(e) for e in entries],
            fingerprint=roster_fingerprint(current),
            at=app.now(),
        )
        await repo.audit(
            session,
            action="roster.upload",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"upload_id": upload.id, "rows": len(entries), **changes.counts()},
        )
        return _preview(file_name, upload.id, changes)


def _preview(file_name: str, upload_id: int, changes: RosterChanges) -> Card:
    return roster_preview_card(
        file_name=file_name,
        upload_id=upload_id,
        added=[e.name for e in changes.added],
        changed=[e.name for _, e in changes.changed],
        deactivated=[listed.entry.name for listed in changes.deactivated],
        unchanged=len(changes.unchanged),
    )


def _upload_id(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
        return int(raw)
    return None


@refusals_audited
async def replace_roster(app: AppContext, *, person: Person, upload_id: object) -> Card:
    """Replace the roster with a previewed file's people, if the roster is as it was then."""
    now = app.now()
    wanted = _upload_id(upload_id)
    async with app.db.session() as session, session.begin():
        await roster_repo.lock_roster(session, app.partnership_id)
        member = await _manager(app, session, person)
        upload = (
            await roster_repo.upload_by_id(session, app.partnership_id, wanted)
            if wanted is not None
            else None
        )
        if upload is None or upload.uploaded_by_member_id != member.id:
            raise Refused(
                "That roster file is not one you sent. Nothing was changed.",
                action="roster.replace",
                detail={"upload_id": wanted},
            )
        if upload.status == "applied":
            return roster_done_card(
                title="The roster was already replaced with this file",
                name=None,
                facts=[("File", upload.file_name)],
            )
        refusal = None
        if upload.status != "pending":
            refusal = "You sent a newer roster file since this one: use its preview."
        elif upload.uploaded_at + PREVIEW_FOR < now:
            refusal = "This preview is more than a day old. Send the file again."
        current = await _current(session, app)
        if refusal is None and roster_fingerprint(current) != upload.roster_fingerprint:
            refusal = (
                "The roster has changed since you sent the file, so this preview is out of "
                "date. Send the file again to see what it would change now."
            )
        if refusal is not None:
            raise Refused(
                f"{refusal} Nothing was changed.",
                action="roster.replace",
                detail={"upload_id": upload.id},
            )
        entries = [entry_from_json(e) for e in upload.entries]
        changes = roster_changes(current, entries)
        await _apply(session, app, changes)
        upload.status, upload.applied_at, upload.entries = "applied", now, []
        counts = changes.counts()
        await repo.audit(
            session,
            action="roster.replace",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"upload_id": upload.id, **counts},
        )
        return roster_done_card(
            title="The roster was replaced",
            name=None,
            facts=[
                ("File", upload.file_name),
                ("Added", str(counts["added"])),
                ("Changed", str(counts["changed"])),
                ("Taken off the roster", str(counts["deactivated"])),
                ("Unchanged", str(counts["unchanged"])),
            ],
        )


async def _apply(session: AsyncSession, app: AppContext, changes: RosterChanges) -> None:
    by_id: dict[int, Any] = {
        m.id: m for m in await roster_repo.whole_roster(session, app.partnership_id)
    }
    for listed in changes.deactivated:
        by_id[listed.member_id].active = False
    for member_id, entry in changes.changed:
        member = by_id[member_id]
        member.name, member.agency, member.roles = entry.name, entry.agency, list(entry.roles)
        roster_repo.set_cover(member, entry.cover_from, entry.cover_to)
    for entry in changes.added:
        await save_entry(session, app.partnership_id, entry)
