"""The National Panel's answer: `national panel REF` (managers, 1:1), its card's "Record the
answer", and "Reopen the panel" to reconsider."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import national_panel
from bot.usecases.people import Person, Refused


async def answer_command(g: Glue, turn_context: TurnContext, reference: str) -> None:
    """`national panel REF`: the card to record the National Panel's answer."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await national_panel.answer_form(g.app, reference=reference[:40], person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


async def record_answer(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Record the answer"."""
    return await national_panel.record_answer(
        g.app, reference=reference_of(data), person=person, raw=data
    )


async def reopen(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Reopen the panel": a new round of votes; the shared card is redrawn."""
    card = await national_panel.reopen(g.app, reference=reference_of(data), person=person, raw=data)
    g.courier.kick()
    return card
