"""`make run`: the bot in the foreground, the Agents Playground beside it when it can start.

    python deploy/playground/run.py [--no-playground]

The bot is `python -m bot run` (HOST, PORT and the rest from the environment). The Playground
listens on http://localhost:$PLAYGROUND_PORT (default 56150, loopback only). If it cannot
start (no Node.js, `npm ci` not run, port taken, bad config) the reason is printed and the bot
runs alone. Ctrl-C (or SIGTERM) stops the bot, then the Playground.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import playground


def _playground_port() -> int:
    text = os.environ.get("PLAYGROUND_PORT", "") or str(playground.DEFAULT_PORT)
    try:
        port = int(text)
    except ValueError:
        raise playground.PlaygroundError(f"PLAYGROUND_PORT is not a number: {text!r}") from None
    if not 0 < port < 65536:
        raise playground.PlaygroundError(f"PLAYGROUND_PORT must be 1-65535, not {port}")
    return port


def main(argv: list[str]) -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "3978")
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    endpoint = f"http://{client_host}:{port}/api/messages"

    proc = None
    if "--no-playground" not in argv:
        try:
            pg_port = _playground_port()
            proc = playground.start(
                endpoint, port=pg_port, log_dir=playground.ROOT / "var" / "playground"
            )
        except playground.PlaygroundError as why:
            print(f"playground: not started — {why}", file=sys.stderr)
            print("playground: the bot runs without it.", file=sys.stderr)
        else:
            print(
                f"Microsoft 365 Agents Playground (a local Teams client): http://localhost:{pg_port}"
                f"  — you are Robin Referrer; logs in var/playground/",
                flush=True,
            )

    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=playground.ROOT)

    def forward(signum: int, _frame: object) -> None:
        if bot.poll() is None:
            bot.send_signal(signum)

    # Ctrl-C reaches the bot directly (same process group); the launcher just waits for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    try:
        code = bot.wait()
    finally:
        if bot.poll() is None:
            bot.terminate()
            bot.wait()
        if proc is not None:
            playground.stop(proc)
            print("playground: stopped", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
