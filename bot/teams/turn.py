"""What every feature's Teams glue shares: the services a turn may use, and the small steps of
reading an activity and answering it (text, a card, a list of replies, an invoke's body)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, StatePropertyAccessor, TurnContext
from botbuilder.dialogs import DialogSet

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.usecases.people import Person

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
LEDGER_KEY = "rapid_review.ledger_key"
# Set by a use case that wrote the ledger entry inside its own transaction.
LEDGER_CLAIMED = "rapid_review.ledger_claimed"
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


@dataclass
class Glue:
    """What a feature's glue may use: the app context, the courier (to deliver what a use
    case put in the outbox) and the referral dialog's set and state."""

    app: AppContext
    courier: Courier
    dialogs: DialogSet
    dialog_state: StatePropertyAccessor


# A typed command or a card's Action.Submit, and an Action.Execute verb (its card back).
Handler = Callable[[Glue, TurnContext], Awaitable[None]]
Verb = Callable[[Glue, TurnContext, Person, dict[str, Any]], Awaitable[dict[str, Any]]]


class SentBody(dict[str, Any]):
    """An invoke response body, built fresh for one reply and never changed afterwards.

    The SDK deep-copies every activity it sends, the invoke response included, and copying
    a whole card dict cost as much as drawing it. Nothing changes this dict once built, so
    the copy may share it.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> SentBody:
        return self


def card_body(card: dict[str, Any]) -> dict[str, Any]:
    """An invoke response's body carrying one Adaptive Card."""
    return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}


def verb_and_data(activity: Any) -> tuple[object, dict[str, Any]]:
    """An `adaptiveCard/action` invoke's verb and data (data {} when absent or not an object)."""
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action") if isinstance(value.get("action"), dict) else {}
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    return action.get("verb"), data


def command_text(context: TurnContext) -> str:
    """The message text with @mentions removed, lower-cased and trimmed."""
    text = context.activity.text if isinstance(context.activity.text, str) else ""
    text = _MENTION.sub(" ", text[:500])
    return " ".join(text.split()).lower()


def card_activity(card: dict[str, Any]) -> Any:
    """A message activity carrying one Adaptive Card."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


def is_personal(context: TurnContext) -> bool:
    """True in a 1:1 chat with the bot."""
    conversation = context.activity.conversation
    return bool(conversation) and conversation.conversation_type in (None, "personal")


def reference_of(data: Mapping[str, Any]) -> str:
    """The case reference a card's data names (cut to the longest a reference can be)."""
    return str(data.get("reference", ""))[:40]


async def refuse_outside_personal(turn_context: TurnContext) -> bool:
    """Outside a 1:1 chat, say that this is done in one; True when refused."""
    if is_personal(turn_context):
        return False
    await turn_context.send_activity(
        "Referrals are made in a private 1:1 chat with me, never in a channel: "
        "a referral holds a child's details. Open a chat with me and type **refer**."
    )
    return True


async def send_replies(turn_context: TurnContext, replies: Any) -> None:
    """Send a use case's replies: each a card dict or a line of text."""
    for reply in replies if isinstance(replies, list) else [replies]:
        if isinstance(reply, dict):
            await turn_context.send_activity(card_activity(reply))
        else:
            await turn_context.send_activity(reply)
