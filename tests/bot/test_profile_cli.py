"""`python -m bot profile check|show`: a partnership's process checked and shown from one file,
and `PARTNERSHIP_PROFILE` naming a file as well as a shipped profile."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.commands.profile import check, show
from review.profiles import PROFILES_DIR, load_profile

ROOT = Path(__file__).resolve().parents[2]


def python_m_bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_of(tmp_path: Path, name: str, old: str = "", new: str = "") -> Path:
    """A profile copied under another name, with one edit."""
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_says_ok_for_a_good_file_and_exits_0(tmp_path: Path) -> None:
    path = copy_of(tmp_path, "northshire")
    done = python_m_bot("profile", "check", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: northshire (Stockport Safeguarding Children Partnership)")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('reference_prefix = "SSCP"', 'reference_prefix = "sscp"', "partnership.reference_prefix"),
        ('responsible = "notifier"', 'responsible = "caretaker"', "milestones[0].responsible"),
        ('anchor = "panel_decision"', 'anchor = "full_moon"', "milestones[1].anchor"),
    ],
)
def test_check_names_the_file_and_key_of_a_problem_and_exits_2(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    path = copy_of(tmp_path, "broken", old, new)
    out = io.StringIO()
    assert check(str(path), out) == 2
    assert out.getvalue().startswith(f"broken.toml: {says}: ")


def test_check_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = python_m_bot("profile", "check", str(tmp_path / "nowhere.toml"))
    assert done.returncode == 2
    assert "nowhere.toml" in done.stdout and "cannot read" in done.stdout


@pytest.mark.parametrize("name", ["stockport", "halton"])
def test_show_prints_the_whole_plan(name: str) -> None:
    out = io.StringIO()
    assert show(name, out) == 0
    text = out.getvalue()
    header = next(line for line in text.splitlines() if line.startswith("milestone"))
    for column in ("counts from", "offset", "responsible", "may complete", "nudges"):
        assert column in header
    for milestone in load_profile(name).milestones:
        assert f"\n{milestone.id} " in text
    assert "notifier" in text  # the profile's own role
    profile = load_profile(name)
    for outcome in profile.outcomes.values():
        assert f"  {outcome.id}: {outcome.short_label} (starts {outcome.starts}" in text
    for way in profile.pathways.values():
        assert f"  {way.letter} {way.id}: {way.label} (starts {way.starts})" in text
    assert ("may be sent not known yet: none" in text) == (not profile.may_follow)


def test_partnership_profile_takes_a_path(tmp_path: Path) -> None:
    from bot.settings import Settings

    path = copy_of(tmp_path, "northshire")
    settings = Settings.from_env({"PARTNERSHIP_PROFILE": str(path)})
    profile = load_profile(settings.partnership_profile)
    assert profile.id == "northshire" and profile.source == str(path)


async def test_a_private_channel_cannot_be_the_rapid_review_channel(
    roster_db: str, connector: Any
) -> None:
    """Teams lets no bot post in a private channel: choosing one is refused, saying why."""
    from sqlalchemy import select

    from helpers.activities import recorded
    from helpers.app import app_settings, running_app
    from storage.db import Database
    from storage.models import ConversationRef

    async with running_app(app_settings(roster_db)) as app:
        activity = recorded("channel_message", service_url=connector.url)
        activity["channelData"]["channel"]["membershipType"] = "private"
        assert (await app.post_activity(activity)).status == 201
        assert any("private channel" in t for t in connector.texts())
    db = Database(roster_db)
    try:
        async with db.session() as s:
            kinds = list(await s.scalars(select(ConversationRef.kind)))
    finally:
        await db.dispose()
    assert "channel" not in kinds  # nothing was changed


def test_check_prints_each_problem_of_every_part_in_one_run(tmp_path: Path) -> None:
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    for old, new in (
        ('reference_prefix = "SSCP"', 'reference_prefix = "sscp"'),  # the partnership
        ('responsible = "notifier"', 'responsible = "caretaker"'),  # milestone 0
        ('anchor = "panel_decision"', 'anchor = "full_moon"'),  # milestone 1
        ("[roles]\n", 'colour = "blue"\n[roles]\n'),  # an unknown key, among the roles
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert check(str(path), out) == 2
    said = out.getvalue().splitlines()
    assert "broken.toml: partnership.reference_prefix: " in said[0]
    keys = {line.split(": ")[1] for line in said}
    assert {
        "partnership.reference_prefix",
        "milestones[0].responsible",
        "milestones[1].anchor",
    } <= keys, said
    assert len(said) >= 3
