"""Complaints about a case, a register (managers): `complaint REF DATE` adds one (never
overwriting an earlier one), each with its own due date counted by the profile's
`complaint_response` milestone; its card records the response date, marks it referred to a
partner agency, and offers the written response's template in Word; `complaints` lists every
complaint of the open cases.

The timeline's one `complaint_response` milestone follows the oldest open complaint: the
`complaint_received` event is that complaint's received date, so its due date and reminders
are that complaint's; when it is answered the next open one takes its place, and when none is
open the milestone is done on the day the last was answered. A new complaint after that
opens it again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.rapid_review import DOCX, MANAGERS, audit_step, case_and_actor, offer_file
from bot.usecases.roles import holds_any
from cards.complaints import ComplaintView, complaint_card, complaints_list_card
from review.calendar import LONDON, london_date
from review.complaints import (
    COMPLAINT_MILESTONE,
    check_complaint_day,
    complaint_due,
    response_template_docx,
)
from review.referral import format_date, parse_iso_date
from storage import after as after_repo
from storage import cases as case_repo
from storage import complaints as complaint_repo
from storage import repositories as repo
from storage.models import Case, Complaint, Member

EVENT = "complaint_received"
LIST_LIMIT = 25


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), LONDON)


@refusals_audited
async def record_complaint(
    app: AppContext, *, reference: str, person: Person, day: date | None
) -> list[Any]:
    """`complaint REF DATE`: a new complaint on the case; its card."""
    today = london_date(app.now())
    async with app.db.session() as session, session.begin():
        case, member = await case_and_actor(
            app, session, person, reference, MANAGERS, "complaint.add", "record a complaint."
        )
        if complaint_due(app.profile, app.calendar, today) is None:
            return ["This partnership's process has no deadline counted from a complaint."]
        why = check_complaint_day(day, today=today, referred_on=london_date(case.received_at))
        if why is not None:
            raise Refused(f"{why} Nothing was recorded.", action="complaint.add", case=case)
        assert day is not None
        row = await complaint_repo.add(
            session, case_id=case.id, received_on=day, member_id=member.id
        )
        await _follow_oldest_open(app, session, case, member)
        await audit_step(
            app,
            session,
            person,
            "complaint.add",
            case,
            {"complaint": row.id, "on": day.isoformat()},
        )
        view = await _view(app, session, case, row)
    due = f" It must be answered by {format_date(view.due)}." if view.due else ""
    return [
        f"Recorded complaint {view.number} on {case.reference}, received {format_date(day)}.{due}",
        complaint_card(view, agencies=_agencies(app)),
    ]


async def complaint_step(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any], step: str
) -> dict[str, Any]:
    """A button on a complaint's card ("open", "respond", "refer", "template"): the card
    updated in place (its final state once answered or referred)."""
    return await _step(app, reference=reference, person=person, raw=raw, step=step)


@refusals_audited
async def _step(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any], step: str
) -> dict[str, Any]:
    now = app.now()
    today = london_date(now)
    action = f"complaint.{step}"
    async with app.db.session() as session, session.begin():
        case, member = await case_and_actor(
            app, session, person, reference, MANAGERS, action, "act on a complaint."
        )
        try:
            complaint_id = int(str(raw.get("complaint", "")))
        except ValueError:
            complaint_id = -1
        row = await complaint_repo.one(session, case.id, complaint_id)
        if row is None:
            raise Refused(
                f"There is no such complaint on {case.reference}.", action=action, case=case
            )
        agencies = _agencies(app)
        if step == "open":
            return complaint_card(await _view(app, session, case, row), agencies=agencies)
        if step == "template":
            view = await _view(app, session, case, row)
            content = response_template_docx(
                reference=case.reference,
                partnership_name=app.profile.partnership.name,
                received_on=row.received_on,
                due=view.due,
                day=today,
            )
            await offer_file(
                app,
                session,
                case,
                [member],
                now,
                name=f"{case.reference}-complaint-{view.number}-response.docx",
                description=f"The written response template for a complaint on {case.reference}",
                content_type=DOCX,
                content=content,
            )
            await audit_step(app, session, person, action, case, {"complaint": row.id})
            return complaint_card(
                view, agencies=agencies, note="The template is on its way to this chat."
            )
        if row.status != "open":
            view = await _view(app, session, case, row)
            raise Refused(
                f"Complaint {view.number} on {case.reference} is already "
                f"{'responded to' if row.status == 'responded' else 'referred'}. "
                "Nothing was changed.",
                action=action,
                case=case,
            )
        if step == "respond":
            day = parse_iso_date(str(raw.get("responded_on") or "").strip())
            why = check_complaint_day(day, today=today, referred_on=row.received_on)
            if why is not None:
                why = why.replace("the case was referred", "the complaint was received")
                view = await _view(app, session, case, row)
                return complaint_card(view, agencies=agencies, error=f"{why} Nothing was changed.")
            assert day is not None
            row.status, row.responded_on = "responded", day
            detail: dict[str, Any] = {"complaint": row.id, "on": day.isoformat()}
        else:
            agency = str(raw.get("agency") or "")
            if agency not in {a for _, a in agencies}:
                view = await _view(app, session, case, row)
                return complaint_card(
                    view, agencies=agencies, error="Choose the agency it was referred to."
                )
            row.status, row.referred_to, row.responded_on = "referred", agency, today
            detail = {"complaint": row.id, "agency": agency}
        await session.flush()
        await _follow_oldest_open(app, session, case, member)
        await audit_step(app, session, person, action, case, detail)
        return complaint_card(await _view(app, session, case, row), agencies=agencies)


@refusals_audited
async def list_complaints(app: AppContext, *, person: Person) -> dict[str, Any] | str:
    """`complaints` (managers): every complaint of the open cases, status and due date."""
    async with app.db.session() as session, session.begin():
        member = await member_for(app, session, person)
        if member is None or not holds_any(app, member, ["manager"]):
            raise Refused(
                "Only a partnership manager can see the complaints.", action="complaint.list"
            )
        pairs = await complaint_repo.of_open_cases(session, app.partnership_id)
        numbers: dict[int, int] = {}
        views = []
        for case, row in pairs:
            numbers[case.id] = numbers.get(case.id, 0) + 1
            views.append(_as_view(app, case, row, numbers[case.id]))
        await _audit_list(app, session, person, len(views))
    return complaints_list_card(views[:LIST_LIMIT], more=max(0, len(views) - LIST_LIMIT))


async def _audit_list(app: AppContext, session: AsyncSession, person: Person, count: int) -> None:
    await repo.audit(
        session,
        action="complaint.list",
        actor=person.aad_object_id,
        partnership_id=app.partnership_id,
        detail={"complaints": count},
    )


async def _follow_oldest_open(
    app: AppContext, session: AsyncSession, case: Case, member: Member
) -> None:
    """The timeline's milestone follows the oldest open complaint (see the module's note)."""
    rows = await complaint_repo.of_case(session, case.id)
    open_rows = [r for r in rows if r.status == "open"]
    if open_rows:
        await after_repo.move_event(
            session, case.id, EVENT, _noon(open_rows[0].received_on), member.id
        )
        await complaint_repo.reopen_milestone(session, case.id, COMPLAINT_MILESTONE)
    elif rows:
        last = max(r.responded_on or r.received_on for r in rows)
        await case_repo.mark_milestone_done(
            session, case.id, COMPLAINT_MILESTONE, _noon(last), member.id
        )
    await replan_case(app, session, case)


async def _view(
    app: AppContext, session: AsyncSession, case: Case, row: Complaint
) -> ComplaintView:
    ids = [r.id for r in await complaint_repo.of_case(session, case.id)]
    return _as_view(app, case, row, ids.index(row.id) + 1)


def _as_view(app: AppContext, case: Case, row: Complaint, number: int) -> ComplaintView:
    names = {a.id: a.name for a in app.profile.agencies}
    return ComplaintView(
        reference=case.reference,
        complaint_id=row.id,
        number=number,
        received_on=row.received_on,
        due=complaint_due(app.profile, app.calendar, row.received_on),
        status=row.status,
        responded_on=row.responded_on,
        referred_to=names.get(row.referred_to or "", row.referred_to),
    )


def _agencies(app: AppContext) -> Sequence[tuple[str, str]]:
    return [(a.name, a.id) for a in app.profile.agencies]
