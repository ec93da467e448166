"""Outbox renderers by kind: build what to send from the database as it is now.

Channel-bound renderers (case card, panel card, thread notices) only ever put references,
agency names, dates and statuses on a card: never a child's details or any free text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.after import agencies_led_by, return_status, returns_due, steps_card
from bot.casework import OPEN_CASE_STATUSES, case_timeline, replan_case
from bot.context import AppContext
from bot.files import render_file_offer
from bot.messenger import Address, SendError, thread_id
from bot.outbox import NotReady, Rendered, Renderer, Skip, card_message, per_run, run_messenger
from bot.panel import current_state, panel_now, partner_of
from bot.referrals import next_deadline, referrer_next_steps, timeline_for
from cards.after import (
    information_request_card,
    meeting_notice_card,
    report_ready_card,
    returns_status_card,
)
from cards.nudges import DigestRow, NudgeView, digest_card, nudge_card
from cards.panel import (
    PanelView,
    PartnerRow,
    decision_notice_card,
    disagreement_notice,
    panel_card,
    queries_answer_card,
    queries_card,
)
from cards.referral import channel_case_card
from review.calendar import LONDON, london_date
from review.panel import OUTCOMES, PARTNER_LABELS, PARTNERS, PanelState, visible_positions
from review.referral import PATHWAYS, format_date
from review.reminders import rag
from review.timeline import next_due
from storage import after as after_repo
from storage import cases as case_repo
from storage import outbox
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, InformationRequest, Member, OutboundMessage
from storage.voting import PanelFacts

CHANNEL_KIND, CHANNEL_KEY = "channel", "rapid_review"
PERSONAL_KIND = "personal"
PANEL_STATUSES = frozenset({"panel", "queries", "decided"})
STATUS_LABELS = {
    "received": "Received",
    "panel": "With the virtual panel",
    "queries": "Questions sent to the referrer",
    "decided": "Decided",
    "closed": "Closed",
}


async def channel_address(app: AppContext, session: AsyncSession) -> Address:
    """The partnership's rapid review channel, or NotReady until a manager registers one."""
    ref = await per_run(
        "channel",
        lambda: repo.conversation_reference(
            session, app.partnership_id, kind=CHANNEL_KIND, key=CHANNEL_KEY
        ),
    )
    if ref is None:
        raise NotReady("no rapid review channel registered yet")
    return Address(ref.service_url, ref.conversation_id, ref.tenant_id)


async def thread_address(app: AppContext, session: AsyncSession, case: Case) -> Address:
    """The case's thread in the channel (started by its case card)."""
    channel = await channel_address(app, session)
    if not case.channel_activity_id:
        raise NotReady("the case card has not been posted yet")
    return Address(
        channel.service_url,
        thread_id(channel.conversation_id, case.channel_activity_id),
        channel.tenant_id,
    )


async def personal_address(app: AppContext, session: AsyncSession, aad_object_id: str) -> Address:
    """A person's 1:1 chat with the bot: as last seen, else opened now and remembered.

    A chat is opened proactively (during an outbox run) through the rapid review channel's
    service URL and tenant; without a channel or a stored chat it is NotReady.
    """
    ref = await repo.conversation_reference(
        session, app.partnership_id, kind=PERSONAL_KIND, key=aad_object_id
    )
    if ref is not None:
        return Address(ref.service_url, ref.conversation_id, ref.tenant_id)
    messenger = run_messenger.get()
    if messenger is None:
        raise NotReady("no 1:1 chat with that person is known yet")
    try:
        channel = await channel_address(app, session)
    except NotReady:
        raise NotReady("no 1:1 chat with that person and no channel to open one from") from None
    member = await repo.find_member(
        session, app.partnership_id, aad_object_id=aad_object_id, email=None
    )
    # Teams accepts the person's AAD object id as a member when no Teams user id is known.
    user_id = member.teams_user_id if member is not None and member.teams_user_id else None
    user_id = user_id or aad_object_id
    # Nothing is held while Teams answers: on SQLite this transaction would keep the one
    # connection, and every vote and message waiting for it, for the whole round trip.
    await session.commit()
    try:
        address = await messenger.open_personal_chat(
            channel.service_url, user_id, channel.tenant_id
        )
    except SendError as exc:
        raise NotReady(f"could not open a 1:1 chat: {exc}") from None
    await repo.save_conversation_reference(
        session,
        app.partnership_id,
        kind=PERSONAL_KIND,
        key=aad_object_id,
        conversation_id=address.conversation_id,
        service_url=address.service_url,
        tenant_id=address.tenant_id,
        reference={
            "channelId": "msteams",
            "serviceUrl": address.service_url,
            "conversation": {
                "id": address.conversation_id,
                "conversationType": "personal",
                "tenantId": address.tenant_id,
            },
            "user": {"id": user_id, "aadObjectId": aad_object_id},
        },
    )
    # A renderer's session only reads; commit so the next message reuses this chat even if
    # the send that follows fails.
    await session.commit()
    return address


