"""The referrer kept informed of the case's progress (Stockport: "The referrer will be updated
as to the progress of the case"): after the meeting is booked, the chair's conclusion and the
report's sending, each once, in 1:1."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from cards.progress import PROGRESS_STEPS
from review.calendar import london_date
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case

PROGRESS = "referrer_progress"
"""The outbox kind of a progress update to the referrer."""


async def tell_referrer(app: AppContext, session: AsyncSession, case: Case, step: str) -> bool:
    """Plan one progress update to the referrer (once per step and reopening; none if the
    referrer cannot be reached in Teams)."""
    if step not in PROGRESS_STEPS:
        raise ValueError(f"unknown progress step {step!r}")
    if not case.referrer_aad_object_id:
        return False
    now = app.now()
    # The unique key (case, milestone, stage, due_on) keeps it to one: due_on is the case's
    # own received date, the same however often the step is repeated (a meeting moved).
    return await panel_repo.plan_message(
        session,
        case=case,
        kind=PROGRESS,
        milestone=f"{PROGRESS}_{case.reopened or 0}",
        stage=step,
        due_on=london_date(case.received_at),
        send_after=now,
    )


def ends_with_notice(app: AppContext, outcome: str) -> bool:
    """True when the decision starts nothing (Stockport's "no partnership response"): the
    case closes once its notice has reached the referrer."""
    return app.profile.outcome(outcome).starts == "nothing"


async def close_after_notice(app: AppContext, session: AsyncSession, case: Case) -> bool:
    """Close a case whose decision starts nothing, once the referrer has its notice: status
    closed, closed_at, its reminders stopped and the shared card redrawn."""
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None or not ends_with_notice(app, decision.outcome):
        return False
    if case.status == "closed":
        return False
    now = app.now()
    case.status = "closed"
    case.closed_at = now
    await replan_case(app, session, case)
    await panel_repo.plan_card_update(session, case=case, now=now)
    await repo.audit(
        session,
        action="case.closed_after_notice",
        actor=None,
        partnership_id=app.partnership_id,
        case_id=case.id,
        detail={"outcome": decision.outcome},
        at=now,
    )
    return True
