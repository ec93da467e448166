"""Virtual panel use cases: who may vote, casting a vote, sealing the decision, queries.

Each use case is one transaction that starts by locking the case, so three members voting
at the same instant queue up and the last of them sees all three votes. What must reach
people afterwards (the referrer's notice, the questions, the disagreement notice) is planned
in the outbox inside that same transaction: it is sent once, and never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.additions import additions_shown, current_form
from bot.usecases.casework import replan_case
from bot.usecases.escalation import plan_escalation
from bot.usecases.learning import plan_learning
from bot.usecases.notification import plan_drafts
from bot.usecases.people import (
    Person,
    Refused,
    lock_or_refuse,
    member_for,
    no_such_case,
    refusals_audited,
)
from bot.usecases.rapid_review import MANAGERS, roles_for
from bot.usecases.roles import holds_any, partner_of, roles_today
from cards.referral import REFERRAL_READERS, Addition
from review.calendar import london_date
from review.panel import (
    NOTIFIABLE_ANSWERS,
    PARTNERS,
    PanelState,
    Vote,
    combined_queries,
    decision_record,
    panel_state,
    validate_vote,
)
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage import voting as voting_repo
from storage.db import JoinedSession
from storage.models import Case, Decision, Member, PanelQuery, PanelVote
from storage.repositories import NotFound
from storage.voting import PanelFacts

log = logging.getLogger(__name__)

VOTING_ROLES = frozenset({"panel", "deputy"})
VIEWING_ROLES = frozenset({"panel", "deputy", "manager", "chair"})
OPEN_STATUSES = frozenset({"panel"})


@dataclass(frozen=True)
class VoteResult:
    """What a vote did, and the voter's reply card (drawn inside the vote's transaction)."""

    card: dict[str, Any]
    recorded: bool = False
    # The invoke's id is in the processed-activity ledger, written in the vote's own
    # transaction (a recorded vote, an invalid one, or one already seen).
    ledger_claimed: bool = False


Members = Sequence[Member]
RecordedReply = Callable[
    [AsyncSession | None, Case, PanelState, str, Members, PanelFacts | None],
    Awaitable[dict[str, Any]],
]
InvalidReply = Callable[
    [AsyncSession, Case, PanelState, Member, str, Members, Mapping[str, str], Mapping[str, Any]],
    Awaitable[dict[str, Any]],
]
RedeliveredReply = Callable[[AsyncSession], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class VoteReplies:
    """How the voter's reply is drawn, from what the vote's transaction has in hand.

    - `recorded(session, case, state, partner, active_members, facts)`: `facts` are the
      clock's events and the decision when the vote's transaction read them, and then
      `session` is None (nothing more needs reading);
    - `invalid(session, case, state, member, partner, active_members, errors, values)`;
    - `redelivered(session)` for an invoke already processed (the panel as it is now).
    """

    recorded: RecordedReply
    invalid: InvalidReply
    redelivered: RedeliveredReply


def can_vote(app: AppContext, member: Member | None) -> str | None:
    """The partner this member may vote for (a panel member of it, or a deputy within their
    cover dates), or None."""
    if member is None or not VOTING_ROLES & roles_today(app, member):
        return None
    return partner_of(app, member)


def as_votes(rows: Sequence[PanelVote], members: Mapping[int, Member]) -> list[Vote]:
    """Stored votes as the pure rules' `Vote`s."""
    return [
        Vote(
            partner=row.agency,
            member_id=row.member_id,
            member_name=members[row.member_id].name if row.member_id in members else "",
            outcome=row.outcome,
            rationale=row.rationale,
            serious_harm_basis=row.serious_harm_basis,
            queries=row.queries,
            cast_at=row.cast_at,
            round=row.round,
            notifiable=row.notifiable,
        )
        for row in rows
    ]


async def counted_votes(session: AsyncSession, case: Case) -> list[Vote]:
    """The votes that count in the case's current round (each partner's latest)."""
    rows = await panel_repo.latest_votes(session, case.id, case.panel_round, PARTNERS)
    members = await panel_repo.voters(session, [r.member_id for r in rows])
    return as_votes(rows, members)


