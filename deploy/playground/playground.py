"""Start and stop the Microsoft 365 Agents Playground, the local Teams client (stdlib only).

The Playground is the npm package `@microsoft/m365agentsplayground` (a devDependency, installed
by `npm ci`). It serves a Teams-like web page and relays what the page sends to the bot as the
users of a mock tenant (`config.yaml`). Used by `run.py` (`make run`) and by the e2e tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
CONFIG = HERE / "config.yaml"
LOOPBACK_PRELOAD = HERE / "loopback.cjs"
DEFAULT_PORT = 56150


class PlaygroundError(RuntimeError):
    """The Playground cannot start; the message says why and what to do."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on `host:port` and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex((host, port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Node does: TIME_WAIT is fine
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    """The log's error lines (the last `lines` lines when it has none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    errors = [line for line in text if line.startswith("error ")]
    return "\n".join((errors or text)[-lines:])


def _api_ready(port: int) -> bool:
    """True once the Playground's API is mounted (it then rejects an empty submit: 400)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_conversation/v1/submit",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except urllib.error.HTTPError as error:
        return error.code == 400
    except OSError:
        return False


def start(
    app_endpoint: str,
    *,
    port: int = DEFAULT_PORT,
    config: Path = CONFIG,
    log_dir: Path,
    timeout: float = 30.0,
) -> subprocess.Popen[bytes]:
    """Start the Playground on loopback `port`, pointed at the bot's `app_endpoint`.

    Returns once it listens; raises PlaygroundError (with the reason) otherwise. Nothing is
    sent to Microsoft: telemetry is off and no browser is opened.
    """
    node = shutil.which("node")
    if node is None:
        raise PlaygroundError("Node.js is not installed (the Playground is an npm package)")
    if not CLI.is_file():
        raise PlaygroundError(f"{CLI.relative_to(ROOT)} is missing: run `npm ci` first")
    if not config.is_file():
        raise PlaygroundError(f"the mock tenant {config} is missing")
    if not port_free(port):
        # The Playground would silently move to another port; say so instead.
        raise PlaygroundError(
            f"port {port} is in use (another Playground?); free it or set PLAYGROUND_PORT"
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "playground.log"
    out_file = log_dir / "playground.out"
    env = {
        **os.environ,
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),
        # Without this the bundled Application Insights SDK still calls home.
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
        "TEAMSAPPTESTER_BROWSER": "none",
    }
    command = [
        node,
        "--require",
        str(LOOPBACK_PRELOAD),
        str(CLI),
        "--app-endpoint",
        app_endpoint,
        "--channel-id",
        "msteams",
        "--port",
        str(port),
        "--disable-telemetry",
    ]
    with out_file.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=log_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops it in order
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            why = _tail(log_file) or _tail(out_file)
            raise PlaygroundError(
                f"it exited with status {proc.returncode} (an invalid {config.name}?):\n{why}"
            )
        text = out_file.read_text(encoding="utf-8", errors="replace")
        if "Listening on " in text and f"Listening on {port}\n" not in text:
            stop(proc)
            raise PlaygroundError(f"it did not get port {port}:\n{text.strip()}")
        # It listens before it reads the config file; its API answers once it has.
        if f"Listening on {port}\n" in text and _api_ready(port):
            return proc
        time.sleep(0.2)
    stop(proc)
    raise PlaygroundError(f"it did not start within {timeout:.0f} s:\n{_tail(out_file)}")


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 5.0) -> None:
    """Stop the Playground (SIGTERM, then SIGKILL); no error if it already exited."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
