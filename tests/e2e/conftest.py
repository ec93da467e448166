"""End-to-end fixtures: the bot and the Microsoft 365 Agents Playground on loopback, and
Debian's chromium driven by Playwright.

Not collected by `make test`: the files here are ignored unless RAPID_REVIEW_E2E=1, which
`make e2e` sets. Needs `npm ci` (the Playground) and a chromium on PATH (or $CHROMIUM); never
downloads a browser. Screenshots and logs go to artifacts/e2e/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    Frames,
    SetupError,
    Stack,
    bot_env,
    chromium_path,
    loopback_only,
    playground,
    stop_process,
    wait_healthy,
)

if os.environ.get("RAPID_REVIEW_E2E") != "1":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """artifacts/e2e/, emptied of the last run's screenshots and logs."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def stack(tmp_path: Path, artifacts: Path) -> Iterator[Stack]:
    """A fresh bot (new SQLite, demo roster, clock at Mon 23 Nov 2026 10:00) and Playground."""
    py = sys.executable
    bot_port = playground.free_port()
    env = bot_env(tmp_path / "rapid-review.db", bot_port)
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([py, "-m", "bot", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    bot_log = artifacts / "bot.log"
    with bot_log.open("wb") as out:
        bot = subprocess.Popen(
            [py, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    bot_url = f"http://127.0.0.1:{bot_port}"
    running = Stack(bot_url=bot_url, playground_url="", workdir=tmp_path, logs=artifacts, bot=bot)
    try:
        wait_healthy(bot_url, bot, bot_log, timeout=30)
        pg_port = playground.free_port()
        try:
            running.playground = playground.start(
                f"{bot_url}/api/messages", port=pg_port, log_dir=artifacts / "playground"
            )
        except playground.PlaygroundError as why:
            pytest.fail(f"the Playground did not start: {why}")
        running.playground_url = f"http://localhost:{pg_port}"
        yield running
    finally:
        playground.stop(running.playground)
        stop_process(bot)


@pytest.fixture
def browser_page(stack: Stack, artifacts: Path) -> Iterator[tuple[Any, Frames]]:
    """A chromium page with only loopback traffic allowed, and the Playground's socket frames."""
    from playwright.sync_api import sync_playwright

    try:
        executable = chromium_path()
    except SetupError as why:
        pytest.fail(str(why))
    frames = Frames()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1400, "height": 1000}, locale="en-GB", timezone_id="UTC"
            )
            context.route("**/*", loopback_only)
            page = context.new_page()
            with (artifacts / "browser-console.log").open("w", encoding="utf-8") as console:
                page.on("console", lambda m: console.write(f"{m.type}: {m.text}\n"))
                page.on("websocket", lambda ws: ws.on("framereceived", frames.add))
                try:
                    yield page, frames
                finally:
                    try:
                        page.screenshot(path=str(artifacts / "last.png"), full_page=True)
                    except Exception:  # noqa: BLE001 - a broken page still gets closed
                        pass
                    context.close()
                    frames.save(artifacts / "playground-frames.jsonl")
        finally:
            browser.close()