async def current_state(session: AsyncSession, case: Case) -> PanelState:
    """The panel's state for the case's current round."""
    return panel_state(await counted_votes(session, case), round=case.panel_round)


async def panel_now(
    session: AsyncSession, case: Case
) -> tuple[PanelState, list[Member], PanelFacts]:
    """The panel's state, the active members and the card's facts, as `panel_view` wants.

    Read in the session's transaction in one trip, with a vote's prepared statements, not
    five ORM queries: the card everyone sees is redrawn from this once a second while votes
    come in, and those queries held SQLite's one connection for milliseconds (#8).
    """
    await session.flush()  # prepared statements see only what is in the database
    connection = await session.connection()
    reads = await voting_repo.panel_reads(connection, case=case, agencies=PARTNERS)
    by_id = {m.id: m for m in reads.people}
    state = panel_state(as_votes(reads.latest, by_id), round=case.panel_round)
    return state, [m for m in reads.people if m.active], reads.facts


Responder = Callable[[AsyncSession, Case, PanelState], Awaitable[dict[str, Any]]]


async def _seal(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    *,
    outcome: str,
    decided_at: datetime,
    rationales: dict[str, Any],
    deciders: dict[str, Any],
    offline: bool = False,
    decided_how: str | None = None,
    recorded_by: Member | None = None,
    notifiable: bool | None = None,
) -> None:
    """Seal the decision: record it, start the pathway's clock, plan the referrer's notice.

    `notifiable` is the panel's own answer where the profile asks it; otherwise the decision
    says it (`OutcomeInfo.notifiable`) or nothing does.
    """
    info = app.profile.outcome(outcome)
    if notifiable is None:
        notifiable = info.notifiable
    session.add(
        Decision(
            case_id=case.id,
            outcome=outcome,
            decided_at=decided_at,
            offline=offline,
            decided_how=decided_how,
            recorded_by_member_id=recorded_by.id if recorded_by else None,
            rationales=rationales,
            deciders=deciders,
            notifiable=notifiable,
        )
    )
    case.status = "decided"
    case.pathway = outcome
    case.notifiable = notifiable
    if notifiable:
        # The draft of the serious incident notification, to the notifier in 1:1.
        await plan_drafts(app, session, case)
    await case_repo.record_event(session, case.id, "panel_decision", decided_at)
    starts = info.starts
    if starts == "learning_review" and app.profile.learning_review.decision_starts_local_review:
        # Where the profile says so, the panel's decision is the decision to initiate the
        # local review: its clock (local_review_report) counts from it. Otherwise the group
        # (the PIP, the Executive Group) decides whether there is one (usecases/learning.py);
        # after a Rapid Review the chair's conclusion records it (usecases/chair_notes.py).
        await case_repo.record_event(
            session,
            case.id,
            "local_review_decided",
            decided_at,
            recorded_by.id if recorded_by else None,
        )
    if starts == "learning_review":
        # On the agenda of the group's next meeting: the managers' card in 1:1.
        await plan_learning(app, session, case, decided_at)
    elif starts == "escalation":
        # The mediation to book: the managers' card in 1:1.
        await plan_escalation(app, session, case, decided_at)
    await replan_case(app, session, case)
    now = app.now()
    # A decision after the panel reopened has messages of its own (the first one's are sent).
    tag = "panel_decision" if not case.reopened else f"panel_decision_re{case.reopened}"
    await panel_repo.plan_message(
        session,
        case=case,
        kind="decision_notice",
        milestone=tag,
        stage="referrer_notice",
        due_on=london_date(decided_at),
        send_after=now,
    )
    # A disagreement notice in the thread, if one was posted, is updated to say it is resolved.
    await panel_repo.plan_message(
        session,
        case=case,
        kind="disagreement_resolved",
        milestone=tag,
        stage="disagreement_resolved",
        due_on=london_date(decided_at),
        send_after=now,
    )
    if starts == "rapid_review":
        # The business unit's next steps (ask the agencies, book the meeting) in 1:1.
        # Whoever the profile lets ask the agencies or book the meeting (managers by default).
        acting = roles_for(app, "returns.pick", MANAGERS) | roles_for(app, "meeting.open", MANAGERS)
        for member in await repo.members(session, app.partnership_id):
            if holds_any(app, member, sorted(acting)):
                await panel_repo.plan_message(
                    session,
                    case=case,
                    kind="next_steps",
                    milestone=tag,
                    stage=f"manager-{member.id}",
                    due_on=london_date(decided_at),
                    send_after=now,
                )


