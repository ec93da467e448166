"""The learning review's cards: the managers' (1:1) and the group's agenda notice (1:1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row, member_of_row
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.learning import card_for, group_words
from cards.learning import learning_agenda_card
from storage.models import LearningReview, OutboundMessage


async def render_learning_review(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a manager: the learning review's card at the step it is at."""
    case = await case_of_row(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    member = await member_of_row(session, row)
    assert member.aad_object_id is not None
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    return Rendered(address, card_message(await card_for(app, session, case)), recipient=member.id)


async def render_learning_agenda(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a member of the group: the case is on their meeting's agenda."""
    case = await case_of_row(session, row)
    review = await session.scalar(select(LearningReview).where(LearningReview.case_id == case.id))
    if review is None or review.meeting_on is None:
        raise Skip("no meeting is recorded")
    member = await member_of_row(session, row)
    assert member.aad_object_id is not None
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    card = learning_agenda_card(
        reference=case.reference, group=group_words(app), meeting_on=review.meeting_on
    )
    return Rendered(address, card_message(card), recipient=member.id)
