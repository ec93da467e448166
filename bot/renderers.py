"""Outbox renderers by kind: build what to send from the database as it is now."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.messenger import Address
from bot.outbox import NotReady, Rendered, Renderer, card_message
from bot.referrals import next_deadline
from cards.referral import channel_case_card
from review.calendar import london_date
from review.referral import PATHWAYS
from storage import cases as case_repo
from storage import repositories as repo
from storage.models import Case, OutboundMessage

CHANNEL_KIND, CHANNEL_KEY = "channel", "rapid_review"
STATUS_LABELS = {
    "awaiting_panel": "Awaiting the virtual panel",
    "decided": "Decided",
    "closed": "Closed",
}


async def channel_address(app: AppContext, session: AsyncSession) -> Address:
    """The partnership's rapid review channel, or NotReady until a manager registers one."""
    ref = await repo.conversation_reference(
        session, app.partnership_id, kind=CHANNEL_KIND, key=CHANNEL_KEY
    )
    if ref is None:
        raise NotReady("no rapid review channel registered yet")
    return Address(ref.service_url, ref.conversation_id, ref.tenant_id)


def agency_name(app: AppContext, agency_id: str) -> str:
    """The profile's name for an agency id."""
    return next((a.name for a in app.profile.agencies if a.id == agency_id), agency_id)


async def case_card_for(app: AppContext, session: AsyncSession, case: Case) -> dict[str, object]:
    """The privacy-safe channel card of a case, as the case stands now."""
    events = await case_repo.case_events(session, case.id)
    return channel_case_card(
        reference=case.reference,
        referring_agency=agency_name(app, case.referring_agency),
        pathway_label=PATHWAYS[case.pathway_sought].label,
        event_date=case.event_date,
        received_date=london_date(case.received_at),
        next_deadline=next_deadline(app, case, events),
        status=STATUS_LABELS.get(case.status, case.status),
    )


async def render_case_card(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case card that starts the case's thread in the rapid review channel."""
    address = await channel_address(app, session)
    case = await session.get(Case, row.case_id)
    if case is None:
        raise NotReady("case no longer exists")
    card = await case_card_for(app, session, case)
    case_id = case.id

    async def remember_thread(s: AsyncSession, activity_id: str) -> None:
        await s.execute(
            update(Case).where(Case.id == case_id).values(channel_activity_id=activity_id)
        )

    return Rendered(address, card_message(card), remember_thread)


RENDERERS: dict[str, Renderer] = {"case_card": render_case_card}
