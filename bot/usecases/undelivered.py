"""Messages that could not reach their person in Teams, and what is done about them.

A 1:1 message ends undeliverable (bot/delivery/courier.py) when its person, a roster member,
cannot be reached: no Entra id yet (a chat cannot be opened), or Teams refused the chat (403)
or did not find them (404). In the transaction that records it, `not_reached` audits it (the
member's id and a reason code: never a name or an address) and plans, for whoever asked (else
every manager), a card saying who was not reached, what and why, followed by a copy to send
through the partnership's secure email: the information request as a Word document, or the
file itself (an invitation, the papers, the report). The case's timeline lists them
(`not_delivered`).

When the person later messages the bot, `send_waiting` records their Entra id (found by their
Teams email when the roster had none) and puts what waits for them back in the outbox, once:
a conditional UPDATE lets one caller re-plan a row, and the courier claims and sends it once.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.rapid_review import DOCX
from bot.usecases.returns import returns_due_date
from cards.undelivered import not_reached_card
from review.calendar import london_date
from review.request_form import request_docx
from storage import files as files_repo
from storage import outbox
from storage import panel as panel_repo
from storage import repositories as repo
from storage.files import FILE_OFFER
from storage.models import Case, InformationRequest, Member, OutboundMessage, SharedFile

NOT_REACHED = "not_reached"
"""The kind (and milestone) of the card telling a manager someone was not reached."""
COPY = "not_reached_copy"
"""The milestone of a copy's file offer: a copy not delivered tells no one again."""

TOLD = frozenset({"information_request", FILE_OFFER, "decision_notice", "queries_to_referrer"})
"""The kinds whose undelivered message the managers are told about. The rest (the next steps,
"the report is ready", a notice like this one) are buttons for managers and the chair on
their own work: the case's timeline shows them, and they go out when the person messages."""

REASONS = {
    outbox.NO_ENTRA_ID: "They have no Microsoft Entra id on the roster yet, so Teams cannot "
    "open a chat with them. It is recorded when they first message me.",
    outbox.TEAMS_REFUSED: "Teams refused a chat with them (403): they may be outside the "
    "partnership's Microsoft 365 tenant, or the app may be blocked for them.",
    outbox.NOT_IN_TEAMS: "Teams could not find them (404): they may have left the tenant, or "
    "removed the app.",
}
"""Why, in plain words, for the manager's card."""

SHORT_REASONS = {
    outbox.NO_ENTRA_ID: "no Entra id yet",
    outbox.TEAMS_REFUSED: "Teams refused the chat",
    outbox.NOT_IN_TEAMS: "not found in Teams",
}
"""Why, briefly, for the case's timeline."""

WHAT = {
    "information_request": "the information request",
    "decision_notice": "the panel's decision on their referral",
    "queries_to_referrer": "the panel's questions on their referral",
    "report_ready": "the note that the Rapid Review report is ready",
    "next_steps": "their next steps on the case",
    NOT_REACHED: "a note that someone was not reached",
}

TIMELINE_MAX = 10
"""The most people not reached the timeline lists (then "and N more")."""


def _ids(stage: str) -> tuple[int, int]:
    first, _, second = stage.partition(":")
    return int(first), int(second or 0)


async def _file_of(session: AsyncSession, row: OutboundMessage) -> SharedFile | None:
    if row.kind != FILE_OFFER or not row.stage.isdigit():
        return None
    return await files_repo.get_offered(session, int(row.stage))


async def what_of(session: AsyncSession, row: OutboundMessage) -> str:
    """What the row's message is, in words (a file by its name, which never names the child)."""
    if row.kind == FILE_OFFER:
        file = await _file_of(session, row)
        return f"the file {file.name}" if file is not None else "a file"
    return WHAT.get(row.kind, "a message")


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def copy_name(reference: str, name: str) -> str:
    """A copy's file name: the case reference and the kind of document, e.g.
    `SSCP-2026-0001-meeting-papers.docx` (never the child's or the family's name)."""
    rest = name[len(reference) :] if name.startswith(reference) else name
    slug = re.sub(r"[^a-z0-9.]+", "-", rest.lower()).strip("-.") or "file"
    return f"{reference}-{slug}"[:200]


