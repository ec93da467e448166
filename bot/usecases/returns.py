"""Agency returns (Appendix D): a lead fills in their agency's return part by part, or sends a
chronology as a workbook or CSV, and submits it; it can change until the papers go out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import OPEN_CASE_STATUSES, case_timeline, replan_case
from bot.usecases.meeting import uninvite
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.rapid_review import Reply, agencies_led_by, audit_step, has_milestone, part_number
from cards.after import (
    RETURN_PARTS,
    information_request_card,
)
from review.calendar import london_date
from review.referral import parse_iso_date
from review.returns import (
    MAX_CHRONOLOGY_ROWS,
    ChronologyRow,
    clean_return_values,
    parse_chronology_csv,
    validate_chronology_row,
    validate_return,
)
from review.spreadsheet import SpreadsheetError, xlsx_as_csv
from storage import after as after_repo
from storage import cases as case_repo
from storage import panel as panel_repo
from storage.models import Case, InformationRequest, Member, Milestone

RETURN_STATUS_WORDS = {
    "requested": "awaited",
    "draft": "awaited",
    "returned": "received",
    "not_involved": "not involved",
}


def row_to_stored(row: ChronologyRow) -> dict[str, Any]:
    """A chronology row as stored (JSON)."""
    return {
        "date_from": row.date_from.isoformat(),
        "date_to": row.date_to.isoformat() if row.date_to else None,
        "time_from": row.time_from,
        "involvement_with": row.involvement_with,
        "event_and_outcome": row.event_and_outcome,
        "child_seen": row.child_seen,
        "analysis": row.analysis,
    }


def stored_rows(request: InformationRequest) -> tuple[ChronologyRow, ...]:
    """A request's chronology rows as the pure model."""
    rows = []
    for item in request.chronology or []:
        start = parse_iso_date(item.get("date_from"))
        if start is None:
            continue
        rows.append(
            ChronologyRow(
                date_from=start,
                date_to=parse_iso_date(item.get("date_to")),
                time_from=item.get("time_from"),
                involvement_with=str(item.get("involvement_with", "")),
                event_and_outcome=str(item.get("event_and_outcome", "")),
                child_seen=item.get("child_seen"),
                analysis=str(item.get("analysis", "")),
            )
        )
    return tuple(rows)


async def returns_locked(app: AppContext, session: AsyncSession, case: Case, now: datetime) -> bool:
    """True once the papers are circulated (or the meeting has started): returns are final."""
    meeting = await after_repo.meeting_of(session, case.id)
    if meeting is not None and (
        meeting.papers_circulated_at is not None or meeting.starts_at <= now
    ):
        return True
    if has_milestone(app, "papers_circulated"):
        done = await session.scalar(
            select(Milestone.done_at).where(
                Milestone.case_id == case.id, Milestone.milestone == "papers_circulated"
            )
        )
        return done is not None
    return False


async def returns_due(app: AppContext, session: AsyncSession, case: Case) -> date | None:
    """When the agencies' returns are due on this case's clock (None: not dated yet)."""
    timeline = await case_timeline(app, session, case)
    try:
        return timeline.entry("agency_returns").due
    except KeyError:
        return None


def return_status(request: InformationRequest, due: date | None, today: date) -> str:
    """Where an agency's return stands: received, not involved, awaited or overdue."""
    status = RETURN_STATUS_WORDS.get(request.status, "awaited")
    if status == "awaited" and due is not None and due < today:
        return "overdue"
    return status


async def returns_due_date(app: AppContext, session: AsyncSession, case: Case) -> date:
    return await returns_due(app, session, case) or london_date(app.now())


def _first_part_with(
    parts: Sequence[tuple[str, tuple[str, ...]]], errors: Mapping[str, str]
) -> int:
    for number, (_, ids) in enumerate(parts, start=1):
        if set(ids) & set(errors):
            return number
    return len(parts)