@refusals_audited
async def cast_vote(
    app: AppContext,
    *,
    reference: str,
    person: Person,
    raw: Mapping[str, Any],
    round_seen: object,
    activity_id: str | None,
    replies: VoteReplies,
    ledger_key: str | None = None,
) -> VoteResult:
    """Record one member's vote for their agency; seal the decision when all three agree.

    One transaction: the invoke's ledger entry, the case lock, the vote, its audit, the
    shared card's update request and the voter's reply card all commit together (the reply
    is drawn from what is in hand, not read again). A redelivered invoke changes nothing.
    The reads and writes of an ordinary vote are prepared statements on the transaction's
    connection (storage/voting.py); a vote that changes the panel's state (agreed, queries,
    a new disagreement), an invalid one or a redelivery goes on through an ORM session
    joined to the same transaction, as every other use case works.
    """
    now = app.now()
    async with (
        app.db.transaction() as connection,
        JoinedSession(connection) as orm,
    ):
        ground = await voting_repo.vote_ground(
            connection,
            partnership_id=app.partnership_id,
            reference=reference,
            agencies=PARTNERS,
            ledger_key=ledger_key,
        )
        if not ground.claimed:
            # The same invoke again (Teams redelivers): nothing changes; the panel as it is.
            card = await replies.redelivered(orm())
            return VoteResult(card=card, ledger_claimed=True)
        case = ground.case
        if case is None:
            raise no_such_case(reference, "vote")
        people = ground.people
        member = repo.pick_member(people, aad_object_id=person.aad_object_id, email=person.email)
        partner = can_vote(app, member)
        if partner is None or member is None:
            raise Refused(
                action="vote",
                case=case,
                reason="Only the panel members and deputies of the Local Authority, Police and "
                "Health can vote. Nothing was changed.",
            )
        if case.status not in OPEN_STATUSES:
            raise Refused(
                action="vote",
                case=case,
                reason=closed_reason(case),
            )
        if round_seen is not None and round_seen != case.panel_round:
            raise Refused(
                action="vote",
                case=case,
                reason="Voting has moved on since you opened this card. Here is the panel now; "
                "please vote again.",
            )
        active = [m for m in people if m.active]
        by_id = {m.id: m for m in people}
        counted = as_votes(ground.latest, by_id)
        before = panel_state(counted, round=case.panel_round)
        vote, errors = validate_vote(
            raw,
            app.profile.outcomes,
            asks_notifiable=app.profile.partnership.panel_records_notifiable,
        )
        if vote is None:
            card = await replies.invalid(
                orm(), case, before, member, partner, active, errors, dict(raw)
            )
            return VoteResult(card=card, ledger_claimed=ledger_key is not None)
        cast = Vote(
            partner=partner,
            member_id=member.id,
            member_name=member.name,
            outcome=vote.outcome,
            rationale=vote.rationale,
            serious_harm_basis=vote.serious_harm_basis,
            queries=vote.queries,
            cast_at=now,
            round=case.panel_round,
            notifiable=vote.notifiable,
        )
        # The case is locked, so the new vote is the latest: the state needs no re-read.
        state = panel_state([*counted, cast], round=case.panel_round)
        changes_state = _changes_state(before, state)
        facts = await voting_repo.record_vote(
            connection,
            case=case,
            member_id=member.id,
            agency=partner,
            outcome=vote.outcome,
            rationale=vote.rationale,
            serious_harm_basis=vote.serious_harm_basis,
            queries=vote.queries,
            activity_id=activity_id,
            cast_at=now,
            actor=person.aad_object_id,
            audit_detail={"partner": partner, "outcome": vote.outcome, "round": case.panel_round},
            read_facts=not changes_state,
            notifiable=vote.notifiable,
        )
        session = None
        if changes_state:
            session = orm()
            stored = await session.get(Case, case.id)
            assert stored is not None  # locked in this transaction
            case = stored
            await _after_vote(app, session, case, before, state)
        card = await replies.recorded(session, case, state, partner, active, facts)
        return VoteResult(card=card, recorded=True, ledger_claimed=ledger_key is not None)


