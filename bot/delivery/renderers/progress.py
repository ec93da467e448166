"""The referrer's progress updates (1:1): drawn at send time from what the case records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import NotReady, Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row
from cards.progress import progress_card
from review.calendar import LONDON
from review.report import CONCLUSIONS, validate_chair_notes
from storage import after as after_repo
from storage.models import CaseEvent, OutboundMessage


async def render_progress(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """To the referrer: where the case has got to (the meeting's day, the conclusion, the
    report's sending), never the child's details or anyone's notes."""
    case = await case_of_row(session, row)
    if not case.referrer_aad_object_id:
        raise NotReady("no referrer to tell")
    if row.stage == "meeting":
        meeting = await after_repo.meeting_of(session, case.id)
        if meeting is None:
            raise Skip("no meeting is booked")
        card = progress_card(
            reference=case.reference,
            step="meeting",
            day=meeting.starts_at.astimezone(LONDON).date(),
        )
    elif row.stage == "concluded":
        note = await after_repo.chair_note_of(session, case.id)
        if note is None or not note.conclusion:
            raise Skip("no conclusion is recorded")
        # Every conclusion chosen, from the notes (the column keeps the first only).
        notes, _ = validate_chair_notes(
            note.notes or {}, complete=False, own_conclusions=app.profile.report.conclusions
        )
        words = notes.conclusion_label if notes is not None else ""
        card = progress_card(
            reference=case.reference,
            step="concluded",
            conclusion=words
            or CONCLUSIONS.get(note.conclusion)
            or app.profile.report.conclusions.get(note.conclusion)
            or "Recorded by the chair",
        )
    elif row.stage == "report_sent":
        sent = await session.scalar(
            select(CaseEvent.occurred_at).where(
                CaseEvent.case_id == case.id, CaseEvent.event == "rapid_review_report_sent"
            )
        )
        if sent is None:
            raise Skip("the report's sending is not recorded")
        card = progress_card(
            reference=case.reference, step="report_sent", day=sent.astimezone(LONDON).date()
        )
    else:
        raise Skip(f"unknown progress step {row.stage}")
    address = await personal_address(
        app, session, case.referrer_aad_object_id, member_id=case.referrer_member_id
    )
    return Rendered(address, card_message(card), recipient=case.referrer_member_id)
