"""Fixes for botbuilder 4.17.1's hot path, applied without forking the SDK.

The stock `CloudAdapter` builds two msrest clients per request (a connector client and a
user-token client), and every msrest client's `ClientRetryPolicy.__init__` scans
`range(999)` against a 500-element *list* — most of the CPU of an empty bot's turn. Here:

- `ClientRetryPolicy.safe_codes` becomes a frozenset once, at start-up (same members, so
  the same retry behaviour; membership is O(1));
- clients are reused: one connector client per (app, service URL, audience), one user-token
  client per app. They hold configuration and credentials only, so turns can share them;
- an activity's attachment content that is a plain dict (an Adaptive Card, JSON already) goes
  into the request body as it is. msrest walked such a card value by value, through `eval`
  for each string: 1-2 ms of the event loop for each panel card sent or updated.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)
from botframework.connector.auth.jwt_token_validation import JwtTokenValidation
from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_msrest() -> None:
    """Make msrest's retry-policy set-up O(1) per client (idempotent)."""
    if not isinstance(ClientRetryPolicy.safe_codes, frozenset):
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


class _AttachmentsAsIs:
    """An msrest `Serializer` whose request bodies keep plain-dict attachment contents as is.

    For an `Activity`, each attachment whose content is a dict is set aside, the rest of the
    activity is serialized by msrest as before, and the dict is put back in its place. For
    a dict of JSON values msrest's own walk gives an equal dict (a string stays the string,
    a number the number); it only costs more. Anything else is msrest's, unchanged.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        attachments = data.attachments if isinstance(data, Activity) else None
        if data_type != "Activity" or not attachments:
            return self._inner.body(data, data_type, **kwargs)
        as_is = {i: a.content for i, a in enumerate(attachments) if type(a.content) is dict}
        if not as_is:
            return self._inner.body(data, data_type, **kwargs)
        try:
            for i in as_is:
                attachments[i].content = None
            body = self._inner.body(data, data_type, **kwargs)
        finally:
            for i, content in as_is.items():
                attachments[i].content = content
        for i, content in as_is.items():
            body["attachments"][i]["content"] = content
        return body


def send_cards_as_is(client: Any) -> Any:
    """Make `client`'s conversation operations put card contents in bodies as they are."""
    operations = client.conversations
    if not isinstance(operations._serialize, _AttachmentsAsIs):
        operations._serialize = _AttachmentsAsIs(operations._serialize)
    return client


class CachingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """A connector factory that hands out one client per service URL and audience."""

    def __init__(
        self, inner: ConnectorFactory, cache: dict[tuple[str, str, str | None], Any], app_id: str
    ):
        self._inner = inner
        self._cache = cache
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        """The cached client for `service_url`, created on first use."""
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = send_cards_as_is(await self._inner.create(service_url, audience))
            self._cache[key] = client
        return client


class CachingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the SDK's authentication, reusing the clients it creates."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str, str | None], Any] = {}
        self._user_token_clients: dict[str, Any] = {}

    async def authenticate_request(
        self, activity: Any, auth_header: str
    ) -> AuthenticateRequestResult:
        """Not used on our front door (bot/teams/auth.py authenticates); kept for completeness."""
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        """Delegated."""
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """A factory whose clients are shared across turns of the same app."""
        app_id = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""
        inner = self._inner.create_connector_factory(claims_identity)
        return CachingConnectorFactory(inner, self._connectors, app_id)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        """One user-token client per app (the SDK builds one per turn)."""
        app_id = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self) -> Any:
        """Delegated."""
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        """Delegated."""
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        """Delegated."""
        return await self._inner.authenticate_channel_request(auth_header)
