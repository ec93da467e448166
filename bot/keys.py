"""Typed keys for what the aiohttp application carries (no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from botbuilder.core import ActivityHandler
    from botbuilder.integration.aiohttp import CloudAdapter

    from bot.auth import RequestAuthenticator
    from bot.context import AppContext
    from bot.foreground import Foreground
    from bot.outbox import Courier
    from bot.reminders import Reminders
    from bot.settings import Settings
    from storage.db import Database

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
AUTHENTICATOR: web.AppKey[RequestAuthenticator] = web.AppKey("authenticator")
ADAPTER: web.AppKey[CloudAdapter] = web.AppKey("adapter")
BOT: web.AppKey[ActivityHandler] = web.AppKey("bot")
SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("scheduler")
CONTEXT: web.AppKey[AppContext] = web.AppKey("context")
COURIER: web.AppKey[Courier] = web.AppKey("courier")
REMINDERS: web.AppKey[Reminders] = web.AppKey("reminders")
FOREGROUND: web.AppKey[Foreground] = web.AppKey("foreground")
