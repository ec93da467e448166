"""The referrer kept informed of the case's progress (Stockport: "The referrer will be updated
as to the progress of the case"): after the meeting is booked, the chair's conclusion and the
report's sending, each once, in 1:1."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from cards.progress import PROGRESS_STEPS
from review.calendar import london_date
from storage import panel as panel_repo
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
