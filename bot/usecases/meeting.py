"""The Rapid Review meeting (Appendix E): booked by a manager inside the profile's window (the
window check is `review.meeting.check_meeting_time`), with calendar invitations to who attends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import case_timeline, replan_case
from bot.usecases.people import Person, refusals_audited
from bot.usecases.progress import tell_referrer
from bot.usecases.rapid_review import (
    MANAGERS,
    Reply,
    agencies_led_by,
    audit_step,
    decided_case,
    leads_for,
    offer_file,
)
from cards.after import (
    meeting_proposal_card,
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
from review.referral import format_date, parse_iso_date
from review.timeline import conflicts
from storage import after as after_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Decision, Member


async def uninvite(
    app: AppContext, session: AsyncSession, case: Case, agency: str, now: datetime
) -> None:
    """An agency not involved is taken off a meeting already booked: its leads (unless
    invited for another reason) get a cancellation for their calendars."""
    meeting = await after_repo.meeting_of(session, case.id)
    if meeting is None or meeting.starts_at <= now:
        return
    still = {m.id for m in await attendees(app, session, case)}
    people = await repo.members(session, app.partnership_id)
    # A lead with no Entra id yet has an invitation waiting for them (offer_file): the
    # cancellation waits behind it, so they get both, in order, when they message the bot.
    leaving = [m for m in leads_for(app, people, agency) if m.id not in still]
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
    await offer_file(
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


def _window(app: AppContext, decision: Decision) -> tuple[date, date]:
    return meeting_window(
        london_date(decision.decided_at), calendar=app.calendar, profile=app.profile
    )


@refusals_audited
async def meeting_form(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The meeting proposal card, for a manager (filled in if a meeting is booked)."""
    async with app.db.session() as session, session.begin():
        case, _, decision = await decided_case(
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
            reference=case.reference,
            window=_window(app, decision),
            error=None,
            values=values,
            conflicts=await _conflicts(app, session, case),
        )


LATE_REASON_MAX = 1000


async def _lateness(
    app: AppContext, session: AsyncSession, case: Case, start: datetime, window: tuple[date, date]
) -> str | None:
    """Why a meeting at `start` is late, in words (after its window, or after the report is
    due), or None when it is not."""
    day = london_date(start)
    if day > window[1]:
        ended = format_date(window[1])
        return f"{format_date(day)} is after the meeting's window, which ended on {ended}."
    try:
        report = (await case_timeline(app, session, case)).entry("rapid_review_report")
    except KeyError:
        return None
    if report.due is not None and report.completed_on is None and day > report.due:
        return f"{format_date(day)} is after the report is due on {format_date(report.due)}."
    return None


async def _conflicts(app: AppContext, session: AsyncSession, case: Case) -> list[str]:
    """Where the case's plan contradicts itself (the meeting's window ending after the report
    is due), in words with the dates."""
    return [c.describe() for c in conflicts(await case_timeline(app, session, case))]


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
        case, member, decision = await decided_case(
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
        late = None if start is None else await _lateness(app, session, case, start, window)
        reason = clean_text(str(raw.get("late_reason") or "")[:1100]).strip()
        values["late_reason"] = reason
        if problem is None and late is not None:
            if not reason:
                problem = f"{late} Say why it is held then: the report quotes your reason."
            elif len(reason) > LATE_REASON_MAX:
                problem = f"Keep the reason under {LATE_REASON_MAX} characters."
        if problem is not None or start is None:
            return meeting_proposal_card(
                reference=case.reference,
                window=window,
                error=problem,
                values=values,
                conflicts=await _conflicts(app, session, case),
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
            late_reason=reason if late is not None else None,
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
        await tell_referrer(app, session, case, "meeting")
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
        sent_to = await offer_file(
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
        await audit_step(
            app,
            session,
            person,
            "meeting.propose",
            case,
            {"starts_at": start.isoformat(), "sequence": meeting.sequence, "invited": len(sent_to)},
        )
    local = start.astimezone(LONDON)
    late = " (after the window: the meeting is late)" if london_date(start) > window[1] else ""
    booked = (
        f"Booked: the Rapid Review meeting for {case.reference} at {local:%H:%M} on "
        f"{format_date(local.date())}{late}. The case thread has the date, and {len(sent_to)} "
        "people get the invitation in a private chat."
    )
    waiting = len(invited) - len(sent_to)
    if waiting:
        # Never "sent" to who cannot get it: the managers get a copy for secure email.
        who = "1 person invited has" if waiting == 1 else f"{waiting} people invited have"
        booked += (
            f" {who} no Microsoft Entra id on the roster yet, so Teams cannot reach them: the "
            "managers get their invitation in a private chat to send through the partnership's "
            "secure email."
        )
    return booked
