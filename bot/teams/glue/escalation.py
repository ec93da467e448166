"""An escalation: `escalation REF` (managers, 1:1) and its card's steps."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import escalation
from bot.usecases.people import Person, Refused


async def escalation_command(g: Glue, turn_context: TurnContext, reference: str) -> None:
    """`escalation REF`: the escalation's card at its step."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await escalation.escalation_form(g.app, reference=reference[:40], person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


def _step(step: str) -> Any:
    async def verb(
        g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        card = await escalation.record_step(
            g.app, reference=reference_of(data), person=person, raw=data, step=step
        )
        g.courier.kick()
        return card

    return verb


VERBS = {f"escalation.{step}": _step(step) for step in ("mediation", "determination")}
