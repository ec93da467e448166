"""Adding an agency the profile does not list to a case: the picker's "Add an agency not
listed" button (1:1), and the card's "Add the agency"."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import agencies
from bot.usecases.people import Person, Refused


async def add_agency_open(g: Glue, turn_context: TurnContext) -> None:
    """The add-agency card, in this 1:1 chat (managers)."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await agencies.add_agency_form(
            g.app, reference=reference_of(turn_context.activity.value), person=person
        )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


async def add_agency(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Add the agency": the agency and its lead kept; the card in its final state."""
    return await agencies.add_agency(g.app, reference=reference_of(data), person=person, raw=data)
