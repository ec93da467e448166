"""The Bot Framework's side of the app: the adapter, its turn-error handler, and the bot.

`bot/app.py` builds the aiohttp application from these without importing the SDK itself.
"""

from __future__ import annotations

import logging

from azure.core.exceptions import DeserializationError
from botbuilder.core import ActivityHandler, Storage, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import HttpOperationError

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.teams.auth import RequestAuthenticator
from bot.teams.handler import RapidReviewBot
from bot.teams.state import SqlStorage
from storage.db import Database
from storage.state import StateStore

log = logging.getLogger(__name__)

# What the application's keys hold, by the SDK's names.
Adapter = CloudAdapter
TurnHandler = ActivityHandler
StateStorage = Storage


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log the traceback; tell the person plainly (never the exception text)."""
    if isinstance(error, ErrorResponseException | HttpOperationError | DeserializationError):
        # The Bot Connector refused a reply (e.g. a conversation it does not know): not a
        # fault of ours to page anyone about, but worth a line in the log.
        log.warning("the Bot Connector refused a reply", extra={"why": type(error).__name__})
        return
    log.error("turn failed", exc_info=error)
    activity = context.activity
    if activity.type == "message" and activity.conversation is not None:
        try:
            await context.send_activity(
                "Sorry, something went wrong on our side and nothing was saved from that "
                "message. Please try again shortly."
            )
        except Exception as exc:
            log.warning("could not tell the user about the failure", extra={"why": repr(exc)})


def teams_adapter(authenticator: RequestAuthenticator) -> CloudAdapter:
    """The SDK's adapter, authenticating as `authenticator` does, with our turn-error handler."""
    adapter = CloudAdapter(authenticator.bot_framework_authentication)
    adapter.on_turn_error = on_turn_error
    return adapter


def teams_bot(
    context: AppContext, db: Database, courier: Courier, storage: Storage | None = None
) -> RapidReviewBot:
    """The activity handler, its conversation state kept in the database unless `storage`."""
    return RapidReviewBot(context, storage or SqlStorage(StateStore(db)), courier)
