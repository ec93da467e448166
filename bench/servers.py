"""The servers `make bench` loads, one per process: `python -m bench.servers KIND PORT [DB_URL]`.

- plain: an aiohttp handler that parses the same JSON (the ceiling)
- stock: botbuilder's CloudAdapter.process with an empty bot (what a Python Teams developer gets)
- bare:  this project's front door and adapter wiring with an empty bot
- vote:  this bot, a panel vote invoke end to end on DB_URL (SQLite or PostgreSQL)
- connector: the Bot Connector stand-in the vote's card updates go to (`connector PORT`)
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from aiohttp import web


async def plain_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"type": body.get("type")}, status=201)

    app = web.Application()
    app.router.add_post("/api/messages", handler)
    return app


async def stock_app() -> web.Application:
    from botbuilder.core import ActivityHandler
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class Config:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = ActivityHandler()

    async def handler(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        assert response is not None
        return response  # type: ignore[return-value]

    app = web.Application()
    app.router.add_post("/api/messages", handler)
    return app


async def bare_app() -> web.Application:
    from botbuilder.core import ActivityHandler
    from botbuilder.integration.aiohttp import CloudAdapter

    from bot.delivery.foreground import Foreground
    from bot.settings import Settings
    from bot.teams.auth import RequestAuthenticator
    from bot.teams.http import MAX_BODY_BYTES, messages
    from bot.teams.keys import ADAPTER, AUTHENTICATOR, BOT, FOREGROUND, SETTINGS

    settings = Settings()
    auth = RequestAuthenticator(app_id="", app_password="", app_type="MultiTenant", tenant_id="")
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[AUTHENTICATOR] = auth
    app[ADAPTER] = CloudAdapter(auth.bot_framework_authentication)
    app[BOT] = ActivityHandler()
    app[FOREGROUND] = Foreground()
    app.router.add_post("/api/messages", messages)
    return app


async def connector_app() -> web.Application:
    """A Bot Connector stand-in for the card updates the votes cause (off the request path).

    In a process of its own, as Teams' service is: its work is not the bot's.
    """

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": "bench-activity"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ok)
    return app


async def seed(db_url: str, connector_url: str) -> None:
    """A migrated database with the demo roster, the channel and one case with its panel open."""
    from bot.settings import Settings
    from bot.usecases.roster import DEMO_ROSTER, import_roster
    from review.profiles import load_profile
    from storage import cases as case_repo
    from storage import repositories as repo
    from storage.crypto import install_keys
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(db_url)
    try:
        await upgrade(db.engine)
        settings = Settings(database_url=db_url)
        # The case's form is encrypted: sealed with the keys the app then starts with.
        install_keys(settings.data_keyring())
        await import_roster(settings, DEMO_ROSTER)
        profile = load_profile("stockport")
        now = datetime.now(UTC)
        async with db.session() as s, s.begin():
            p = await repo.get_partnership(s, "stockport")
            await repo.save_conversation_reference(
                s,
                p.id,
                kind="channel",
                key="rapid_review",
                conversation_id="19:bench@thread.tacv2",
                service_url=connector_url,
                tenant_id=None,
                reference={},
            )
            case = await case_repo.open_case(
                s,
                partnership_id=p.id,
                prefix=profile.partnership.reference_prefix,
                year=now.year,
                received_at=now,
                pathway_sought="rapid_review",
                referring_agency="stockport_nhs_ft",
                event_date=now.date(),
                referrer_member_id=None,
                referrer_aad_object_id=None,
                submission_key="bench",
                form={},
                status="panel",
            )
            case.channel_activity_id = "bench-root"
    finally:
        await db.dispose()


async def vote_app(db_url: str, connector_port: int) -> web.Application:
    from bot.app import create_app
    from bot.settings import Settings

    connector_url = f"http://127.0.0.1:{connector_port}/"
    await seed(db_url, connector_url)
    settings = Settings(database_url=db_url, reminder_sweep_seconds=0, log_level="WARNING")
    return create_app(settings)


def main(argv: list[str]) -> None:
    """Start one server and print 'ready' once it listens."""
    kind, port = argv[0], int(argv[1])
    import logging

    logging.basicConfig(level=logging.WARNING)

    async def build() -> web.Application:
        if kind == "plain":
            return await plain_app()
        if kind == "stock":
            return await stock_app()
        if kind == "bare":
            return await bare_app()
        if kind == "vote":
            return await vote_app(argv[2], int(argv[3]))
        if kind == "connector":
            return await connector_app()
        raise SystemExit(f"unknown server kind {kind!r}")

    async def serve() -> None:
        app = await build()
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(json.dumps({"ready": kind}), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            # The app's own shutdown (the courier stopped before its executor goes).
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
