"""The renderer of the card telling a manager, in 1:1, that someone was not reached in Teams
(planned by bot/usecases/undelivered.py when a message ends undeliverable)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import Rendered, Skip, Unreachable
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import stage_ids
from bot.usecases.undelivered import notice_card
from storage import outbox
from storage.models import Member, OutboundMessage


async def render_not_reached(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """Who was not reached, what and why, to the manager the row names; nothing once the
    person has been reached since."""
    about_id, manager_id = stage_ids(row)
    about = await session.get(OutboundMessage, about_id)
    if about is None or about.status != outbox.UNDELIVERABLE:
        raise Skip("the message was delivered since, or is gone")
    manager = await session.get(Member, manager_id)
    if manager is None:
        raise Skip("that manager is no longer on the roster")
    if not manager.aad_object_id:
        raise Unreachable(manager.id, outbox.NO_ENTRA_ID)
    card = await notice_card(app, session, about)
    if card is None:
        raise Skip("nothing to tell")
    address = await personal_address(app, session, manager.aad_object_id, member_id=manager.id)
    return Rendered(address, card_message(card), recipient=manager.id)
