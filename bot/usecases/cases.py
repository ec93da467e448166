"""A case as the people on the roster look it up: the open cases and their next deadlines,
and one case's timeline (done, open, overdue). No child details on either."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.context import AppContext
from bot.usecases.additions import current_form, not_known_yet
from bot.usecases.casework import ROLE_LABELS, case_timeline
from bot.usecases.panel_view import STATUS_LABELS
from bot.usecases.people import NotAllowed, Person, member_of
from bot.usecases.roles import holds_any
from bot.usecases.undelivered import not_delivered
from cards.closing import reopen_form
from cards.nudges import (
    CaseListRow,
    TimelineRow,
    case_timeline_card,
    cases_card,
    record_by_hand_card,
)
from cards.panel import open_panel_offer_card
from review.calendar import london_date
from review.referral import FIELD_INFO
from review.reminders import rag
from review.timeline import conflicts, next_due
from storage import cases as case_repo
from storage.models import Member
from storage.models import Milestone as StoredMilestone
from storage.repositories import NotFound


async def on_roster(app: AppContext, person: Person) -> Member | None:
    """The person's roster entry when they hold a role on it, else None."""
    member = await member_of(app, person)
    return member if member is not None and member.roles else None


async def timeline_card(
    app: AppContext, reference: str, *, can_mark_done: bool, viewer: Member | None = None
) -> dict[str, Any]:
    """The case's timeline card; `repositories.NotFound` when there is no such case. A closed
    case's offers `viewer`, when a manager, "Reopen the case"."""
    today = london_date(app.now())
    async with app.db.session() as session:
        case = await case_repo.get_case(session, app.partnership_id, reference)
        timeline = await case_timeline(app, session, case)
        notes = {
            row.milestone: row.done_note
            for row in await session.scalars(
                select(StoredMilestone).where(
                    StoredMilestone.case_id == case.id, StoredMilestone.done_note.is_not(None)
                )
            )
        }
        later = not_known_yet(app, await current_form(session, case.id))
        undelivered = await not_delivered(app, session, case)
    rows = []
    for entry in timeline.entries:
        if entry.completed_on is not None and entry.completed_on <= today:
            state = "done"
        elif entry.due is None:
            state = "waiting"
        elif entry.due < today:
            state = "overdue"
        else:
            state = "open"
        rows.append(
            TimelineRow(
                milestone_id=entry.id,
                title=entry.milestone.title,
                due=entry.due,
                earliest=entry.earliest,
                waiting_for=entry.waiting_for,
                state=state,
                done_on=entry.completed_on,
                responsible_label=ROLE_LABELS.get(entry.milestone.responsible)
                or app.profile.roles.get(entry.milestone.responsible, entry.milestone.responsible),
                provisional=entry.provisional,
                by_action=entry.milestone.by_action,
                **_note(entry.id, notes.get(entry.id), case.national_panel_reference),
            )
        )
    card = case_timeline_card(
        reference=case.reference,
        status_label=STATUS_LABELS.get(case.status, case.status),
        received=london_date(case.received_at),
        pathway_label=app.profile.pathway(case.pathway_sought).label,
        rows=rows,
        can_mark_done=can_mark_done,
        conflicts=[c.describe() for c in conflicts(timeline)],
        not_known_yet=[FIELD_INFO[f].title for f in later],
        not_delivered=undelivered,
    )
    if case.status == "closed" and viewer is not None and holds_any(app, viewer, ["manager"]):
        card["body"].extend(reopen_form(case.reference))
    return card


def _note(milestone_id: str, note: str | None, national_ref: str | None) -> dict[str, str]:
    """The note under a milestone on the timeline: the National Panel's reference for the
    notification once recorded, else a manager's reason for recording it by hand."""
    if milestone_id == "national_panel_notification" and national_ref:
        return {"done_note": national_ref, "note_label": "The National Panel's reference: "}
    return {"done_note": note} if note else {}


async def open_cases(app: AppContext, *, person: Person) -> dict[str, Any]:
    """`cases`: the open cases and their next deadlines, for people on the roster."""
    if await on_roster(app, person) is None:
        raise NotAllowed("Only people on the partnership's roster can list cases.")
    today = london_date(app.now())
    rows = []
    async with app.db.session() as session:
        for case in await case_repo.open_cases(session, app.partnership_id):
            entry = next_due(await case_timeline(app, session, case), today)
            due = entry.due if entry else None
            rows.append(
                CaseListRow(
                    reference=case.reference,
                    status_label=STATUS_LABELS.get(case.status, case.status),
                    next_title=entry.milestone.title if entry else None,
                    next_due=due,
                    rag=rag(app.calendar, due, today)[0],
                )
            )
    return cases_card(rows=rows)


async def open_panel_offer(
    app: AppContext, *, reference: str, person: Person
) -> dict[str, Any] | None:
    """For a manager, the button opening the panel on a referral still waiting for it."""
    member = await member_of(app, person)
    if member is None or "manager" not in member.roles:
        return None
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except NotFound:
            return None
    if case.status != "received":
        return None
    return open_panel_offer_card(
        reference=case.reference, pathway_label=app.profile.pathway(case.pathway_sought).label
    )


async def record_form(
    app: AppContext,
    *,
    reference: str,
    milestone_id: str,
    person: Person,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The form a manager records a milestone by hand with (date, reason); with `error`, the
    form again with what was typed and why it was not recorded."""
    member = await member_of(app, person)
    if member is None or "manager" not in member.roles:
        raise NotAllowed("Only a partnership manager can record a milestone by hand.")
    try:
        milestone = app.profile.milestone(milestone_id)
    except KeyError:
        raise NotAllowed(f"{milestone_id!r} is not a milestone of this partnership.") from None
    return record_by_hand_card(
        reference=reference,
        milestone_id=milestone.id,
        title=milestone.title,
        today=london_date(app.now()),
        error=error,
        values=values,
    )
