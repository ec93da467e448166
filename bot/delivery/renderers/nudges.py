"""Renderers of reminders: a milestone's nudge in the case's thread, @mentioning who is
responsible, and the managers' daily digest. No child details."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import channel_address, thread_address
from bot.delivery.courier import Rendered, Skip
from bot.delivery.message import card_message
from bot.delivery.renderers.rows import case_of_row
from bot.usecases.batch import per_run
from bot.usecases.casework import (
    OPEN_CASE_STATUSES,
    ROLE_LABELS,
    case_timeline,
)
from bot.usecases.panel_view import STATUS_LABELS
from bot.usecases.rapid_review import agencies_led_by
from bot.usecases.roles import partner_of
from cards.nudges import DigestRow, NudgeView, digest_card, nudge_card
from review.calendar import london_date
from review.referral import format_date
from review.reminders import rag
from review.timeline import next_due
from storage import after as after_repo
from storage import outbox
from storage import repositories as repo
from storage.models import Case, OutboundMessage


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
    case = await case_of_row(session, row)
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
        resent_messages=counts.get(outbox.RESENT, 0),
        undeliverable_messages=counts.get(outbox.UNDELIVERABLE, 0),
    )
    return Rendered(address, card_message(card))
