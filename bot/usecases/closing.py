"""Closing a case says what it stops, and asks first; a manager reopens a closed case with a
reason. The status a case had before it closed is kept in the audit of its closing
(`{"was": status}`: a status, never a child detail), which is append-only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import case_timeline, replan_case
from bot.usecases.panel_view import STATUS_LABELS
from bot.usecases.people import Person, Refused, refusals_audited
from bot.usecases.rapid_review import MANAGERS, audit_step, case_and_actor
from cards.closing import Stopping, case_closed_card, case_reopened_card, close_confirm_card
from review.calendar import london_date
from storage import panel as panel_repo
from storage.models import AuditEvent, Case, OutboundMessage

_REASON_MAX = 500


@refusals_audited
async def close_preview(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """`close REF`: the card listing the open deadlines and pending reminders closing ends."""
    async with app.db.session() as session, session.begin():
        case, _ = await case_and_actor(
            app, session, person, reference, MANAGERS, "case.close", "close a case."
        )
        _refuse_if_closed(case, "case.close")
        titles = {m.id: m.title for m in app.profile.milestones}
        today = london_date(app.now())
        timeline = await case_timeline(app, session, case)
        milestones = [
            Stopping(e.milestone.title, e.due)
            for e in timeline.entries
            if e.completed_on is None or e.completed_on > today
        ]
        reminders = [
            Stopping(titles.get(row.milestone, row.milestone), row.due_on)
            for row in await _pending(session, case)
        ]
        await audit_step(app, session, person, "case.close_asked", case)
    return close_confirm_card(reference=case.reference, milestones=milestones, reminders=reminders)


@refusals_audited
async def close_case(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """ "Close the case": the case closes, its reminders stop, the retention period starts."""
    async with app.db.session() as session, session.begin():
        case, _ = await case_and_actor(
            app, session, person, reference, MANAGERS, "case.close", "close a case."
        )
        _refuse_if_closed(case, "case.close")
        stopped = len(await _pending(session, case))
        was = case.status
        case.status = "closed"
        case.closed_at = app.now()
        await replan_case(app, session, case)
        await panel_repo.plan_card_update(session, case=case, now=app.now())
        await audit_step(app, session, person, "case.close", case, {"was": was})
    return case_closed_card(reference=case.reference, stopped=stopped)


@refusals_audited
async def reopen_case(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """ "Reopen the case" (managers): back to its status before closing, reminders re-planned.
    The reason is required; only its length is audited (the audit is not encrypted)."""
    reason = str(raw.get("reopen_reason") or "").strip()[:_REASON_MAX]
    async with app.db.session() as session, session.begin():
        case, _ = await case_and_actor(
            app, session, person, reference, MANAGERS, "case.reopen", "reopen a case."
        )
        if case.status != "closed":
            raise Refused(
                f"{case.reference} is not closed, so there is nothing to reopen. "
                "Nothing was changed.",
                action="case.reopen",
                case=case,
            )
        if not reason:
            raise Refused(
                "Say why the case is being reopened. Nothing was changed.",
                action="case.reopen",
                case=case,
            )
        was = await _status_before_closing(session, case)
        case.status = was
        case.closed_at = None
        await replan_case(app, session, case)
        await panel_repo.plan_card_update(session, case=case, now=app.now())
        await audit_step(
            app, session, person, "case.reopen", case, {"to": was, "reason_chars": len(reason)}
        )
    return case_reopened_card(reference=case.reference, status_label=STATUS_LABELS.get(was, was))


def _refuse_if_closed(case: Case, action: str) -> None:
    if case.status == "closed":
        raise Refused(
            f"{case.reference} is already closed. Nothing was changed; a manager can reopen "
            "it from its timeline.",
            action=action,
            case=case,
        )


async def _pending(session: AsyncSession, case: Case) -> list[OutboundMessage]:
    """The case's reminders still waiting to be sent, soonest first."""
    rows = await session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.case_id == case.id,
            OutboundMessage.kind == "nudge",
            OutboundMessage.status == "pending",
        )
        .order_by(OutboundMessage.send_after, OutboundMessage.id)
    )
    return list(rows)


async def _status_before_closing(session: AsyncSession, case: Case) -> str:
    """The status the latest closing recorded; "decided" for a case closed before it did."""
    detail = await session.scalar(
        select(AuditEvent.detail)
        .where(
            AuditEvent.case_id == case.id,
            AuditEvent.action == "case.close",
            AuditEvent.outcome == "ok",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    was = (detail or {}).get("was")
    return was if isinstance(was, str) and was and was != "closed" else "decided"
