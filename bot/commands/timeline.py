"""`python -m bot timeline`: a case's statutory deadlines, worked out from the profile.

    python -m bot timeline --profile stockport --received 2026-12-24T16:05:00+00:00 \
        [--decided ISO] [--event NAME=ISO ...] [--pathway CODE] [--json]

Every time needs a UTC offset (``+00:00``, ``+01:00`` or ``Z``); dates are shown as
Europe/London dates. `--decided` is short for ``--event panel_decision=ISO``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from review.profiles import ANCHOR_EVENTS, ProfileError, load_profile
from review.timeline import Timeline, TimelineEntry, calendar_for, compute_timeline, conflicts

__all__ = ["format_day", "main", "register", "run"]

PROG = "python -m bot timeline"

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _UsageError(Exception):
    """A bad value on the command line, said in one line."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `timeline` subcommand to `python -m bot`."""
    parser = subparsers.add_parser(
        "timeline",
        help="show a case's statutory deadlines",
        description="Work out every milestone's due date for a referral, from a partnership "
        "profile and the events recorded so far. Times need a UTC offset (e.g. +00:00 or Z).",
    )
    parser.add_argument(
        "--profile", required=True, help="profile name (e.g. stockport, halton) or a .toml path"
    )
    parser.add_argument(
        "--received", required=True, metavar="ISO", help="when the referral was received"
    )
    parser.add_argument(
        "--decided", metavar="ISO", help="when the virtual panel decided (panel_decision)"
    )
    parser.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="NAME=ISO",
        help=f"another recorded event; NAME is one of {', '.join(ANCHOR_EVENTS[1:])}",
    )
    parser.add_argument(
        "--pathway",
        metavar="ID",
        help="only the milestones of this pathway or outcome, one of the profile's (default: all)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the timeline for the parsed arguments; return 0, or 2 after a one-line error."""
    return _run(args, sys.stdout, sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `timeline` on its own (as `python -m bot timeline` would), for tests and scripts."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["timeline", *(sys.argv[1:] if argv is None else argv)])
    return run(args)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        events = _events(args)
        profile = load_profile(args.profile)
        if args.pathway is not None and args.pathway not in profile.ways:
            known = ", ".join(profile.ways)
            raise _UsageError(f"unknown pathway {args.pathway!r}; expected one of {known}")
        timeline = compute_timeline(profile, calendar_for(profile), events, args.pathway)
    except (_UsageError, ProfileError) as e:
        err.write(f"{PROG}: {e}\n")
        return 2
    except ValueError as e:  # e.g. a date outside the calendar's years
        err.write(f"{PROG}: {e}\n")
        return 2
    if args.json:
        out.write(json.dumps(_as_json(timeline), indent=2) + "\n")
    else:
        out.write(_as_table(timeline, profile.partnership.name))
    return 0


def _events(args: argparse.Namespace) -> dict[str, datetime]:
    events = {"referral_received": _moment("--received", args.received)}
    pairs: list[tuple[str, str]] = []
    if args.decided is not None:
        pairs.append(("panel_decision", args.decided))
    for item in args.event:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            raise _UsageError(
                f"--event {item!r}: expected NAME=ISO, e.g. panel_decision=2027-01-04T10:00Z"
            )
        pairs.append((name, value))
    for name, value in pairs:
        if name not in ANCHOR_EVENTS:
            known = ", ".join(ANCHOR_EVENTS)
            raise _UsageError(f"unknown event {name!r}; expected one of {known}")
        if name in events:
            raise _UsageError(f"event {name} is given twice")
        events[name] = _moment(name, value)
    return events


def _moment(what: str, text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _UsageError(
            f"{what}: {text!r} is not an ISO date and time, e.g. 2026-12-24T16:05:00+00:00"
        ) from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise _UsageError(
            f"{what}: {text!r} has no UTC offset; add one, e.g. {text.strip()}+00:00 or Z"
        )
    return when


def format_day(d: date) -> str:
    """Format a date the way people read it, e.g. "Thu 14 Jan 2027" (locale-independent)."""
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def _as_json(t: Timeline) -> dict[str, Any]:
    milestones: dict[str, dict[str, str | None]] = {}
    for e in t.entries:
        if e.due is None:
            milestones[e.id] = {"due": None, "waiting_for": e.waiting_for}
        elif e.earliest is not None:
            milestones[e.id] = {"earliest": e.earliest.isoformat(), "latest": e.due.isoformat()}
        else:
            milestones[e.id] = {"due": e.due.isoformat()}
    return {
        "profile": t.profile_id,
        "received": t.received.isoformat(),
        "milestones": milestones,
        "conflicts": [
            {
                "milestone": c.milestone.id,
                "ends": c.ends.isoformat(),
                "before": c.before.id,
                "due": c.due.isoformat(),
            }
            for c in conflicts(t)
        ],
    }


def _as_table(t: Timeline, partnership: str) -> str:
    header = ("Milestone", "Due", "Working days", "Responsible", "Note")
    rows = [header, *(_row(e) for e in t.entries)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        f"{partnership}: referral received {format_day(t.received)}"
        + (f", pathway {t.pathway}" if t.pathway else ""),
        "",
    ]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    found = conflicts(t)
    if found:
        lines.append("")
        lines.extend(f"Conflict: {c.describe()}" for c in found)
    lines.append("")
    lines.append(
        "Working days are counted after the day the referral was received (London time). "
        "'planned' dates count from another milestone's due date until its event is recorded."
    )
    return "\n".join(lines) + "\n"


def _row(e: TimelineEntry) -> tuple[str, str, str, str, str]:
    notes: list[str] = []
    if e.due is None:
        due, days = "-", ""
        notes.append(f"waiting for {e.waiting_for}")
    elif e.earliest is not None:
        due = f"{format_day(e.earliest)} to {format_day(e.due)}"
        days = f"{e.earliest_working_days_from_receipt}-{e.working_days_from_receipt}"
    else:
        due, days = format_day(e.due), str(e.working_days_from_receipt)
    if e.provisional:
        notes.append("planned")
    if e.completed_on is not None:
        notes.append(f"done {format_day(e.completed_on)}")
    return (e.id, due, days, e.milestone.responsible, "; ".join(notes))
