"""`roster`: the partnership's roster, for managers in 1:1."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, refuse_outside_personal
from bot.usecases.people import NotAllowed
from bot.usecases.roster import roster_card_for


async def show_roster(g: Glue, turn_context: TurnContext) -> None:
    """The roster, for managers in 1:1."""
    if await refuse_outside_personal(turn_context):
        return
    try:
        card = await roster_card_for(g.app, person=await person_of(turn_context))
    except NotAllowed as why:
        await turn_context.send_activity(str(why))
        return
    await turn_context.send_activity(card_activity(card))
