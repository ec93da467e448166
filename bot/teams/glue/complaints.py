"""The complaints register in 1:1 (managers): `complaints`, and each complaint card's buttons."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import complaints
from bot.usecases.people import Person, Refused


async def list_command(g: Glue, turn_context: TurnContext) -> None:
    """`complaints`: every complaint of the open cases, with status and due dates."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await complaints.list_complaints(g.app, person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


def _step(step: str) -> Any:
    async def verb(
        g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        card = await complaints.complaint_step(
            g.app, reference=reference_of(data), person=person, raw=data, step=step
        )
        g.courier.kick()
        return card

    return verb


VERBS = {f"complaint.{step}": _step(step) for step in ("open", "respond", "refer", "template")}
