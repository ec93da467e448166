"""The case card and the panel card as a viewer may see them, drawn from the database.

The card posted in the channel is the one everyone sees: facts and status, and one button,
"Show my options". Teams asks the bot for each listed person's own view of it (`refresh`,
at most 60 people: the panel's members and deputies, the managers and the chair), and that
button asks for it anywhere else: a panel member's Vote, View referral for those who may
read the referral, a manager's off-line decision or Open the virtual panel.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import timeline_for
from bot.usecases.panel import current_state, panel_now
from bot.usecases.referrals import next_deadline
from bot.usecases.roles import partner_of
from cards.panel import (
    PanelView,
    PartnerRow,
    panel_card,
)
from cards.referral import channel_case_card
from review.calendar import LONDON, london_date
from review.national_panel import REOPEN_WHY
from review.panel import PARTNER_LABELS, PARTNERS, PanelState, visible_positions
from review.referral import format_date
from review.timeline import conflicts
from storage import cases as case_repo
from storage import national_panel as np_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Member
from storage.voting import PanelFacts

PANEL_STATUSES = frozenset({"panel", "queries", "decided"})

STATUS_LABELS = {
    "received": "Received",
    "panel": "With the virtual panel",
    "queries": "Questions sent to the referrer",
    "decided": "Decided",
    "closed": "Closed",
}


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
    actions: frozenset[str] | None = None,
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
                outcome_label=_with_notifiable(
                    app.profile.outcome(visible.outcome).short_label, visible.notifiable
                )
                if visible
                else None,
                voter_name=visible.member_name if visible else None,
            )
        )
    if people is None:
        people = await repo.members(session, app.partnership_id)
    managers = [m for m in people if "manager" in m.roles]
    events = facts.events
    timeline = timeline_for(app, case, events)
    try:
        entry = timeline.entry("virtual_panel")
    except KeyError:
        panel_deadline, deadline_label = None, "Panel deadline"
    else:
        panel_deadline = entry.due
        # The decision's deadline, or (Halton) the deadline to arrange the panel.
        deadline_label = (
            "Panel deadline"
            if entry.milestone.completed_by == "panel_decision"
            else entry.milestone.title
        )
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
        pathway_label=app.profile.pathway(case.pathway_sought).label,
        event_date=case.event_date,
        received_date=london_date(case.received_at),
        panel_deadline=panel_deadline,
        panel_deadline_label=deadline_label,
        conflicts=tuple(c.describe() for c in conflicts(timeline)),
        reopened_note=await _reopened_note(app, session, case) if session is not None else None,
        next_deadline=next_deadline(app, case, events),
        status=status,
        outcome_label=_decided_label(app, outcome, case.notifiable) if outcome else None,
        decided_at_text=time_text(app, decided),
        rows=tuple(rows),
        round=case.panel_round,
        refresh_user_ids=refresh_user_ids(app, people),
        manager_mentions=tuple(
            (m.teams_user_id or m.aad_object_id or "", m.name) for m in managers
        ),
        actions=actions,
    )


async def _reopened_note(app: AppContext, session: AsyncSession, case: Case) -> str | None:
    """Why the panel reopened, in fixed words, with the decision it set aside (read only for
    a case that was reopened: the ordinary card asks nothing more)."""
    if not case.reopened:
        return None
    earlier = await np_repo.earlier_decisions(session, case.id)
    if not earlier:
        return None
    last = earlier[-1]
    return (
        f"Reopened on {format_date(london_date(last.reopened_at))}: "
        f"{REOPEN_WHY.get(last.why, last.why)}. The earlier decision "
        f"({app.profile.outcome(last.outcome).short_label}, "
        f"{format_date(london_date(last.decided_at))}) stays in the case's history."
    )


def _with_notifiable(label: str, notifiable: bool | None) -> str:
    """A position with the partner's answer to "notifiable?", where it gave one."""
    if notifiable is None:
        return label
    return f"{label} (notifiable)" if notifiable else f"{label} (not notifiable)"


def _decided_label(app: AppContext, outcome: str, notifiable: bool | None) -> str:
    """The decision in the profile's words, and the panel's own "notifiable?" answer when the
    decision's wording does not already say it."""
    info = app.profile.outcome(outcome)
    if notifiable is None or info.notifiable is not None:
        return info.label
    said = "a notifiable incident" if notifiable else "not a notifiable incident"
    return f"{info.label}; {said}"


def refresh_user_ids(app: AppContext, people: Sequence[Member]) -> tuple[str, ...]:
    """Who Teams shows their own view of a case's card: the panel's members and deputies
    (those of a statutory partner), then the managers and the chair (at most 60)."""
    voters = [
        m
        for m in people
        if {"panel", "deputy"} & set(m.roles) and partner_of(app, m) is not None and m.active
    ]
    others = [m for m in people if {"manager", "chair"} & set(m.roles) and m.active]
    ids = [f"8:orgid:{m.aad_object_id}" for m in [*voters, *others] if m.aad_object_id]
    return tuple(dict.fromkeys(ids))[:60]


async def shared_card(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    *,
    viewer_partner: str | None = None,
    actions: frozenset[str] | None = None,
) -> dict[str, object]:
    """The card everyone in the channel sees for a case: the panel card once a panel is open.

    With `viewer_partner`, the panel card as that partner's member may see it, and with
    `actions` with that person's buttons (a card they open, or get back for a vote Teams sent
    again). Drawn from the vote's prepared reads.
    """
    if case.status in PANEL_STATUSES:
        state, people, facts = await panel_now(session, case)
        view = await panel_view(
            app,
            session,  # read only for a reopened panel: the rest comes from the prepared reads
            case,
            state,
            viewer_partner=viewer_partner,
            people=people,
            facts=facts,
            actions=actions,
        )
        return panel_card(view)
    events = await case_repo.case_events(session, case.id)
    people = await repo.members(session, app.partnership_id)
    waiting = case.status == "received"
    return channel_case_card(
        reference=case.reference,
        referring_agency=app.profile.agency_name(case.referring_agency),
        pathway_label=app.profile.pathway(case.pathway_sought).label,
        event_date=case.event_date,
        received_date=london_date(case.received_at),
        next_deadline=next_deadline(app, case, events),
        status=STATUS_LABELS.get(case.status, case.status),
        next_step=(
            "this referral did not seek a Rapid Review. A partnership manager opens the virtual "
            "panel when the partners are to decide its pathway."
            if waiting
            else None
        ),
        actions=actions,
        refresh_user_ids=refresh_user_ids(app, people),
    )
