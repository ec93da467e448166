"""`export REF`: a case's whole record as one zip, offered in 1:1 to a partnership manager or
the data protection officer, for a subject access request or the National Panel.

What it holds (`PARTS`): the referral as it stands (Word and JSON: the form as sent, and every
answer added since with who and when), the decision and every vote with the panel's questions
to the referrer, the information requests with the returns and chronologies, the meeting and
the chair's notes, the meeting papers and the Rapid Review report made as the bot makes them,
the files offered on the case (what, to whom, when, the answer; the bytes of those still on
offer), the milestones and the clock's events, and the audit. Workbooks write every cell as
text (`review.workbook`: nothing a person typed can become a formula).

The export is audited (`export.create`) with its counts, never its content; a record larger
than a file sent in chat may be is refused, and that is audited too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.additions import current_form
from bot.usecases.audit import audit_lines, audit_workbook, case_for_records, namer
from bot.usecases.papers import returns_rows_for
from bot.usecases.people import Person, Refused, refusals_audited
from bot.usecases.rapid_review import Reply, offer_file
from bot.usecases.report import report_data
from cards.panel import vote_time_text
from review.audit import audit_table
from review.calendar import london_date
from review.panel import PARTNER_LABELS
from review.papers import papers_docx
from review.record import (
    AddedAnswer,
    RecordPart,
    ReferralSection,
    contents_text,
    json_bytes,
    record_zip,
    referral_docx,
)
from review.referral import FIELD_INFO, SECTION_TITLES, SECTIONS, summary_rows
from review.report import report_docx, validate_chair_notes
from review.returns import FIELD_INFO as RETURN_FIELD_INFO
from review.workbook import Cell, Table, table_json, workbook_xlsx
from storage import after as after_repo
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import records
from storage import repositories as repo
from storage.files import MAX_OFFER_BYTES
from storage.models import Case, Member

ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_BYTES = MAX_OFFER_BYTES
"""The largest record sent in chat: what a file offered in 1:1 may be (storage/files.py)."""
_ACTION = "export.create"
_EXPORTS = "-record.zip"


def record_file_name(case: Case) -> str:
    """The zip's name: the reference only, never anything about the child."""
    return f"{case.reference}{_EXPORTS}"


class _Record:
    """The parts of one case's record as they are gathered, with their counts."""

    def __init__(self, app: AppContext, case: Case, names: Mapping[str | None, str]) -> None:
        self.app = app
        self.case = case
        self.names = names
        self.parts: list[RecordPart] = []
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, name: str, description: str, content: bytes) -> None:
        self.parts.append(RecordPart(name, description, content))

    def tables(self, stem: str, description: str, tables: Sequence[Table]) -> None:
        """The tables as a workbook and as JSON beside it."""
        title = f"{self.case.reference}: {description}"
        author = self.app.profile.partnership.name
        self.add(f"{stem}.xlsx", description, workbook_xlsx(tables, title=title, author=author))
        self.add(f"{stem}.json", f"{description} (JSON)", json_bytes(table_json(tables)))

    def member_name(self, people: Mapping[int, Member], member_id: int | None) -> str:
        if member_id is None:
            return ""
        member = people.get(member_id)
        return member.name if member is not None else f"member {member_id}"


async def _referral(app: AppContext, session: AsyncSession, record: _Record) -> None:
    case = record.case
    as_sent = await case_repo.referral_form(session, case.id)
    form = await current_form(session, case.id)
    added = await case_repo.referral_additions(session, case.id)
    agency_names = {a.id: a.name for a in app.profile.agencies}
    sections = [
        ReferralSection(
            SECTION_TITLES.get(section, section),
            [
                (row.title, row.value)
                for row in summary_rows(
                    section,
                    form.get(section) or {},
                    agency_names=agency_names,
                    pathways=app.profile.pathways,
                )
            ],
        )
        for section in SECTIONS
    ]
    answers = [
        AddedAnswer(
            FIELD_INFO[a.field].title if a.field in FIELD_INFO else a.field,
            a.value,
            vote_time_text(a.added_at),
            a.added_by_name,
        )
        for a in added
    ]
    now = app.now()
    record.add(
        "referral.docx",
        "the referral as it stands, with the answers added after it was sent",
        referral_docx(
            reference=case.reference,
            partnership_name=app.profile.partnership.name,
            received=case.received_at,
            day=london_date(now),
            sections=sections,
            added=answers,
        ),
    )
    record.add(
        "referral.json",
        "the referral: the form as sent, as it stands, and each answer added since (JSON)",
        json_bytes(
            {
                "reference": case.reference,
                "partnership": app.profile.partnership.name,
                "received_at": case.received_at,
                "pathway_sought": case.pathway_sought,
                "referring_agency": case.referring_agency,
                "status": case.status,
                "form_as_sent": as_sent,
                "form_as_it_stands": form,
                "added_later": [
                    {
                        "field": a.field,
                        "question": FIELD_INFO[a.field].title if a.field in FIELD_INFO else "",
                        "value": a.value,
                        "added_at": a.added_at,
                        "added_by": a.added_by_name,
                    }
                    for a in added
                ],
            }
        ),
    )
    record.counts["added"] = len(added)


