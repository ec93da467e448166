"""The Rapid Review report: drawn from the case, the returns and the chair's notes, offered as
a Word document to the managers and the chair; the date it was sent is recorded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.additions import current_form
from bot.usecases.casework import replan_case
from bot.usecases.people import Person, refusals_audited
from bot.usecases.progress import tell_referrer
from bot.usecases.rapid_review import (
    DOCX,
    MANAGERS,
    REPORT_ROLES,
    Reply,
    audit_step,
    decided_case,
    offer_file,
)
from bot.usecases.returns import return_status, returns_due
from bot.usecases.roles import holds_any
from bot.usecases.sign_off import report_card, role_words, sign_off_state, waiting_refusal
from review.calendar import LONDON, london_date
from review.national_panel import REOPEN_WHY
from review.panel import PARTNER_LABELS
from review.referral import format_date, parse_iso_date
from review.report import (
    AgencyReturn,
    ChairNotes,
    Decider,
    PanelDecision,
    ReportData,
    child_details,
    report_docx,
    report_markdown,
    validate_chair_notes,
)
from storage import after as after_repo
from storage import national_panel as np_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, InformationRequest, Member


def _return_text(request: InformationRequest, field_id: str) -> str:
    return str((request.answers or {}).get(field_id, "")).strip()


async def report_data(
    app: AppContext, session: AsyncSession, case: Case, notes: ChairNotes, now: datetime
) -> ReportData:
    """The report's content from the referral, the decision, the returns and the notes."""
    form = await current_form(session, case.id)
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
    signed = await sign_off_state(app, session, case)
    return ReportData(
        reference=case.reference,
        partnership_name=app.profile.partnership.name,
        report_date=today,
        # Notes concluded before these three were asked have none: the agencies' actions, the
        # panel's notes on 4.1 and the agencies' issues stand in, as they did then.
        immediate_safeguarding=notes.safeguarding_arrangements or joined("actions_identified"),
        event_date=case.event_date,
        pathway_sought=app.profile.pathway(case.pathway_sought).label,
        decision=PanelDecision(
            outcome_label=app.profile.outcome(decision.outcome).label,
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
        earlier_decisions=tuple(
            (
                app.profile.outcome(e.outcome).label,
                london_date(e.decided_at),
                REOPEN_WHY.get(e.why, e.why),
            )
            for e in await np_repo.earlier_decisions(session, case.id)
        ),
        immediate_learning=notes.immediate_learning or notes.q4_1,
        dissemination="\n".join(
            f"{a.action} — {a.owner}" + (f", by {format_date(a.due)}" if a.due else "")
            for a in notes.actions
        ),
        further_learning=notes.further_learning or joined("issues_for_panel"),
        agencies=tuple(agencies),
        deciders=tuple(deciders),
        child=child_details(form.get("child") or {}, form.get("family") or {}),
        local_criteria=app.profile.partnership.local_criteria,
        referral_received=london_date(case.received_at),
        meeting_date=london_date(meeting.starts_at) if meeting else None,
        meeting_late_reason=(meeting.late_reason or "") if meeting else "",
        meeting_chair=", ".join(chairs),
        sign_offs=signed.signed,
        sign_off_waiting=tuple(role_words(app, r) for r in signed.waiting),
    )


async def offer_report(
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
            if REPORT_ROLES & set(m.roles) or holds_any(app, m, app.profile.report.sign_off)
        ]
    )
    description = f"The Rapid Review report for {case.reference}. Confidential."
    offered = await offer_file(
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
    await offer_file(
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
async def report_again(app: AppContext, *, reference: str, person: Person) -> list[Reply]:
    """The report generated afresh (returns, sign-offs may have changed) and offered to the
    asker, with the report card as it stands for them."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await decided_case(
            app,
            session,
            person,
            reference,
            REPORT_ROLES | frozenset(app.profile.report.sign_off),
            "report.view",
            "have the Rapid Review report.",
        )
        row = await after_repo.chair_note_of(session, case.id)
        # As recorded: a question added since the conclusion does not block its report.
        notes, _ = (
            validate_chair_notes(
                row.notes, complete=False, own_conclusions=app.profile.report.conclusions
            )
            if row and row.conclusion
            else (None, {})
        )
        if notes is None:
            return [
                f"The report for {case.reference} is made from the chair's notes: the chair "
                "records the conclusion first."
            ]
        await offer_report(app, session, case, notes, now, only=member)
        await audit_step(app, session, person, "report.view", case)
        card = await report_card(app, session, case, member)
    return [
        f"The Rapid Review report for {case.reference} is on its way to you in this chat.",
        card,
    ]


@refusals_audited
async def record_report_sent(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> list[Reply]:
    """A manager records the date the report went to the National Panel."""
    now = app.now()
    today = london_date(now)
    day = parse_iso_date(raw.get("sent_on"))
    async with app.db.session() as session, session.begin():
        case, member, decision = await decided_case(
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
        await waiting_refusal(app, session, case)
        at = datetime.combine(day, time(12, 0), LONDON)
        await after_repo.move_event(session, case.id, "rapid_review_report_sent", at, member.id)
        await replan_case(app, session, case)
        await tell_referrer(app, session, case, "report_sent")
        await audit_step(app, session, person, "report.sent", case, {"sent_on": day.isoformat()})
        card = await report_card(app, session, case, member)
    return [
        f"Recorded: the Rapid Review report for {case.reference} was sent to the National "
        f"Panel on {format_date(day)}.",
        card,
    ]