async def _request_for(
    app: AppContext, session: AsyncSession, person: Person, token: str, action: str
) -> tuple[InformationRequest, Case, Member]:
    request = await after_repo.request_by_token(session, token, lock=True)
    case = await session.get(Case, request.case_id) if request is not None else None
    if request is None or case is None or case.partnership_id != app.partnership_id:
        raise Refused(
            "This information request is not one I know. Nothing was saved.",
            action=action,
            detail={"token_length": len(token)},
        )
    member = await member_for(app, session, person)
    if member is None or request.agency not in agencies_led_by(app, member):
        raise Refused(
            f"Only the safeguarding lead of {app.profile.agency_name(request.agency)} on the "
            "partnership's roster can see or change this return. Nothing was saved.",
            action=action,
            case=case,
        )
    return request, case, member


async def _return_card(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    request: InformationRequest,
    *,
    part: int,
    errors: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
    editable: bool = True,
) -> dict[str, Any]:
    return information_request_card(
        reference=case.reference,
        agency_name=app.profile.agency_name(request.agency),
        due=await returns_due_date(app, session, case),
        values={**(request.answers or {}), **(extra or {})},
        errors=errors,
        chronology_rows=stored_rows(request),
        token=request.token,
        part=part,
        returned=request.status in after_repo.REPLIED,
        editable=editable,
        period=(request.period_from, request.period_to),
    )


async def _after_return(
    app: AppContext, session: AsyncSession, case: Case, request: InformationRequest, now: datetime
) -> None:
    """A return was submitted: the thread hears; when every agency asked has replied, the
    returns milestone is done."""
    await panel_repo.plan_message(
        session,
        case=case,
        kind="returns_status",
        milestone="returns",
        stage=f"{request.id}-{request.status}"[:32],
        due_on=london_date(now),
        send_after=now,
    )
    requests = await after_repo.requests_of(session, case.id)
    if requests and all(r.status in after_repo.REPLIED for r in requests):
        await case_repo.mark_milestone_done(
            session, case.id, "agency_returns", now, request.returned_by_member_id
        )
    await replan_case(app, session, case)


@refusals_audited
async def return_action(
    app: AppContext, *, person: Person, raw: Mapping[str, Any], action: str
) -> list[Reply]:
    """A button on the information request card: save, go to a part, add a row, submit."""
    now, today = app.now(), london_date(app.now())
    token = str(raw.get("token", ""))[:64]
    count = len(RETURN_PARTS)
    async with app.db.session() as session, session.begin():
        request, case, member = await _request_for(app, session, person, token, "return.edit")
        part = part_number(raw.get("part"), count)
        if await returns_locked(app, session, case, now) or case.status not in OPEN_CASE_STATUSES:
            await audit_step(app, session, person, "return.view", case, {"agency": request.agency})
            card = await _return_card(
                app, session, case, request, part=part, errors={}, editable=False
            )
            return [
                "The papers for this case have been circulated, so the return can no longer "
                "be changed. Nothing was saved. Ask the business unit if something must be "
                "corrected.",
                card,
            ]
        answers = {k: v for k, v in clean_return_values(raw).items() if k in raw}
        if answers:
            after_repo.save_answers(request, answers, now=now)
        errors: dict[str, str] = {}
        extra: dict[str, Any] = {}
        show = part
        replies: list[Reply] = []
        if action == "return.part":
            show = part_number(raw.get("go"), count, part)
        elif action == "return.add_row":
            show = count
            row, errors = validate_chronology_row(raw, today=today)
            if row is not None and len(request.chronology or []) >= MAX_CHRONOLOGY_ROWS:
                errors = {"chrono_event_outcome": f"A chronology holds {MAX_CHRONOLOGY_ROWS} rows."}
            elif row is not None:
                after_repo.add_chronology_row(request, row_to_stored(row), now=now)
            if errors:
                extra = {k: str(v)[:4000] for k, v in raw.items() if k.startswith("chrono_")}
        elif action == "return.submit":
            data, errors = validate_return(request.answers or {}, today=today)
            if data is not None:
                first = after_repo.mark_returned(
                    request, involved=data.involved, member_id=member.id, now=now
                )
                await session.flush()
                await _after_return(app, session, case, request, now)
                if not data.involved:
                    await uninvite(app, session, case, request.agency, now)
                await audit_step(
                    app,
                    session,
                    person,
                    "return.submit",
                    case,
                    {"agency": request.agency, "first": first},
                )
                replies.append(
                    f"Thank you. The return from {app.profile.agency_name(request.agency)} for "
                    f"{case.reference} is with the business unit. You can still change it "
                    "until the papers are circulated."
                )
            else:
                show = _first_part_with(RETURN_PARTS, errors)
        if action != "return.submit" or errors:
            await audit_step(
                app, session, person, "return.save", case, {"agency": request.agency, "part": part}
            )
        await session.flush()
        replies.append(
            await _return_card(app, session, case, request, part=show, errors=errors, extra=extra)
        )
        return replies


