"""The panel's agreed reasons for the referrer: `reasons REF` (managers, 1:1) and its card."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import reasons
from bot.usecases.people import Person, Refused
from cards.reasons import VERB_REASONS_SEND


async def reasons_command(g: Glue, turn_context: TurnContext, reference: str) -> None:
    """`reasons REF`: the form for the panel's agreed reasons (or what was sent)."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await reasons.reasons_form(g.app, reference=reference[:40], person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


async def send_reasons(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Send the agreed reasons to the referrer (the card answers in place)."""
    card = await reasons.send_reasons(g.app, reference=reference_of(data), person=person, raw=data)
    g.courier.kick()
    return card


VERBS = {VERB_REASONS_SEND: send_reasons}
