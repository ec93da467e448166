"""The e2e harness: the bot, the Microsoft 365 Agents Playground and their clients."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CLOCK_START = "2026-11-23T10:00:00+00:00"  # a Monday, 10:00 in London


def _load_playground() -> ModuleType:
    path = ROOT / "deploy" / "playground" / "playground.py"
    spec = importlib.util.spec_from_file_location("rapid_review_playground", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


playground = _load_playground()

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    # Nothing leaves the machine: every name but loopback fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@dataclass
class Stack:
    """The running bot and Playground."""

    bot_url: str
    playground_url: str
    workdir: Path
    logs: Path
    bot: subprocess.Popen[bytes]
    playground: subprocess.Popen[bytes] | None = None

    def post_json(self, path: str, body: dict[str, Any], timeout: float = 30.0) -> Any:
        """POST to the Playground's own API (as its web page does); the JSON answer or None."""
        request = urllib.request.Request(
            self.playground_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            text = response.read().decode()
        return json.loads(text) if text else None


@dataclass
class Frames:
    """What the Playground pushed to its page over the websocket, parsed."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def add(self, payload: str | bytes) -> None:
        try:
            value = json.loads(payload)
        except (TypeError, ValueError):
            return
        if isinstance(value, dict):
            self.received.append(value)

    def save(self, path: Path) -> None:
        """Write the frames, one JSON object a line (an artifact for debugging)."""
        with path.open("w", encoding="utf-8") as out:
            for frame in self.received:
                out.write(json.dumps(frame) + "\n")


def bot_env(db: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{db}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PARTNERSHIP_PROFILE": "stockport",
            "RAPID_REVIEW_CLOCK_START": CLOCK_START,
            "REMINDER_SWEEP_SECONDS": "2",
            "SERVICE_URL_ALLOW_LIST": "",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bot exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the bot did not answer /healthz within {timeout:.0f} s")


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class SetupError(RuntimeError):
    """Something the e2e run needs is missing; the message says what to install."""


def chromium_path() -> str:
    """Debian's chromium (or $CHROMIUM): Playwright never downloads a browser here."""
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        raise SetupError("no chromium on PATH: apt-get install -y chromium (bash .ci/run does)")
    return path


def loopback_only(route: Any) -> None:
    """Let the page reach the Playground; abort the CDN's web fonts and anything else."""
    url = route.request.url
    if url.startswith(("http://localhost:", "http://127.0.0.1:")):
        route.continue_()
    else:
        route.abort()
