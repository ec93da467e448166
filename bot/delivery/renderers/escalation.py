"""An escalation's cards: the managers' (1:1), the mediation notice to the partners and the
chair (1:1), and the final determination to the referrer (1:1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import NotReady, Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row, member_of_row
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.escalation import card_for
from cards.escalation import escalation_outcome_card, mediation_notice_card
from storage.models import Escalation, OutboundMessage


async def render_escalation(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a manager: the escalation's card at its step."""
    case = await case_of_row(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    member = await member_of_row(session, row)
    assert member.aad_object_id is not None
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    return Rendered(address, card_message(await card_for(app, session, case)), recipient=member.id)


async def render_mediation_notice(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a panel member or the chair: when and where the mediation is."""
    case = await case_of_row(session, row)
    found = await session.scalar(select(Escalation).where(Escalation.case_id == case.id))
    if found is None or found.mediation_on is None:
        raise Skip("no mediation is booked")
    member = await member_of_row(session, row)
    assert member.aad_object_id is not None
    address = await personal_address(app, session, member.aad_object_id, member_id=member.id)
    card = mediation_notice_card(
        reference=case.reference, mediation_on=found.mediation_on, where=found.mediation_where or ""
    )
    return Rendered(address, card_message(card), recipient=member.id)


async def render_escalation_outcome(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To the referrer: the final determination and its reasons."""
    case = await case_of_row(session, row)
    if not case.referrer_aad_object_id:
        raise NotReady("no referrer to tell")
    found = await session.scalar(select(Escalation).where(Escalation.case_id == case.id))
    if found is None or not found.determination:
        raise Skip("no determination is recorded")
    address = await personal_address(
        app, session, case.referrer_aad_object_id, member_id=case.referrer_member_id
    )
    card = escalation_outcome_card(
        reference=case.reference, determination=found.determination, reasons=found.reasons or ""
    )
    return Rendered(address, card_message(card), recipient=case.referrer_member_id)
