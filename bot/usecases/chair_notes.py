"""The chair's notes (Appendix F), part by part, to the conclusion that generates the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.meeting import attendees
from bot.usecases.people import Person, refusals_audited
from bot.usecases.progress import tell_referrer
from bot.usecases.rapid_review import (
    CHAIRS,
    KEPT_BEYOND_LIMIT,
    Reply,
    audit_step,
    decided_case,
    part_number,
)
from bot.usecases.report import offer_report
from bot.usecases.returns import _first_part_with
from bot.usecases.sign_off import clear_after_edit
from cards.after import (
    CHAIR_PARTS,
    chair_notes_card,
)
from review.answers import clean_text
from review.report import (
    CHAIR_FIELDS,
    NOTES_MAX,
    invited_attendees,
    validate_chair_notes,
)
from storage import after as after_repo
from storage import cases as case_repo
from storage.models import Case


def _clean_notes(raw: Mapping[str, Any]) -> dict[str, str]:
    notes = {}
    for key in CHAIR_FIELDS:
        if key in raw:
            value = raw.get(key)
            text = (
                clean_text(value[: NOTES_MAX + KEPT_BEYOND_LIMIT]) if isinstance(value, str) else ""
            )
            notes[key] = text
    return notes


@refusals_audited
async def chair_form(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The chair's notes card (saved notes filled in), for the chair."""
    async with app.db.session() as session, session.begin():
        case, _, _ = await decided_case(
            app,
            session,
            person,
            reference,
            CHAIRS,
            "chair.view",
            "see and write the chair's notes.",
        )
        row = await after_repo.chair_note_of(session, case.id)
        await audit_step(app, session, person, "chair.view", case)
        return chair_notes_card(
            reference=case.reference,
            values=await _chair_values(app, session, case, row.notes if row else {}),
            errors={},
            part=1,
            conclusions=app.profile.report.conclusions,
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
        case, member, _ = await decided_case(
            app,
            session,
            person,
            reference,
            CHAIRS,
            "chair.save",
            "write the chair's notes. Nothing was saved.",
        )
        part = part_number(raw.get("part"), count)
        before = await after_repo.chair_note_of(session, case.id)
        notes_before = dict(before.notes or {}) if before is not None else {}
        row = await after_repo.save_chair_note(
            session, case_id=case.id, notes=_clean_notes(raw), member_id=member.id, now=now
        )
        show, errors = part, {}
        replies: list[Reply] = []
        if row.notes != notes_before and await clear_after_edit(app, session, person, case, now):
            replies.append(
                f"The chair's notes for {case.reference} changed, so the report's sign-offs "
                "were cleared: it is signed off again once the notes are final."
            )
        if action == "chair.part":
            show = part_number(raw.get("go"), count, part)
        elif action == "chair.conclude":
            notes, errors = validate_chair_notes(
                row.notes, own_conclusions=app.profile.report.conclusions
            )
            if notes is None:
                show = _first_part_with(CHAIR_PARTS, errors)
            else:
                # The column holds one id (32 characters): the first chosen; every one
                # chosen stays in the notes themselves, which the report reads.
                row.conclusion = notes.conclusions[0]
                row.concluded_at = now
                row.concluded_by_member_id = member.id
                if "local_review" in notes.conclusions:
                    await case_repo.record_event(
                        session, case.id, "local_review_decided", now, member.id
                    )
                await replan_case(app, session, case)
                offered = await offer_report(app, session, case, notes, now)
                await tell_referrer(app, session, case, "concluded")
                await audit_step(
                    app, session, person, "chair.conclude", case, {"conclusion": notes.conclusion}
                )
                replies.append(
                    f"Recorded: {notes.conclusion_label}. The Rapid Review report for "
                    f"{case.reference} has been generated and offered to {offered} managers and "
                    "chairs in a private chat (never the channel)."
                )
                return replies
        await audit_step(app, session, person, "chair.save", case, {"part": part})
        replies.append(
            chair_notes_card(
                reference=case.reference,
                values=await _chair_values(app, session, case, row.notes),
                errors=errors,
                part=show,
                conclusions=app.profile.report.conclusions,
            )
        )
        return replies
