"""After a Rapid Review decision: information requests and agency returns (Appendix D), the
meeting (Appendix E), the chair's notes (Appendix F) and the Rapid Review report.

Who may do what:

* managers choose the agencies to ask, book the meeting, circulate the papers and record the
  date the report was sent to the National Panel;
* an agency's safeguarding lead (role ``agency_lead`` on the roster, for that agency) fills in
  and submits that agency's return, and may change it until the papers are circulated;
* the chair writes the notes and records the conclusion, which generates the report.

Every action, every view and every refusal is audited. The channel only ever hears agency
names, statuses, dates and places (the renderers in bot/renderers.py); returns, notes and the
report go to people in 1:1.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import OPEN_CASE_STATUSES, case_timeline, replan_case
from bot.context import AppContext
from bot.panel import Refused, lock_or_refuse, member_for, refusals_audited
from bot.referrals import Person
from cards.after import (
    CHAIR_PARTS,
    RETURN_PARTS,
    chair_notes_card,
    information_request_card,
    meeting_proposal_card,
    report_ready_card,
)
from cards.requests import (
    ACTION_CHAIR_OPEN,
    ACTION_MEETING_OPEN,
    ACTION_REPORT_OPEN,
    ACTION_RETURNS_PICK,
    ACTION_RETURNS_VIEW,
    AgencyChoice,
    agency_picker_card,
    next_steps_card,
)
from review.answers import clean_text
from review.calendar import LONDON, london_date
from review.meeting import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    check_meeting_time,
    meeting_ics,
    meeting_window,
)
from review.panel import OUTCOMES, PARTNER_LABELS
from review.papers import AgencyPapers, papers_docx
from review.referral import PATHWAYS, format_date, parse_iso_date
from review.report import (
    CHAIR_FIELDS,
    CONCLUSIONS,
    NOTES_MAX,
    AgencyReturn,
    ChairNotes,
    Decider,
    PanelDecision,
    ReportData,
    child_details,
    invited_attendees,
    report_docx,
    report_markdown,
    validate_chair_notes,
)
from review.returns import (
    MAX_CHRONOLOGY_ROWS,
    ChronologyRow,
    check_review_period,
    clean_return_values,
    parse_chronology_csv,
    validate_chronology_row,
    validate_return,
)
from review.spreadsheet import SpreadsheetError, xlsx_as_csv
from storage import after as after_repo
from storage import cases as case_repo
from storage import files as file_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Decision, InformationRequest, Member, Milestone

log = logging.getLogger(__name__)

Reply = str | dict[str, Any]

MANAGERS = frozenset({"manager"})
CHAIRS = frozenset({"chair"})
REPORT_ROLES = frozenset({"manager", "chair"})
PAPERS_ROLES = frozenset({"panel", "deputy", "manager", "chair"})
_WHO = {
    MANAGERS: "a partnership manager",
    CHAIRS: "the chair",
    REPORT_ROLES: "the managers and the chair",
    PAPERS_ROLES: "the panel, the managers and the chair",
}
RAPID_REVIEW = "rapid_review"
RETURN_STATUS_WORDS = {
    "requested": "awaited",
    "draft": "awaited",
    "returned": "received",
    "not_involved": "not involved",
}
_KEPT_BEYOND_LIMIT = 1000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- shared steps ---------------------------------------------------------------------------


async def _case_and_actor(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    reference: str,
    roles: frozenset[str],
    action: str,
    what: str,
) -> tuple[Case, Member]:
    """The case, locked, and the person acting on it, who must hold one of `roles` (else
    refused: "Only <who> can <what>")."""
    case = await lock_or_refuse(session, app, reference, action)
    member = await member_for(app, session, person)
    if member is None or not roles & set(member.roles):
        raise Refused(f"Only {_WHO[roles]} can {what}", action=action, case=case)
    return case, member


async def _decided_case(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    reference: str,
    roles: frozenset[str],
    action: str,
    what: str,
) -> tuple[Case, Member, Decision]:
    """As `_case_and_actor`, for a case the panel decided should have a Rapid Review."""
    case, member = await _case_and_actor(app, session, person, reference, roles, action, what)
    return case, member, await _rapid_review_decision(session, case, action)


async def _rapid_review_decision(session: AsyncSession, case: Case, action: str) -> Decision:
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None or decision.outcome != RAPID_REVIEW:
        raise Refused(
            f"{case.reference} has no Rapid Review decision, so there is nothing of this "
            "kind to do on it yet.",
            action=action,
            case=case,
        )
    if case.status not in OPEN_CASE_STATUSES:
        raise Refused(f"{case.reference} is closed.", action=action, case=case)
    return decision


async def _audit(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    action: str,
    case: Case,
    detail: dict[str, Any] | None = None,
) -> None:
    await repo.audit(
        session,
        action=action,
        actor=person.aad_object_id,
        partnership_id=app.partnership_id,
        case_id=case.id,
        detail=detail or {},
    )


def agencies_led_by(app: AppContext, member: Member) -> set[str]:
    """The profile's agencies this member is the safeguarding lead for."""
    if "agency_lead" not in member.roles:
        return set()
    return {
        a.id for a in app.profile.agencies if member.agency in (a.id, a.statutory_partner or "\0")
    }


