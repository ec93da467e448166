"""Test doubles for Bot Framework channel authentication: RSA keys, tokens and an OpenID server.

Keys are generated in the test process and never written to disk.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CHANNEL_ISSUER = "https://api.botframework.com"
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/uk/"
DEFAULT_ENDORSEMENTS = ("msteams", "webchat")


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair with a key id, for signing test tokens."""

    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self, endorsements: Iterable[str] = DEFAULT_ENDORSEMENTS) -> dict[str, Any]:
        """The public key as a Bot Framework style JWK (with `endorsements`)."""
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", endorsements=list(endorsements))
        return jwk


def generate_key(kid: str) -> KeyPair:
    """A fresh 2048-bit RSA key pair named `kid`."""
    return KeyPair(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def mint_token(
    key: KeyPair,
    *,
    aud: str | None,
    service_url: str | None = TEAMS_SERVICE_URL,
    iss: str | None = CHANNEL_ISSUER,
    kid: str | None = None,
    expires_in: float = 3600,
    not_before: float = -60,
    algorithm: str = "RS256",
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """An RS256 token signed by `key` (header kid defaults to `key.kid`); None omits a claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "serviceurl": service_url,
        "exp": now + int(expires_in),
        "nbf": now + int(not_before),
        "iat": now + int(not_before),
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    claims.update(extra_claims or {})
    headers = {"kid": kid if kid is not None else key.kid}
    return jwt.encode(claims, key.private_key, algorithm=algorithm, headers=headers)


@dataclass
class OpenIdTestServer:
    """An aiohttp server on 127.0.0.1 serving an OpenID configuration and a JWKS document.

    Set `keys` to rotate, `delay` (seconds) to be slow, `down` to answer 503. The counters
    record how many times each document was requested.
    """

    keys: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    down: bool = False
    metadata_requests: int = 0
    jwks_requests: int = 0
    _runner: web.AppRunner | None = None
    _base_url: str = ""
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def metadata_url(self) -> str:
        """Where the OpenID configuration document is served."""
        return f"{self._base_url}/v1/.well-known/openidconfiguration"

    def publish(self, *pairs: KeyPair, endorsements: Iterable[str] = DEFAULT_ENDORSEMENTS) -> None:
        """Serve exactly these keys (all with the same endorsements) from now on."""
        self.keys = [pair.public_jwk(endorsements) for pair in pairs]

    async def start(self) -> None:
        """Listen on a random free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._jwks)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Release slow handlers and stop listening."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _pause(self) -> None:
        if self.delay > 0:
            try:
                await asyncio.wait_for(self._closing.wait(), self.delay)
            except TimeoutError:
                pass

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        await self._pause()
        if self.down:
            return web.Response(status=503)
        return web.json_response(
            {
                "issuer": CHANNEL_ISSUER,
                "jwks_uri": f"{self._base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_requests += 1
        await self._pause()
        if self.down:
            return web.Response(status=503)
        return web.json_response({"keys": self.keys})
