"""The app factory: `create_app(settings)` wires the Bot Framework, database and scheduler."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from azure.core.exceptions import DeserializationError
from botbuilder.core import Storage, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import HttpOperationError

from bot.auth import RequestAuthenticator
from bot.context import AppContext
from bot.foreground import Foreground
from bot.handler import RapidReviewBot
from bot.http import MAX_BODY_BYTES, messages
from bot.keys import (
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
from bot.messenger import Messenger
from bot.outbox import Courier
from bot.reminders import Reminders
from bot.renderers import RENDERERS
from bot.settings import Settings
from bot.state import SqlStorage
from storage.db import Database
from storage.state import StateStore

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


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
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


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = _utcnow,
    storage: Storage | None = None,
    authenticator: RequestAuthenticator | None = None,
) -> web.Application:
    """Build the aiohttp application; the database and scheduler start with it."""
    settings.check_listener()
    settings.check_clock()
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
    adapter = CloudAdapter(authenticator.bot_framework_authentication)
    adapter.on_turn_error = _on_turn_error
    app[ADAPTER] = adapter
    app[FOREGROUND] = Foreground()

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        try:
            await db.check_migrated()
            app[DATABASE] = db
            context = await AppContext.start(settings, db, clock=clock)
            app[CONTEXT] = context
            messenger = Messenger(authenticator.bot_framework_authentication, settings)
            courier = Courier(context, messenger, RENDERERS, foreground=app[FOREGROUND])
            app[COURIER] = courier
            app[REMINDERS] = Reminders(context, courier)
            app[BOT] = RapidReviewBot(context, storage or SqlStorage(StateStore(db)), courier)
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
    from storage.outbox import counts_by_status

    async with app[DATABASE].session() as session:
        counts = await counts_by_status(session)
    return {k: counts.get(k, 0) for k in ("pending", "failed", "uncertain")}


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
