"""The learning review pathway (issue 25): a decision that starts a learning review puts the
case on the agenda of the group's next meeting (the profile's `[learning_review] group`: the
PIP, the Executive Group). A manager records the meeting's date (its members are told), then
the group's choice (the method from the profile's list, a lead, a due date — each a milestone
with reminders), and at the end the learning summary, which closes the case. No six-month
local review clock unless the group decides on one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.pathways import managers_case, noon, plan_for_managers
from bot.usecases.people import Person, Refused, refusals_audited
from bot.usecases.roles import holds, who
from cards.learning import LearningState, learning_card
from review.calendar import london_date
from review.learning import check_choice, check_meeting, check_summary
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, LearningReview, Member

ONLY = "Only a partnership manager can record the learning review's steps."


def group_words(app: AppContext) -> str:
    """The group in the profile's words ("the partnership's managers" when it names none)."""
    group = app.profile.learning_review.group
    return who(app, [group]) if group else "the partnership's managers"


async def plan_learning(
    app: AppContext, session: AsyncSession, case: Case, decided_at: datetime
) -> None:
    """At the decision: the learning review's card to each manager in 1:1."""
    await plan_for_managers(app, session, case, "learning_review", decided_at)


async def _row(session: AsyncSession, case: Case) -> LearningReview | None:
    return await session.scalar(select(LearningReview).where(LearningReview.case_id == case.id))


def _state(case: Case, row: LearningReview | None) -> LearningState:
    if row is None:
        return LearningState(closed=case.status == "closed")
    return LearningState(
        meeting_on=row.meeting_on,
        method=row.method,
        lead=row.lead,
        due_on=row.due_on,
        local_review=row.local_review,
        closed=case.status == "closed",
    )


async def card_for(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The learning review's card at the step it is at."""
    return learning_card(
        reference=case.reference,
        group=group_words(app),
        state=_state(case, await _row(session, case)),
        methods=app.profile.learning_review.methods,
        values=values,
        errors=errors,
    )


async def _manager_case(
    app: AppContext, session: AsyncSession, reference: str, person: Person, action: str
) -> tuple[Case, Member]:
    return await managers_case(
        app,
        session,
        reference,
        person,
        action,
        only=ONLY,
        starts="learning_review",
        what="a learning review",
    )


@refusals_audited
async def learning_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """`learning REF`: the card at its step, for managers."""
    async with app.db.session() as session, session.begin():
        case, _ = await _manager_case(app, session, reference, person, "learning.view")
        return await card_for(app, session, case)


def _values(raw: Mapping[str, Any]) -> dict[str, str]:
    keys = ("meeting_on", "method", "lead", "due_on", "local_review", "summary")
    return {k: str(raw.get(k) or "")[:4000] for k in keys}


@refusals_audited
async def record_step(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any], step: str
) -> dict[str, Any]:
    """Record the step `step` ("meeting", "choice", "summary"); the card at the next step
    (or again with its errors)."""
    now = app.now()
    action = f"learning.{step}"
    async with app.db.session() as session, session.begin():
        case, member = await _manager_case(app, session, reference, person, action)
        row = await _row(session, case)
        if row is None:
            row = LearningReview(case_id=case.id, updated_at=now)
            session.add(row)
        decision = await panel_repo.decision_of(session, case.id)
        assert decision is not None  # _manager_case checked it
        expected = (
            "meeting" if row.meeting_on is None else "choice" if row.method is None else "summary"
        )
        if step != expected:
            raise Refused(
                "This card is out of date: here is the learning review as it is now.",
                action=action,
                case=case,
            )
        detail: dict[str, Any] = {}
        if step == "meeting":
            day, errors = check_meeting(raw, decided_on=london_date(decision.decided_at))
            if day is None:
                return await card_for(app, session, case, values=_values(raw), errors=errors)
            row.meeting_on = day
            await case_repo.record_event(session, case.id, "group_meeting", noon(day), member.id)
            await _tell_group(app, session, case, day)
            detail = {"meeting_on": day.isoformat()}
        elif step == "choice":
            assert row.meeting_on is not None
            choice, errors = check_choice(
                raw, methods=app.profile.learning_review.methods, meeting_on=row.meeting_on
            )
            if choice is None:
                return await card_for(app, session, case, values=_values(raw), errors=errors)
            row.method, row.lead, row.due_on = choice.method, choice.lead, choice.due_on
            row.local_review = choice.local_review
            await case_repo.record_event(session, case.id, "learning_method_chosen", now, member.id)
            await case_repo.record_event(
                session, case.id, "learning_review_due", noon(choice.due_on), member.id
            )
            if choice.local_review:
                await case_repo.record_event(
                    session, case.id, "local_review_decided", now, member.id
                )
            detail = {"due_on": choice.due_on.isoformat(), "local_review": choice.local_review}
        else:
            summary, errors = check_summary(raw)
            if summary is None:
                return await card_for(app, session, case, values=_values(raw), errors=errors)
            row.summary = summary
            await case_repo.record_event(
                session, case.id, "learning_summary_recorded", now, member.id
            )
            case.status = "closed"
            case.closed_at = now
        row.updated_at, row.updated_by_member_id = now, member.id
        await replan_case(app, session, case)
        await repo.audit(
            session,
            action=action,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail=detail,
        )
        return await card_for(app, session, case)


async def _tell_group(app: AppContext, session: AsyncSession, case: Case, day: date) -> None:
    """The group's members: the case is on their meeting's agenda."""
    group = app.profile.learning_review.group
    if group is None:
        return
    for member in await repo.members(session, app.partnership_id):
        if holds(app, member, group):
            await panel_repo.plan_message(
                session,
                case=case,
                kind="learning_agenda",
                milestone=f"learning_agenda_{day.isoformat()}",
                stage=f"member-{member.id}",
                due_on=london_date(app.now()),
                send_after=app.now(),
            )