def time_text(app: AppContext, at: object) -> str | None:
    """A London time a person reads: '10:42 Mon 23 Nov 2026'."""
    if not isinstance(at, datetime):
        return None
    return _london_time_text(at)


# The same few vote and decision times are drawn on every panel card.
@functools.lru_cache(maxsize=1024)
def _london_time_text(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%H:%M} {format_date(local.date())}"


async def _members_with(
    session: AsyncSession, app: AppContext, roles: set[str]
) -> Sequence[Member]:
    return [m for m in await repo.members(session, app.partnership_id) if roles & set(m.roles)]


async def panel_view(
    app: AppContext,
    session: AsyncSession | None,
    case: Case,
    state: PanelState | None = None,
    *,
    viewer_partner: str | None = None,
    people: Sequence[Member] | None = None,
    facts: PanelFacts | None = None,
) -> PanelView:
    """The panel card's view model: what `viewer_partner` (None: everyone) may see.

    `people` are the active members (`repo.members`) and `facts` the case's events and
    decision, when the caller has them already; `session` may be None when it has all three.
    """
    if state is None or facts is None or people is None:
        assert session is not None, "panel_view needs a session to read what it is not given"
    state = state or await current_state(session, case)
    if facts is None:
        stored = await panel_repo.decision_of(session, case.id)
        facts = PanelFacts(
            events=await case_repo.case_events(session, case.id),
            decision=(stored.outcome, stored.decided_at) if stored is not None else None,
        )
    hide = app.profile.partnership.hide_positions_until_all_voted
    shown = visible_positions(state, viewer_partner=viewer_partner, hide_until_all_voted=hide)
    rows = []
    for partner in PARTNERS:
        vote = state.positions.get(partner)
        visible = shown.get(partner)
        rows.append(
            PartnerRow(
                partner=partner,
                label=PARTNER_LABELS[partner],
                voted_at_text=time_text(app, vote.cast_at) if vote else None,
                outcome_label=OUTCOMES[visible.outcome].short_label if visible else None,
                voter_name=visible.member_name if visible else None,
            )
        )
    if people is None:
        people = await repo.members(session, app.partnership_id)
    voters = [m for m in people if {"panel", "deputy"} & set(m.roles)]
    managers = [m for m in people if "manager" in m.roles]
    events = facts.events
    timeline = timeline_for(app, case, events)
    try:
        panel_deadline = timeline.entry("virtual_panel").due
    except KeyError:
        panel_deadline = None
    if facts.decision is not None:
        status, decided = "agreed", facts.decision[1]
        outcome: str | None = facts.decision[0]
    elif case.status == "queries":
        status, outcome, decided = "queries", "queries", None
    else:
        status = "disagreement" if state.status == "disagreement" else "awaiting"
        outcome, decided = None, None
    return PanelView(
        reference=case.reference,
        referring_agency=app.profile.agency_name(case.referring_agency),
        pathway_label=PATHWAYS[case.pathway_sought].label,
        event_date=case.event_date,
        received_date=london_date(case.received_at),
        panel_deadline=panel_deadline,
        next_deadline=next_deadline(app, case, events),
        status=status,
        outcome_label=OUTCOMES[outcome].label if outcome else None,
        decided_at_text=time_text(app, decided),
        rows=tuple(rows),
        round=case.panel_round,
        refresh_user_ids=tuple(
            f"8:orgid:{m.aad_object_id}"
            for m in voters
            if m.aad_object_id and partner_of(app, m) is not None
        )[:60],
        manager_mentions=tuple(
            (m.teams_user_id or m.aad_object_id or "", m.name) for m in managers
        ),
    )


