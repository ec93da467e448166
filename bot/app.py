"""The app factory: `create_app(settings)` wires the Teams side, delivery, the database and
the scheduler (the SDK itself is imported only under bot/teams/)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.delivery.foreground import Foreground
from bot.delivery.renderers import RENDERERS
from bot.delivery.sweep import Reminders
from bot.settings import Settings
from bot.teams.adapter import StateStorage, teams_adapter, teams_bot
from bot.teams.auth import RequestAuthenticator
from bot.teams.http import MAX_BODY_BYTES, messages
from bot.teams.keys import (
    ADAPTER,
    AUTHENTICATOR,
    BOT,
    CONTEXT,
    COURIER,
    DATABASE,
    FOREGROUND,
    REMINDERS,
    SCHEDULER,
    SETTINGS,
)
from bot.teams.messenger import Messenger
from storage.crypto import install_keys
from storage.db import Database
from storage.encryption import check_keys

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")


def app_version() -> str:
    """The installed version of the project."""
    try:
        return version("rapid-review")
    except PackageNotFoundError:
        return "0+unknown"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def moved_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and runs at the real pace (local demos only)."""
    offset = start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = _utcnow,
    storage: StateStorage | None = None,
    authenticator: RequestAuthenticator | None = None,
) -> web.Application:
    """Build the aiohttp application; the database and scheduler start with it."""
    settings.check_listener()
    settings.check_clock()
    # DATA_KEYS (or development's generated key): a SettingsError now, before anything starts.
    keyring = settings.data_keyring()
    if settings.clock_start is not None and clock is _utcnow:
        clock = moved_clock(settings.clock_start)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    if authenticator is None:
        kwargs = {}
        if settings.openid_metadata_url:
            kwargs["metadata_url"] = settings.openid_metadata_url
        authenticator = RequestAuthenticator(
            app_id=settings.app_id,
            app_password=settings.app_password,
            app_type=settings.app_type,
            tenant_id=settings.tenant_id,
            **kwargs,
        )
    app[AUTHENTICATOR] = authenticator
    app[ADAPTER] = teams_adapter(authenticator)
    app[FOREGROUND] = Foreground()

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        try:
            await db.check_migrated()
            # Process-wide: the encrypted column types have no per-engine state (storage/crypto).
            install_keys(keyring)
            # A wrong key is a start-up error naming DATA_KEYS, not a failure on first read.
            await check_keys(db)
            app[DATABASE] = db
            context = await AppContext.start(settings, db, clock=clock)
            app[CONTEXT] = context
            messenger = Messenger(authenticator.bot_framework_authentication, settings)
            courier = Courier(context, messenger, RENDERERS, foreground=app[FOREGROUND])
            app[COURIER] = courier
            app[REMINDERS] = Reminders(context, courier)
            app[BOT] = teams_bot(context, db, courier, storage)
            yield
        finally:
            await db.dispose()

    async def auth_ctx(app: web.Application) -> AsyncIterator[None]:
        await authenticator.start()
        yield
        await authenticator.close()

    async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
        scheduler = AsyncIOScheduler(timezone=LONDON)
        app[SCHEDULER] = scheduler
        if settings.reminder_sweep_seconds:
            app[REMINDERS].schedule(scheduler, settings.reminder_sweep_seconds)
        scheduler.start()
        yield
        scheduler.shutdown(wait=False)
        await app[COURIER].idle()

    app.cleanup_ctx.extend([database_ctx, auth_ctx, scheduler_ctx, _settled_heap])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


async def _settled_heap(app: web.Application) -> AsyncIterator[None]:
    """Keep what start-up built out of the garbage collector's full passes.

    The modules, mappers, profile and SDK objects live as long as the process, yet every
    full collection walked all of them: a 100 ms pause on the event loop a few times a
    minute under load, the slowest votes of the benchmark (#8). Frozen, they are left out.
    (No collection first: it costs ~100 ms, a test suite starts the app hundreds of times,
    and the little garbage start-up leaves is freed by reference counting anyway.)
    """
    gc.freeze()
    yield
    gc.unfreeze()


async def _outbox_counts(app: web.Application) -> dict[str, int]:
    from storage.outbox import RESENT, UNDELIVERABLE, counts_by_status

    async with app[DATABASE].session() as session:
        counts = await counts_by_status(session)
    kinds = ("pending", "failed", "uncertain", UNDELIVERABLE, RESENT)
    return {k: counts.get(k, 0) for k in kinds}


async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness: 200 when the database answers, 503 'degraded' when not."""
    app = request.app
    db_ok = await app[DATABASE].ping()
    scheduler = app.get(SCHEDULER)
    body = {
        "status": "ok" if db_ok else "degraded",
        "version": app_version(),
        "database": "ok" if db_ok else "unreachable",
        "scheduler": "running" if scheduler is not None and scheduler.running else "stopped",
        "partnership": app[CONTEXT].partnership_slug,
        "auth": app[AUTHENTICATOR].status(),
        "outbox": await _outbox_counts(app) if db_ok else None,
    }
    return web.json_response(body, status=200 if db_ok else 503)