def _changes_state(before: PanelState, state: PanelState) -> bool:
    """True when a vote moves the panel on: agreed, queries, or a disagreement begins."""
    return state.status in ("agreed", "queries") or (
        state.status == "disagreement" and before.status != "disagreement"
    )


async def _after_vote(
    app: AppContext, session: AsyncSession, case: Case, before: PanelState, state: PanelState
) -> None:
    today, now = london_date(app.now()), app.now()
    if state.status == "agreed" and state.outcome is not None and state.decided_at is not None:
        record = decision_record(state)
        await _seal(
            app,
            session,
            case,
            outcome=state.outcome,
            decided_at=state.decided_at,
            rationales={
                "rationales": record["rationales"],
                "serious_harm_basis": record["serious_harm_basis"],
            },
            deciders=record["deciders"],
            notifiable=record["notifiable"],
        )
    elif state.status == "queries":
        case.status = "queries"
        session.add(
            PanelQuery(
                case_id=case.id,
                round=case.panel_round,
                questions=combined_queries(state),
                asked_at=now,
            )
        )
        await panel_repo.plan_message(
            session,
            case=case,
            kind="queries_to_referrer",
            milestone=f"panel_round_{case.panel_round}",
            stage="queries",
            due_on=today,
            send_after=now,
        )
    elif state.status == "disagreement" and before.status != "disagreement":
        await panel_repo.plan_message(
            session,
            case=case,
            kind="disagreement_notice",
            milestone=f"panel_round_{case.panel_round}",
            stage="disagreement",
            due_on=today,
            send_after=now,
        )


def closed_reason(case: Case) -> str:
    if case.status == "decided":
        return "The panel's decision on this case is sealed; votes can no longer change."
    if case.status == "queries":
        return "The panel is waiting for the referrer's answers; voting reopens when they reply."
    return "The virtual panel is not open on this case."


@refusals_audited
async def record_offline_decision(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> Mapping[str, str]:
    """A manager records a decision taken off-line; errors back (empty when recorded)."""
    async with app.db.session() as session, session.begin():
        case = await lock_or_refuse(session, app, reference, "decision.offline")
        member = await member_for(app, session, person)
        if member is None or "manager" not in member.roles:
            raise Refused(
                action="decision.offline",
                case=case,
                reason="Only a partnership manager can record an off-line decision.",
            )
        if case.status == "decided":
            raise Refused(
                action="decision.offline",
                case=case,
                reason=closed_reason(case),
            )
        errors: dict[str, str] = {}
        outcome = raw.get("outcome")
        outcomes = app.profile.outcomes
        if not isinstance(outcome, str) or outcome not in outcomes or outcome == "queries":
            errors["outcome"] = "Choose the decision the partners reached."
        rationale = raw.get("rationale")
        rationale = rationale.strip() if isinstance(rationale, str) else ""
        if not rationale:
            errors["rationale"] = "Give the rationale for the decision."
        elif len(rationale) > 4000:
            errors["rationale"] = f"Keep this under 4000 characters (it is {len(rationale)})."
        how = raw.get("decided_how")
        how = how.strip()[:1000] if isinstance(how, str) else ""
        notifiable = None
        if app.profile.partnership.panel_records_notifiable:
            answer = raw.get("notifiable")
            if not isinstance(answer, str) or answer.strip() not in NOTIFIABLE_ANSWERS:
                errors["notifiable"] = "Say whether the partners agreed the incident is notifiable."
            else:
                notifiable = NOTIFIABLE_ANSWERS[answer.strip()]
        if errors:
            return errors
        assert isinstance(outcome, str)
        await _seal(
            app,
            session,
            case,
            outcome=outcome,
            decided_at=app.now(),
            rationales={"offline": rationale},
            deciders={"recorded_by": {"member_id": member.id, "name": member.name}},
            offline=True,
            decided_how=how or None,
            recorded_by=member,
            notifiable=notifiable,
        )
        await panel_repo.plan_card_update(session, case=case, now=app.now())
        await repo.audit(
            session,
            action="decision.offline",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"outcome": outcome, "notifiable": notifiable},
        )
        return {}


