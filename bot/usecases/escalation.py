"""An escalated professional disagreement (Stockport's pathway C, issue 25): the statutory
partners and the independent chair review the decisions; a manager books the mediation (a
milestone on its day, reminded; the partners and the chair are told), then records the final
determination with its reasons, which the referrer is told in 1:1; the case closes.
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
from bot.usecases.roles import holds_any
from cards.escalation import TEXT_MAX, WHERE_MAX, escalation_card
from review.answers import UNREADABLE, clean_text, too_long
from review.calendar import london_date
from review.referral import format_date, parse_iso_date
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Escalation, Member

ONLY = "Only a partnership manager can book the mediation or record the determination."


async def plan_escalation(app: AppContext, session: AsyncSession, case: Case, at: datetime) -> None:
    """At the decision: the escalation's card to each manager in 1:1."""
    await plan_for_managers(app, session, case, "escalation", at)


async def _row(session: AsyncSession, case: Case) -> Escalation | None:
    return await session.scalar(select(Escalation).where(Escalation.case_id == case.id))


async def card_for(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The escalation's card at its step."""
    row = await _row(session, case)
    return escalation_card(
        reference=case.reference,
        mediation_on=row.mediation_on if row else None,
        mediation_where=row.mediation_where if row else None,
        closed=case.status == "closed",
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
        starts="escalation",
        what="an escalation",
    )


@refusals_audited
async def escalation_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """`escalation REF`: the card at its step, for managers."""
    async with app.db.session() as session, session.begin():
        case, _ = await _manager_case(app, session, reference, person, "escalation.view")
        return await card_for(app, session, case)


def _text(
    raw: Mapping[str, Any], key: str, limit: int, missing: str, errors: dict[str, str]
) -> str:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        errors[key] = UNREADABLE
        return ""
    text = clean_text(value or "", multiline=limit > WHERE_MAX)
    if not text:
        errors[key] = missing
    elif len(text) > limit:
        errors[key] = too_long(limit, len(text))
    return text


@refusals_audited
async def record_step(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any], step: str
) -> dict[str, Any]:
    """Book the mediation (`step` "mediation") or record the determination ("determination");
    the card at its next step, or again with its errors."""
    now = app.now()
    action = f"escalation.{step}"
    values = {k: str(raw.get(k) or "")[:4000] for k in raw if isinstance(k, str)}
    async with app.db.session() as session, session.begin():
        case, member = await _manager_case(app, session, reference, person, action)
        row = await _row(session, case)
        if row is None:
            row = Escalation(case_id=case.id, updated_at=now)
            session.add(row)
        if step != ("mediation" if row.mediation_on is None else "determination"):
            raise Refused(
                "This card is out of date: here is the escalation as it is now.",
                action=action,
                case=case,
            )
        errors: dict[str, str] = {}
        detail: dict[str, Any] = {}
        if step == "mediation":
            day = parse_iso_date(raw.get("mediation_on"))
            if day is None:
                errors["mediation_on"] = "Pick the mediation's date."
            elif day < london_date(now):
                errors["mediation_on"] = (
                    f"The mediation cannot be in the past ({format_date(day)})."
                )
            where = _text(
                raw, "mediation_where", WHERE_MAX, "Say where the mediation is held.", errors
            )
            if errors or day is None:
                return await card_for(app, session, case, values=values, errors=errors)
            row.mediation_on, row.mediation_where = day, where
            await case_repo.record_event(session, case.id, "mediation_booked", noon(day), member.id)
            await _tell_reviewers(app, session, case, day)
            detail = {"mediation_on": day.isoformat()}
        else:
            determination = _text(
                raw, "determination", TEXT_MAX, "Write the final determination.", errors
            )
            reasons = _text(raw, "reasons", TEXT_MAX, "Write its reasons.", errors)
            if errors:
                return await card_for(app, session, case, values=values, errors=errors)
            row.determination, row.reasons = determination, reasons
            await case_repo.record_event(session, case.id, "determination_recorded", now, member.id)
            if case.referrer_aad_object_id:
                await panel_repo.plan_message(
                    session,
                    case=case,
                    kind="escalation_outcome",
                    milestone="determination_recorded",
                    stage="referrer",
                    due_on=london_date(now),
                    send_after=now,
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


async def _tell_reviewers(app: AppContext, session: AsyncSession, case: Case, day: date) -> None:
    """The statutory partners' panel members and the chair: the mediation's date."""
    for member in await repo.members(session, app.partnership_id):
        if holds_any(app, member, ("panel", "chair")):
            await panel_repo.plan_message(
                session,
                case=case,
                kind="mediation_notice",
                milestone=f"mediation_{day.isoformat()}",
                stage=f"member-{member.id}",
                due_on=london_date(app.now()),
                send_after=app.now(),
            )
