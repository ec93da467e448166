"""Start the real app on loopback (aiohttp TestServer) against a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from helpers.keys import TEST_DATA_KEY


@dataclass
class RunningApp:
    """A started app and a client for it."""

    client: TestClient
    settings: Settings

    async def post_activity(
        self, activity: dict[str, Any], *, token: str | None = None
    ) -> ClientResponse:
        """POST one activity to /api/messages (with a bearer token when given)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.post("/api/messages", json=activity, headers=headers)


def app_settings(database_url: str, **changes: Any) -> Settings:
    """Settings for a test app on loopback, anonymous, the sweep driven by the test, and the
    suite's data key."""
    base = Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        reminder_sweep_seconds=0,
        card_update_seconds=0.0,
        data_keys=(TEST_DATA_KEY,),
    )
    return replace(base, **changes)


@asynccontextmanager
async def running_app(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, **kwargs: Any
) -> AsyncIterator[RunningApp]:
    """Start the app from `create_app` with its cleanup contexts, then stop it."""
    if clock is not None:
        kwargs["clock"] = clock
    app = create_app(settings, **kwargs)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield RunningApp(client=client, settings=settings)
    finally:
        await client.close()