async def _copy_of(
    app: AppContext, session: AsyncSession, case: Case, row: OutboundMessage, *, content: bool
) -> tuple[str, str, bytes] | None:
    """The copy a manager sends by secure email: (name, content type, bytes — empty unless
    `content`), or None when there is nothing to send."""
    if row.kind == "information_request":
        request = await session.get(InformationRequest, _ids(row.stage)[0])
        if request is None:
            return None
        name = f"{case.reference}-information-request-{request.agency.replace('_', '-')}.docx"
        data = b""
        if content:
            data = request_docx(
                reference=case.reference,
                partnership_name=app.profile.partnership.name,
                agency_name=app.profile.agency_name(request.agency),
                due=await returns_due_date(app, session, case),
                period=(request.period_from, request.period_to),
                day=london_date(app.now()),
            )
        return copy_name(case.reference, name), DOCX, data
    file = await _file_of(session, row)
    if file is None or not file.content:
        return None
    return copy_name(case.reference, file.name), file.content_type, file.content


async def _whom_to_tell(
    app: AppContext, session: AsyncSession, row: OutboundMessage, member_id: int
) -> list[Member]:
    """Who asked for the message (the information request's sender), when Teams can reach
    them; else every manager it can reach. Never the person not reached."""
    people = [
        m
        for m in await repo.members(session, app.partnership_id)
        if m.aad_object_id and m.id != member_id
    ]
    asker_id = None
    if row.kind == "information_request":
        request = await session.get(InformationRequest, _ids(row.stage)[0])
        asker_id = request.requested_by_member_id if request is not None else None
    asker = next((m for m in people if m.id == asker_id), None)
    if asker is not None:
        return [asker]
    return [m for m in people if "manager" in m.roles]


async def not_reached(
    app: AppContext, session: AsyncSession, message_id: int, member_id: int, reason: str
) -> None:
    """In the transaction that marks the row undeliverable: audit it and tell who asked (or
    the managers) in 1:1, each with a copy to send by secure email."""
    row = await session.get(OutboundMessage, message_id)
    if row is None:
        return
    case = await session.get(Case, row.case_id) if row.case_id is not None else None
    told: list[Member] = []
    if case is not None and row.kind in TOLD and row.milestone != COPY:
        told = await _whom_to_tell(app, session, row, member_id)
    now = app.now()
    await repo.audit(
        session,
        action="outbox.undeliverable",
        actor=None,
        partnership_id=app.partnership_id,
        case_id=row.case_id,
        detail={
            "outbox_id": row.id,
            "kind": row.kind,
            "member_id": member_id,
            "reason": reason,
            "told_member_ids": [m.id for m in told],
        },
        at=now,
    )
    if case is None or not told:
        return
    copy = await _copy_of(app, session, case, row, content=True)
    what = await what_of(session, row)
    person = await session.get(Member, member_id)
    whose = f"{person.name} ({app.profile.agency_name(person.agency)})" if person else "them"
    for manager in told:
        assert manager.aad_object_id is not None
        planned = await panel_repo.plan_message(
            session,
            case=case,
            kind=NOT_REACHED,
            milestone=NOT_REACHED,
            stage=f"{row.id}:{manager.id}",
            due_on=london_date(now),
            send_after=now,
        )
        if planned and copy is not None:
            name, content_type, content = copy
            await files_repo.offer_file(
                session,
                partnership_id=app.partnership_id,
                case_id=case.id,
                recipient_aad_object_id=manager.aad_object_id,
                name=name,
                description=(
                    f"A copy of {what} for {whose}, who could not be reached in Teams: send "
                    f"it through the partnership's secure email. Confidential."
                ),
                content_type=content_type,
                content=content,
                now=now,
                milestone=COPY,
            )


