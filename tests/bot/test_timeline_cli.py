"""`python -m bot timeline`: output shapes and one-line errors. Dates worked out by hand."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.commands import timeline as cli

REPO = Path(__file__).resolve().parents[2]
CHRISTMAS_EVE = "2026-12-24T16:05:00+00:00"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert cli.main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_stockport_json_on_the_day_of_receipt(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "--profile", "stockport", "--received", CHRISTMAS_EVE) == {
        "profile": "stockport",
        "received": "2026-12-24",
        "milestones": {
            "national_panel_notification": {"due": "2027-01-05"},
            "information_request": {"due": None, "waiting_for": "panel_decision"},
            "agency_returns": {"due": None, "waiting_for": "information_request_sent"},
            "rapid_review_meeting": {"due": None, "waiting_for": "panel_decision"},
            "papers_circulated": {"due": None, "waiting_for": "rapid_review_meeting"},
            "rapid_review_report": {"due": "2027-01-19"},
            "desktop_review_6m": {"due": "2027-07-19"},
            "desktop_review_12m": {"due": "2028-01-19"},
            "local_review_report": {"due": None, "waiting_for": "local_review_decided"},
            "complaint_response": {"due": None, "waiting_for": "complaint_received"},
            "learning_review_agreed": {"due": None, "waiting_for": "group_meeting"},
            "learning_review_done": {"due": None, "waiting_for": "learning_review_due"},
            "escalation_determined": {"due": None, "waiting_for": "mediation_booked"},
        },
        "conflicts": [],
    }


def test_stockport_json_after_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        capsys,
        "--profile",
        "stockport",
        "--received",
        CHRISTMAS_EVE,
        "--decided",
        "2027-01-04T10:00:00Z",
        "--event",
        "complaint_received=2026-11-30T10:00:00+00:00",
    )
    milestones = result["milestones"]
    assert isinstance(milestones, dict)
    assert milestones["information_request"] == {"due": "2027-01-06"}
    assert milestones["agency_returns"] == {"due": "2027-01-18"}
    assert milestones["rapid_review_meeting"] == {"earliest": "2027-01-13", "latest": "2027-01-21"}
    assert milestones["papers_circulated"] == {"due": "2027-01-20"}
    assert milestones["complaint_response"] == {"due": "2026-12-24"}


def test_halton_json_with_a_pathway(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        capsys,
        "--profile",
        "halton",
        "--received",
        "2026-12-24T23:30:00+00:00",  # still Christmas Eve in London (GMT)
        "--event",
        "publication=2027-03-05T10:00:00+00:00",
        "--pathway",
        "practice_review",
    )
    assert result == {
        "profile": "halton",
        "received": "2026-12-24",
        "milestones": {
            "referrer_informed": {"due": "2027-01-05"},
            "local_review_report": {"due": None, "waiting_for": "local_review_decided"},
            "publication_notice": {"due": "2027-02-24"},
            "learning_review_agreed": {"due": None, "waiting_for": "group_meeting"},
            "learning_review_done": {"due": None, "waiting_for": "learning_review_due"},
        },
        "conflicts": [],
    }


def test_the_london_date_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    # 23:30 UTC on 30 June is 00:30 BST on Wednesday 1 July 2026.
    result = run_json(capsys, "--profile", "halton", "--received", "2026-06-30T23:30:00Z")
    assert result["received"] == "2026-07-01"
    milestones = result["milestones"]
    assert isinstance(milestones, dict)
    assert milestones["virtual_panel"] == {"due": "2026-07-02"}


def test_a_profile_file_path_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = REPO / "review" / "profiles" / "halton.toml"
    copy = tmp_path / "widnes.toml"
    copy.write_text(source.read_text("utf-8"), "utf-8")
    result = run_json(capsys, "--profile", str(copy), "--received", CHRISTMAS_EVE)
    assert result["profile"] == "widnes"


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--profile", "stockport", "--received", CHRISTMAS_EVE, "--decided", "2027-01-04T10:00Z"]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == (
        "Stockport Safeguarding Children Partnership: referral received Thu 24 Dec 2026"
    )
    assert lines[2].split() == ["Milestone", "Due", "Working", "days", "Responsible", "Note"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:13]}
    assert rows["national_panel_notification"] == ["Tue", "5", "Jan", "2027", "5", "notifier"]
    assert rows["rapid_review_report"] == ["Tue", "19", "Jan", "2027", "15", "chair"]
    assert rows["agency_returns"] == ["Mon", "18", "Jan", "2027", "14", "agency_lead", "planned"]
    assert rows["rapid_review_meeting"] == (
        "Wed 13 Jan 2027 to Thu 21 Jan 2027 11-17 manager".split()
    )
    assert rows["local_review_report"] == ["-", "chair", "waiting", "for", "local_review_decided"]


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2027, 1, 14), "Thu 14 Jan 2027"),
        (date(2026, 12, 24), "Thu 24 Dec 2026"),
        (date(2027, 1, 5), "Tue 5 Jan 2027"),
        (date(2028, 2, 29), "Tue 29 Feb 2028"),
    ],
)
def test_format_day(day: date, text: str) -> None:
    assert cli.format_day(day) == text


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--profile", "stockport", "--received", "2026-12-24T16:05:00"], "has no UTC offset"),
        (["--profile", "stockport", "--received", "2026-12-24"], "has no UTC offset"),
        (["--profile", "stockport", "--received", "24/12/2026 16:05"], "is not an ISO date"),
        (["--profile", "wigan", "--received", CHRISTMAS_EVE], "no profile named 'wigan'"),
        (
            [
                "--profile",
                "stockport",
                "--received",
                CHRISTMAS_EVE,
                "--event",
                "meeting=2027-01-04T10:00Z",
            ],
            "unknown event 'meeting'",
        ),
        (
            ["--profile", "stockport", "--received", CHRISTMAS_EVE, "--event", "panel_decision"],
            "expected NAME=ISO",
        ),
        (
            ["--profile", "stockport", "--received", CHRISTMAS_EVE, "--decided", "soon"],
            "panel_decision: 'soon' is not an ISO date",
        ),
        (
            [
                "--profile",
                "stockport",
                "--received",
                CHRISTMAS_EVE,
                "--decided",
                "2027-01-04T10:00Z",
                "--event",
                "panel_decision=2027-01-05T10:00Z",
            ],
            "event panel_decision is given twice",
        ),
        (
            [
                "--profile",
                "stockport",
                "--received",
                CHRISTMAS_EVE,
                "--event",
                f"referral_received={CHRISTMAS_EVE}",
            ],
            "event referral_received is given twice",
        ),
        (["--profile", "stockport", "--received", "2150-01-01T10:00Z"], "outside"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("python -m bot timeline: ")
    assert says in err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--profile", "stockport"])
    assert exited.value.code == 2
    capsys.readouterr()
    # A pathway is checked against the profile's own ids: a plain error, exit 2.
    assert (
        cli.main(["--profile", "stockport", "--received", CHRISTMAS_EVE, "--pathway", "fast"]) == 2
    )
    err = capsys.readouterr().err
    assert "unknown pathway 'fast'; expected one of rapid_review, practice_review" in err
    assert (
        cli.main(["--profile", "halton", "--received", CHRISTMAS_EVE, "--pathway", "escalation"])
        == 2
    )
    capsys.readouterr()


def test_register_adds_the_subcommand() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["timeline", "--profile", "halton", "--received", CHRISTMAS_EVE])
    assert args.handler is cli.run
    assert (args.profile, args.decided, args.event, args.json) == ("halton", None, [], False)


def test_the_module_does_not_import_the_bot_framework() -> None:
    code = (
        "import sys, bot.commands.timeline; "
        "print(sorted(m for m in sys.modules if m.startswith('botbuilder')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


# -- through `python -m bot` -------------------------------------------------------------


def python_m_bot(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "timeline", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_m_bot_timeline_json() -> None:
    done = python_m_bot("--profile", "halton", "--received", CHRISTMAS_EVE, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["received"] == "2026-12-24"
    # Halton: arranging the panel is not its decision, so the meeting waits for the decision.
    assert result["milestones"]["rapid_review_meeting"] == {
        "due": None,
        "waiting_for": "panel_decision",
    }
    assert result["milestones"]["virtual_panel"] == {"due": "2026-12-29"}


def test_python_m_bot_timeline_refuses_a_naive_time() -> None:
    done = python_m_bot("--profile", "halton", "--received", "2026-12-24T16:05:00")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "has no UTC offset" in done.stderr


def test_the_table_says_aloud_where_the_plan_conflicts() -> None:
    """Stockport, decided on working day 4 (Fri 27 Nov 2026): the meeting and the papers may
    run past the report's deadline, and the table says so with the dates."""
    done = python_m_bot(
        "--profile",
        "stockport",
        "--received",
        "2026-11-23T10:00:00+00:00",
        "--decided",
        "2026-11-27T10:00:00+00:00",
        "--pathway",
        "rapid_review",
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("Conflict: ")]
    assert len(lines) == 2
    assert "Hold the Rapid Review Panel meeting may be as late as Wed 16 Dec 2026" in lines[0]
    as_json = json.loads(
        python_m_bot(
            "--profile",
            "stockport",
            "--received",
            "2026-11-23T10:00:00+00:00",
            "--decided",
            "2026-11-27T10:00:00+00:00",
            "--json",
        ).stdout
    )
    assert {
        "milestone": "rapid_review_meeting",
        "ends": "2026-12-16",
        "before": ("rapid_review_report"),
        "due": "2026-12-14",
    } in as_json["conflicts"]
