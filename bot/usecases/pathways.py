"""What the steps after a decision share (the notification's answer, a learning review, an
escalation, an added agency): the open case a manager acts on, the managers' card planned in
1:1, and a picked day as the moment an anchor event is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.people import Person, Refused, lock_or_refuse, member_for
from bot.usecases.roles import holds
from review.calendar import LONDON, london_date
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Member


async def managers_case(
    app: AppContext,
    session: AsyncSession,
    reference: str,
    person: Person,
    action: str,
    *,
    only: str,
    starts: str | None = None,
    what: str = "",
) -> tuple[Case, Member]:
    """The open case, locked, and the manager acting on it (else refused with `only`); with
    `starts`, a case whose decision starts that ("an escalation", `what`, for the refusal)."""
    case = await lock_or_refuse(session, app, reference, action)
    member = await member_for(app, session, person)
    if member is None or not holds(app, member, "manager"):
        raise Refused(only, action=action, case=case)
    if starts is not None:
        decision = await panel_repo.decision_of(session, case.id)
        if decision is None or app.profile.outcome(decision.outcome).starts != starts:
            raise Refused(
                f"The panel did not decide on {what} for {case.reference}.",
                action=action,
                case=case,
            )
    if case.status not in OPEN_CASE_STATUSES:
        raise Refused(f"{case.reference} is closed.", action=action, case=case)
    return case, member


async def plan_for_managers(
    app: AppContext, session: AsyncSession, case: Case, kind: str, at: datetime
) -> None:
    """The step's card (outbox `kind`) to each manager in 1:1, once per opening of the panel."""
    for member in await repo.members(session, app.partnership_id):
        if holds(app, member, "manager"):
            await panel_repo.plan_message(
                session,
                case=case,
                kind=kind,
                milestone=f"{kind}_{case.reopened or 0}",
                stage=f"manager-{member.id}",
                due_on=london_date(at),
                send_after=app.now(),
            )


def noon(day: date) -> datetime:
    """A day a person picked, as the moment its anchor event is recorded (London noon)."""
    return datetime.combine(day, time(12, 0), tzinfo=LONDON).astimezone(UTC)
