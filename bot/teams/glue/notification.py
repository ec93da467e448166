"""The serious incident notification in the notifier's 1:1 chat: "Word copy" and "Record the
notification" on the draft card."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, reference_of, refuse_outside_personal
from bot.usecases import notification
from bot.usecases.people import Person, Refused


async def word_copy(g: Glue, turn_context: TurnContext) -> None:
    """ "Word copy": the draft as a Word document, offered in this 1:1 chat."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        said = await notification.word_copy(
            g.app, reference=reference_of(turn_context.activity.value), person=person
        )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(said)
    g.courier.kick()


async def record(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Record the notification": notified on DATE, with its reference."""
    card = await notification.record_notification(
        g.app, reference=reference_of(data), person=person, raw=data
    )
    g.courier.kick()
    return card
