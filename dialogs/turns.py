"""Cards in a turn, for the dialogs and the Teams side alike: the card a button was pressed
on, updated in place to its final state."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext

log = logging.getLogger(__name__)


async def replace_pressed_card(context: TurnContext, card: dict[str, Any]) -> bool:
    """Update, in place, the card whose button sent this activity (its `replyToId`), so it
    stays in the chat in its final state; False when Teams does not say which or refuses."""
    pressed = context.activity.reply_to_id
    if not isinstance(pressed, str) or not pressed:
        return False
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.id = pressed
    try:
        await context.update_activity(activity)
    except Exception as exc:  # the card stays as it was; the reply that follows says what happened
        log.warning("could not update the card pressed", extra={"why": type(exc).__name__})
        return False
    return True
