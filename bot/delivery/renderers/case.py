"""Renderers of the case's own messages: its card in the channel (posted, then updated in place),
the decision notice to the referrer, the panel's queries and their answer, a disagreement."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import channel_address, personal_address, thread_address
from bot.delivery.courier import NotReady, Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row
from bot.usecases.casework import replan_case
from bot.usecases.panel_cards import decision_notice
from bot.usecases.panel_view import _members_with, shared_card
from bot.usecases.progress import close_after_notice
from cards.panel import (
    disagreement_notice,
    disagreement_resolved_notice,
    queries_answer_card,
    queries_card,
)
from storage import cases as case_repo
from storage import panel as panel_repo
from storage.models import Case, OutboundMessage


async def render_case_card(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case card that starts the case's thread in the rapid review channel."""
    address = await channel_address(app, session)
    case = await case_of_row(session, row)
    card = await shared_card(app, session, case)
    case_id = case.id

    async def remember_thread(s: AsyncSession, activity_id: str) -> None:
        await s.execute(
            update(Case).where(Case.id == case_id).values(channel_activity_id=activity_id)
        )

    return Rendered(address, card_message(card), remember_thread)


async def render_card_update(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The shared card redrawn in place for everyone."""
    address = await channel_address(app, session)
    # Not through the session: no prefetch put it there (bot.delivery.courier), and this runs once
    # a second while votes come in.
    case = await case_of_row(session, row, prefetched=False)
    if not case.channel_activity_id:
        raise NotReady("the case card has not been posted yet")
    card = await shared_card(app, session, case)
    return Rendered(address, card_message(card), replaces=case.channel_activity_id)


async def render_decision_notice(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The referrer hears the direction of their referral in 1:1."""
    case = await case_of_row(session, row)
    if not case.referrer_aad_object_id:
        raise NotReady("no referrer to tell")
    try:
        card = await decision_notice(app, session, case)
    except LookupError:
        raise NotReady("no decision to tell") from None
    referrer = case.referrer_member_id
    address = await personal_address(app, session, case.referrer_aad_object_id, member_id=referrer)
    case_id = case.id

    async def told(s: AsyncSession, _activity_id: str) -> None:
        # Telling the referrer is a milestone of its own in some profiles (Halton's
        # referrer_informed): the notice's delivery completes it, and its reminders go.
        if await case_repo.record_event(s, case_id, "decision_notice_sent", app.now()):
            told_case = await s.get(Case, case_id)
            if told_case is not None:
                await replan_case(app, s, told_case)
                # No partnership response: the notice is the case's last step.
                await close_after_notice(app, s, told_case)

    return Rendered(address, card_message(card), told, recipient=referrer)


async def render_queries(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """The panel's questions to the referrer, in 1:1, with a box for the answer."""
    case = await case_of_row(session, row)
    round_ = int(row.milestone.rsplit("_", 1)[1])
    query = await panel_repo.open_query(session, case.id, round_)
    if query is None or not case.referrer_aad_object_id:
        raise NotReady("no questions for that round")
    address = await personal_address(
        app, session, case.referrer_aad_object_id, member_id=case.referrer_member_id
    )
    card = queries_card(reference=case.reference, round=round_, questions=query.questions)
    return Rendered(address, card_message(card), recipient=case.referrer_member_id)


async def render_queries_answer(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread hears that the referrer answered (the answer stays behind View)."""
    case = await case_of_row(session, row)
    address = await thread_address(app, session, case)
    round_ = case.panel_round  # the round the answer reopened
    return Rendered(
        address, card_message(queries_answer_card(reference=case.reference, round=round_))
    )


async def render_disagreement(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread @mentions the managers to convene a discussion."""
    case = await case_of_row(session, row)
    address = await thread_address(app, session, case)
    managers = await _members_with(session, app, {"manager"})
    mentions = [(m.teams_user_id or m.aad_object_id or "", m.name) for m in managers]
    return Rendered(
        address,
        card_message(disagreement_notice(reference=case.reference, manager_mentions=mentions)),
    )


async def render_disagreement_resolved(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """Once the panel has decided, the thread's disagreement notice is updated in place to say
    it is resolved (nothing is posted when there was none)."""
    case = await case_of_row(session, row)
    notice = await session.scalar(
        select(OutboundMessage)
        .where(
            OutboundMessage.case_id == case.id,
            OutboundMessage.kind == "disagreement_notice",
            OutboundMessage.status == "sent",
            OutboundMessage.sent_activity_id.is_not(None),
        )
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )
    decision = await panel_repo.decision_of(session, case.id)
    if notice is None or notice.sent_activity_id is None or decision is None:
        raise Skip("no disagreement notice to resolve")
    address = await thread_address(app, session, case)
    card = disagreement_resolved_notice(
        reference=case.reference, outcome_label=app.profile.outcome(decision.outcome).label
    )
    return Rendered(address, card_message(card), replaces=notice.sent_activity_id)
