"""The Teams activity handler: thin, routed by verb, state saved after every turn."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import (
    CardFactory,
    ConversationState,
    MessageFactory,
    Storage,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount

from bot.context import AppContext
from cards.welcome import help_card, team_welcome_card, welcome_card

log = logging.getLogger(__name__)

Handler = Callable[[TurnContext], Awaitable[None]]
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def command_text(context: TurnContext) -> str:
    """The message text with @mentions removed, lower-cased and trimmed."""
    text = context.activity.text if isinstance(context.activity.text, str) else ""
    text = _MENTION.sub(" ", text)
    return " ".join(text.split()).lower()


def card_activity(card: dict[str, Any]) -> Any:
    """A message activity carrying one Adaptive Card."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class RapidReviewBot(TeamsActivityHandler):  # type: ignore[misc]
    """Routes messages, card submits and invokes to use cases; nothing else lives here."""

    def __init__(self, context: AppContext, storage: Storage) -> None:
        super().__init__()
        self.app = context
        self.conversation_state = ConversationState(storage)
        self.user_state = UserState(storage)
        self.commands: dict[str, Handler] = {"help": self.send_help}
        self.actions: dict[str, Handler] = {"help": self.send_help}

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Run the turn, then save conversation and user state."""
        await super().on_turn(turn_context)
        await self.conversation_state.save_changes(turn_context)
        await self.user_state.save_changes(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed command or an `Action.Submit` from a card."""
        value = turn_context.activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            handler = self.actions.get(value["action"])
            if handler is None:
                await self.send_help(turn_context)
                return
            await handler(turn_context)
            return
        handler = self.commands.get(command_text(turn_context), self.send_help)
        await handler(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Greet a person in 1:1, or the team when the bot is added to one."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        name = self.app.profile.partnership.name
        conversation = turn_context.activity.conversation
        in_team = bool(conversation and conversation.conversation_type == "channel")
        for member in members_added:
            if in_team and member.id == bot_id:
                await turn_context.send_activity(card_activity(team_welcome_card(name)))
            elif not in_team and member.id != bot_id:
                await turn_context.send_activity(card_activity(welcome_card(name)))

    async def send_help(self, turn_context: TurnContext) -> None:
        """Reply with the help card."""
        await turn_context.send_activity(
            card_activity(help_card(self.app.profile.partnership.name))
        )
