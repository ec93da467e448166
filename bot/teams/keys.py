"""Typed keys for what the aiohttp application carries (no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.context import AppContext
    from bot.delivery.courier import Courier
    from bot.delivery.foreground import Foreground
    from bot.delivery.sweep import Reminders
    from bot.settings import Settings
    from bot.teams.adapter import Adapter, TurnHandler
    from bot.teams.auth import RequestAuthenticator
    from storage.db import Database

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
AUTHENTICATOR: web.AppKey[RequestAuthenticator] = web.AppKey("authenticator")
ADAPTER: web.AppKey[Adapter] = web.AppKey("adapter")
BOT: web.AppKey[TurnHandler] = web.AppKey("bot")
SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("scheduler")
CONTEXT: web.AppKey[AppContext] = web.AppKey("context")
COURIER: web.AppKey[Courier] = web.AppKey("courier")
REMINDERS: web.AppKey[Reminders] = web.AppKey("reminders")
FOREGROUND: web.AppKey[Foreground] = web.AppKey("foreground")