async def shared_card(
    app: AppContext, session: AsyncSession, case: Case, *, viewer_partner: str | None = None
) -> dict[str, object]:
    """The card everyone in the channel sees for a case: the panel card once a panel is open.

    With `viewer_partner`, the panel card as that partner's member may see it (a card they
    open, or get back for a vote Teams sent again). Drawn from the vote's prepared reads.
    """
    if case.status in PANEL_STATUSES:
        state, people, facts = await panel_now(session, case)
        view = await panel_view(
            app, None, case, state, viewer_partner=viewer_partner, people=people, facts=facts
        )
        return panel_card(view)
    events = await case_repo.case_events(session, case.id)
    return channel_case_card(
        reference=case.reference,
        referring_agency=app.profile.agency_name(case.referring_agency),
        pathway_label=PATHWAYS[case.pathway_sought].label,
        event_date=case.event_date,
        received_date=london_date(case.received_at),
        next_deadline=next_deadline(app, case, events),
        status=STATUS_LABELS.get(case.status, case.status),
    )


async def _case(session: AsyncSession, row: OutboundMessage, *, prefetched: bool = True) -> Case:
    """The row's case: from the session (where the courier's prefetch put it), or, when not
    `prefetched`, read afresh as an object in no session, only to be read."""
    if row.case_id is None:
        case = None
    elif prefetched:
        case = await session.get(Case, row.case_id)
    else:
        case = await case_repo.case_by_id(session, row.case_id)
    if case is None:
        raise NotReady("case no longer exists")
    return case


