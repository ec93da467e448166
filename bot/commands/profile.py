"""`python -m bot profile check FILE` and `python -m bot profile show NAME|FILE`.

`check` loads a profile as the bot would and prints "ok" (exit 0), or each problem as
``file: key: problem`` (exit 2). `show` prints the whole plan as a table: each milestone,
what it counts from and how, who is responsible, who may complete it, and its reminders.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from review.profiles import ROLES, NudgePlan, ProfileError, load_profile, profile_problems

__all__ = ["check", "register", "show"]

_BASE_ROLE_WORDS = {
    "manager": "manager",
    "la": "Local Authority",
    "agency_lead": "agency lead",
    "chair": "chair",
    "panel": "panel",
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `profile` subcommand to `python -m bot`."""
    parser = subparsers.add_parser("profile", help="check or show a partnership profile")
    sub = parser.add_subparsers(dest="profile_command", required=True, parser_class=type(parser))
    checking = sub.add_parser("check", help="check a profile file; ok, or each problem")
    checking.add_argument("file", help="a profile name or a .toml path")
    checking.set_defaults(handler=lambda args: check(args.file, sys.stdout))
    showing = sub.add_parser("show", help="print a profile's whole plan as a table")
    showing.add_argument("profile", help="a profile name (stockport, halton) or a .toml path")
    showing.set_defaults(handler=lambda args: show(args.profile, sys.stdout))


def check(name_or_path: str, out: TextIO) -> int:
    """Print "ok" and return 0, or print each problem (``file: key: problem``) and return 2."""
    problems = profile_problems(name_or_path)
    if problems:
        for problem in problems:
            print(str(problem), file=out)
        return 2
    profile = load_profile(name_or_path)
    print(
        f"ok: {profile.id} ({profile.partnership.name}), {len(profile.milestones)} milestones",
        file=out,
    )
    return 0


def _role(role: str) -> str:
    return _BASE_ROLE_WORDS.get(role, role)


def _nudges(plan: NudgePlan) -> str:
    parts = []
    if plan.heads_up is not None:
        parts.append(f"heads-up {plan.heads_up.working_days_before} WD before")
    if plan.due_today is not None:
        parts.append("due today")
    if plan.overdue is not None:
        parts.append("overdue daily")
    if plan.escalation is not None:
        parts.append(
            f"escalated to {plan.escalation.to} after {plan.escalation.after_overdue_working_days}"
            " WD overdue"
        )
    return ", ".join(parts) or "none"


def show(name_or_path: str, out: TextIO) -> int:
    """Print the profile's plan as a table (exit 0), or its problem (exit 2)."""
    try:
        profile = load_profile(name_or_path)
    except ProfileError as error:
        print(str(error), file=out)
        return 2
    p = profile.partnership
    print(f"{p.name} ({profile.id}): references {p.reference_prefix}-YYYY-NNNN", file=out)
    roles = [*ROLES, *profile.roles]
    print("roles: " + ", ".join(roles), file=out)
    for role, words in profile.roles.items():
        print(f"  {role}: {words}", file=out)
    print("referral pathways:", file=out)
    for way in profile.pathways.values():
        print(f"  {way.letter} {way.id}: {way.label} (starts {way.starts})", file=out)
    asked = " (the panel also answers: notifiable?)" if p.panel_records_notifiable else ""
    print(f"panel decisions{asked}:", file=out)
    for outcome in profile.outcomes.values():
        said = ""
        if outcome.notifiable is not None:
            said = ", notifiable" if outcome.notifiable else ", not notifiable"
        print(f"  {outcome.id}: {outcome.short_label} (starts {outcome.starts}{said})", file=out)
    print(
        "referral questions needed to send: " + ", ".join(sorted(profile.required_fields)), file=out
    )
    later = sorted(profile.may_follow)
    print("may be sent not known yet: " + (", ".join(later) if later else "none"), file=out)
    print("report signed off by: " + ", ".join(profile.report.sign_off), file=out)
    if profile.report.conclusions:
        print("the profile's own conclusions:", file=out)
        for cid, words in profile.report.conclusions.items():
            print(f"  {cid}: {words}", file=out)
    header = ("milestone", "counts from", "offset", "responsible", "may complete", "nudges")
    rows = [header]
    for m in profile.milestones:
        completes = (
            f"done by: {m.completed_by}"
            if m.completed_by
            else "done by the bot"
            if m.by_action
            else ", ".join(m.may_complete)
        )
        if m.by_action:
            completes += " (a manager may record it by hand)"
        if m.only_if_notifiable:
            completes += "; only if notifiable"
        rows.append(
            (
                m.id,
                m.anchor,
                m.offset.describe(),
                _role(m.responsible),
                completes,
                _nudges(m.nudges),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)
    return 0
