"""Events after the report a manager records by command (published); complaints are a
register (complaints.py), closing a case is closing.py."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.people import Person, refusals_audited
from bot.usecases.rapid_review import MANAGERS, Reply, audit_step, case_and_actor
from review.calendar import LONDON
from review.referral import format_date, parse_iso_date
from storage import after as after_repo

EVENT_COMMANDS = {
    "published": ("publication", "the publication date"),
}


@refusals_audited
async def record_case_event(
    app: AppContext, *, reference: str, person: Person, command: str, day: date | None
) -> Reply:
    """`published REF DATE`: a manager records an anchor event."""
    event, words = EVENT_COMMANDS[command]
    async with app.db.session() as session, session.begin():
        case, member = await case_and_actor(
            app, session, person, reference, MANAGERS, f"event.{event}", "record that."
        )
        if not any(m.anchor == event for m in app.profile.milestones):
            return f"This partnership's process has no deadline counted from {words}."
        if day is None:
            return "Give the date as YYYY-MM-DD, for example 2027-05-03."
        at = datetime.combine(day, time(12, 0), LONDON)
        await after_repo.move_event(session, case.id, event, at, member.id)
        await replan_case(app, session, case)
        await audit_step(app, session, person, f"event.{event}", case, {"on": day.isoformat()})
    return f"Recorded {words} for {case.reference}: {format_date(day)}. Its deadlines are set."


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date typed in a command."""
    return parse_iso_date(text.strip())
