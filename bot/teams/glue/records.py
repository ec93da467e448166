"""A case's record, in 1:1: `audit REF` (the audit on a card, a page at a time, and as a
workbook), its **More** / **Newer** buttons, and `export REF` (the whole record as a zip)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import Glue, is_personal, reference_of, send_replies
from bot.usecases import audit, export
from bot.usecases.panel_cards import refused_card
from bot.usecases.people import Person, Refused

RECORD_COMMANDS = frozenset({"audit", "export"})

_ONLY_IN_PRIVATE = (
    "A case's audit and record are shown only in a private 1:1 chat with me, never in a "
    "channel. Open a chat with me and type it there."
)


async def record_command(g: Glue, turn_context: TurnContext, words: list[str]) -> None:
    """`audit REF` or `export REF` (managers and the data protection officer, 1:1 only)."""
    if not is_personal(turn_context):
        await turn_context.send_activity(_ONLY_IN_PRIVATE)
        return
    person = await person_of(turn_context)
    reference = words[1].upper()[:40]
    try:
        if words[0] == "audit":
            replies: Any = await audit.case_audit(g.app, reference=reference, person=person)
        else:
            replies = await export.export_record(g.app, reference=reference, person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await send_replies(turn_context, replies)
    g.courier.kick()


async def audit_page(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """**More** / **Newer** on the audit card: the page asked for, in place (audited)."""
    reference = reference_of(data)
    if not is_personal(turn_context):
        return refused_card(reference, _ONLY_IN_PRIVATE)
    try:
        page = int(str(data.get("page", 1))[:6])
    except ValueError:
        page = 1
    try:
        (card,) = await audit.case_audit(
            g.app, reference=reference, person=person, page=page, workbook=False
        )
    except Refused as refused:
        return refused_card(reference, refused.reason)
    assert isinstance(card, dict)
    return card
