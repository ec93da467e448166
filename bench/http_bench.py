"""Inbound POST /api/messages under load: each server in its own process, loaded from here.

20 concurrent connections for a fixed time each; every request has a distinct activity id.
Peak RSS is the server process's high-water mark (VmHWM).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
# Long enough for one-time costs to land before the measured run, the first card update's
# included: it comes a second after the first vote, and drawing and sending it the first
# time (statements compiled, the connector's connection opened) took ~20 ms.
WARM_UP_S = 2.0
ACTIVITIES = ROOT / "tests" / "bot" / "activities"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message_body(service_url: str) -> dict[str, Any]:
    body = json.loads((ACTIVITIES / "personal_message.json").read_text())
    body["serviceUrl"] = service_url
    body["type"] = "message"
    return body


def vote_body(service_url: str, reference: str) -> dict[str, Any]:
    body = json.loads((ACTIVITIES / "card_action_invoke.json").read_text())
    body["serviceUrl"] = service_url
    body["value"]["action"]["verb"] = "panel.vote"
    body["value"]["action"]["data"] = {
        "reference": reference,
        "round": 1,
        "outcome": "rapid_review",
        "rationale": "Fictional benchmark rationale.",
        "serious_harm_basis": "Fictional benchmark basis.",
    }
    return body


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


_ID_MARK = "bench-activity-id-goes-here"


def encoded_with_ids(body: dict[str, Any]) -> tuple[bytes, bytes]:
    """The body as JSON, split where each request's activity id goes.

    Encoded once, so the load generator spends its CPU (on the same two cores as the
    server) sending requests, not copying and encoding the same body again.
    """
    marked = {**body, "id": _ID_MARK}
    text = json.dumps(marked)
    quoted = json.dumps(_ID_MARK)
    if text.count(quoted) != 1:
        raise ValueError("the body must not contain the id marker")
    before, after = text.split(quoted)
    return before.encode(), after.encode()


async def load(
    url: str, body: dict[str, Any], *, seconds: float, connections: int
) -> dict[str, Any]:
    """Keep `connections` requests in flight for `seconds`; latency percentiles and rate."""
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    counter = 0
    # Distinct from every other run's ids too: the warm-up run and the measured run share a
    # server, and a repeated id is (rightly) answered as a redelivery, not a vote.
    run_id = uuid.uuid4().hex[:12]
    before, after = encoded_with_ids(body)
    headers = {"Content-Type": "application/json"}

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal errors, counter
        while time.perf_counter() < deadline:
            counter += 1
            payload = b"".join((before, f'"bench-{run_id}-{n}-{counter}"'.encode(), after))
            began = time.perf_counter()
            try:
                async with session.post(url, data=payload, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                    if resp.status >= 400:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session, n) for n in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
        "statuses": statuses,
    }


def start_server(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "ready" not in line:
        proc.kill()
        raise RuntimeError(f"server {args[0]} did not start: {line!r}")
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_one(
    kind: str, *, seconds: float, connections: int, db_url: str | None = None
) -> dict[str, Any]:
    """Start one server, load it, stop it; its figures."""
    port = free_port()
    connector_port = free_port()
    service_url = f"http://127.0.0.1:{connector_port}/"
    args = [kind, str(port)]
    if kind == "vote":
        assert db_url is not None
        args += [db_url, str(connector_port)]
        body = vote_body(service_url, f"SSCP-{time.gmtime().tm_year}-0001")
    else:
        body = message_body(service_url)
    connector = start_server(["connector", str(connector_port)]) if kind == "vote" else None
    try:
        proc = start_server(args)
        try:
            url = f"http://127.0.0.1:{port}/api/messages"
            asyncio.run(load(url, body, seconds=WARM_UP_S, connections=connections))
            figures = asyncio.run(load(url, body, seconds=seconds, connections=connections))
            figures["peak_rss_mb"] = peak_rss_mb(proc.pid)
        finally:
            stop(proc)
    finally:
        if connector is not None:
            stop(connector)
    return figures


def run(seconds: float = 10.0, connections: int = 20) -> dict[str, Any]:
    """Every server: plain, stock, bare, vote on SQLite, and vote on PostgreSQL if configured."""
    results: dict[str, Any] = {}
    for kind in ("plain", "stock", "bare"):
        results[kind] = run_one(kind, seconds=seconds, connections=connections)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        results["vote"] = run_one("vote", seconds=seconds, connections=connections, db_url=db_url)
    pg = os.environ.get("TEST_POSTGRES_URL")
    if pg:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        async def reset() -> None:
            engine = create_async_engine(pg)
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()

        asyncio.run(reset())
        results["vote_pg"] = run_one("vote", seconds=seconds, connections=connections, db_url=pg)
    else:
        results["vote_pg"] = None
    return results
