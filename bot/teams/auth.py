"""Authentication of inbound Bot Framework requests (POST /api/messages).

What is accepted (app id set):

* Only Bot Framework *channel* tokens, the kind the Bot Connector service (Teams, Web Chat, ...)
  sends to a bot: ``Authorization: Bearer <JWT>``, signed RS256 with a key published in the
  Bot Framework OpenID metadata (default
  https://login.botframework.com/v1/.well-known/openidconfiguration), ``iss`` exactly
  ``https://api.botframework.com``, ``aud`` exactly the bot's app id, ``exp`` present and
  ``exp``/``nbf`` valid with 5 minutes of clock skew, the signing key endorsed for the activity's
  ``channelId`` and the ``serviceurl`` claim equal to the activity's ``serviceUrl``.
* SingleTenant and UserAssignedMSI apps receive the same channel tokens: in botbuilder 4.17.1
  the tenant id only changes how the bot obtains *outbound* tokens (it is never used to
  validate inbound requests), so the same checks apply to every app type.
* Not accepted: Emulator / AAD-issued tokens (``sts.windows.net`` / ``login.microsoftonline.com``
  issuers, which the SDK accepts on its "emulator" path) and skill (bot-to-bot) tokens.

With an empty app id (local development on loopback only; the app factory enforces that) every
request is accepted as anonymous, exactly like the SDK: an authenticated ``ClaimsIdentity`` with
no claims and authentication type ``"anonymous"``; any Authorization header is ignored.

Unlike the SDK, signing keys are fetched with aiohttp under a bounded timeout, cached, refreshed
in the background and on demand (rate-limited) when a token names an unknown key id, and every
failure is reported as :class:`AuthenticationError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from bot.teams.sdk import CachingAuthentication, speed_up_msrest

DEFAULT_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
ALLOWED_ALGORITHMS = ("RS256",)
CLOCK_SKEW_SECONDS = 5 * 60
DEFAULT_REFRESH_INTERVAL = 24 * 60 * 60.0
DEFAULT_MIN_REFRESH_INTERVAL = 60.0
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_KID_LENGTH = 256
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")

SessionFactory = Callable[[], aiohttp.ClientSession]


class AuthenticationError(Exception):
    """The request is not authenticated; the HTTP layer should answer 401 and run no handler."""


@dataclass(frozen=True)
class SigningKey:
    """One public signing key from the JWKS document, with its channel endorsements."""

    kid: str
    public_key: RSAPublicKey
    endorsements: frozenset[str]


class OpenIdKeySource:
    """Async cache of the signing keys published behind an OpenID configuration document.

    Keys are fetched (configuration, then ``jwks_uri``) with aiohttp under ``timeout`` seconds
    for the whole refresh, refreshed every ``refresh_interval`` seconds in the background
    (after a failure, retried every ``min_refresh_interval`` seconds) and on demand when a
    token names an unknown key id, at most once per ``min_refresh_interval``. Concurrent callers
    share one in-flight refresh; a lookup of a cached key never waits on a refresh.
    """

    def __init__(
        self,
        metadata_url: str,
        session_factory: SessionFactory | None = None,
        *,
        timeout: float = 5.0,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        min_refresh_interval: float = DEFAULT_MIN_REFRESH_INTERVAL,
    ) -> None:
        """Configure the source; nothing is fetched until `start`, `refresh` or `get_key`."""
        if timeout <= 0 or refresh_interval <= 0 or min_refresh_interval < 0:
            raise ValueError("timeout and refresh_interval must be > 0, min_refresh_interval >= 0")
        self._metadata_url = metadata_url
        self._session_factory = session_factory or _default_session_factory(timeout)
        self._timeout = timeout
        self._refresh_interval = refresh_interval
        self._min_refresh_interval = min_refresh_interval
        self._log = logging.getLogger(__name__)
        self._session: aiohttp.ClientSession | None = None
        self._keys: dict[str, SigningKey] = {}
        self._inflight: asyncio.Task[None] | None = None
        self._background: asyncio.Task[None] | None = None
        self._last_on_demand: float | None = None
        self._last_refresh: datetime | None = None
        self._last_error: str | None = None
        self._closed = False

    @property
    def key_count(self) -> int:
        """How many signing keys are cached."""
        return len(self._keys)

    @property
    def last_refresh(self) -> datetime | None:
        """When the keys were last fetched successfully (UTC), or None."""
        return self._last_refresh

    @property
    def last_error(self) -> str | None:
        """Why the most recent refresh failed, or None if it succeeded."""
        return self._last_error

    async def start(self) -> None:
        """Start the background refresh loop (first fetch at once); never blocks or raises."""
        if self._background is None and not self._closed:
            self._background = asyncio.get_running_loop().create_task(
                self._refresh_loop(), name="openid-key-refresh"
            )

    async def close(self) -> None:
        """Stop background work and close the HTTP session made by `session_factory`."""
        self._closed = True
        tasks = [t for t in (self._background, self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._background = None
        self._inflight = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get_key(self, kid: str) -> SigningKey:
        """The cached key `kid`; if unknown, refresh once (rate-limited) or raise."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        if self._inflight is None:
            now = time.monotonic()
            if (
                self._last_on_demand is not None
                and now - self._last_on_demand < self._min_refresh_interval
            ):
                raise AuthenticationError(self._missing_key_reason())
            self._last_on_demand = now
        await self.refresh()
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError(self._missing_key_reason())
        return key

    def _missing_key_reason(self) -> str:
        if not self._keys:
            return f"signing keys unavailable: {self._last_error or 'not loaded yet'}"
        return "token signed with an unknown key"

    async def refresh(self) -> None:
        """Fetch the keys now, or join the refresh in flight. Raises AuthenticationError."""
        if self._closed:
            raise AuthenticationError("signing keys unavailable: key source closed")
        task = self._inflight
        if task is None:
            task = asyncio.get_running_loop().create_task(self._refresh_once())
            task.add_done_callback(self._refresh_done)
            self._inflight = task
        # Shield: a caller giving up (e.g. a client disconnect) must not cancel the shared fetch.
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and (current is None or not current.cancelling()):
                # The shared fetch was cancelled by close(), not this caller.
                raise AuthenticationError("signing keys unavailable: key source closed") from None
            raise

    def _refresh_done(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is never logged as lost

    async def _refresh_loop(self) -> None:
        while True:
            try:
                await self.refresh()
                delay = self._refresh_interval
            except AuthenticationError:
                delay = max(self._min_refresh_interval, 1.0)
            await asyncio.sleep(delay)

    async def _refresh_once(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                keys = await self._fetch_keys()
        except TimeoutError:
            error = f"timed out after {self._timeout:g}s fetching {self._metadata_url}"
        except Exception as exc:  # any failure keeps the cached keys and is reported the same way
            error = f"fetching signing keys failed: {type(exc).__name__}: {exc}"
        else:
            self._keys = keys
            self._last_refresh = datetime.now(UTC)
            self._last_error = None
            self._log.info("Loaded %d signing keys from %s", len(keys), self._metadata_url)
            return
        self._last_error = error
        self._log.warning("%s; keeping %d cached signing keys", error, len(self._keys))
        raise AuthenticationError(f"signing keys unavailable: {error}")

    async def _fetch_keys(self) -> dict[str, SigningKey]:
        if self._session is None or self._session.closed:
            self._session = self._session_factory()
        session = self._session
        config = await _get_json(session, self._metadata_url)
        jwks_uri = config.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not _acceptable_url(jwks_uri, self._metadata_url):
            raise ValueError(f"bad jwks_uri in OpenID configuration: {jwks_uri!r}")
        jwks = await _get_json(session, jwks_uri)
        raw_keys = jwks.get("keys")
        if not isinstance(raw_keys, list):
            raise ValueError("JWKS document has no 'keys' list")
        keys: dict[str, SigningKey] = {}
        for raw in raw_keys:
            key = _parse_jwk(raw)
            if key is not None:
                keys[key.kid] = key
        if not keys:
            raise ValueError("JWKS document contains no usable RSA signing keys")
        return keys


class RequestAuthenticator:
    """Authenticates inbound activities and builds the SDK's `AuthenticateRequestResult`."""

    def __init__(
        self,
        *,
        app_id: str,
        app_password: str,
        app_type: str,
        tenant_id: str,
        metadata_url: str = DEFAULT_METADATA_URL,
        http_timeout: float = 5.0,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        min_refresh_interval: float = DEFAULT_MIN_REFRESH_INTERVAL,
        session_factory: SessionFactory | None = None,
    ) -> None:
        """Build the SDK authentication object and (with an app id) the signing-key cache."""
        wanted = (app_type or "MultiTenant").lower()
        app_type_name = next((name for name in APP_TYPES if name.lower() == wanted), None)
        if app_type_name is None:
            raise ValueError(
                f"app_type must be MultiTenant, SingleTenant or UserAssignedMSI, not {app_type!r}"
            )
        if app_type_name != "MultiTenant" and not (app_id and tenant_id):
            raise ValueError(f"{app_type_name} needs both an app id and a tenant id")
        if app_type_name == "SingleTenant" and not app_password:
            raise ValueError("SingleTenant needs an app password")
        self._app_id = app_id
        configuration = SimpleNamespace(
            APP_ID=app_id,
            APP_PASSWORD=app_password,
            APP_TYPE=app_type_name,
            APP_TENANTID=tenant_id or None,
        )
        speed_up_msrest()
        self._bot_framework_authentication = CachingAuthentication(
            ConfigurationBotFrameworkAuthentication(configuration)
        )
        self._keys: OpenIdKeySource | None = (
            OpenIdKeySource(
                metadata_url or DEFAULT_METADATA_URL,
                session_factory,
                timeout=http_timeout,
                refresh_interval=refresh_interval,
                min_refresh_interval=min_refresh_interval,
            )
            if app_id
            else None
        )

    @property
    def bot_framework_authentication(self) -> BotFrameworkAuthentication:
        """The SDK object to pass to `CloudAdapter(...)` for outbound calls."""
        return self._bot_framework_authentication

    @property
    def anonymous(self) -> bool:
        """True when no app id is set and every request is accepted unauthenticated."""
        return self._keys is None

    async def start(self) -> None:
        """Prefetch signing keys in the background; never blocks or fails start-up."""
        if self._keys is not None:
            await self._keys.start()

    async def close(self) -> None:
        """Stop background refreshes and close the HTTP session."""
        if self._keys is not None:
            await self._keys.close()

    def status(self) -> dict[str, Any]:
        """Key-cache state for /healthz: mode, key count, last refresh and last error."""
        if self._keys is None:
            return {"mode": "anonymous", "keys": 0, "last_refresh": None, "last_error": None}
        last = self._keys.last_refresh
        return {
            "mode": "bot_framework",
            "keys": self._keys.key_count,
            "last_refresh": last.isoformat() if last else None,
            "last_error": self._keys.last_error,
        }

    async def authenticate(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult:
        """Validate the request's bearer token for `activity`; raises AuthenticationError."""
        if self._keys is None:
            identity = ClaimsIdentity({}, True, AuthenticationConstants.ANONYMOUS_AUTH_TYPE)
            return self._result(identity, caller_id=None)
        try:
            claims = await self._validate(self._keys, activity, auth_header)
        except AuthenticationError:
            raise
        except Exception as exc:  # never let anything but AuthenticationError escape
            raise AuthenticationError(f"invalid token: {type(exc).__name__}") from exc
        # Same shape as the SDK's JwtTokenExtractor: authenticated, no authentication type.
        return self._result(ClaimsIdentity(claims, True), CallerIdConstants.public_azure_channel)

    def _result(self, identity: ClaimsIdentity, caller_id: str | None) -> AuthenticateRequestResult:
        # Mirrors _BuiltinBotFrameworkAuthentication.authenticate_request for channel tokens.
        bfa = self._bot_framework_authentication
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = bfa.get_originating_audience()
        result.caller_id = caller_id
        result.connector_factory = bfa.create_connector_factory(identity)
        return result

    async def _validate(
        self, keys: OpenIdKeySource, activity: Activity, auth_header: str | None
    ) -> dict[str, Any]:
        if not auth_header or not isinstance(auth_header, str):
            raise AuthenticationError("missing Authorization header")
        scheme, _, token = auth_header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise AuthenticationError("Authorization scheme is not Bearer")
        if not token or " " in token:
            raise AuthenticationError("malformed bearer token")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthenticationError("malformed bearer token") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise AuthenticationError("token algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
            raise AuthenticationError("token has no usable key id")
        # Cheap pre-check so tokens from other issuers never trigger a key refresh.
        if unverified.get("iss") != CHANNEL_TOKEN_ISSUER:
            raise AuthenticationError("token issuer not accepted")

        key = await keys.get_key(kid)

        channel_id = activity.channel_id
        if not channel_id or channel_id not in key.endorsements:
            raise AuthenticationError(f"signing key not endorsed for channel {channel_id!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self._app_id,
                issuer=CHANNEL_TOKEN_ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"], "strict_aud": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthenticationError("token not yet valid") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthenticationError("token audience is not this bot") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthenticationError("token issuer not accepted") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthenticationError("token signature invalid") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {type(exc).__name__}") from exc
        service_url = claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
        if not service_url or service_url != activity.service_url:
            raise AuthenticationError("serviceurl claim does not match the activity's serviceUrl")
        return claims


def _default_session_factory(timeout: float) -> SessionFactory:
    def factory() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    return factory


async def _get_json(session: aiohttp.ClientSession, url: str) -> Mapping[str, Any]:
    async with session.get(url, allow_redirects=False) as response:
        if response.status != 200:
            raise ValueError(f"GET {url} answered HTTP {response.status}")
        body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"GET {url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError(f"GET {url} did not answer a JSON object")
    return document


def _acceptable_url(url: str, metadata_url: str) -> bool:
    """https only, unless the metadata itself is served over http (local tests)."""
    scheme = urlsplit(url).scheme
    return scheme == "https" or (scheme == "http" and urlsplit(metadata_url).scheme == "http")


def _parse_jwk(raw: object) -> SigningKey | None:
    if not isinstance(raw, dict) or raw.get("kty") != "RSA" or raw.get("use") not in (None, "sig"):
        return None
    kid = raw.get("kid")
    endorsements = raw.get("endorsements", [])
    if not isinstance(kid, str) or not kid or not isinstance(endorsements, list):
        return None
    try:
        key = RSAAlgorithm.from_jwk(raw)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    if isinstance(key, RSAPrivateKey):
        key = key.public_key()
    return SigningKey(kid, key, frozenset(e for e in endorsements if isinstance(e, str)))
