"""Offline tests of bot.teams.auth: channel-token validation and the async OpenID key cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import jwt
import pytest
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bot.teams.auth import AuthenticationError, OpenIdKeySource, RequestAuthenticator
from helpers.tokens import (
    TEAMS_SERVICE_URL,
    KeyPair,
    OpenIdTestServer,
    generate_key,
    mint_token,
)

APP_ID = "00000000-1111-2222-3333-444444444444"
TIMEOUT = 0.5


@pytest.fixture(scope="session")
def key_a() -> KeyPair:
    """The key the channel signs with at first."""
    return generate_key("kid-a")


@pytest.fixture(scope="session")
def key_b() -> KeyPair:
    """The key the channel rotates to."""
    return generate_key("kid-b")


@pytest.fixture(scope="session")
def impostor() -> KeyPair:
    """A key nobody published, reusing the published key id."""
    return generate_key("kid-a")


@pytest.fixture
async def server(key_a: KeyPair) -> AsyncIterator[OpenIdTestServer]:
    """An OpenID server publishing key A, endorsed for msteams and webchat."""
    srv = OpenIdTestServer()
    srv.publish(key_a)
    await srv.start()
    yield srv
    await srv.close()


@pytest.fixture
async def make_auth(
    server: OpenIdTestServer,
) -> AsyncIterator[Callable[..., RequestAuthenticator]]:
    """Build started authenticators against the test server; all are closed afterwards."""
    made: list[RequestAuthenticator] = []

    def make(**overrides: object) -> RequestAuthenticator:
        kwargs: dict[str, object] = {
            "app_id": APP_ID,
            "app_password": "secret",
            "app_type": "MultiTenant",
            "tenant_id": "",
            "metadata_url": server.metadata_url,
            "http_timeout": TIMEOUT,
        }
        kwargs.update(overrides)
        auth = RequestAuthenticator(**kwargs)  # type: ignore[arg-type]
        made.append(auth)
        return auth

    yield make
    for auth in made:
        await auth.close()


@pytest.fixture
async def auth(make_auth: Callable[..., RequestAuthenticator]) -> RequestAuthenticator:
    """A started authenticator whose key cache already holds key A."""
    authenticator = make_auth()
    await authenticator.start()
    for _ in range(100):
        if authenticator.status()["keys"]:
            break
        await asyncio.sleep(0.01)
    assert authenticator.status()["keys"] == 1
    return authenticator


def activity(channel_id: str = "msteams", service_url: str = TEAMS_SERVICE_URL) -> Activity:
    """A Teams message activity."""
    return Activity(
        type=ActivityTypes.message,
        id="1",
        text="hello",
        channel_id=channel_id,
        service_url=service_url,
        from_property=ChannelAccount(id="29:user"),
        recipient=ChannelAccount(id=f"28:{APP_ID}"),
        conversation=ConversationAccount(id="a:conversation"),
    )


def bearer(token: str) -> str:
    """An Authorization header value."""
    return f"Bearer {token}"


async def test_valid_token_is_authenticated(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    result = await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))

    identity = result.claims_identity
    assert identity.is_authenticated
    assert identity.claims["aud"] == APP_ID
    assert identity.claims["iss"] == "https://api.botframework.com"
    assert identity.claims["serviceurl"] == TEAMS_SERVICE_URL
    assert result.audience == "https://api.botframework.com"
    assert result.caller_id == "urn:botframework:azure"
    assert result.connector_factory is not None
    client = await result.connector_factory.create(TEAMS_SERVICE_URL, result.audience)
    assert client.config.credentials.microsoft_app_id == APP_ID


async def test_clock_skew_of_five_minutes_is_allowed(
    auth: RequestAuthenticator, key_a: KeyPair
) -> None:
    token = mint_token(key_a, aud=APP_ID, expires_in=-120, not_before=120)
    result = await auth.authenticate(activity(), bearer(token))
    assert result.claims_identity.is_authenticated


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer two tokens",
        "eyJhbGciOiJSUzI1NiJ9.e30.sig",
    ],
)
async def test_missing_or_malformed_header_is_rejected(
    auth: RequestAuthenticator, header: str | None
) -> None:
    with pytest.raises(AuthenticationError):
        await auth.authenticate(activity(), header)  # type: ignore[arg-type]


async def test_non_bearer_scheme_with_valid_token_is_rejected(
    auth: RequestAuthenticator, key_a: KeyPair
) -> None:
    with pytest.raises(AuthenticationError, match="Bearer"):
        await auth.authenticate(activity(), f"Token {mint_token(key_a, aud=APP_ID)}")


async def test_forged_signature_with_published_kid_is_rejected(
    auth: RequestAuthenticator, impostor: KeyPair
) -> None:
    with pytest.raises(AuthenticationError, match="signature"):
        await auth.authenticate(activity(), bearer(mint_token(impostor, aud=APP_ID)))


async def test_tampered_payload_is_rejected(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    header, _, signature = mint_token(key_a, aud=APP_ID).split(".")
    other_payload = mint_token(key_a, aud=APP_ID, extra_claims={"x": 1}).split(".")[1]
    with pytest.raises(AuthenticationError):
        await auth.authenticate(activity(), bearer(f"{header}.{other_payload}.{signature}"))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "some-other-bot"}, "audience"),
        ({"aud": [APP_ID, "other"]}, "audience"),
        ({"aud": None}, "MissingRequiredClaim"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"iss": "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"}, "issuer"),
        ({"iss": None}, "issuer"),
        ({"expires_in": -400}, "expired"),
        ({"not_before": 400}, "not yet valid"),
    ],
)
async def test_bad_claims_are_rejected(
    auth: RequestAuthenticator, key_a: KeyPair, claims: dict[str, object], reason: str
) -> None:
    kwargs: dict[str, object] = {"aud": APP_ID, **claims}
    token = mint_token(key_a, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(AuthenticationError, match=reason):
        await auth.authenticate(activity(), bearer(token))


async def test_token_without_exp_is_rejected(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": TEAMS_SERVICE_URL}
    token = jwt.encode(claims, key_a.private_key, algorithm="RS256", headers={"kid": key_a.kid})
    with pytest.raises(AuthenticationError):
        await auth.authenticate(activity(), bearer(token))


async def test_other_algorithms_are_rejected(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": TEAMS_SERVICE_URL,
        "exp": int(time.time()) + 600,
    }
    hs = jwt.encode(
        claims, "secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": key_a.kid}
    )
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": key_a.kid})
    ps = mint_token(key_a, aud=APP_ID, algorithm="PS256")
    for token in (hs, unsigned, ps):
        with pytest.raises(AuthenticationError, match="algorithm"):
            await auth.authenticate(activity(), bearer(token))


async def test_token_without_kid_is_rejected(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    with pytest.raises(AuthenticationError, match="key id"):
        await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID, kid="")))


async def test_key_not_endorsed_for_channel_is_rejected(
    auth: RequestAuthenticator, key_a: KeyPair
) -> None:
    token = mint_token(key_a, aud=APP_ID)
    for channel in ("skype", "", None):
        with pytest.raises(AuthenticationError, match="endorsed"):
            await auth.authenticate(activity(channel_id=channel), bearer(token))  # type: ignore[arg-type]
    # The same token is fine for a channel the key is endorsed for.
    await auth.authenticate(activity(channel_id="webchat"), bearer(token))


async def test_service_url_mismatch_is_rejected(auth: RequestAuthenticator, key_a: KeyPair) -> None:
    token = mint_token(key_a, aud=APP_ID)
    with pytest.raises(AuthenticationError, match="serviceurl"):
        await auth.authenticate(activity(service_url="https://evil.example/"), bearer(token))
    missing_claim = mint_token(key_a, aud=APP_ID, service_url=None)
    with pytest.raises(AuthenticationError, match="serviceurl"):
        await auth.authenticate(activity(), bearer(missing_claim))


async def test_key_rotation_refreshes_once_and_accepts_new_key(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair, key_b: KeyPair
) -> None:
    server.publish(key_a, key_b)
    before = server.jwks_requests

    result = await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))

    assert result.claims_identity.is_authenticated
    assert server.jwks_requests == before + 1
    assert auth.status()["keys"] == 2
    # Now cached: no further fetch.
    await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    assert server.jwks_requests == before + 1


async def test_rotated_out_key_is_dropped_after_refresh(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair, key_b: KeyPair
) -> None:
    server.publish(key_b)
    await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    with pytest.raises(AuthenticationError, match="unknown key"):
        await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))


async def test_unknown_kid_is_rejected_without_refresh_storm(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair
) -> None:
    before = server.jwks_requests
    for i in range(20):
        token = mint_token(key_a, aud=APP_ID, kid=f"unknown-{i}")
        with pytest.raises(AuthenticationError, match="unknown key"):
            await auth.authenticate(activity(), bearer(token))
    assert server.jwks_requests == before + 1
    # Valid tokens are unaffected.
    await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))


async def test_on_demand_refresh_is_allowed_again_after_the_interval(
    make_auth: Callable[..., RequestAuthenticator],
    server: OpenIdTestServer,
    key_a: KeyPair,
    key_b: KeyPair,
) -> None:
    auth = make_auth(min_refresh_interval=0.2)
    await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    with pytest.raises(AuthenticationError):
        await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    server.publish(key_a, key_b)
    with pytest.raises(AuthenticationError):  # rate-limited: not fetched yet
        await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    await asyncio.sleep(0.25)
    await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))


async def test_concurrent_unknown_kids_share_one_refresh(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair, key_b: KeyPair
) -> None:
    server.publish(key_a, key_b)
    server.delay = 0.1
    before = server.jwks_requests
    token = bearer(mint_token(key_b, aud=APP_ID))

    results = await asyncio.gather(*(auth.authenticate(activity(), token) for _ in range(10)))

    assert all(r.claims_identity.is_authenticated for r in results)
    assert server.jwks_requests == before + 1


async def test_slow_metadata_times_out_and_cached_keys_keep_working(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair, key_b: KeyPair
) -> None:
    server.publish(key_a, key_b)
    server.delay = 30
    started = time.monotonic()
    waiting = asyncio.create_task(
        auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    )
    await asyncio.sleep(0.05)

    cached_start = time.monotonic()
    result = await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    assert result.claims_identity.is_authenticated
    assert time.monotonic() - cached_start < 0.1
    assert not waiting.done()

    with pytest.raises(AuthenticationError, match="timed out"):
        await waiting
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert auth.status()["keys"] == 1
    assert "timed out" in auth.status()["last_error"]


async def test_metadata_down_is_an_authentication_error(
    make_auth: Callable[..., RequestAuthenticator], server: OpenIdTestServer, key_a: KeyPair
) -> None:
    server.down = True
    auth = make_auth()
    with pytest.raises(AuthenticationError, match="unavailable"):
        await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    assert auth.status()["keys"] == 0
    assert "503" in auth.status()["last_error"]


async def test_start_does_not_block_or_fail_when_metadata_is_unreachable(
    key_a: KeyPair,
) -> None:
    srv = OpenIdTestServer()
    await srv.start()
    url = srv.metadata_url
    await srv.close()  # nothing listens on that port any more
    auth = RequestAuthenticator(
        app_id=APP_ID,
        app_password="secret",
        app_type="MultiTenant",
        tenant_id="",
        metadata_url=url,
        http_timeout=TIMEOUT,
    )
    try:
        started = time.monotonic()
        await auth.start()
        assert time.monotonic() - started < 0.1
        await asyncio.sleep(0.1)
        status = auth.status()
        assert status["keys"] == 0 and status["last_refresh"] is None
        with pytest.raises(AuthenticationError, match="unavailable"):
            await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    finally:
        await auth.close()


async def test_start_does_not_block_on_slow_metadata(
    make_auth: Callable[..., RequestAuthenticator], server: OpenIdTestServer
) -> None:
    server.delay = 30
    auth = make_auth()
    started = time.monotonic()
    await auth.start()
    assert time.monotonic() - started < 0.1
    await auth.close()


async def test_close_during_refresh_fails_waiters_with_authentication_error(
    make_auth: Callable[..., RequestAuthenticator], server: OpenIdTestServer, key_a: KeyPair
) -> None:
    server.delay = 30
    auth = make_auth(http_timeout=10)
    waiting = asyncio.create_task(
        auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    )
    await asyncio.sleep(0.05)
    await auth.close()
    with pytest.raises(AuthenticationError, match="closed"):
        await waiting


async def test_background_refresh_picks_up_new_keys(
    make_auth: Callable[..., RequestAuthenticator],
    server: OpenIdTestServer,
    key_a: KeyPair,
    key_b: KeyPair,
) -> None:
    auth = make_auth(refresh_interval=0.1)
    await auth.start()
    server.publish(key_a, key_b)
    for _ in range(100):
        if auth.status()["keys"] == 2:
            break
        await asyncio.sleep(0.02)
    assert auth.status()["keys"] == 2
    assert auth.status()["last_refresh"] is not None


async def test_failed_refresh_keeps_cached_keys(
    auth: RequestAuthenticator, server: OpenIdTestServer, key_a: KeyPair, key_b: KeyPair
) -> None:
    server.down = True
    with pytest.raises(AuthenticationError):
        await auth.authenticate(activity(), bearer(mint_token(key_b, aud=APP_ID)))
    await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))


async def test_status_reports_the_key_cache(auth: RequestAuthenticator) -> None:
    status = auth.status()
    assert status["mode"] == "bot_framework"
    assert status["keys"] == 1
    assert status["last_refresh"].endswith("+00:00")
    assert status["last_error"] is None


async def test_key_source_ignores_unusable_jwks_entries(
    server: OpenIdTestServer, key_a: KeyPair
) -> None:
    server.keys = [
        {"kty": "EC", "kid": "ec"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        {"kty": "RSA", "n": "x", "e": "AQAB"},
        key_a.public_jwk(),
    ]
    source = OpenIdKeySource(server.metadata_url, timeout=TIMEOUT)
    try:
        await source.refresh()
        assert source.key_count == 1
        key = await source.get_key("kid-a")
        assert key.endorsements == frozenset({"msteams", "webchat"})
    finally:
        await source.close()


async def test_empty_app_id_gives_anonymous_result() -> None:
    auth = RequestAuthenticator(app_id="", app_password="", app_type="MultiTenant", tenant_id="")
    await auth.start()
    try:
        for header in ("", None, "Bearer garbage"):
            result = await auth.authenticate(activity(), header)  # type: ignore[arg-type]
            identity = result.claims_identity
            assert identity.claims == {}
            assert identity.is_authenticated  # as the SDK does when auth is disabled
            assert identity.authentication_type == "anonymous"
            assert result.caller_id is None
            assert result.audience == "https://api.botframework.com"
            client = await result.connector_factory.create(TEAMS_SERVICE_URL, result.audience)
            assert client.config.credentials.microsoft_app_id == ""  # no outbound token
        assert auth.anonymous
        assert auth.status() == {
            "mode": "anonymous",
            "keys": 0,
            "last_refresh": None,
            "last_error": None,
        }
    finally:
        await auth.close()


async def test_single_tenant_uses_tenant_for_outbound_credentials(
    make_auth: Callable[..., RequestAuthenticator], key_a: KeyPair
) -> None:
    tenant = "55555555-6666-7777-8888-999999999999"
    auth = make_auth(app_type="SingleTenant", tenant_id=tenant)
    result = await auth.authenticate(activity(), bearer(mint_token(key_a, aud=APP_ID)))
    client = await result.connector_factory.create(TEAMS_SERVICE_URL, result.audience)
    assert client.config.credentials.oauth_endpoint.endswith(tenant)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"app_type": "Whatever"},
        {"app_type": "SingleTenant", "tenant_id": ""},
        {"app_type": "SingleTenant", "app_id": "", "tenant_id": "t"},
        {"app_type": "UserAssignedMSI", "tenant_id": ""},
    ],
)
def test_inconsistent_configuration_is_refused(kwargs: dict[str, str]) -> None:
    base = {"app_id": APP_ID, "app_password": "secret", "app_type": "MultiTenant", "tenant_id": ""}
    with pytest.raises(ValueError):
        RequestAuthenticator(**{**base, **kwargs})


def test_bot_framework_authentication_is_exposed_for_the_adapter() -> None:
    auth = RequestAuthenticator(
        app_id=APP_ID, app_password="secret", app_type="MultiTenant", tenant_id=""
    )
    bfa = auth.bot_framework_authentication
    assert bfa.get_originating_audience() == "https://api.botframework.com"
