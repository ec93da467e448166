"""The meeting's papers: a manager circulates every return as one Word document to the panel,
the managers and the chair; who may see the returns so far."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.people import Person, refusals_audited
from bot.usecases.rapid_review import (
    DOCX,
    MANAGERS,
    PAPERS_ROLES,
    Reply,
    audit_step,
    decided_case,
    has_milestone,
    offer_file,
)
from bot.usecases.returns import return_status, returns_due, stored_rows
from review.calendar import london_date
from review.papers import AgencyPapers, papers_docx
from storage import after as after_repo
from storage import cases as case_repo
from storage import repositories as repo
from storage.models import Case, Member


@refusals_audited
async def circulate_papers(app: AppContext, *, reference: str, person: Person) -> Reply:
    """A manager records that the papers went out: the returns are final from now on."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await decided_case(
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
        if has_milestone(app, "papers_circulated"):
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
        await audit_step(app, session, person, "papers.circulated", case, {"offered": offered})
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
    offered = await offer_file(
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
        case, member, _ = await decided_case(
            app, session, person, reference, PAPERS_ROLES, "returns.view", "see the returns."
        )
        await _offer_papers(app, session, case, [member], now)
        await audit_step(app, session, person, "returns.view", case)
    return f"The agency returns for {case.reference} are on their way to you in this chat."