@refusals_audited
async def upload_chronology(
    app: AppContext, *, person: Person, hint: str, name: str, content: bytes
) -> list[Reply]:
    """A chronology spreadsheet (CSV) sent by a lead in 1:1: its rows added to their return."""
    now, today = app.now(), london_date(app.now())
    async with app.db.session() as session, session.begin():
        member = await member_for(app, session, person)
        agencies = agencies_led_by(app, member) if member is not None else set()
        if member is None or not agencies:
            raise Refused(
                "Only an agency's safeguarding lead can send me a chronology.",
                action="return.upload",
            )
        rows = await session.execute(
            select(InformationRequest, Case)
            .join(Case, Case.id == InformationRequest.case_id)
            .where(
                Case.partnership_id == app.partnership_id,
                Case.status.in_(OPEN_CASE_STATUSES),
                InformationRequest.agency.in_(agencies),
            )
            .order_by(InformationRequest.id)
        )
        open_requests = [
            (r, c) for r, c in rows.all() if not await returns_locked(app, session, c, now)
        ]
        named = [(r, c) for r, c in open_requests if c.reference.lower() in hint.lower()]
        candidates = named or open_requests
        if not candidates:
            return ["You have no information request open that a chronology could go with."]
        if len(candidates) > 1:
            references = ", ".join(sorted({c.reference for _, c in candidates}))
            return [
                f"You have more than one return open ({references}). Send the file again with "
                "the case reference typed in the same message."
            ]
        request, case = candidates[0]
        if name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
            try:
                text = xlsx_as_csv(content)
            except SpreadsheetError as why:
                return [f"{why} Nothing was added."]
        else:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("cp1252", errors="replace")
        parsed, problems = parse_chronology_csv(text, today=today)
        if problems:
            listed = "; ".join(
                f"row {n}: {why}" if n else why for n, why in sorted(problems.items())[:10]
            )
            return [
                f"I could not add {name or 'that file'}: {listed}. Nothing was added; correct "
                "the spreadsheet and send it again."
            ]
        room = MAX_CHRONOLOGY_ROWS - len(request.chronology or [])
        if len(parsed) > room:
            return [
                f"That file has {len(parsed)} rows and the return has room for {room} more. "
                "Nothing was added."
            ]
        for row in parsed:
            after_repo.add_chronology_row(request, row_to_stored(row), now=now)
        await audit_step(
            app,
            session,
            person,
            "return.upload",
            case,
            {"agency": request.agency, "rows": len(parsed)},
        )
        await session.flush()
        card = await _return_card(app, session, case, request, part=len(RETURN_PARTS), errors={})
        return [
            f"Added {len(parsed)} chronology rows to the return from "
            f"{app.profile.agency_name(request.agency)} for {case.reference}.",
            card,
        ]
