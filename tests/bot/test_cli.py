"""The command line: bad arguments are one line and exit 2; db upgrade and demo load work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args", [(), ("frobnicate",), ("db",), ("db", "sideways"), ("run", "--nope")]
)
def test_bad_arguments_print_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_db_upgrade_then_demo_load(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    before = run_cli("demo", "load", env=env)
    assert before.returncode == 2
    assert "python -m bot db upgrade" in before.stderr

    up = run_cli("db", "upgrade", env=env)
    assert up.returncode == 0, up.stderr
    assert "revision" in up.stdout
    loaded = run_cli("demo", "load", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "5 members" in loaded.stdout


def test_roster_import_errors_name_the_entry_and_key(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    bad = tmp_path / "roster.toml"
    bad.write_text(
        'partnership = "stockport"\n[[members]]\nname = "A"\nemail = "a@example.org"\n'
        'agency = "fire_brigade"\nroles = ["panel"]\n'
    )
    result = run_cli("roster", "import", str(bad), env=env)
    assert result.returncode == 2
    assert "members[0].agency" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_profile_is_one_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PARTNERSHIP_PROFILE": "atlantis"}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    result = run_cli("demo", "load", env=env)
    assert result.returncode == 2
    assert "atlantis" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
