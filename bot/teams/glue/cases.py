"""Looking cases up: `cases` (the open cases), `case REF` (one case's timeline and the
person's next steps on it), and a card's button that opens a case's timeline."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import cases
from bot.usecases.panel_cards import refused_card
from bot.usecases.people import NotAllowed, Person
from bot.usecases.rapid_review import next_steps
from storage.repositories import NotFound


async def show_cases(g: Glue, turn_context: TurnContext) -> None:
    """`cases`: the open cases and their next deadlines (roster members, 1:1 only)."""
    if await refuse_outside_personal(turn_context):
        return
    try:
        card = await cases.open_cases(g.app, person=await person_of(turn_context))
    except NotAllowed as why:
        await turn_context.send_activity(str(why))
        return
    await turn_context.send_activity(card_activity(card))


async def show_case(g: Glue, turn_context: TurnContext, reference: str) -> None:
    """`case REF`: the case's timeline, done / open / overdue, and the person's next steps."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    member = await cases.on_roster(g.app, person)
    if member is None:
        await turn_context.send_activity("Only people on the partnership's roster can see cases.")
        return
    try:
        card = await cases.timeline_card(g.app, reference[:40], can_mark_done=True, viewer=member)
    except NotFound:
        await turn_context.send_activity(f"There is no case {reference[:40]} in this partnership.")
        return
    await turn_context.send_activity(card_activity(card))
    steps = await next_steps(g.app, reference=reference[:40], person=person)
    if steps is None:
        steps = await cases.open_panel_offer(g.app, reference=reference[:40], person=person)
    if steps is not None:
        await turn_context.send_activity(card_activity(steps))


async def case_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The case's timeline, for roster members (no child details on it)."""
    reference = reference_of(data)
    member = await cases.on_roster(g.app, person)
    if member is None:
        return refused_card(reference, "Only people on the partnership's roster can open a case.")
    try:
        return await cases.timeline_card(g.app, reference, can_mark_done=True, viewer=member)
    except NotFound:
        return refused_card("", "That case does not exist in this partnership.")
