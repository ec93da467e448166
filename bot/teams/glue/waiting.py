"""What could not reach a person in Teams before, sent when they message the bot in 1:1."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.teams.people import is_aad_object_id, teams_email
from bot.teams.turn import Glue, is_personal
from bot.usecases import undelivered


async def send_waiting(g: Glue, turn_context: TurnContext) -> None:
    """Any 1:1 message from a person: what was undeliverable for them goes out now (once),
    and they are told it follows."""
    activity = turn_context.activity
    if activity.type != "message" or not is_personal(turn_context):
        return
    sender = activity.from_property
    aad = getattr(sender, "aad_object_id", None) if sender else None
    if not is_aad_object_id(aad):
        return
    count = await undelivered.send_waiting(
        g.app, aad_object_id=aad, email=lambda: teams_email(turn_context)
    )
    if not count:
        return
    what = "1 message" if count == 1 else f"{count} messages"
    await turn_context.send_activity(
        f"{what} that could not reach you in Teams before follow in this chat."
    )
    g.courier.kick()