def _bool(value: bool | None) -> Cell:
    return None if value is None else value


async def _decision(
    app: AppContext, session: AsyncSession, record: _Record, people: Mapping[int, Member]
) -> None:
    case = record.case
    decision = await panel_repo.decision_of(session, case.id)
    votes = await panel_repo.votes_of(session, case.id)
    queries = await records.queries_of(session, case.id)
    decided: list[list[Cell]] = []
    reasons: list[list[Cell]] = []
    if decision is not None:
        decided.append(
            [
                decision.outcome,
                _outcome_label(app, decision.outcome),
                decision.decided_at,
                decision.offline,
                decision.decided_how or "",
                _bool(decision.notifiable),
                record.member_name(people, decision.recorded_by_member_id),
            ]
        )
        stored = decision.rationales or {}
        texts = stored.get("rationales") if isinstance(stored.get("rationales"), dict) else {}
        if not texts and stored.get("offline"):
            texts = {"offline": stored.get("offline")}
        bases = stored.get("serious_harm_basis") or {}
        deciders = decision.deciders or {}
        for partner in dict.fromkeys([*texts, *deciders]):
            who = deciders.get(partner) if isinstance(deciders.get(partner), dict) else {}
            reasons.append(
                [
                    PARTNER_LABELS.get(partner, partner),
                    str(who.get("name", "")),
                    str(texts.get(partner, "")),
                    str(bases.get(partner, "")) if isinstance(bases, dict) else "",
                ]
            )
    record.tables(
        "decision",
        "the panel's decision, its rationales, every vote and the questions to the referrer",
        [
            Table(
                "Decision",
                (
                    "Outcome id",
                    "Outcome",
                    "Decided at",
                    "Off-line",
                    "How it was decided off-line",
                    "Notifiable",
                    "Recorded by",
                ),
                decided,
            ),
            Table(
                "Rationales",
                ("Partner", "Decided by", "Rationale", "How serious harm was determined"),
                reasons,
            ),
            Table(
                "Votes",
                (
                    "Cast at",
                    "Round",
                    "Agency",
                    "Member",
                    "Outcome",
                    "Rationale",
                    "How serious harm was determined",
                    "Questions for the referrer",
                    "Notifiable",
                ),
                [
                    [
                        v.cast_at,
                        v.round,
                        app.profile.agency_name(v.agency),
                        record.member_name(people, v.member_id),
                        _outcome_label(app, v.outcome),
                        v.rationale,
                        v.serious_harm_basis or "",
                        v.queries or "",
                        _bool(v.notifiable),
                    ]
                    for v in votes
                ],
            ),
            Table(
                "Questions to the referrer",
                ("Round", "Asked at", "Questions", "Answered at", "Answer"),
                [
                    [q.round, q.asked_at, q.questions, q.answered_at, q.answer or ""]
                    for q in queries
                ],
            ),
        ],
    )
    record.counts["votes"] = len(votes)


def _outcome_label(app: AppContext, outcome: str) -> str:
    try:
        return app.profile.outcome(outcome).label
    except KeyError:
        return outcome


