"""The serious incident notification's draft, to a notifier in 1:1
(bot/usecases/notification.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row, member_of_row
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.notification import EVENT, draft_card
from storage import cases as case_repo
from storage.models import OutboundMessage


async def render_notification_draft(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """Every answer the online form asks, as the case holds it at send time."""
    case = await case_of_row(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    if EVENT in await case_repo.case_events(session, case.id):
        raise Skip("the National Panel was notified already")
    member = await member_of_row(session, row)
    assert member.aad_object_id is not None
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    card = await draft_card(app, session, case)
    return Rendered(address, card_message(card), recipient=member.id)
