"""After the decision: agency information requests and returns, the meeting, the chair's notes.

Every function works inside the caller's transaction (no commits here).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseEvent, ChairNote, InformationRequest, Meeting

REPLIED = frozenset({"returned", "not_involved"})
"""The statuses of a request whose agency has answered."""


async def requests_of(session: AsyncSession, case_id: int) -> Sequence[InformationRequest]:
    """The case's information requests, oldest first."""
    rows = await session.scalars(
        select(InformationRequest)
        .where(InformationRequest.case_id == case_id)
        .order_by(InformationRequest.id)
    )
    return rows.all()


async def request_by_token(
    session: AsyncSession, token: str, *, lock: bool = False
) -> InformationRequest | None:
    """The request a card's token names (locked for this transaction when asked)."""
    if not token or len(token) > 64:
        return None
    stmt = select(InformationRequest).where(InformationRequest.token == token)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def add_request(
    session: AsyncSession,
    *,
    case_id: int,
    agency: str,
    member_id: int | None,
    now: datetime,
    period: tuple[date, date],
) -> tuple[InformationRequest, bool]:
    """The agency's request on the case, about `period` (first and last day), created if new;
    (request, created). An existing request keeps the period it was sent with."""
    existing = (
        await session.scalars(
            select(InformationRequest).where(
                InformationRequest.case_id == case_id, InformationRequest.agency == agency
            )
        )
    ).first()
    if existing is not None:
        return existing, False
    row = InformationRequest(
        case_id=case_id,
        agency=agency,
        token=secrets.token_urlsafe(24),
        status="requested",
        answers={},
        chronology=[],
        requested_at=now,
        requested_by_member_id=member_id,
        period_from=period[0],
        period_to=period[1],
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row, True


def save_answers(
    row: InformationRequest, answers: dict[str, str], *, now: datetime
) -> InformationRequest:
    """Merge answers into a request's saved return (a draft until it is submitted)."""
    row.answers = {**(row.answers or {}), **answers}
    if row.status == "requested":
        row.status = "draft"
    row.updated_at = now
    return row


def add_chronology_row(
    row: InformationRequest, values: dict[str, Any], *, now: datetime
) -> InformationRequest:
    """Append one chronology row (as stored values) to a request's return."""
    row.chronology = [*(row.chronology or []), values]
    if row.status == "requested":
        row.status = "draft"
    row.updated_at = now
    return row


def mark_returned(
    row: InformationRequest, *, involved: bool, member_id: int | None, now: datetime
) -> bool:
    """Record the return as submitted; True when this is its first submission."""
    first = row.status not in REPLIED
    row.status = "returned" if involved else "not_involved"
    if first or row.returned_at is None:
        row.returned_at = now
    row.returned_by_member_id = member_id
    row.updated_at = now
    return first


async def meeting_of(session: AsyncSession, case_id: int) -> Meeting | None:
    """The case's Rapid Review meeting, if one has been proposed."""
    return (await session.scalars(select(Meeting).where(Meeting.case_id == case_id))).first()


async def set_meeting(
    session: AsyncSession,
    *,
    case_id: int,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    member_id: int | None,
    now: datetime,
    late_reason: str | None = None,
) -> Meeting:
    """Book (or move) the meeting; a move raises its iCalendar sequence number. `late_reason`
    is why it is after its window or the report's deadline (None: it is not)."""
    meeting = await meeting_of(session, case_id)
    if meeting is None:
        meeting = Meeting(case_id=case_id, sequence=0)
        session.add(meeting)
    else:
        meeting.sequence += 1
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.location = location
    meeting.proposed_by_member_id = member_id
    meeting.proposed_at = now
    meeting.late_reason = late_reason
    await session.flush()
    return meeting


async def move_event(
    session: AsyncSession, case_id: int, event: str, at: datetime, member_id: int | None
) -> None:
    """Record an anchor event at `at`, replacing an earlier record of it (a rebooking)."""
    await session.execute(
        delete(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
    )
    session.add(
        CaseEvent(case_id=case_id, event=event, occurred_at=at, recorded_by_member_id=member_id)
    )
    await session.flush()


async def chair_note_of(session: AsyncSession, case_id: int) -> ChairNote | None:
    """The chair's notes on a case, if any were saved."""
    return (await session.scalars(select(ChairNote).where(ChairNote.case_id == case_id))).first()


async def save_chair_note(
    session: AsyncSession,
    *,
    case_id: int,
    notes: dict[str, str],
    member_id: int | None,
    now: datetime,
) -> ChairNote:
    """Merge answers into the chair's notes."""
    row = await chair_note_of(session, case_id)
    if row is None:
        row = ChairNote(case_id=case_id, notes={})
        session.add(row)
    row.notes = {**(row.notes or {}), **notes}
    row.saved_at = now
    row.saved_by_member_id = member_id
    await session.flush()
    return row
