"""The cards of the virtual panel a person gets back from a button: the voting card, the panel
as they may see it, the referral's details, the off-line decision form, and a refusal shown
beside the panel. Each is drawn from the database by the panel's use cases
(bot/usecases/panel.py) and returned as a card dict."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases import panel as panel_uc
from bot.usecases.casework import timeline_for
from bot.usecases.panel_view import panel_view, shared_card, time_text
from bot.usecases.people import Person, Refused, member_for, member_of
from bot.usecases.reasons import agreed_reasons
from bot.usecases.referrals import referrer_next_steps
from bot.usecases.roles import holds
from cards.panel import (
    CAN_OPEN_PANEL,
    CAN_RECORD_OFFLINE,
    CAN_VIEW,
    CAN_VOTE,
    VoteFields,
    VotingView,
    decision_notice_card,
    offline_decision_card,
    panel_card,
    queries_answered_card,
    vote_refused_card,
    vote_values,
    voting_card,
)
from cards.referral import referral_details_card
from review.panel import PARTNER_LABELS, PanelState
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Member

log = logging.getLogger(__name__)

PANEL_CARD_STATUSES = ("panel", "queries", "decided")


def unknown_button_card() -> dict[str, Any]:
    """The answer to a button the bot does not know."""
    return vote_refused_card(
        reference="", reason="That button is not one I know. Nothing was changed.", panel=None
    )


def failed_card(reference: str) -> dict[str, Any]:
    """The answer to a button whose action failed on our side."""
    return vote_refused_card(
        reference=reference[:40],
        reason="Something went wrong on our side and nothing was changed. "
        "Please try again shortly.",
        panel=None,
    )


def refused_card(reference: str, reason: str) -> dict[str, Any]:
    """A refusal said on a card of its own (no panel beside it)."""
    return vote_refused_card(reference=reference, reason=reason, panel=None)


def viewer_actions(
    app: AppContext, member: Member | None, person: Person, case: Case
) -> frozenset[str]:
    """The buttons of a case's channel card this person may press (`cards.panel`'s names)."""
    allowed: set[str] = set()
    if holds(app, member, "panel"):  # a statutory partner's panel member or deputy
        allowed.add(CAN_VOTE)
    is_referrer = bool(person.aad_object_id) and (
        person.aad_object_id == case.referrer_aad_object_id
    )
    # As view_referral allows: the referrer, or an active member with one of these roles.
    active = member is not None and member.active
    if is_referrer or (active and panel_uc.VIEWING_ROLES & set(member.roles or ())):
        allowed.add(CAN_VIEW)
    if holds(app, member, "manager"):
        allowed |= {CAN_RECORD_OFFLINE, CAN_OPEN_PANEL}
    return frozenset(allowed)


async def current_panel_card(
    app: AppContext,
    reference: str,
    viewer_partner: str | None,
    *,
    person: Person | None = None,
) -> dict[str, Any]:
    """The case's shared card as it is now: as everyone sees it, or with `person`, as they
    may use it (their partner's position shown, their buttons)."""
    async with app.db.session() as session:
        return await current_panel_card_in(app, session, reference, viewer_partner, person=person)


async def current_panel_card_in(
    app: AppContext,
    session: AsyncSession,
    reference: str,
    viewer_partner: str | None,
    *,
    person: Person | None = None,
) -> dict[str, Any]:
    """As `current_panel_card`, in the caller's session."""
    try:
        case = await case_repo.get_case(session, app.partnership_id, reference)
    except repo.NotFound:
        return vote_refused_card(
            reference="", reason="That case does not exist in this partnership.", panel=None
        )
    actions = None
    if person is not None:
        member = await member_for(app, session, person)
        actions = viewer_actions(app, member, person, case)
    # The shared card's prepared reads: a vote Teams sends again is answered with this
    # card, and through five ORM queries it cost twice a vote (#8).
    return await shared_card(app, session, case, viewer_partner=viewer_partner, actions=actions)


async def refusal_card(app: AppContext, refused: Refused) -> dict[str, Any]:
    """The refusal's sentence, with the panel beside it when its case has one."""
    view = None
    if refused.case_id is not None:
        async with app.db.session() as session:
            case = await session.get(Case, refused.case_id)
            if case is not None and case.status in PANEL_CARD_STATUSES:
                view = await panel_view(app, session, case)
    return vote_refused_card(reference=refused.reference or "", reason=refused.reason, panel=view)


async def viewer(app: AppContext, person: Person) -> tuple[Member | None, str | None]:
    """The person's roster entry, and the partner they may vote for (None: they may not)."""
    member = await member_of(app, person)
    return member, panel_uc.can_vote(app, member)


async def panel_refresh(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The case's card as this person may see and use it (their own partner's position
    shown, their buttons): Teams' refresh, and "Show my options"."""
    _, partner = await viewer(app, person)
    return await current_panel_card(app, reference, partner, person=person)


async def vote_open(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The voting card for a panel member or deputy; a refusal for anyone else."""
    member, partner = await viewer(app, person)
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            raise Refused(
                "That case does not exist in this partnership.",
                action="vote.open",
                detail={"reference": reference},
            ) from None
        if partner is None or member is None:
            raise Refused(
                "Only the panel members and deputies of the Local Authority, Police and "
                "Health can vote. Nothing was changed.",
                action="vote.open",
                case=case,
            )
        if case.status != "panel":
            raise Refused(panel_uc.closed_reason(case), action="vote.open", case=case)
        view = await voting_view(app, session, case, member, partner, errors={}, values=None)
    return voting_card(view)


async def voting_view(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    member: Member,
    partner: str,
    *,
    errors: Mapping[str, str],
    values: Mapping[str, Any] | None,
    state: PanelState | None = None,
    people: Any = None,
) -> VotingView:
    """What the voting card shows this member: their partner's vote (or what they typed),
    the errors, and the other partners' rows as they may see them."""
    state = state or await panel_uc.current_state(session, case)
    view = await panel_view(app, session, case, state, viewer_partner=partner, people=people)
    own = state.positions.get(partner)
    current: VoteFields | None = vote_values(values) if values is not None else own
    hide = app.profile.partnership.hide_positions_until_all_voted
    return VotingView(
        reference=case.reference,
        round=case.panel_round,
        partner=partner,
        partner_label=dict(PARTNER_LABELS)[partner],
        member_name=member.name,
        current=current,
        errors=dict(errors),
        others=tuple(r for r in view.rows if r.partner != partner),
        outcomes=app.profile.outcomes,
        asks_notifiable=app.profile.partnership.panel_records_notifiable,
        hidden_note=(
            "The other partners' votes stay hidden until all three have voted."
            if hide and state.status == "awaiting"
            else None
        ),
    )


async def vote(
    app: AppContext,
    *,
    reference: str,
    person: Person,
    data: Mapping[str, Any],
    activity_id: str | None,
    ledger_key: str | None,
) -> panel_uc.VoteResult:
    """Cast a vote; the member's view of the panel back (the shared card is redrawn later)."""

    async def recorded(
        session: Any, case: Case, state: Any, partner: str, people: Any, facts: Any
    ) -> dict[str, Any]:
        view = await panel_view(
            app,
            session,
            case,
            state,
            viewer_partner=partner,
            people=people,
            facts=facts,
            actions=frozenset({CAN_VOTE, CAN_VIEW}),
        )
        return panel_card(view)

    async def invalid(
        session: Any,
        case: Case,
        state: Any,
        member: Any,
        partner: str,
        people: Any,
        errors: Mapping[str, str],
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        view = await voting_view(
            app,
            session,
            case,
            member,
            partner,
            errors=errors,
            values=values,
            state=state,
            people=people,
        )
        return voting_card(view)

    async def redelivered(session: Any) -> dict[str, Any]:
        # As for any redelivered invoke: the panel as it is now.
        log.info("redelivered activity ignored")
        return await current_panel_card_in(app, session, reference, None)

    return await panel_uc.cast_vote(
        app,
        reference=reference,
        person=person,
        raw=data,
        round_seen=data.get("round"),
        activity_id=activity_id,
        replies=panel_uc.VoteReplies(recorded, invalid, redelivered),
        ledger_key=ledger_key,
    )


async def referral_details(
    app: AppContext, *, reference: str, person: Person, back_to_notice: bool = False
) -> dict[str, Any]:
    """The referral's details, for the people who may see them (audited), with a button back
    to the card they were opened from."""
    case, form, queries, additions = await panel_uc.view_referral(
        app, reference=reference, person=person
    )
    names = {a.id: a.name for a in app.profile.agencies}
    return referral_details_card(
        reference=case.reference,
        form=form,
        agency_names=names,
        received_at_text=time_text(app, case.received_at) or "",
        panel_queries=queries,
        back_to_notice=back_to_notice,
        pathways=app.profile.pathways,
        later=app.profile.may_follow,
        additions=additions,
        rationales=await managers_rationales(app, case, person),
    )


async def managers_rationales(app: AppContext, case: Case, person: Person) -> list[tuple[str, str]]:
    """For a partnership manager, the decision's rationales, each partner's (or the off-line
    decision's); for anyone else, none."""
    async with app.db.session() as session:
        if not holds(app, await member_for(app, session, person), "manager"):
            return []
        decision = await panel_repo.decision_of(session, case.id)
    if decision is None:
        return []
    stored = decision.rationales or {}
    by_partner = stored.get("rationales")
    if isinstance(by_partner, dict):
        return [(PARTNER_LABELS.get(p, p), str(text)) for p, text in by_partner.items() if text]
    offline = stored.get("offline")
    return [("Off-line decision", str(offline))] if offline else []


async def decision_notice(app: AppContext, session: AsyncSession, case: Case) -> dict[str, Any]:
    """The referrer's notice of the panel's decision; LookupError while there is none."""
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None:
        raise LookupError("no decision yet")
    events = await case_repo.case_events(session, case.id)
    return decision_notice_card(
        reference=case.reference,
        outcome_label=app.profile.outcome(decision.outcome).label,
        decided_at_text=time_text(app, decision.decided_at) or "",
        next_steps=referrer_next_steps(app, timeline_for(app, case, events)),
        closes=app.profile.outcome(decision.outcome).starts == "nothing",
        reasons=agreed_reasons(decision),
    )


async def notice_again(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The decision notice again, for its referrer (Back from the referral's details)."""
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            case = None
        if (
            case is None
            or not person.aad_object_id
            or (person.aad_object_id != case.referrer_aad_object_id)
        ):
            raise Refused(
                "Only the referrer gets the decision on a referral.",
                action="notice.open",
                case=case,
                detail={"reference": reference[:40]},
            )
        try:
            return await decision_notice(app, session, case)
        except LookupError:
            raise Refused(
                "The virtual panel has not decided on this referral yet.",
                action="notice.open",
                case=case,
            ) from None


async def offline_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The off-line decision form, for managers."""
    member = await member_of(app, person)
    if member is None or "manager" not in member.roles:
        async with app.db.session() as session:
            try:
                case: Case | None = await case_repo.get_case(session, app.partnership_id, reference)
            except repo.NotFound:
                case = None
        raise Refused(
            "Only a partnership manager can record an off-line decision.",
            action="decision.offline",
            case=case,
        )
    return offline_decision_card(
        reference=reference,
        errors={},
        values={},
        outcomes=app.profile.outcomes,
        asks_notifiable=app.profile.partnership.panel_records_notifiable,
    )


async def offline_record(
    app: AppContext, *, reference: str, person: Person, data: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Record a decision taken off-line; the card back, and whether it was recorded."""
    errors = await panel_uc.record_offline_decision(
        app, reference=reference, person=person, raw=data
    )
    if errors:
        values = {
            k: str(v)[:4000]
            for k, v in data.items()
            if k in ("outcome", "notifiable", "rationale", "decided_how") and v is not None
        }
        card = offline_decision_card(
            reference=reference,
            errors=errors,
            values=values,
            outcomes=app.profile.outcomes,
            asks_notifiable=app.profile.partnership.panel_records_notifiable,
        )
        return card, False
    return await current_panel_card(app, reference, None, person=person), True


async def open_panel(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """A manager opens the panel on a referral that did not seek a Rapid Review."""
    await panel_uc.open_panel(app, reference=reference, person=person)
    return await current_panel_card(app, reference, None, person=person)


async def answered_queries(
    app: AppContext, *, reference: str, round_: object
) -> dict[str, Any] | None:
    """The panel's questions of that round as answered (None if there are none answered)."""
    if not isinstance(round_, int) or isinstance(round_, bool):
        return None
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            return None
        query = await panel_repo.open_query(session, case.id, round_)
    if query is None or query.answer is None:
        return None
    return queries_answered_card(
        reference=case.reference, questions=query.questions, answer=query.answer
    )
