"""The load generator (bench/http_bench.py): one body encoded once, each request with its
own activity id, sent by wrk; its figures read from wrk's report."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from bench.http_bench import encoded_with_ids, free_port, load, vote_body, wrk_figures


def test_each_request_is_the_same_activity_with_its_own_id() -> None:
    body = vote_body("http://127.0.0.1:9/", "SSCP-2026-0001")
    before, after = encoded_with_ids(body)
    sent = [json.loads(before + json.dumps(f"bench-{n}").encode() + after) for n in range(3)]
    assert [s.pop("id") for s in sent] == ["bench-0", "bench-1", "bench-2"]
    expected = {k: v for k, v in body.items() if k != "id"}
    assert sent == [expected] * 3


def test_a_body_that_already_holds_the_marker_is_refused() -> None:
    body = {"type": "message", "text": "bench-activity-id-goes-here"}
    with pytest.raises(ValueError, match="marker"):
        encoded_with_ids(body)


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP server on loopback, in a thread of its own, that keeps every body it is sent.

    Every other request is answered 202, so the status counts have two kinds to tell apart.
    """
    received: list[dict[str, Any]] = []
    started = threading.Event()
    loop = asyncio.new_event_loop()
    port = free_port()

    async def handler(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({}, status=200 if len(received) % 2 else 202)

    async def serve() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/api/messages", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner = loop.run_until_complete(serve())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield f"http://127.0.0.1:{port}/api/messages", received
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def settled(received: list[Any], quiet_s: float = 0.2, limit_s: float = 5.0) -> int:
    """How many requests the server got, once none has arrived for `quiet_s`: the ones wrk
    had in flight when it stopped land after it returns, and would count for the next run."""
    deadline = time.monotonic() + limit_s
    seen = len(received)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        if len(received) == seen:
            return seen
        seen = len(received)
    return seen


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (.ci/run installs it)"
)
def test_wrk_sends_the_body_with_a_new_id_each_time_and_counts_what_came_back(
    recording_server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = recording_server
    body = vote_body("http://127.0.0.1:9/", "SSCP-2026-0001")
    first = load(url, body, seconds=1, connections=3)
    count = settled(received)
    second = load(url, body, seconds=1, connections=3)
    settled(received)

    ids = [r.pop("id") for r in received]
    assert len(set(ids)) == len(ids), "an activity id was sent twice, across the two runs too"
    expected = {k: v for k, v in body.items() if k != "id"}
    assert all(r == expected for r in received)
    for figures, sent in ((first, count), (second, len(ids) - count)):
        # wrk counts the responses that came back before it stopped; the server may have
        # had one more request per connection in flight.
        assert sent - 3 <= figures["requests"] <= sent
        assert sum(figures["statuses"].values()) == figures["requests"]
        assert set(figures["statuses"]) == {200, 202}
        assert figures["errors"] == 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
        assert figures["rps"] == pytest.approx(figures["requests"] / 1, rel=0.5)


def test_statuses_of_400_and_over_are_errors() -> None:
    figures = wrk_figures(
        {
            "requests": 10,
            "duration_us": 2_000_000,
            "p50_us": 1500,
            "p99_us": 9000,
            "socket_errors": 1,
            "statuses": {"200": 6, "401": 3, "503": 1},
        }
    )
    assert figures == {
        "requests": 10,
        "rps": 5.0,
        "p50_ms": 1.5,
        "p99_ms": 9.0,
        "errors": 5,
        "statuses": {200: 6, 401: 3, 503: 1},
    }
