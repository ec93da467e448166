"""The app as a server: health, start-up refusals, HTTP errors, authentication, a round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.settings import Settings, SettingsError
from helpers.activities import message, recorded
from helpers.app import app_settings, running_app
from helpers.connector import FakeConnector
from helpers.tokens import OpenIdTestServer, generate_key, mint_token
from storage.db import Database, DatabaseNotMigrated
from storage.models import AuditEvent, BotStateItem, ProcessedActivity

APP_ID = "00000000-0000-4000-8000-0000000000b0"
TEAMS = "https://smba.trafficmanager.net/uk/"


async def test_healthz_ok(db_url: str) -> None:
    async with running_app(app_settings(db_url)) as app:
        resp = await app.client.get("/healthz")
        body = await resp.json()
    assert resp.status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["scheduler"] == "running"
    assert body["version"]


async def test_healthz_degraded_when_database_unreachable(db_url: str) -> None:
    async with running_app(app_settings(db_url)) as app:
        from bot.teams.keys import DATABASE

        db: Database = app.client.app[DATABASE]
        real = db.ping

        async def down(limit_s: float = 2.0) -> bool:
            return False

        db.ping = down  # type: ignore[method-assign]
        resp = await app.client.get("/healthz")
        db.ping = real  # type: ignore[method-assign]
        body = await resp.json()
    assert resp.status == 503
    assert body["status"] == "degraded" and body["database"] == "unreachable"


async def test_healthz_degraded_against_a_dead_postgres_port(db_url: str) -> None:
    # A real unreachable server, not a patched method: a closed port on loopback.
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    db = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none")
    try:
        assert await db.ping(limit_s=2.0) is False
    finally:
        await db.dispose()


async def test_unmigrated_database_refuses_to_start(empty_db_url: str) -> None:
    with pytest.raises(DatabaseNotMigrated, match="db upgrade"):
        async with running_app(app_settings(empty_db_url)):
            pass


def test_anonymous_public_listener_refused() -> None:
    settings = Settings.from_env({"HOST": "0.0.0.0"})
    with pytest.raises(SettingsError, match="MicrosoftAppId"):
        settings.check_listener()
    Settings.from_env({"HOST": "127.0.0.1"}).check_listener()
    Settings.from_env({"HOST": "::1"}).check_listener()
    Settings.from_env({"HOST": "0.0.0.0", "MicrosoftAppId": APP_ID}).check_listener()


def app_settings_from_env_normalises_and_rejects() -> None:
    s = Settings.from_env(
        {"DATABASE_URL": "postgresql://u@h/db", "PORT": "4000", "LOG_LEVEL": "debug"}
    )
    assert s.database_url == "postgresql+asyncpg://u@h/db"
    assert s.port == 4000 and s.log_level == "DEBUG"
    assert Settings.from_env({"DATABASE_URL": "sqlite:///x.db"}).database_url == (
        "sqlite+aiosqlite:///x.db"
    )
    assert Settings.from_env({}).database_url == "sqlite+aiosqlite:///var/rapid-review.db"
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({"PORT": "eighty"})
    with pytest.raises(SettingsError, match="TenantId"):
        Settings.from_env({"MicrosoftAppType": "SingleTenant"})


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", b"{}", 415),
        ("application/json", b"{not json", 400),
        ("application/json", b"[1, 2]", 400),
        ("application/json", b'{"text": "no type"}', 400),
        ("application/json", b'{"type": "message", "text": "x"}', 400),  # no serviceUrl
        ("application/json", b'{"type": "message", "text": "a\\u0000b"}', 400),  # NUL
        ("application/json", b"{" + b'"a": "' + b"x" * (300 * 1024) + b'"}', 413),
        # Nested deeper than the JSON parser goes: 100 KB of brackets.
        (
            "application/json",
            b'{"type": "message", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            400,
        ),
    ],
)
async def test_bad_requests_get_a_clear_4xx(
    db_url: str, content_type: str, body: bytes, status: int
) -> None:
    async with running_app(app_settings(db_url)) as app:
        resp = await app.client.post(
            "/api/messages", data=body, headers={"Content-Type": content_type}
        )
        assert resp.status == status
        assert "error" in await resp.json()


async def test_help_round_trip_through_the_adapter(db_url: str, connector: FakeConnector) -> None:
    async with running_app(app_settings(db_url)) as app:
        resp = await app.post_activity(message("help", service_url=connector.url))
        assert resp.status == 201
    cards = connector.cards()
    assert len(cards) == 1
    assert connector.sent()[0].conversation_id == "a:1robin-personal-fictional"


async def test_welcome_card_when_installed_in_personal_scope(
    db_url: str, connector: FakeConnector
) -> None:
    connector.members["29:1robin-referrer-fictional"] = {
        "id": "29:1robin-referrer-fictional",
        "name": "Robin Referrer",
        "aadObjectId": "00000000-0000-4000-8000-000000000001",
        "email": "robin.referrer@example.org",
        "userPrincipalName": "robin.referrer@example.org",
    }
    async with running_app(app_settings(db_url)) as app:
        resp = await app.post_activity(recorded("personal_install", service_url=connector.url))
        assert resp.status == 201
    assert len(connector.cards()) == 1


# --- authentication through HTTP: every failure is a 401 and runs nothing ----------------


@pytest.fixture
async def openid() -> AsyncIterator[tuple[OpenIdTestServer, object]]:
    server = OpenIdTestServer()
    await server.start()
    key = generate_key("test-key-1")
    server.publish(key)
    yield server, key
    await server.close()


async def _counts(db_url: str) -> tuple[int, int, int]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            return (
                await s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
                await s.scalar(select(func.count()).select_from(ProcessedActivity)) or 0,
                await s.scalar(select(func.count()).select_from(BotStateItem)) or 0,
            )
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    "case", ["no token", "forged signature", "wrong audience", "expired", "garbage"]
)
async def test_authentication_failures_answer_401_and_record_nothing(
    db_url: str, openid: tuple[OpenIdTestServer, object], case: str
) -> None:
    server, key = openid
    other = generate_key("test-key-1")  # same kid, different key: a forgery
    tokens = {
        "no token": None,
        "forged signature": mint_token(other, aud=APP_ID),
        "wrong audience": mint_token(key, aud="someone-else"),  # type: ignore[arg-type]
        "expired": mint_token(key, aud=APP_ID, expires_in=-3600, not_before=-7200),  # type: ignore[arg-type]
        "garbage": "not.a.jwt",
    }
    settings = replace(
        app_settings(db_url),
        app_id=APP_ID,
        app_password="x",
        openid_metadata_url=server.metadata_url,
    )
    before = await _counts(db_url)
    async with running_app(settings) as app:
        resp = await app.post_activity(message("help", service_url=TEAMS), token=tokens[case])
        assert resp.status == 401
    assert await _counts(db_url) == before


async def test_valid_token_is_accepted(
    db_url: str, openid: tuple[OpenIdTestServer, object]
) -> None:
    server, key = openid
    settings = replace(
        app_settings(db_url),
        app_id=APP_ID,
        app_password="x",
        openid_metadata_url=server.metadata_url,
    )
    async with running_app(settings) as app:
        typing = recorded("personal_message", service_url=TEAMS, type="typing", text=None)
        resp = await app.post_activity(typing, token=mint_token(key, aud=APP_ID))  # type: ignore[arg-type]
        assert resp.status == 201


async def test_service_url_off_the_allow_list_is_refused(
    db_url: str, openid: tuple[OpenIdTestServer, object]
) -> None:
    server, key = openid
    evil = "https://attacker.example.net/"
    settings = replace(
        app_settings(db_url),
        app_id=APP_ID,
        app_password="x",
        openid_metadata_url=server.metadata_url,
    )
    async with running_app(settings) as app:
        activity = message("help", service_url=evil)
        token = mint_token(key, aud=APP_ID, service_url=evil)  # type: ignore[arg-type]
        resp = await app.post_activity(activity, token=token)
        assert resp.status == 403


def test_a_moved_clock_is_for_local_demos_only() -> None:
    from bot.app import moved_clock

    env = {"RAPID_REVIEW_CLOCK_START": "2026-11-23T10:00:00+00:00"}
    Settings.from_env(env).check_clock()
    with pytest.raises(SettingsError, match="local demos"):
        Settings.from_env({**env, "MicrosoftAppId": APP_ID}).check_clock()
    with pytest.raises(SettingsError, match="offset"):
        Settings.from_env({"RAPID_REVIEW_CLOCK_START": "2026-11-23T10:00:00"})
    clock = moved_clock(Settings.from_env(env).clock_start)  # type: ignore[arg-type]
    first = clock()
    assert first.isoformat().startswith("2026-11-23T10:00") and clock() >= first
