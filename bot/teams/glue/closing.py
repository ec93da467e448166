"""Closing a case after `close REF` asked, and reopening a closed one: the two buttons."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.turn import Glue, reference_of
from bot.usecases import closing
from bot.usecases.people import Person


async def close(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Close the case" on the card `close REF` answered with."""
    card = await closing.close_case(g.app, reference=reference_of(data), person=person)
    g.courier.kick()
    return card


async def reopen(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """ "Reopen the case" on a closed case's timeline (managers, with a reason)."""
    card = await closing.reopen_case(g.app, reference=reference_of(data), person=person, raw=data)
    g.courier.kick()
    return card


VERBS = {"case.close": close, "case.reopen": reopen}
