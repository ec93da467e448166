"""The command line: `python -m bot run | db upgrade | demo load | cards export | keys …`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.commands import keys, profile, timeline


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print `prog: message` and exit 2."""
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _settings():  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings.from_env()


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot's web server."""
    from aiohttp import web
    from sqlalchemy import make_url

    from bot.app import create_app
    from bot.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    shown_url = make_url(settings.database_url).render_as_string(hide_password=True)
    banner = (
        f"Rapid Review is listening on {url}/api/messages (health: {url}/healthz)\n"
        f"Partnership profile: {settings.partnership_profile}; database: {shown_url}\n"
        "Talk to it with the Microsoft 365 Agents Playground pointed at that endpoint "
        "(see README). Ctrl-C stops it."
    )
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=lambda _: print(banner, flush=True),
        access_log=None,
        shutdown_timeout=5,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply the database migrations."""
    from storage.db import Database
    from storage.migrate import current_revision, upgrade

    async def go() -> str | None:
        db = Database(_settings().database_url)
        try:
            await upgrade(db.engine)
            return await current_revision(db.engine)
        finally:
            await db.dispose()

    print(f"database at revision {asyncio.run(go())}")
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    """Load the demo partnership and its fictional roster."""
    from bot.usecases.roster import DEMO_ROSTER, import_roster

    count = asyncio.run(import_roster(_settings(), DEMO_ROSTER))
    print(f"demo roster loaded: {count} members")
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    """Import a roster file (TOML)."""
    from bot.usecases.roster import import_roster

    count = asyncio.run(import_roster(_settings(), Path(args.file)))
    print(f"roster imported: {count} members")
    return 0


def cmd_cards_export(args: argparse.Namespace) -> int:
    """Write every card the bot can send, filled with demo data, one JSON file per kind."""
    from cards.gallery import export_gallery

    written = export_gallery(Path(args.directory))
    print(f"{len(written)} cards written to {args.directory}")
    return 0


def parse_age(text: str) -> tuple[int, str]:
    """'7y', '18m' or '400d' as (amount, unit)."""
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in "ymd" or not text[:-1].isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an age like 7y, 18m or 400d")
    return int(text[:-1]), text[-1]


def cmd_retention(args: argparse.Namespace) -> int:
    """Delete closed cases older than the retention period (never younger than the profile's)."""
    from datetime import UTC, datetime, timedelta

    from review.calendar import shift_months
    from review.profiles import load_profile
    from storage import repositories as repo
    from storage.db import Database
    from storage.retention import delete_closed_cases

    settings = _settings()
    profile = load_profile(settings.partnership_profile)
    amount, unit = args.older_than
    now = datetime.now(UTC)
    if unit == "d":
        cutoff = now - timedelta(days=amount)
    else:
        months = amount * 12 if unit == "y" else amount
        cutoff_day = shift_months(now.date(), -months)
        cutoff = datetime.combine(cutoff_day, now.timetz())
    floor_day = shift_months(now.date(), -12 * profile.partnership.retention_years)
    if cutoff.date() > floor_day:
        print(
            f"python -m bot: retention: {args.older_than_text} is shorter than the "
            f"{profile.partnership.retention_years}-year retention period of "
            f"{profile.id}; nothing was deleted",
            file=sys.stderr,
        )
        return 2

    async def go() -> list[str]:
        db = Database(settings.database_url)
        try:
            await db.check_migrated()
            async with db.session() as session, session.begin():
                partnership = await repo.get_partnership(session, profile.id)
                return await delete_closed_cases(
                    session, partnership_id=partnership.id, closed_before=cutoff, actor="cli"
                )
        finally:
            await db.dispose()

    deleted = asyncio.run(go())
    print(f"retention: {len(deleted)} closed case(s) deleted: {', '.join(deleted) or 'none'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `python -m bot` parser with every subcommand."""
    parser = OneLineParser(prog="python -m bot", description="Rapid Review bot")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    sub.add_parser("run", help="start the bot").set_defaults(handler=cmd_run)

    db = sub.add_parser("db", help="database").add_subparsers(
        dest="db_command", required=True, parser_class=OneLineParser
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(
        dest="demo_command", required=True, parser_class=OneLineParser
    )
    demo.add_parser("load", help="load the demo roster").set_defaults(handler=cmd_demo_load)

    roster = sub.add_parser("roster", help="the partnership roster").add_subparsers(
        dest="roster_command", required=True, parser_class=OneLineParser
    )
    imp = roster.add_parser("import", help="import a roster TOML file")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_roster_import)

    cards = sub.add_parser("cards", help="the card gallery").add_subparsers(
        dest="cards_command", required=True, parser_class=OneLineParser
    )
    export = cards.add_parser("export", help="write every card as JSON")
    export.add_argument("directory")
    export.set_defaults(handler=cmd_cards_export)

    retention = sub.add_parser("retention", help="delete closed cases past retention")
    retention.add_argument("--older-than", required=True, type=parse_age, metavar="AGE")
    retention.set_defaults(handler=cmd_retention)

    timeline.register(sub)
    profile.register(sub)
    keys.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; errors are one line and exit 2."""
    args = build_parser().parse_args(argv)
    if getattr(args, "older_than", None) is not None:
        args.older_than_text = f"{args.older_than[0]}{args.older_than[1]}"
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the person gets one line; details go to the log
        from bot.errors import explain

        message = explain(exc)
        if message is None:
            raise
        print(f"python -m bot: {message}", file=sys.stderr)
        return 2
