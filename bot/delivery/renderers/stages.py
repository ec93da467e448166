"""Renderers of the stages after a decision, each to one person in 1:1: the information request,
the returns' status, the meeting notice, the report ready, the next steps."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address, thread_address
from bot.delivery.courier import Rendered, Skip, Unreachable
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row, stage_ids
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.rapid_review import steps_card
from bot.usecases.returns import return_status, returns_due
from bot.usecases.sign_off import report_card
from cards.after import (
    information_request_card,
    meeting_notice_card,
    returns_status_card,
)
from review.calendar import LONDON, london_date
from review.referral import format_date
from storage import after as after_repo
from storage import outbox
from storage import panel as panel_repo
from storage.models import Case, InformationRequest, Member, OutboundMessage


async def render_information_request(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The Appendix D request to one of an agency's safeguarding leads, in 1:1."""
    case = await case_of_row(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    request_id, member_id = stage_ids(row)
    request = await session.get(InformationRequest, request_id)
    lead = await session.get(Member, member_id)
    if request is None or lead is None:
        raise Skip("the request or its lead is gone")
    if not lead.aad_object_id:
        raise Unreachable(lead.id, outbox.NO_ENTRA_ID)
    address = await personal_address(app, session, lead.aad_object_id, member_id=lead.id)
    due = await returns_due(app, session, case)
    card = information_request_card(
        reference=case.reference,
        agency_name=app.profile.agency_name(request.agency),
        due=due or london_date(app.now()),
        values=dict(request.answers or {}),
        errors={},
        chronology_rows=(),
        token=request.token,
        part=1,
        period=(request.period_from, request.period_to),
    )
    return Rendered(address, card_message(card), recipient=lead.id)


async def returns_rows(
    app: AppContext, session: AsyncSession, case: Case
) -> list[tuple[str, str, str | None]]:
    """Each agency asked: its name, where its return stands, and since when (channel-safe)."""
    due = await returns_due(app, session, case)
    today = london_date(app.now())
    rows = []
    for request in await after_repo.requests_of(session, case.id):
        when = format_date(london_date(request.returned_at)) if request.returned_at else None
        rows.append(
            (app.profile.agency_name(request.agency), return_status(request, due, today), when)
        )
    return rows


async def render_returns_status(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread: which agencies have replied (names and statuses only)."""
    case = await case_of_row(session, row)
    address = await thread_address(app, session, case)
    rows = await returns_rows(app, session, case)
    if not rows:
        raise Skip("no agency has been asked")
    return Rendered(address, card_message(returns_status_card(reference=case.reference, rows=rows)))


async def render_meeting_notice(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread: the meeting's date, time and place, and when the papers go out."""
    case = await case_of_row(session, row)
    meeting = await after_repo.meeting_of(session, case.id)
    if meeting is None or f"m{meeting.sequence}" != row.stage:
        raise Skip("the meeting has been moved since; a newer notice follows")
    address = await thread_address(app, session, case)
    start = meeting.starts_at.astimezone(LONDON)
    papers_by = app.calendar.add_working_days(start.date(), -1)
    card = meeting_notice_card(
        reference=case.reference,
        start_text=f"{start:%H:%M} {format_date(start.date())}",
        # The place is typed by a manager: it stays in the invitation, off the channel.
        location="In the invitation sent to each attendee",
        papers_by=papers_by,
    )
    return Rendered(address, card_message(card))


async def render_report_ready(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a manager or the chair in 1:1: the report is ready; record the date it was sent."""
    case = await case_of_row(session, row)
    member = await session.get(Member, int(row.stage.split("-", 1)[0]))
    if member is None:
        raise Skip("that person is no longer on the roster")
    if not member.aad_object_id:
        raise Unreachable(member.id, outbox.NO_ENTRA_ID)
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    card = await report_card(app, session, case, member)
    return Rendered(address, card_message(card), recipient=member.id)


async def render_next_steps(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a manager in 1:1 when the panel decides on a Rapid Review: the buttons for what
    comes next (ask the agencies, book the meeting)."""
    case = await case_of_row(session, row)
    member = await session.get(Member, int(row.stage.rsplit("-", 1)[1]))
    decision = await panel_repo.decision_of(session, case.id)
    if member is None or decision is None:
        raise Skip("no one to tell, or no decision")
    card = steps_card(app, case, member, london_date(decision.decided_at))
    if card is None:
        raise Skip("nothing for that person to do")
    if not member.aad_object_id:
        raise Unreachable(member.id, outbox.NO_ENTRA_ID)
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    return Rendered(address, card_message(card), recipient=member.id)
