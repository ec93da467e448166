"""Proactive messages through the Bot Connector, with failures that raise.

The SDK's `continue_conversation` runs the send inside the turn pipeline, whose error handler
swallows a failed POST; callers could not tell a lost message from a sent one. Here the
connector client is called directly and every failure raises `SendError` with the HTTP status
and any `Retry-After`, so the outbox can retry, mark uncertain, or give up — never lose one.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    AttachmentLayoutTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)

from bot.delivery.message import Address, Outgoing, SendError
from bot.settings import Settings

log = logging.getLogger(__name__)


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    for attr in ("status_code", "status"):
        value = getattr(response, attr, None)
        if isinstance(value, int):
            return value
    return None


def activity_of(message: Outgoing) -> Activity:
    """The message activity that carries `message` (as `MessageFactory.attachment` builds)."""
    return Activity(
        type=ActivityTypes.message,
        text=message.text,
        attachment_layout=AttachmentLayoutTypes.list,
        attachments=[
            Attachment(
                content_type=a.content_type,
                content=a.content,
                name=a.name,
                content_url=a.content_url,
            )
            for a in message.attachments
        ],
        input_hint=None,
    )


class Messenger:
    """Delivery's `Sender` in Teams: sends and updates activities proactively, one connector
    client per service URL."""

    def __init__(self, auth: BotFrameworkAuthentication, settings: Settings) -> None:
        self._auth = auth
        self._settings = settings
        self._clients: dict[str, Any] = {}
        claims = {
            AuthenticationConstants.AUDIENCE_CLAIM: settings.app_id,
            AuthenticationConstants.APP_ID_CLAIM: settings.app_id,
        }
        self._factory = auth.create_connector_factory(ClaimsIdentity(claims, True))

    async def _client(self, service_url: str) -> Any:
        if not self._settings.service_url_allowed(service_url):
            raise SendError("service URL is not on the allow-list", status=403, local=True)
        client = self._clients.get(service_url)
        if client is None:
            client = await self._factory.create(service_url, None)
            self._clients[service_url] = client
        return client

    async def _call(self, what: str, coro_factory: Any) -> Any:
        try:
            return await coro_factory()
        except SendError:
            raise
        except Exception as exc:  # msrest raises its own types; keep status and Retry-After
            status = _status(exc)
            response = getattr(exc, "response", None)
            raise SendError(
                f"{what} failed ({status or 'no answer'})",
                status=status,
                retry_after=_retry_after(response),
            ) from exc

    async def send(self, to: Address, message: Outgoing) -> str:
        """Post `message` to a conversation (in a channel: a new thread); its id back."""
        client = await self._client(to.service_url)
        activity = activity_of(message)
        activity.conversation = ConversationAccount(id=to.conversation_id, tenant_id=to.tenant_id)
        response = await self._call(
            "send",
            lambda: client.conversations.send_to_conversation(to.conversation_id, activity),
        )
        activity_id = getattr(response, "id", None)
        if not activity_id:
            raise SendError("send returned no activity id", status=None)
        return str(activity_id)

    async def update(self, to: Address, activity_id: str, message: Outgoing) -> None:
        """Replace a sent activity (e.g. a card updated in place)."""
        client = await self._client(to.service_url)
        activity = activity_of(message)
        activity.id = activity_id
        activity.conversation = ConversationAccount(id=to.conversation_id, tenant_id=to.tenant_id)
        await self._call(
            "update",
            lambda: client.conversations.update_activity(to.conversation_id, activity_id, activity),
        )

    async def open_personal_chat(
        self, service_url: str, user_id: str, tenant_id: str | None
    ) -> Address:
        """Create (or find) the 1:1 chat with a user; its address back."""
        client = await self._client(service_url)
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._settings.app_id}" if self._settings.app_id else None),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        response = await self._call(
            "create conversation", lambda: client.conversations.create_conversation(params)
        )
        conversation_id = getattr(response, "id", None)
        if not conversation_id:
            raise SendError("create conversation returned no id", status=None)
        return Address(service_url, str(conversation_id), tenant_id)
