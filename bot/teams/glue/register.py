"""The monthly register in 1:1: `register YYYY-MM` (managers)."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, is_personal, send_replies
from bot.usecases import register
from bot.usecases.people import Refused


async def register_command(g: Glue, turn_context: TurnContext, month_text: str) -> None:
    """`register YYYY-MM`: the month's register offered as a workbook (1:1 only)."""
    if not is_personal(turn_context):
        await turn_context.send_activity(
            "The register is sent only in a private 1:1 chat with me, never in a channel."
        )
        return
    person = await person_of(turn_context)
    try:
        replies = await register.monthly_register(g.app, month_text=month_text, person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await send_replies(turn_context, replies)
    g.courier.kick()