async def _returns(
    app: AppContext, session: AsyncSession, record: _Record, people: Mapping[int, Member]
) -> None:
    case = record.case
    requests = await after_repo.requests_of(session, case.id)
    answers: list[list[Cell]] = []
    rows: list[list[Cell]] = []
    for request in requests:
        agency = app.profile.agency_name(request.agency)
        for field_id, value in (request.answers or {}).items():
            info = RETURN_FIELD_INFO.get(field_id)
            answers.append([agency, info.label if info else field_id, str(value)])
        for row in request.chronology or []:
            row = row if isinstance(row, dict) else {}
            rows.append(
                [
                    agency,
                    *(
                        str(row.get(key) or "")
                        for key in (
                            "date_from",
                            "date_to",
                            "time_from",
                            "involvement_with",
                            "event_and_outcome",
                        )
                    ),
                    {True: "Yes", False: "No"}.get(row.get("child_seen"), "Not known"),
                    str(row.get("analysis") or ""),
                ]
            )
    record.tables(
        "returns",
        "the information requests, each agency's return and its chronology",
        [
            Table(
                "Requests",
                (
                    "Agency",
                    "Status",
                    "Requested at",
                    "Requested by",
                    "Period from",
                    "Period to",
                    "Returned at",
                    "Returned by",
                ),
                [
                    [
                        app.profile.agency_name(r.agency),
                        r.status,
                        r.requested_at,
                        record.member_name(people, r.requested_by_member_id),
                        r.period_from,
                        r.period_to,
                        r.returned_at,
                        record.member_name(people, r.returned_by_member_id),
                    ]
                    for r in requests
                ],
            ),
            Table("Answers", ("Agency", "Question", "Answer"), answers),
            Table(
                "Chronology",
                (
                    "Agency",
                    "Date from",
                    "Date to",
                    "Time",
                    "Involvement with",
                    "Event and outcome",
                    "Child seen",
                    "Analysis",
                ),
                rows,
            ),
        ],
    )
    record.counts["requests"] = len(requests)
    record.counts["returns"] = sum(r.status in after_repo.REPLIED for r in requests)
    if requests:
        record.add(
            "meeting-papers.docx",
            "the meeting papers: every submitted return and chronology, as circulated",
            papers_docx(
                reference=case.reference,
                partnership_name=app.profile.partnership.name,
                day=london_date(app.now()),
                agencies=await returns_rows_for(app, session, case, app.now()),
            ),
        )


async def _meeting_and_report(
    app: AppContext, session: AsyncSession, record: _Record, people: Mapping[int, Member]
) -> None:
    case = record.case
    meeting = await after_repo.meeting_of(session, case.id)
    note = await after_repo.chair_note_of(session, case.id)
    record.add(
        "meeting.json",
        "the Rapid Review meeting and the chair's notes (JSON)",
        json_bytes(
            {
                "meeting": None
                if meeting is None
                else {
                    "starts_at": meeting.starts_at,
                    "duration_minutes": meeting.duration_minutes,
                    "location": meeting.location,
                    "invitation_sequence": meeting.sequence,
                    "proposed_by": record.member_name(people, meeting.proposed_by_member_id),
                    "proposed_at": meeting.proposed_at,
                    "papers_circulated_at": meeting.papers_circulated_at,
                    "late_reason": meeting.late_reason or "",
                },
                "chair_notes": None
                if note is None
                else {
                    "notes": note.notes or {},
                    "conclusion": note.conclusion,
                    "saved_at": note.saved_at,
                    "saved_by": record.member_name(people, note.saved_by_member_id),
                    "concluded_at": note.concluded_at,
                    "concluded_by": record.member_name(people, note.concluded_by_member_id),
                },
            }
        ),
    )
    notes = None
    if note is not None and note.conclusion:
        # As recorded: a question added since the conclusion does not stop its report.
        notes, _ = validate_chair_notes(
            note.notes, complete=False, own_conclusions=app.profile.report.conclusions
        )
    decision = await panel_repo.decision_of(session, case.id)
    if notes is not None and decision is not None:
        data = await report_data(app, session, case, notes, app.now())
        record.add(
            "rapid-review-report.docx",
            "the Rapid Review report, made as it is offered from the case",
            report_docx(data),
        )
    else:
        record.notes.append(
            "There is no Rapid Review report: the chair has not recorded the conclusion."
        )


async def _timeline(
    app: AppContext, session: AsyncSession, record: _Record, people: Mapping[int, Member]
) -> None:
    case = record.case
    milestones = await case_repo.milestones(session, case.id)
    events = await records.events_of(session, case.id)
    record.tables(
        "timeline",
        "the statutory milestones (due, done, by whom) and the clock's events",
        [
            Table(
                "Milestones",
                (
                    "Milestone",
                    "Title",
                    "Earliest",
                    "Due",
                    "Waiting for",
                    "Done at",
                    "Done by",
                    "Why recorded by hand",
                    "Snoozed until",
                ),
                [
                    [
                        m.milestone,
                        _milestone_title(app, m.milestone),
                        m.earliest_on,
                        m.due_on,
                        m.waiting_for or "",
                        m.done_at,
                        record.member_name(people, m.done_by_member_id),
                        m.done_note or "",
                        m.snoozed_until,
                    ]
                    for m in milestones
                ],
            ),
            Table(
                "Events",
                ("Event", "Occurred at", "Recorded by"),
                [
                    [e.event, e.occurred_at, record.member_name(people, e.recorded_by_member_id)]
                    for e in events
                ],
            ),
        ],
    )


def _milestone_title(app: AppContext, milestone_id: str) -> str:
    try:
        return app.profile.milestone(milestone_id).title
    except KeyError:
        return milestone_id


