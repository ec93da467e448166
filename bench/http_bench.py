"""Inbound POST /api/messages under load: each server in its own process, loaded from here.

20 concurrent connections for a fixed time each; every request has a distinct activity id.
Peak RSS is the server process's high-water mark (VmHWM).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Long enough for one-time costs to land before the measured run, the first card update's
# included: it comes a second after the first vote, and drawing and sending it the first
# time (statements compiled, the connector's connection opened) took ~20 ms.
WARM_UP_S = 2
ACTIVITIES = ROOT / "tests" / "bot" / "teams" / "activities"


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
        "notifiable": "yes",
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

    Encoded once; the load generator (wrk) puts each request's id between the halves.
    """
    marked = {**body, "id": _ID_MARK}
    text = json.dumps(marked)
    quoted = json.dumps(_ID_MARK)
    if text.count(quoted) != 1:
        raise ValueError("the body must not contain the id marker")
    before, after = text.split(quoted)
    return before.encode(), after.encode()


# wrk (Debian's package; `make bench` installs it) keeps the connections busy. It is C and
# spends a few per cent of a core, where an aiohttp client spent ~30% of one of the same two
# cores the server runs on, and that showed up in the server's figures: the plain handler
# measured 4,000 req/s through it and 8,500 through wrk. Each request is the same body with
# its own activity id (`before`, the id, `after`); `done` prints the figures as one JSON line.
WRK_SCRIPT = """
local before, after, run
local counter = 0
local threads = {}
statuses = {}  -- a global: `done` reads each thread's with thread:get

function setup(thread)
  thread:set("n", #threads + 1)
  table.insert(threads, thread)
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

function init(args)
  run = args[1] .. "-" .. n
  before = slurp(args[2])
  after = slurp(args[3])
end

function request()
  counter = counter + 1
  local body = before .. '"' .. run .. "-" .. counter .. '"' .. after
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      table.insert(parts, string.format('"%d": %d', status, count))
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "statuses": {%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


def wrk_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Requests/s, p50/p99 in ms, errors and status counts from the script's JSON line."""
    statuses = {int(k): v for k, v in report["statuses"].items()}
    failed = sum(v for k, v in statuses.items() if k >= 400)
    return {
        "requests": report["requests"],
        "rps": report["requests"] / (report["duration_us"] / 1e6),
        "p50_ms": report["p50_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "errors": report["socket_errors"] + failed,
        "statuses": statuses,
    }


def load(url: str, body: dict[str, Any], *, seconds: int, connections: int) -> dict[str, Any]:
    """Keep `connections` requests in flight for `seconds` (whole, as wrk takes them); latency
    percentiles and rate."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    before, after = encoded_with_ids(body)
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        (files / "load.lua").write_text(WRK_SCRIPT)
        (files / "before").write_bytes(before)
        (files / "after").write_bytes(after)
        # Distinct from every other run's ids too: the warm-up run and the measured run share
        # a server, and a repeated id is (rightly) answered as a redelivery, not a vote.
        run_id = f"bench-{uuid.uuid4().hex[:12]}"
        done = subprocess.run(
            [
                wrk,
                "--threads",
                "1",
                "--connections",
                str(connections),
                "--duration",
                f"{seconds:d}s",
                "--timeout",
                "30s",
                "--script",
                str(files / "load.lua"),
                url,
                "--",
                run_id,
                str(files / "before"),
                str(files / "after"),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return wrk_figures(report)


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
    kind: str, *, seconds: int, connections: int, db_url: str | None = None
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
            load(url, body, seconds=WARM_UP_S, connections=connections)
            figures = load(url, body, seconds=seconds, connections=connections)
            figures["peak_rss_mb"] = peak_rss_mb(proc.pid)
        finally:
            stop(proc)
        if kind == "vote":
            # A vote the rules refuse is answered 200 too (its card shows the errors): the
            # figure counts only if the votes were kept.
            assert db_url is not None
            figures["votes_recorded"] = votes_recorded(db_url)
            if figures["votes_recorded"] == 0:
                raise SystemExit("bench: no vote was recorded; the benchmark's vote is invalid")
    finally:
        if connector is not None:
            stop(connector)
    return figures


def votes_recorded(db_url: str) -> int:
    """How many votes the server kept."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def count() -> int:
        engine = create_async_engine(db_url)
        try:
            async with engine.connect() as conn:
                return int(
                    (await conn.execute(text("SELECT count(*) FROM panel_vote"))).scalar_one()
                )
        finally:
            await engine.dispose()

    return asyncio.run(count())


def run(seconds: int = 10, connections: int = 20) -> dict[str, Any]:
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
