"""The loop with the National Panel (issue 25): a manager records its answer with its date;
"reconsider" and new information reopen the panel as a new round. The earlier decision stays
in the history (`EarlierDecision`) and the report; the panel card says why it reopened; the
partners vote afresh. Only managers record answers and reopen; each is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.notification import EVENT as NOTIFIED
from bot.usecases.pathways import managers_case
from bot.usecases.people import Person, Refused, refusals_audited
from cards.national_panel import answer_card, answer_recorded_card, reopened_card
from review.calendar import london_date
from review.national_panel import check_answer, check_reopen
from storage import cases as case_repo
from storage import national_panel as np_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, EarlierDecision, Member, NationalPanelAnswer

ONLY = "Only a partnership manager can record the National Panel's answer or reopen the panel."


async def _manager_case(
    app: AppContext, session: AsyncSession, reference: str, person: Person, action: str
) -> tuple[Case, Member]:
    return await managers_case(app, session, reference, person, action, only=ONLY)


async def _notified_on(session: AsyncSession, case: Case, action: str) -> date:
    events = await case_repo.case_events(session, case.id)
    if NOTIFIED not in events:
        raise Refused(
            f"The National Panel was never notified of {case.reference}: record the "
            "notification first.",
            action=action,
            case=case,
        )
    return london_date(events[NOTIFIED])


@refusals_audited
async def answer_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The answer card, for managers, on a case the National Panel was notified of."""
    async with app.db.session() as session, session.begin():
        case, _ = await _manager_case(app, session, reference, person, "national_panel.answer")
        notified = await _notified_on(session, case, "national_panel.answer")
    return answer_card(reference=case.reference, notified_on=notified)


@refusals_audited
async def record_answer(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Keep the National Panel's answer; the card's final state (or again, with errors)."""
    now = app.now()
    values = {k: str(raw.get(k) or "")[:2000] for k in ("answer", "answered_on", "asks", "asks_by")}
    async with app.db.session() as session, session.begin():
        case, member = await _manager_case(app, session, reference, person, "national_panel.answer")
        notified = await _notified_on(session, case, "national_panel.answer")
        answer, errors = check_answer(raw, today=london_date(now), notified_on=notified)
        if answer is None:
            return answer_card(
                reference=case.reference, notified_on=notified, values=values, errors=errors
            )
        session.add(
            NationalPanelAnswer(
                case_id=case.id,
                answer=answer.answer,
                answered_on=answer.answered_on,
                asks=answer.asks,
                asks_by=answer.asks_by,
                recorded_at=now,
                recorded_by_member_id=member.id,
            )
        )
        await repo.audit(
            session,
            action="national_panel.answer",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"answer": answer.answer, "answered_on": answer.answered_on.isoformat()},
        )
        sealed = case.status == "decided"
    return answer_recorded_card(
        reference=case.reference,
        answer=answer.answer,
        answered_on=answer.answered_on,
        asks_by=answer.asks_by,
        can_reopen=sealed and answer.answer == "reconsider",
    )


@refusals_audited
async def reopen(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Reopen a sealed decision as a new round of votes (reconsideration, new information)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member = await _manager_case(app, session, reference, person, "panel.reopen")
        decision = await panel_repo.decision_of(session, case.id)
        if case.status != "decided" or decision is None:
            raise Refused(
                f"The panel's decision on {case.reference} is not sealed, so there is nothing "
                "to reopen: the partners can still vote.",
                action="panel.reopen",
                case=case,
            )
        why, errors = check_reopen(raw)
        if why is None:
            answers = await np_repo.answers_of(session, case.id)
            last = answers[-1] if answers else None
            return answer_recorded_card(
                reference=case.reference,
                answer=last.answer if last else "reconsider",
                answered_on=last.answered_on if last else london_date(now),
                asks_by=last.asks_by if last else None,
                can_reopen=True,
                errors=errors,
            )
        session.add(
            EarlierDecision(
                case_id=case.id,
                outcome=decision.outcome,
                decided_at=decision.decided_at,
                notifiable=decision.notifiable,
                rationales=dict(decision.rationales or {}),
                deciders=dict(decision.deciders or {}),
                reopened_at=now,
                reopened_by_member_id=member.id,
                why=why.why,
                detail=why.detail,
            )
        )
        await session.delete(decision)
        await np_repo.forget_event(session, case.id, "panel_decision")
        case.status = "panel"
        case.pathway = None
        case.notifiable = None
        case.panel_round += 1
        case.reopened = (case.reopened or 0) + 1
        await session.flush()
        await replan_case(app, session, case)
        await panel_repo.plan_card_update(session, case=case, now=now)
        await repo.audit(
            session,
            action="panel.reopen",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"why": why.why, "round": case.panel_round},
        )
        round_ = case.panel_round
    return reopened_card(reference=case.reference, why=why.why, round_=round_)