async def _files(app: AppContext, session: AsyncSession, record: _Record) -> None:
    files = await records.files_of(session, record.case.id)
    listed: list[list[Cell]] = []
    included: dict[str, str] = {}
    for file in files:
        kept = ""
        # Earlier exports are listed, not included: each would hold the one before it.
        if file.content and not file.name.endswith(_EXPORTS):
            # The same file offered to several people (the papers, an invitation) once.
            digest = hashlib.sha256(file.content).hexdigest()
            kept = included.get(digest, "")
            if not kept:
                kept = included[digest] = f"files/{file.id}-{_safe_name(file.name)}"
                record.add(kept, f"the file offered as {file.name}", file.content)
        listed.append(
            [
                file.id,
                file.name,
                record.names.get(file.recipient_aad_object_id, "someone not on the roster"),
                file.offered_at,
                file.status,
                file.answered_at,
                file.size,
                file.description,
                kept or "no (only what was sent is kept, until it is answered)",
            ]
        )
    record.tables(
        "files",
        "every file offered on the case in 1:1: what, to whom, when and the answer",
        [
            Table(
                "Files",
                (
                    "File id",
                    "Name",
                    "Offered to",
                    "Offered at",
                    "Status",
                    "Answered at",
                    "Size (bytes)",
                    "Description",
                    "In this record",
                ),
                listed,
            )
        ],
    )
    record.counts["files"] = len(files)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in " ._-" else "_" for c in name)[:120]


async def _audit(app: AppContext, session: AsyncSession, record: _Record) -> None:
    events = await records.audit_page(session, record.case.id, offset=0, limit=None)
    lines = audit_lines(events, record.names)
    record.add(
        "audit.xlsx",
        "the audit: every action and view on the case, newest first",
        audit_workbook(app, record.case, lines),
    )
    record.add(
        "audit.json",
        "the audit (JSON)",
        json_bytes(table_json([audit_table(lines)])),
    )
    record.counts["events"] = len(events)


async def build_record(
    app: AppContext, session: AsyncSession, case: Case, made_for: Member, now: datetime
) -> tuple[bytes, dict[str, int]]:
    """The case's whole record as one zip; its counts (parts, votes, returns...)."""
    roster = await records.whole_roster(session, app.partnership_id)
    people = {m.id: m for m in roster}
    record = _Record(app, case, namer(roster))
    await _referral(app, session, record)
    await _decision(app, session, record, people)
    await _returns(app, session, record, people)
    await _meeting_and_report(app, session, record, people)
    await _timeline(app, session, record, people)
    await _files(app, session, record)
    await _audit(app, session, record)
    contents = contents_text(
        reference=case.reference,
        partnership_name=app.profile.partnership.name,
        made=now,
        made_for=made_for.name,
        parts=record.parts,
        notes=record.notes,
    )
    parts = [RecordPart("CONTENTS.txt", "what is in this record", contents.encode()), *record.parts]
    folder = record_file_name(case).removesuffix(".zip")
    return record_zip(folder, parts, now), {"parts": len(parts), **record.counts}


@refusals_audited
async def export_record(app: AppContext, *, reference: str, person: Person) -> list[Reply]:
    """The case's record as one zip, offered to the asker in this chat (audited)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member = await case_for_records(
            app, session, person, reference, _ACTION, "export a case's record."
        )
        content, counts = await build_record(app, session, case, member, now)
        size = len(content)
        if size > MAX_EXPORT_BYTES:
            raise Refused(
                f"The record of {case.reference} is {_megabytes(size)}, more than the "
                f"{_megabytes(MAX_EXPORT_BYTES)} a file sent in chat may be. Nothing was sent: "
                "ask the system's administrator for an export from the database.",
                action=_ACTION,
                case=case,
                detail={"bytes": size},
            )
        offered = await offer_file(
            app,
            session,
            case,
            [member],
            now,
            name=record_file_name(case),
            description=f"The whole record of {case.reference}. Confidential: it holds the "
            "child's details.",
            content_type=ZIP,
            content=content,
        )
        detail = {**counts, "bytes": size, "offered": bool(offered)}
        await records_audit(app, session, person, case, detail, now)
    if not offered:
        return [f"I could not send the record of {case.reference}: write to me here first."]
    return [
        f"The record of {case.reference} ({counts['parts']} files, {_megabytes(size)}) is on its "
        f"way to you in this chat as {record_file_name(case)}. It holds the child's details: "
        "keep it only as the partnership's data protection policy says."
    ]


async def records_audit(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    case: Case,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    """Audit the export: its counts and size, never its content."""
    await repo.audit(
        session,
        action=_ACTION,
        actor=person.aad_object_id,
        partnership_id=app.partnership_id,
        case_id=case.id,
        detail=detail,
        at=now,
    )


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