def leads_for(app: AppContext, people: Sequence[Member], agency_id: str) -> list[Member]:
    """The roster's safeguarding leads for an agency."""
    return [m for m in people if agency_id in agencies_led_by(app, m)]


def _has_milestone(app: AppContext, milestone_id: str) -> bool:
    return any(m.id == milestone_id for m in app.profile.milestones)


def _part(value: object, count: int, default: int = 1) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 1), count)


# --- the next steps menu --------------------------------------------------------------------


def steps_card(case: Case, member: Member, decided_on: date) -> dict[str, Any] | None:
    """The buttons this member has on a Rapid Review case (None: none are theirs)."""
    roles = set(member.roles)
    steps: dict[str, str] = {}
    if "manager" in roles:
        steps[ACTION_RETURNS_PICK] = "Ask agencies for information"
        steps[ACTION_MEETING_OPEN] = "Book the Rapid Review meeting"
    if "chair" in roles:
        steps[ACTION_CHAIR_OPEN] = "Chair's notes"
    if roles & PAPERS_ROLES:
        steps[ACTION_RETURNS_VIEW] = "The agency returns so far"
    if roles & REPORT_ROLES:
        steps[ACTION_REPORT_OPEN] = "The Rapid Review report"
    if not steps:
        return None
    return next_steps_card(
        reference=case.reference,
        status_label=f"The virtual panel decided on a Rapid Review on {format_date(decided_on)}.",
        steps=steps,
    )


async def next_steps(app: AppContext, *, reference: str, person: Person) -> dict[str, Any] | None:
    """The buttons a person has on a Rapid Review case (None: not theirs, or no such case)."""
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            return None
        member = await member_for(app, session, person)
        decision = await panel_repo.decision_of(session, case.id)
    if member is None or decision is None or decision.outcome != RAPID_REVIEW:
        return None
    return steps_card(case, member, london_date(decision.decided_at))


# --- information requests -------------------------------------------------------------------


