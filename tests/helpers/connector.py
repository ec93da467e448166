"""A local stand-in for the Bot Connector service (Microsoft's cloud cannot run here).

It answers the v3 REST calls the bot makes — send, reply, update, create conversation,
get member — on loopback, records every call, and can be told to fail. It also stands in for
OneDrive in 1:1 file transfers: an upload session (PUT) and a download URL (GET).
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
    # While set and not yet released, a new activity posted to a channel thread is received
    # and recorded but not answered (Teams holding the POST open); `held` counts them.
    hold_thread_posts: asyncio.Event | None = None
    held: int = 0
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    # OneDrive's side of file transfers: uploads received, files served, downloads made.
    uploads: list[Call] = field(default_factory=list)
    upload_status: int = 201
    # While set and not yet released, an upload is received but not answered (a slow OneDrive).
    upload_gate: asyncio.Event | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[Call] = field(default_factory=list)
    # Serve downloads without a Content-Length (chunked), as a server may.
    chunked_downloads: bool = False
    # The 1:1 chat created per member, so a second create answers the same chat (as Teams).
    personal_chats: dict[str, str] = field(default_factory=dict)
    # Teams refusing a person: creating a 1:1 chat with this member id, or posting to this
    # conversation id, is answered with this status (403: not allowed, 404: not found) until
    # the entry is removed.
    refuse_members: dict[str, int] = field(default_factory=dict)
    refuse_conversations: dict[str, int] = field(default_factory=dict)
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """The service URL to put in activities (with a trailing slash, as Teams sends)."""
        assert self.server is not None
        return str(self.server.make_url("/"))

    def upload_url(self, name: str, host: str = "127.0.0.1") -> str:
        """An upload session URL for `name` (on `host`, which must reach this server)."""
        assert self.server is not None
        return f"http://{host}:{self.server.port}/onedrive/upload/{name}?tempauth=fictional"

    def download_url(self, name: str, host: str = "127.0.0.1") -> str:
        """A pre-authenticated download URL for a file set in `files`."""
        assert self.server is not None
        return f"http://{host}:{self.server.port}/onedrive/download/{name}?tempauth=fictional"

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

    async def wait_for_uploads(self, count: int, limit_s: float = 5.0) -> None:
        """Wait until at least `count` uploads have arrived (answered or not)."""
        async with asyncio.timeout(limit_s):
            while len(self.uploads) < count:
                self.changed.clear()
                await self.changed.wait()

    async def wait_until(self, condition: Any, limit_s: float = 10.0) -> None:
        """Wait until `condition()` holds (checked after each request the connector gets)."""
        async with asyncio.timeout(limit_s):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

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
        refused = self.refuse_conversations.get(request.match_info.get("conversation_id", ""))
        if refused is not None:
            self._record(request, body)
            return web.json_response({"error": {"code": "Refused"}}, status=refused)
        call = self._record(request, body)
        gate = self.hold_thread_posts
        if gate is not None and request.method == "POST" and ";messageid=" in call.conversation_id:
            self.held += 1
            self.changed.set()
            await gate.wait()
        if request.method == "PUT":
            return web.json_response({"id": call.activity_id})
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=200)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        members = body.get("members") or [] if isinstance(body, dict) else []
        member = members[0].get("id") if len(members) == 1 and not body.get("isGroup") else None
        if isinstance(member, str) and member in self.refuse_members:
            return web.json_response(
                {"error": {"code": "Refused"}}, status=self.refuse_members[member]
            )
        if isinstance(member, str):
            chat = self.personal_chats.setdefault(member, f"a:conv-{next(self._ids)}")
            return web.json_response({"id": chat})
        return web.json_response(
            {"id": f"a:conv-{next(self._ids)}", "activityId": f"act-{next(self._ids)}"}
        )

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        name = request.match_info["name"]
        self.uploads.append(
            Call(request.method, request.path, "", None, body, dict(request.headers))
        )
        self.changed.set()
        if self.upload_gate is not None:
            await self.upload_gate.wait()
        if self.upload_status >= 300:
            return web.json_response(
                {"error": {"code": "generalException"}}, status=self.upload_status
            )
        return web.json_response(
            {
                "id": f"01FICTIONAL{len(self.uploads)}",
                "name": name,
                "size": len(body),
                "file": {"mimeType": "application/octet-stream"},
                "webUrl": f"https://example.org/personal/Documents/{name}",
            },
            status=self.upload_status,
        )

    async def _download(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.downloads.append(Call(request.method, request.path, "", None, None, {}))
        data = self.files.get(name)
        if data is None:
            return web.json_response({"error": {"code": "itemNotFound"}}, status=404)
        if not self.chunked_downloads:
            return web.Response(body=data, content_type="text/csv")
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(data), 64 * 1024):
            await response.write(data[start : start + 64 * 1024])
        await response.write_eof()
        return response

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
        app.router.add_put("/onedrive/upload/{name}", self._upload)
        app.router.add_get("/onedrive/download/{name}", self._download)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        """Stop serving."""
        if self.server is not None:
            await self.server.close()
