"""Acting on a reminder: `done REF MILESTONE`, and the Mark done and Snooze buttons of a nudge
(the case's timeline back)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, reference_of
from bot.usecases import cases
from bot.usecases import reminders as reminders_uc
from bot.usecases.panel_cards import refused_card
from bot.usecases.people import NotAllowed, Person
from cards.nudges import done_result_text


async def done_command(g: Glue, turn_context: TurnContext, reference: str, milestone: str) -> None:
    """`done REF MILESTONE`: mark a milestone done."""
    person = await person_of(turn_context)
    try:
        title, day = await reminders_uc.mark_done(
            g.app, reference=reference[:40], milestone_id=milestone[:64], person=person
        )
    except NotAllowed as why:
        await turn_context.send_activity(str(why))
        return
    await turn_context.send_activity(
        done_result_text(reference=reference[:40], milestone_title=title, done_on=day)
    )
    g.courier.kick()


async def milestone_done(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Mark done from a reminder card; the case's timeline back."""
    card = await _milestone_action(g, reminders_uc.mark_done, person, data)
    g.courier.kick()
    return card


async def milestone_snooze(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Snooze a reminder for one working day (managers only)."""
    return await _milestone_action(g, reminders_uc.snooze, person, data)


async def _milestone_action(
    g: Glue, use_case: Callable[..., Awaitable[Any]], person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Run a reminder button's use case; the case's timeline, or the refusal, back."""
    reference = reference_of(data)
    try:
        await use_case(
            g.app,
            reference=reference,
            milestone_id=str(data.get("milestone", ""))[:64],
            person=person,
        )
    except NotAllowed as why:
        return refused_card(reference, str(why))
    return await cases.timeline_card(g.app, reference, can_mark_done=True)


async def milestone_record_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """A manager's form to record by hand a milestone the bot completes itself."""
    reference = reference_of(data)
    try:
        return await cases.record_form(
            g.app,
            reference=reference,
            milestone_id=str(data.get("milestone", ""))[:64],
            person=person,
        )
    except NotAllowed as why:
        return refused_card(reference, str(why))


async def milestone_record(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Record it by hand (date, reason); the case's timeline back, or the form with why not."""
    reference = reference_of(data)
    milestone_id = str(data.get("milestone", ""))[:64]
    try:
        await reminders_uc.record_by_hand(
            g.app,
            reference=reference,
            milestone_id=milestone_id,
            person=person,
            on=data.get("on"),
            reason=data.get("reason"),
        )
    except NotAllowed as why:
        typed = {k: str(data.get(k) or "")[:1100] for k in ("on", "reason")}
        try:
            return await cases.record_form(
                g.app,
                reference=reference,
                milestone_id=milestone_id,
                person=person,
                error=str(why),
                values=typed,
            )
        except NotAllowed:
            return refused_card(reference, str(why))
    g.courier.kick()
    return await cases.timeline_card(g.app, reference, can_mark_done=True)