async def render_case_card(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case card that starts the case's thread in the rapid review channel."""
    address = await channel_address(app, session)
    case = await _case(session, row)
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
    # Not through the session: no prefetch put it there (bot.outbox), and this runs once
    # a second while votes come in.
    case = await _case(session, row, prefetched=False)
    if not case.channel_activity_id:
        raise NotReady("the case card has not been posted yet")
    card = await shared_card(app, session, case)
    return Rendered(address, card_message(card), replaces=case.channel_activity_id)


async def render_decision_notice(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The referrer hears the direction of their referral in 1:1."""
    case = await _case(session, row)
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None or not case.referrer_aad_object_id:
        raise NotReady("no decision or no referrer to tell")
    address = await personal_address(app, session, case.referrer_aad_object_id)
    events = await case_repo.case_events(session, case.id)
    card = decision_notice_card(
        reference=case.reference,
        outcome_label=OUTCOMES[decision.outcome].label,
        decided_at_text=time_text(app, decision.decided_at) or "",
        next_steps=referrer_next_steps(app, timeline_for(app, case, events)),
    )
    case_id = case.id

    async def told(s: AsyncSession, _activity_id: str) -> None:
        # Telling the referrer is a milestone of its own in some profiles (Halton's
        # referrer_informed): the notice's delivery completes it, and its reminders go.
        if await case_repo.record_event(s, case_id, "decision_notice_sent", app.now()):
            told_case = await s.get(Case, case_id)
            if told_case is not None:
                await replan_case(app, s, told_case)

    return Rendered(address, card_message(card), told)


async def render_queries(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """The panel's questions to the referrer, in 1:1, with a box for the answer."""
    case = await _case(session, row)
    round_ = int(row.milestone.rsplit("_", 1)[1])
    query = await panel_repo.open_query(session, case.id, round_)
    if query is None or not case.referrer_aad_object_id:
        raise NotReady("no questions for that round")
    address = await personal_address(app, session, case.referrer_aad_object_id)
    card = queries_card(reference=case.reference, round=round_, questions=query.questions)
    return Rendered(address, card_message(card))


async def render_queries_answer(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread hears that the referrer answered (the answer stays behind View)."""
    case = await _case(session, row)
    address = await thread_address(app, session, case)
    round_ = case.panel_round  # the round the answer reopened
    return Rendered(
        address, card_message(queries_answer_card(reference=case.reference, round=round_))
    )


async def render_disagreement(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread @mentions the managers to convene a discussion."""
    case = await _case(session, row)
    address = await thread_address(app, session, case)
    managers = await _members_with(session, app, {"manager"})
    mentions = [(m.teams_user_id or m.aad_object_id or "", m.name) for m in managers]
    return Rendered(
        address,
        card_message(disagreement_notice(reference=case.reference, manager_mentions=mentions)),
    )


RENDERERS: dict[str, Renderer] = {
    "case_card": render_case_card,
    outbox.CASE_CARD_UPDATE: render_card_update,
    "decision_notice": render_decision_notice,
    "queries_to_referrer": render_queries,
    "queries_answer": render_queries_answer,
    "disagreement_notice": render_disagreement,
}


ROLE_LABELS = {
    "manager": "Partnership managers",
    "chair": "The panel chair",
    "panel": "The virtual panel",
    "agency_lead": "Agency leads",
    "la": "Local Authority",
    "police": "Police",
    "health": "Health",
}


async def responsible_people(
    app: AppContext, session: AsyncSession, role: str
) -> list[tuple[str, str]]:
    """The roster members to @mention for a responsible role, as (Teams id, name)."""
    people = await per_run("members", lambda: repo.members(session, app.partnership_id))
    if role in ("la", "police", "health"):
        chosen = [
            m
            for m in people
            if partner_of(app, m) == role and {"panel", "deputy", "agency_lead"} & set(m.roles)
        ]
    elif role == "panel":
        chosen = [
            m
            for m in people
            if partner_of(app, m) is not None and {"panel", "deputy"} & set(m.roles)
        ]
    else:
        chosen = [m for m in people if role in m.roles]
    return [(m.teams_user_id or m.aad_object_id or "", m.name) for m in chosen]


async def _outstanding_returns(
    app: AppContext, session: AsyncSession, case: Case
) -> tuple[str, list[tuple[str, str]]]:
    """Who the returns reminder is for: the leads of the agencies that have not replied."""
    requests = await after_repo.requests_of(session, case.id)
    waiting = [r.agency for r in requests if r.status not in after_repo.REPLIED]
    if requests and not waiting:
        raise Skip("every agency asked has replied")
    if not waiting:
        return ROLE_LABELS["agency_lead"], await responsible_people(app, session, "agency_lead")
    people = await per_run("members", lambda: repo.members(session, app.partnership_id))
    mentions = [
        (m.teams_user_id or m.aad_object_id or "", m.name)
        for m in people
        if agencies_led_by(app, m) & set(waiting)
    ]
    names = ", ".join(app.profile.agency_name(a) for a in waiting)
    return f"Agency leads of {names}", mentions


async def render_nudge(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """A reminder in the case's thread, @mentioning who is responsible. No child details."""
    case = await _case(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    today = london_date(app.now())
    timeline = await case_timeline(app, session, case)
    try:
        entry = timeline.entry(row.milestone)
    except KeyError:
        raise Skip("the milestone is not on the case's timeline") from None
    if entry.due is None or not entry.outstanding_on(today):
        raise Skip("the milestone is done or no longer dated")
    address = await thread_address(app, session, case)
    milestone = entry.milestone
    escalation = milestone.nudges.escalation
    role = escalation.to if row.stage == "escalation" and escalation else milestone.responsible
    late = app.calendar.working_days_between(entry.due, today) if today > entry.due else 0
    left = app.calendar.working_days_between(today, entry.due) if today < entry.due else 0
    if row.stage == "heads_up" and left < 1:
        raise Skip("a heads-up is pointless once the milestone is due")
    label = ROLE_LABELS.get(role, role)
    mentions = await responsible_people(app, session, role)
    if milestone.id == "agency_returns" and row.stage != "escalation":
        label, mentions = await _outstanding_returns(app, session, case)
    note = None
    if today > row.due_on:
        note = (
            f"Sent late: this reminder was due on {format_date(row.due_on)}, "
            "when the reminder service was unavailable."
        )
    view = NudgeView(
        reference=case.reference,
        milestone_id=milestone.id,
        milestone_title=milestone.title,
        stage=row.stage,
        due=entry.due,
        window_earliest=entry.earliest,
        working_days_late=max(late, 0),
        late_delivery_note=note,
        responsible_label=label,
        mentions=tuple(mentions),
        working_days_left=max(left, 1),
    )
    return Rendered(address, card_message(nudge_card(view)))


async def render_digest(app: AppContext, session: AsyncSession, row: OutboundMessage) -> Rendered:
    """The daily digest in the channel: every open case, its next milestone, red/amber/green."""
    address = await channel_address(app, session)
    today = london_date(app.now())
    if today != row.due_on:
        raise Skip("a digest is only worth sending on its own day")
    cases = await session.scalars(
        select(Case)
        .where(Case.partnership_id == app.partnership_id, Case.status.in_(OPEN_CASE_STATUSES))
        .order_by(Case.received_at)
    )
    rows = []
    for case in cases:
        entry = next_due(await case_timeline(app, session, case), today)
        due = entry.due if entry else None
        colour, days = rag(app.calendar, due, today)
        rows.append(
            DigestRow(
                reference=case.reference,
                next_title=entry.milestone.title if entry else None,
                next_due=due,
                rag=colour,
                working_days=days,
                status_label=STATUS_LABELS.get(case.status, case.status),
            )
        )
    order = {"red": 0, "amber": 1, "green": 2, "none": 3}
    rows.sort(key=lambda r: (order[r.rag], r.next_due or today, r.reference))
    counts = await outbox.counts_by_status(session)
    card = digest_card(
        partnership_name=app.profile.partnership.name,
        day=today,
        rows=rows,
        failed_reminders=counts.get("failed", 0),
        uncertain_reminders=counts.get("uncertain", 0),
    )
    return Rendered(address, card_message(card))


RENDERERS["nudge"] = render_nudge
RENDERERS["digest"] = render_digest
RENDERERS["file_offer"] = render_file_offer


# --- after the decision ---------------------------------------------------------------------


def _stage_ids(row: OutboundMessage) -> tuple[int, int]:
    first, _, second = row.stage.partition(":")
    return int(first), int(second or 0)


async def render_information_request(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The Appendix D request to one of an agency's safeguarding leads, in 1:1."""
    case = await _case(session, row)
    if case.status not in OPEN_CASE_STATUSES:
        raise Skip("the case is closed")
    request_id, member_id = _stage_ids(row)
    request = await session.get(InformationRequest, request_id)
    lead = await session.get(Member, member_id)
    if request is None or lead is None or not lead.aad_object_id:
        raise Skip("the request or its lead is gone")
    address = await personal_address(app, session, lead.aad_object_id)
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
    return Rendered(address, card_message(card))


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
    case = await _case(session, row)
    address = await thread_address(app, session, case)
    rows = await returns_rows(app, session, case)
    if not rows:
        raise Skip("no agency has been asked")
    return Rendered(address, card_message(returns_status_card(reference=case.reference, rows=rows)))


async def render_meeting_notice(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The case thread: the meeting's date, time and place, and when the papers go out."""
    case = await _case(session, row)
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
    case = await _case(session, row)
    member = await session.get(Member, int(row.stage.split("-", 1)[0]))
    if member is None or not member.aad_object_id:
        raise Skip("that person is no longer on the roster")
    address = await personal_address(app, session, member.aad_object_id)
    events = await case_repo.case_events(session, case.id)
    sent = events.get("rapid_review_report_sent")
    card = report_ready_card(
        reference=case.reference, sent_recorded=london_date(sent) if sent else None
    )
    return Rendered(address, card_message(card))


RENDERERS["information_request"] = render_information_request
RENDERERS["returns_status"] = render_returns_status
RENDERERS["meeting_notice"] = render_meeting_notice
RENDERERS["report_ready"] = render_report_ready


async def render_next_steps(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """To a manager in 1:1 when the panel decides on a Rapid Review: the buttons for what
    comes next (ask the agencies, book the meeting)."""
    case = await _case(session, row)
    member = await session.get(Member, int(row.stage.rsplit("-", 1)[1]))
    decision = await panel_repo.decision_of(session, case.id)
    if member is None or not member.aad_object_id or decision is None:
        raise Skip("no one to tell, or no decision")
    card = steps_card(case, member, london_date(decision.decided_at))
    if card is None:
        raise Skip("nothing for that person to do")
    address = await personal_address(app, session, member.aad_object_id)
    return Rendered(address, card_message(card))


RENDERERS["next_steps"] = render_next_steps
