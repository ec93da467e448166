"""The panel's agreed reasons to the referrer (1:1), drawn from the decision at send time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import NotReady, Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row
from bot.usecases.reasons import agreed_reasons, alternative_process
from cards.reasons import reasons_card
from storage import panel as panel_repo
from storage.models import OutboundMessage


async def render_reasons(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """To the referrer: the reasons the panel agreed, never a member's own text."""
    case = await case_of_row(session, row)
    if not case.referrer_aad_object_id:
        raise NotReady("no referrer to tell")
    decision = await panel_repo.decision_of(session, case.id)
    agreed = agreed_reasons(decision)
    if decision is None or agreed is None:
        raise Skip("no agreed reasons are recorded")
    address = await personal_address(
        app, session, case.referrer_aad_object_id, member_id=case.referrer_member_id
    )
    card = reasons_card(
        reference=case.reference,
        outcome_label=app.profile.outcome(decision.outcome).label,
        agreed=agreed,
        alternative=alternative_process(decision),
    )
    return Rendered(address, card_message(card), recipient=case.referrer_member_id)