async def notice_card(
    app: AppContext, session: AsyncSession, about: OutboundMessage
) -> dict[str, Any] | None:
    """The card telling a manager who `about` did not reach, what and why (None once it is
    no longer undeliverable: the person was reached since)."""
    who = outbox.undeliverable_of(about)
    case = await session.get(Case, about.case_id) if about.case_id is not None else None
    if who is None or case is None:
        return None
    member_id, reason = who
    person = await session.get(Member, member_id)
    copy = await _copy_of(app, session, case, about, content=False)
    return not_reached_card(
        reference=case.reference,
        person_name=person.name if person is not None else "Someone no longer on the roster",
        agency_name=app.profile.agency_name(person.agency) if person is not None else "",
        what=_sentence_case(await what_of(session, about)),
        reason=REASONS.get(reason, "Teams could not deliver it."),
        copy_name=copy[0] if copy is not None else None,
    )


async def not_delivered(app: AppContext, session: AsyncSession, case: Case) -> list[str]:
    """The case's messages not delivered in Teams, a line each: who (name and agency), what,
    and why in brief."""
    lines: list[str] = []
    for row in await outbox.undeliverable_rows(session, app.partnership_id, case_id=case.id):
        who = outbox.undeliverable_of(row)
        if who is None:
            continue
        person = await session.get(Member, who[0])
        name = (
            f"{person.name} ({app.profile.agency_name(person.agency)})"
            if person is not None
            else "Someone no longer on the roster"
        )
        line = f"{name}: {await what_of(session, row)} — {SHORT_REASONS.get(who[1], who[1])}"
        if line not in lines:
            lines.append(line)
    if len(lines) > TIMELINE_MAX:
        lines = [*lines[:TIMELINE_MAX], f"and {len(lines) - TIMELINE_MAX} more"]
    return lines


async def send_waiting(
    app: AppContext, *, aad_object_id: str, email: Callable[[], Awaitable[str | None]]
) -> int:
    """A person messaged the bot in 1:1: what could not reach them before goes out now, once
    (audited); how many messages. `email` looks up their Teams email (a call to Teams), only
    when a member with no Entra id yet has messages waiting."""
    async with app.db.session() as session:
        rows = await outbox.undeliverable_rows(session, app.partnership_id)
        waiting = {who[0] for row in rows if (who := outbox.undeliverable_of(row)) is not None}
        if not waiting:
            return 0
        member = await repo.find_member(
            session, app.partnership_id, aad_object_id=aad_object_id, email=None
        )
        unknown = [
            m
            for m in [await session.get(Member, member_id) for member_id in sorted(waiting)]
            if m is not None and m.active and not m.aad_object_id
        ]
    address = None
    if member is None:
        if not unknown:
            return 0
        # Outside any transaction: nothing is held while Teams answers.
        address = await email()
        if address is None:
            return 0
    elif member.id not in waiting:
        return 0
    now = app.now()
    async with app.db.session() as session, session.begin():
        member = await repo.find_member(
            session, app.partnership_id, aad_object_id=aad_object_id, email=address
        )
        if member is None:
            return 0
        if not member.aad_object_id:
            # Their first message: the roster learns their Entra id, and files waiting for it
            # are theirs now.
            member.aad_object_id = aad_object_id
            files = await files_repo.give_to(session, member.id, aad_object_id)
            await repo.audit(
                session,
                action="roster.entra_id_recorded",
                actor=aad_object_id,
                partnership_id=app.partnership_id,
                detail={"member_id": member.id, "files": files},
                at=now,
            )
        theirs = [
            row.id
            for row in await outbox.undeliverable_rows(session, app.partnership_id)
            if (who := outbox.undeliverable_of(row)) is not None and who[0] == member.id
        ]
        again = await outbox.send_again(session, theirs, now=now)
        if again:
            await repo.audit(
                session,
                action="outbox.sent_again",
                actor=aad_object_id,
                partnership_id=app.partnership_id,
                detail={"member_id": member.id, "outbox_ids": again},
                at=now,
            )
    return len(again)
