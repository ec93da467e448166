"""What delivery sends and where, and the interface it sends through.

Delivery never speaks the Bot Framework: a renderer builds an `Outgoing` message (cards and
files as plain dicts) for an `Address`, and the courier hands it to a `Sender`. The Teams side
provides the sender (`bot/teams/messenger.py`), which turns the message into an activity and
posts it through the Bot Connector; a failed send raises `SendError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


# Teams' answers that mean the person cannot be reached in a 1:1 chat: not allowed (outside the
# tenant, the app blocked for them) or not found (not in the tenant, left it).
UNREACHABLE_STATUSES = frozenset({403, 404})


class SendError(Exception):
    """A send failed. `status` is the HTTP status (None: no answer); `retry_after` seconds;
    `local` when the sender refused it itself, before asking Teams (a setting, not a person)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        retry_after: float | None = None,
        local: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.local = local

    @property
    def person_unreachable(self) -> bool:
        """True when Teams itself refused the conversation (403) or did not find it (404)."""
        return not self.local and self.status in UNREACHABLE_STATUSES

    @property
    def maybe_delivered(self) -> bool:
        """True when the message may have been posted despite the error (5xx, or no answer)."""
        return self.status is None or self.status >= 500


@dataclass(frozen=True)
class Address:
    """Where to send: the service URL and conversation id (a channel, thread or 1:1 chat)."""

    service_url: str
    conversation_id: str
    tenant_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """One attachment of a message: an Adaptive Card, or one of Teams' file cards."""

    content_type: str
    content: Any
    name: str | None = None
    content_url: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to send: its attachments and an optional line of text."""

    attachments: tuple[Attachment, ...]
    text: str | None = None


POSSIBLE_REPEAT = "Sent again after an interruption — it may be a repeat."


def possible_repeat(message: Outgoing) -> Outgoing:
    """The message with a line on each card saying it may be a repeat (its first send was
    interrupted after it may have reached Teams)."""
    note = {"type": "TextBlock", "text": POSSIBLE_REPEAT, "wrap": True, "isSubtle": True}
    attachments = []
    for a in message.attachments:
        if a.content_type == ADAPTIVE_CARD and isinstance(a.content, dict):
            card = {**a.content, "body": [note, *(a.content.get("body") or [])]}
            a = Attachment(a.content_type, card, a.name, a.content_url)
        attachments.append(a)
    return Outgoing(tuple(attachments), message.text)


def card_message(card: dict[str, Any], text: str | None = None) -> Outgoing:
    """A message carrying one Adaptive Card."""
    return Outgoing((Attachment(ADAPTIVE_CARD, card),), text or None)


class Sender(Protocol):
    """Sends, updates and opens conversations; every failure raises `SendError`."""

    async def send(self, to: Address, message: Outgoing) -> str:
        """Post `message` to a conversation (in a channel: a new thread); its id back."""
        ...

    async def update(self, to: Address, activity_id: str, message: Outgoing) -> None:
        """Replace a sent message (a card updated in place)."""
        ...

    async def open_personal_chat(
        self, service_url: str, user_id: str, tenant_id: str | None
    ) -> Address:
        """Create (or find) the 1:1 chat with a user; its address back."""
        ...


def thread_id(channel_conversation_id: str, root_activity_id: str) -> str:
    """The conversation id of a channel thread started by `root_activity_id`."""
    channel = channel_conversation_id.split(";", 1)[0]
    return f"{channel};messageid={root_activity_id}"
