"""A local stand-in for the Bot Connector service (Microsoft's cloud cannot run here).

It answers the v3 REST calls the bot makes — send, reply, update, create conversation,
get member — on loopback, records every call, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    """One request the bot made to the connector."""

    method: str
    path: str
    conversation_id: str
    activity_id: str | None
    body: Any
    headers: dict[str, str]


@dataclass
class FakeConnector:
    """Records calls; `fail_next` queues (status, headers) answers before succeeding."""

    calls: list[Call] = field(default_factory=list)
    fail_next: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    # Posts to accept but answer by dropping the connection (the caller cannot tell).
    drop_next: int = 0
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """The service URL to put in activities (with a trailing slash, as Teams sends)."""
        assert self.server is not None
        return str(self.server.make_url("/"))

    def sent(self) -> list[Call]:
        """Every call that created or updated an activity."""
        return [c for c in self.calls if c.path.endswith("/activities") or c.activity_id]

    def texts(self) -> list[str]:
        """The text of every activity sent, in order."""
        return [c.body.get("text") or "" for c in self.sent() if isinstance(c.body, dict)]

    def cards(self) -> list[dict[str, Any]]:
        """Every Adaptive Card sent or updated, in order."""
        found = []
        for call in self.sent():
            for att in (call.body or {}).get("attachments") or []:
                if att.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    found.append(att["content"])
        return found

    async def wait_for(self, count: int, limit_s: float = 5.0) -> None:
        """Wait until at least `count` activities have been sent."""
        async with asyncio.timeout(limit_s):
            while len(self.sent()) < count:
                self.changed.clear()
                await self.changed.wait()

    def _record(self, request: web.Request, body: Any) -> Call:
        call = Call(
            method=request.method,
            path=request.path,
            conversation_id=request.match_info.get("conversation_id", ""),
            activity_id=request.match_info.get("activity_id"),
            body=body,
            headers=dict(request.headers),
        )
        self.calls.append(call)
        self.changed.set()
        return call

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        if self.drop_next:
            self.drop_next -= 1
            self._record(request, body)
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped by the fake connector")
        if self.fail_next:
            status, headers = self.fail_next.popleft()
            self._record(request, body)
            return web.json_response({"error": {"code": "Fail"}}, status=status, headers=headers)
        call = self._record(request, body)
        if request.method == "PUT":
            return web.json_response({"id": call.activity_id})
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=200)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        return web.json_response(
            {"id": f"a:conv-{next(self._ids)}", "activityId": f"act-{next(self._ids)}"}
        )

    async def _member(self, request: web.Request) -> web.Response:
        member_id = request.match_info["member_id"]
        member = self.members.get(member_id)
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)

    async def start(self) -> FakeConnector:
        """Start serving on 127.0.0.1 (random port)."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._handle)
        app.router.add_post(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._handle
        )
        app.router.add_put(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._handle
        )
        app.router.add_get("/v3/conversations/{conversation_id}/members/{member_id}", self._member)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        """Stop serving."""
        if self.server is not None:
            await self.server.close()