@refusals_audited
async def open_panel(app: AppContext, *, reference: str, person: Person) -> Case:
    """A manager opens the virtual panel on a referral that did not seek a Rapid Review."""
    async with app.db.session() as session, session.begin():
        case = await lock_or_refuse(session, app, reference, "panel.open")
        member = await member_for(app, session, person)
        if member is None or "manager" not in member.roles:
            raise Refused(
                action="panel.open",
                case=case,
                reason="Only a partnership manager can open the virtual panel.",
            )
        if case.status == "received":
            case.status = "panel"
            case.panel_opened_at = app.now()
            await case_repo.record_event(session, case.id, "virtual_panel_arranged", app.now())
            await replan_case(app, session, case)
            await panel_repo.plan_card_update(session, case=case, now=app.now())
            await repo.audit(
                session,
                action="panel.open",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                case_id=case.id,
            )
        return case


@refusals_audited
async def answer_queries(
    app: AppContext, *, reference: str, person: Person, round_seen: object, answer: object
) -> str | None:
    """The referrer answers the panel's questions: stored, posted to the thread, voting reopens.

    Returns an error to show, or None when the answer was recorded.
    """
    now = app.now()
    text = answer.strip() if isinstance(answer, str) else ""
    if not text:
        return "Please write your answer before sending it."
    if len(text) > 4000:
        return f"Keep your answer under 4000 characters (it is {len(text)})."
    async with app.db.session() as session, session.begin():
        case = await lock_or_refuse(session, app, reference, "queries.answer")
        if not person.aad_object_id or case.referrer_aad_object_id != person.aad_object_id:
            raise Refused(
                action="queries.answer",
                case=case,
                reason="Only the person who made this referral can answer the panel's questions.",
            )
        query = await panel_repo.open_query(session, case.id, case.panel_round)
        if case.status != "queries" or query is None or round_seen != case.panel_round:
            raise Refused(
                action="queries.answer",
                case=case,
                reason="These questions have already been answered.",
            )
        query.answer, query.answered_at = text, now
        query.answered_by_aad_object_id = person.aad_object_id
        answered_round = case.panel_round
        case.panel_round += 1
        case.status = "panel"
        await panel_repo.plan_message(
            session,
            case=case,
            kind="queries_answer",
            milestone=f"panel_round_{answered_round}",
            stage="answer",
            due_on=london_date(now),
            send_after=now,
        )
        await panel_repo.plan_card_update(session, case=case, now=now)
        await repo.audit(
            session,
            action="queries.answer",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"round": answered_round},
        )
        return None


@refusals_audited
async def view_referral(
    app: AppContext, *, reference: str, person: Person
) -> tuple[Case, dict[str, Any], list[tuple[str, str]], tuple[Addition, ...]]:
    """The referral's details as they stand (and the panel's questions, and the answers added
    since it was sent) for a panel member or its referrer.

    Every view, and every refusal, is audited.
    """
    async with app.db.session() as session, session.begin():
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except NotFound:
            raise Refused(
                action="case.view",
                case=None,
                reason="That case does not exist in this partnership.",
                detail={"reference": reference[:40]},
            ) from None
        member = await member_for(app, session, person)
        is_referrer = (
            bool(person.aad_object_id) and person.aad_object_id == case.referrer_aad_object_id
        )
        allowed = is_referrer or (member is not None and VIEWING_ROLES & set(member.roles))
        if not allowed:
            raise Refused(
                action="case.view",
                case=case,
                reason=f"Only {REFERRAL_READERS} can see a referral's details.",
            )
        form = await current_form(session, case.id)
        additions = await additions_shown(app, session, case.id)
        queries = []
        for round_ in range(1, case.panel_round + 1):
            query = await panel_repo.open_query(session, case.id, round_)
            if query is not None:
                queries.append((query.questions, query.answer or ""))
        await repo.audit(
            session,
            action="case.view",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
        )
        return case, form, queries, additions