async def _picker(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    error: str | None,
    raw: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The agency picker; the period under review as `raw` gave it (a refused send), else the
    one the case's latest requests were sent with."""
    people = await repo.members(session, app.partnership_id)
    requests = await after_repo.requests_of(session, case.id)
    asked = {r.agency: r for r in requests}
    if raw is not None:
        period = (parse_iso_date(raw.get("period_from")), parse_iso_date(raw.get("period_to")))
    else:
        latest = max(requests, key=lambda r: r.requested_at, default=None)
        period = (latest.period_from, latest.period_to) if latest else (None, None)
    choices = []
    for agency in app.profile.agencies:
        request = asked.get(agency.id)
        status = None
        if request is not None:
            status = RETURN_STATUS_WORDS.get(request.status, request.status).capitalize()
        choices.append(
            AgencyChoice(
                agency_id=agency.id,
                name=agency.name,
                lead_names=tuple(m.name for m in leads_for(app, people, agency.id)),
                asked_status=status,
            )
        )
    return agency_picker_card(
        reference=case.reference, agencies=choices, error=error, period=period
    )


@refusals_audited
async def request_picker(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The agencies a manager may ask for information on a Rapid Review case."""
    async with app.db.session() as session, session.begin():
        case, _, _ = await _decided_case(
            app, session, person, reference, MANAGERS, "returns.pick", "send information requests."
        )
        return await _picker(app, session, case, None)


@refusals_audited
async def send_requests(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> Reply:
    """Send the information request to each chosen agency's leads; the case thread hears."""
    now = app.now()
    chosen_raw = raw.get("agencies")
    chosen = (
        [c.strip() for c in chosen_raw[:2000].split(",") if c.strip()]
        if isinstance(chosen_raw, str)
        else []
    )
    known = {a.id for a in app.profile.agencies}
    async with app.db.session() as session, session.begin():
        case, member, _ = await _decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "returns.request",
            "send information requests.",
        )
        if not chosen:
            return await _picker(app, session, case, "Choose at least one agency.", raw)
        if not set(chosen) <= known:
            return await _picker(
                app, session, case, "That list of agencies is not one I know. Choose again.", raw
            )
        period, wrong = check_review_period(
            raw.get("period_from"), raw.get("period_to"), today=london_date(now)
        )
        if period is None:
            return await _picker(app, session, case, f"{wrong} Nothing was sent.", raw)
        people = await repo.members(session, app.partnership_id)
        without = [app.profile.agency_name(a) for a in chosen if not leads_for(app, people, a)]
        if without:
            verb = "has" if len(without) == 1 else "have"
            return await _picker(
                app,
                session,
                case,
                f"{', '.join(without)} {verb} no safeguarding lead on the roster. Add one to "
                "the roster, or leave it unticked. Nothing was sent.",
                raw,
            )
        sent = []
        for agency_id in dict.fromkeys(chosen):
            request, created = await after_repo.add_request(
                session,
                case_id=case.id,
                agency=agency_id,
                member_id=member.id,
                now=now,
                period=period,
            )
            if not created:
                continue
            sent.append(app.profile.agency_name(agency_id))
            for lead in leads_for(app, people, agency_id):
                await panel_repo.plan_message(
                    session,
                    case=case,
                    kind="information_request",
                    milestone="information_request",
                    stage=f"{request.id}:{lead.id}",
                    due_on=london_date(now),
                    send_after=now,
                )
        if sent:
            await case_repo.record_event(
                session, case.id, "information_request_sent", now, member.id
            )
            await panel_repo.plan_message(
                session,
                case=case,
                kind="returns_status",
                milestone="returns",
                stage=f"asked-{int(now.timestamp())}",
                due_on=london_date(now),
                send_after=now,
            )
            await replan_case(app, session, case)
        await _audit(
            app,
            session,
            person,
            "returns.request",
            case,
            {"agencies": chosen, "period": [d.isoformat() for d in period]},
        )
    if not sent:
        return "Those agencies had already been asked. Nothing new was sent."
    return (
        f"Sent the information request for {case.reference} to {', '.join(sent)}. Their "
        "safeguarding leads get it in a private chat with me; the case thread shows which "
        "agencies have replied."
    )


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
    if _has_milestone(app, "papers_circulated"):
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


async def _returns_due(app: AppContext, session: AsyncSession, case: Case) -> date:
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
        due=await _returns_due(app, session, case),
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


async def _offer(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    people: Sequence[Member],
    now: datetime,
    *,
    name: str,
    description: str,
    content_type: str,
    content: bytes,
) -> list[Member]:
    """Offer one file to each of `people` in 1:1 (file consent); those it was offered to."""
    offered = [m for m in people if m.aad_object_id]
    for member in offered:
        assert member.aad_object_id is not None
        await file_repo.offer_file(
            session,
            partnership_id=app.partnership_id,
            case_id=case.id,
            recipient_aad_object_id=member.aad_object_id,
            name=name,
            description=description,
            content_type=content_type,
            content=content,
            now=now,
        )
    return offered


async def _uninvite(
    app: AppContext, session: AsyncSession, case: Case, agency: str, now: datetime
) -> None:
    """An agency not involved is taken off a meeting already booked: its leads (unless
    invited for another reason) get a cancellation for their calendars."""
    meeting = await after_repo.meeting_of(session, case.id)
    if meeting is None or meeting.starts_at <= now:
        return
    still = {m.id for m in await attendees(app, session, case)}
    people = await repo.members(session, app.partnership_id)
    leaving = [m for m in leads_for(app, people, agency) if m.id not in still and m.aad_object_id]
    if not leaving:
        return
    organiser = next((m for m in people if m.id == meeting.proposed_by_member_id), None)
    meeting.sequence += 1
    ics = meeting_ics(
        uid=f"{case.reference}-meeting@rapid-review",
        reference=case.reference,
        start=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        location=meeting.location,
        organiser_email=organiser.email if organiser else leaving[0].email,
        attendees=[(m.name, m.email) for m in leaving],
        now=now,
        sequence=meeting.sequence,
        cancel=True,
    )
    await _offer(
        app,
        session,
        case,
        leaving,
        now,
        name=f"{case.reference}-meeting-cancelled.ics",
        description=(
            f"Your agency is not involved in {case.reference}: the Rapid Review meeting "
            "is taken out of your calendar."
        ),
        content_type="text/calendar",
        content=ics,
    )


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
        part = _part(raw.get("part"), count)
        if await returns_locked(app, session, case, now) or case.status not in OPEN_CASE_STATUSES:
            await _audit(app, session, person, "return.view", case, {"agency": request.agency})
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
            show = _part(raw.get("go"), count, part)
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
                    await _uninvite(app, session, case, request.agency, now)
                await _audit(
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
            await _audit(
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
        await _audit(
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


@refusals_audited
async def circulate_papers(app: AppContext, *, reference: str, person: Person) -> Reply:
    """A manager records that the papers went out: the returns are final from now on."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await _decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "papers.circulated",
            "record that the papers were circulated.",
        )
        meeting = await after_repo.meeting_of(session, case.id)
        if meeting is None:
            return f"Book the meeting for {case.reference} first."
        if meeting.papers_circulated_at is None:
            meeting.papers_circulated_at = now
        if _has_milestone(app, "papers_circulated"):
            await case_repo.mark_milestone_done(
                session, case.id, "papers_circulated", now, member.id
            )
        await replan_case(app, session, case)
        people = [
            m
            for m in await repo.members(session, app.partnership_id)
            if PAPERS_ROLES & set(m.roles)
        ]
        offered = await _offer_papers(app, session, case, people, now)
        await _audit(app, session, person, "papers.circulated", case, {"offered": offered})
    return (
        f"Recorded: the papers for {case.reference} were circulated to {offered} people (the "
        "panel, the managers and the chair) in private chats. Agency returns can no longer be "
        "changed."
    )


async def _papers(app: AppContext, session: AsyncSession, case: Case, now: datetime) -> bytes:
    """Every agency's return and chronology as they stand, in one Word document."""
    rows = await returns_rows_for(app, session, case, now)
    return papers_docx(
        reference=case.reference,
        partnership_name=app.profile.partnership.name,
        day=london_date(now),
        agencies=rows,
    )


async def returns_rows_for(
    app: AppContext, session: AsyncSession, case: Case, now: datetime
) -> list[AgencyPapers]:
    """Each agency asked, with its return (answers and chronology) as it stands."""
    due = await returns_due(app, session, case)
    papers = []
    for request in await after_repo.requests_of(session, case.id):
        status = return_status(request, due, london_date(now))
        submitted = request.status in after_repo.REPLIED
        papers.append(
            AgencyPapers(
                name=app.profile.agency_name(request.agency),
                status=status.capitalize(),
                returned_on=london_date(request.returned_at) if request.returned_at else None,
                # A draft is the lead's until submitted: only submitted answers circulate.
                answers=dict(request.answers or {}) if submitted else {},
                chronology=stored_rows(request) if submitted else (),
            )
        )
    return papers


async def _offer_papers(
    app: AppContext, session: AsyncSession, case: Case, people: Sequence[Member], now: datetime
) -> int:
    offered = await _offer(
        app,
        session,
        case,
        people,
        now,
        name=f"{case.reference} meeting papers.docx",
        description=f"The agency returns for {case.reference}. Confidential.",
        content_type=DOCX,
        content=await _papers(app, session, case, now),
    )
    return len(offered)


@refusals_audited
async def view_returns(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The returns as they stand, as a Word document to the asker (panel, managers, chair)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await _decided_case(
            app, session, person, reference, PAPERS_ROLES, "returns.view", "see the returns."
        )
        await _offer_papers(app, session, case, [member], now)
        await _audit(app, session, person, "returns.view", case)
    return f"The agency returns for {case.reference} are on their way to you in this chat."


# --- the meeting ----------------------------------------------------------------------------


def _window(app: AppContext, decision: Decision) -> tuple[date, date]:
    return meeting_window(
        london_date(decision.decided_at), calendar=app.calendar, profile=app.profile
    )


@refusals_audited
async def meeting_form(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The meeting proposal card, for a manager (filled in if a meeting is booked)."""
    async with app.db.session() as session, session.begin():
        case, _, decision = await _decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "meeting.open",
            "book the Rapid Review meeting.",
        )
        meeting = await after_repo.meeting_of(session, case.id)
        values: dict[str, Any] = {}
        if meeting is not None:
            local = meeting.starts_at.astimezone(LONDON)
            values = {
                "meeting_date": local.date().isoformat(),
                "meeting_time": f"{local:%H:%M}",
                "location": meeting.location,
                "duration_minutes": str(meeting.duration_minutes),
            }
        return meeting_proposal_card(
            reference=case.reference, window=_window(app, decision), error=None, values=values
        )


def _meeting_values(raw: Mapping[str, Any]) -> tuple[dict[str, str], datetime | None, str | None]:
    """The proposal's answers cleaned, the start (London) and the first problem, if any."""
    values = {
        k: clean_text(str(raw.get(k) or "")[:300], multiline=False)
        for k in ("meeting_date", "meeting_time", "location", "duration_minutes")
    }
    day = parse_iso_date(values["meeting_date"])
    if day is None:
        return values, None, "Choose the date of the meeting."
    try:
        hour, minute = (int(p) for p in values["meeting_time"].split(":"))
        start_time = time(hour, minute)
    except ValueError:
        return values, None, "Choose the start time, for example 10:00."
    if not values["location"]:
        return values, None, "Say where the meeting is, or that it is on Teams."
    if len(values["location"]) > 200:
        return values, None, "Keep the place under 200 characters."
    try:
        minutes = int(values["duration_minutes"] or "90")
    except ValueError:
        minutes = -1
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        return (
            values,
            None,
            f"The meeting lasts {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes.",
        )
    values["duration_minutes"] = str(minutes)
    return values, datetime.combine(day, start_time, LONDON), None


async def attendees(app: AppContext, session: AsyncSession, case: Case) -> list[Member]:
    """Who is invited: the panel and deputies, the managers and chair, and the leads of the
    agencies asked for information."""
    people = await repo.members(session, app.partnership_id)
    # Halton: "If agencies are not involved, they will then be uninvited."
    asked = {
        r.agency
        for r in await after_repo.requests_of(session, case.id)
        if r.status != "not_involved"
    }
    chosen = [
        m
        for m in people
        if {"panel", "deputy", "manager", "chair"} & set(m.roles) or agencies_led_by(app, m) & asked
    ]
    return chosen


@refusals_audited
async def propose_meeting(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> Reply:
    """Book (or move) the meeting: checked against the window; the thread hears the date, the
    attendees get an invitation (.ics) in 1:1."""
    now = app.now()
    values, start, problem = _meeting_values(raw)
    async with app.db.session() as session, session.begin():
        case, member, decision = await _decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "meeting.propose",
            "book the Rapid Review meeting.",
        )
        window = _window(app, decision)
        if start is not None:
            problem = check_meeting_time(
                start,
                decided_on=london_date(decision.decided_at),
                calendar=app.calendar,
                profile=app.profile,
                now=now,
                allow_late=london_date(now) > window[1],
            )
        if problem is not None or start is None:
            return meeting_proposal_card(
                reference=case.reference, window=window, error=problem, values=values
            )
        minutes = int(values["duration_minutes"])
        meeting = await after_repo.set_meeting(
            session,
            case_id=case.id,
            starts_at=start,
            duration_minutes=minutes,
            location=values["location"],
            member_id=member.id,
            now=now,
        )
        await after_repo.move_event(session, case.id, "rapid_review_meeting", start, member.id)
        await replan_case(app, session, case)
        await panel_repo.plan_message(
            session,
            case=case,
            kind="meeting_notice",
            milestone="meeting",
            stage=f"m{meeting.sequence}",
            due_on=london_date(now),
            send_after=now,
        )
        invited = await attendees(app, session, case)
        ics = meeting_ics(
            uid=f"{case.reference}-meeting@rapid-review",
            reference=case.reference,
            start=start,
            duration_minutes=minutes,
            location=values["location"],
            organiser_email=member.email,
            attendees=[(m.name, m.email) for m in invited],
            now=now,
            sequence=meeting.sequence,
        )
        sent_to = await _offer(
            app,
            session,
            case,
            invited,
            now,
            name=f"{case.reference}-meeting.ics",
            description=f"Invitation to the Rapid Review meeting for {case.reference}",
            content_type="text/calendar",
            content=ics,
        )
        await _audit(
            app,
            session,
            person,
            "meeting.propose",
            case,
            {"starts_at": start.isoformat(), "sequence": meeting.sequence, "invited": len(sent_to)},
        )
    local = start.astimezone(LONDON)
    late = " (after the window: the meeting is late)" if london_date(start) > window[1] else ""
    return (
        f"Booked: the Rapid Review meeting for {case.reference} at {local:%H:%M} on "
        f"{format_date(local.date())}{late}. The case thread has the date, and {len(sent_to)} "
        "people get the invitation in a private chat."
    )


# --- the chair's notes and the report ---------------------------------------------------------


def _clean_notes(raw: Mapping[str, Any]) -> dict[str, str]:
    notes = {}
    for key in CHAIR_FIELDS:
        if key in raw:
            value = raw.get(key)
            text = (
                clean_text(value[: NOTES_MAX + _KEPT_BEYOND_LIMIT])
                if isinstance(value, str)
                else ""
            )
            notes[key] = text
    return notes


@refusals_audited
async def chair_form(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The chair's notes card (saved notes filled in), for the chair."""
    async with app.db.session() as session, session.begin():
        case, _, _ = await _decided_case(
            app,
            session,
            person,
            reference,
            CHAIRS,
            "chair.view",
            "see and write the chair's notes.",
        )
        row = await after_repo.chair_note_of(session, case.id)
        await _audit(app, session, person, "chair.view", case)
        return chair_notes_card(
            reference=case.reference,
            values=await _chair_values(app, session, case, row.notes if row else {}),
            errors={},
            part=1,
        )


async def _chair_values(
    app: AppContext, session: AsyncSession, case: Case, notes: Mapping[str, Any]
) -> dict[str, Any]:
    """The chair's saved notes; until attendees are saved, who was invited to the meeting."""
    values = dict(notes)
    if "attendees" not in values:
        invited = await attendees(app, session, case)
        values["attendees"] = invited_attendees(
            [(m.name, app.profile.agency_name(m.agency), m.roles) for m in invited]
        )
    return values


@refusals_audited
async def chair_action(
    app: AppContext, *, person: Person, raw: Mapping[str, Any], action: str
) -> list[Reply]:
    """Save the chair's notes, go to a part, or record the conclusion (and make the report)."""
    now = app.now()
    reference = str(raw.get("reference", ""))[:40]
    count = len(CHAIR_PARTS)
    async with app.db.session() as session, session.begin():
        case, member, _ = await _decided_case(
            app,
            session,
            person,
            reference,
            CHAIRS,
            "chair.save",
            "write the chair's notes. Nothing was saved.",
        )
        part = _part(raw.get("part"), count)
        row = await after_repo.save_chair_note(
            session, case_id=case.id, notes=_clean_notes(raw), member_id=member.id, now=now
        )
        show, errors = part, {}
        replies: list[Reply] = []
        if action == "chair.part":
            show = _part(raw.get("go"), count, part)
        elif action == "chair.conclude":
            notes, errors = validate_chair_notes(row.notes)
            if notes is None:
                show = _first_part_with(CHAIR_PARTS, errors)
            else:
                row.conclusion = notes.conclusion
                row.concluded_at = now
                row.concluded_by_member_id = member.id
                if notes.conclusion == "local_review":
                    await case_repo.record_event(
                        session, case.id, "local_review_decided", now, member.id
                    )
                await replan_case(app, session, case)
                offered = await _offer_report(app, session, case, notes, now)
                await _audit(
                    app, session, person, "chair.conclude", case, {"conclusion": notes.conclusion}
                )
                replies.append(
                    f"Recorded: {CONCLUSIONS[notes.conclusion]}. The Rapid Review report for "
                    f"{case.reference} has been generated and offered to {offered} managers and "
                    "chairs in a private chat (never the channel)."
                )
                return replies
        await _audit(app, session, person, "chair.save", case, {"part": part})
        replies.append(
            chair_notes_card(
                reference=case.reference,
                values=await _chair_values(app, session, case, row.notes),
                errors=errors,
                part=show,
            )
        )
        return replies


def _return_text(request: InformationRequest, field_id: str) -> str:
    return str((request.answers or {}).get(field_id, "")).strip()


async def report_data(
    app: AppContext, session: AsyncSession, case: Case, notes: ChairNotes, now: datetime
) -> ReportData:
    """The report's content from the referral, the decision, the returns and the notes."""
    form = await case_repo.referral_form(session, case.id)
    decision = await panel_repo.decision_of(session, case.id)
    assert decision is not None
    requests = await after_repo.requests_of(session, case.id)
    meeting = await after_repo.meeting_of(session, case.id)
    people = {m.id: m for m in await repo.members(session, app.partnership_id)}
    due = await returns_due(app, session, case)
    today = london_date(now)
    agencies = []
    for request in requests:
        agencies.append(
            AgencyReturn(
                name=app.profile.agency_name(request.agency),
                status=return_status(request, due, today),
                received_on=london_date(request.returned_at) if request.returned_at else None,
            )
        )
    stored = decision.rationales or {}
    rationales = stored.get("rationales") if isinstance(stored.get("rationales"), dict) else None
    if rationales is None:
        rationales = {"offline": str(stored.get("offline", ""))}
    bases = stored.get("serious_harm_basis") or {}
    deciders = []
    for partner, who in (decision.deciders or {}).items():
        who = who if isinstance(who, dict) else {}
        decider = (
            people.get(who.get("member_id")) if isinstance(who.get("member_id"), int) else None
        )
        deciders.append(
            Decider(
                partner_label=PARTNER_LABELS.get(partner, "Recorded by"),
                name=str(who.get("name", "")),
                agency=app.profile.agency_name(decider.agency) if decider else "",
            )
        )

    def joined(field_id: str) -> str:
        parts = [
            f"{app.profile.agency_name(r.agency)}: {_return_text(r, field_id)}"
            for r in requests
            if r.status == "returned" and _return_text(r, field_id)
        ]
        return "\n\n".join(parts)

    note = await after_repo.chair_note_of(session, case.id)
    chair = (
        people.get(note.concluded_by_member_id) if note and note.concluded_by_member_id else None
    )
    # Notes concluded before who concluded was recorded: the roster's chairs, as then.
    chairs = [chair.name] if chair else [m.name for m in people.values() if "chair" in m.roles]
    return ReportData(
        reference=case.reference,
        partnership_name=app.profile.partnership.name,
        report_date=today,
        # Notes concluded before these three were asked have none: the agencies' actions, the
        # panel's notes on 4.1 and the agencies' issues stand in, as they did then.
        immediate_safeguarding=notes.safeguarding_arrangements or joined("actions_identified"),
        event_date=case.event_date,
        pathway_sought=PATHWAYS[case.pathway_sought].label,
        decision=PanelDecision(
            outcome_label=OUTCOMES[decision.outcome].label,
            decided_on=london_date(decision.decided_at),
            rationales=tuple(
                (PARTNER_LABELS.get(p, "Recorded off-line"), str(text))
                for p, text in rationales.items()
            ),
            serious_harm_basis=tuple(
                (PARTNER_LABELS.get(p, p), str(text)) for p, text in bases.items() if text
            ),
        ),
        chair_notes=notes,
        immediate_learning=notes.immediate_learning or notes.q4_1,
        dissemination="\n".join(
            f"{a.action} — {a.owner}" + (f", by {format_date(a.due)}" if a.due else "")
            for a in notes.actions
        ),
        further_learning=notes.further_learning or joined("issues_for_panel"),
        agencies=tuple(agencies),
        deciders=tuple(deciders),
        child=child_details(form.get("child") or {}),
        local_criteria=app.profile.partnership.local_criteria,
        referral_received=london_date(case.received_at),
        meeting_date=london_date(meeting.starts_at) if meeting else None,
        meeting_chair=", ".join(chairs),
    )


async def _offer_report(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    notes: ChairNotes,
    now: datetime,
    only: Member | None = None,
) -> int:
    """Generate the report and offer it (Word and Markdown) to the managers and the chair in
    1:1, with the card to record the date it is sent; the number of people back."""
    data = await report_data(app, session, case, notes, now)
    people = (
        [only]
        if only
        else [
            m
            for m in await repo.members(session, app.partnership_id)
            if REPORT_ROLES & set(m.roles)
        ]
    )
    description = f"The Rapid Review report for {case.reference}. Confidential."
    offered = await _offer(
        app,
        session,
        case,
        people,
        now,
        name=f"{case.reference} Rapid Review report.docx",
        description=description,
        content_type=DOCX,
        content=report_docx(data),
    )
    await _offer(
        app,
        session,
        case,
        offered,
        now,
        name=f"{case.reference} Rapid Review report.md",
        description=description,
        content_type="text/markdown",
        content=report_markdown(data).encode("utf-8"),
    )
    for member in offered:
        await panel_repo.plan_message(
            session,
            case=case,
            kind="report_ready",
            milestone="report",
            stage=f"{member.id}-{int(now.timestamp())}"[:32],
            due_on=london_date(now),
            send_after=now,
        )
    return len(offered)


@refusals_audited
async def report_again(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The report generated afresh (returns may have changed) and offered to the asker."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await _decided_case(
            app,
            session,
            person,
            reference,
            REPORT_ROLES,
            "report.view",
            "have the Rapid Review report.",
        )
        row = await after_repo.chair_note_of(session, case.id)
        # As recorded: a question added since the conclusion does not block its report.
        notes, _ = (
            validate_chair_notes(row.notes, complete=False)
            if row and row.conclusion
            else (None, {})
        )
        if notes is None:
            return (
                f"The report for {case.reference} is made from the chair's notes: the chair "
                "records the conclusion first."
            )
        await _offer_report(app, session, case, notes, now, only=member)
        await _audit(app, session, person, "report.view", case)
    return f"The Rapid Review report for {case.reference} is on its way to you in this chat."


@refusals_audited
async def record_report_sent(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> list[Reply]:
    """A manager records the date the report went to the National Panel."""
    now = app.now()
    today = london_date(now)
    day = parse_iso_date(raw.get("sent_on"))
    async with app.db.session() as session, session.begin():
        case, member, decision = await _decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "report.sent",
            "record when the report was sent.",
        )
        if day is None:
            return ["Choose the date the report was sent. Nothing was recorded."]
        if day > today:
            return [f"{format_date(day)} is in the future. Nothing was recorded."]
        if day < london_date(decision.decided_at):
            return [f"{format_date(day)} is before the panel's decision. Nothing was recorded."]
        at = datetime.combine(day, time(12, 0), LONDON)
        await after_repo.move_event(session, case.id, "rapid_review_report_sent", at, member.id)
        await replan_case(app, session, case)
        await _audit(app, session, person, "report.sent", case, {"sent_on": day.isoformat()})
    return [
        f"Recorded: the Rapid Review report for {case.reference} was sent to the National "
        f"Panel on {format_date(day)}.",
        report_ready_card(reference=case.reference, sent_recorded=day),
    ]


# --- after the report -------------------------------------------------------------------------

EVENT_COMMANDS = {
    "published": ("publication", "the publication date"),
    "complaint": ("complaint_received", "a complaint"),
}


@refusals_audited
async def record_case_event(
    app: AppContext, *, reference: str, person: Person, command: str, day: date | None
) -> Reply:
    """`published REF DATE` / `complaint REF [DATE]`: a manager records an anchor event."""
    event, words = EVENT_COMMANDS[command]
    async with app.db.session() as session, session.begin():
        case, member = await _case_and_actor(
            app, session, person, reference, MANAGERS, f"event.{event}", "record that."
        )
        if not any(m.anchor == event for m in app.profile.milestones):
            return f"This partnership's process has no deadline counted from {words}."
        if day is None:
            return "Give the date as YYYY-MM-DD, for example 2027-05-03."
        at = datetime.combine(day, time(12, 0), LONDON)
        await after_repo.move_event(session, case.id, event, at, member.id)
        await replan_case(app, session, case)
        await _audit(app, session, person, f"event.{event}", case, {"on": day.isoformat()})
    return f"Recorded {words} for {case.reference}: {format_date(day)}. Its deadlines are set."


@refusals_audited
async def close_case(app: AppContext, *, reference: str, person: Person) -> Reply:
    """A manager closes a case: its reminders stop; the retention period starts."""
    async with app.db.session() as session, session.begin():
        case, _ = await _case_and_actor(
            app, session, person, reference, MANAGERS, "case.close", "close a case."
        )
        if case.status == "closed":
            return f"{case.reference} is already closed."
        case.status = "closed"
        case.closed_at = app.now()
        await replan_case(app, session, case)
        await panel_repo.plan_card_update(session, case=case, now=app.now())
        await _audit(app, session, person, "case.close", case)
    return f"{case.reference} is closed. Its reminders have stopped."


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date typed in a command."""
    return parse_iso_date(text.strip())
