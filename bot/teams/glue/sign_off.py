"""The report's "Sign off the report" button (Action.Execute): the card redrawn in place."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.turn import Glue, reference_of
from bot.usecases import sign_off
from bot.usecases.people import Person


async def sign_off_report(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Sign the report off; the report card back as it now stands (a refusal: its card)."""
    return await sign_off.sign_off_report(g.app, reference=reference_of(data), person=person)


VERBS = {sign_off.SIGN_OFF: sign_off_report}
