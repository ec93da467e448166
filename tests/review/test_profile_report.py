"""The profile's `[report]`: who signs the Rapid Review report off and its own conclusions,
each in its process document's words, checked when loaded like every key."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.commands.profile import show
from review.profiles import PROFILES_DIR, ProfileError, load_profile, profile_problems


def test_each_profile_names_who_signs_its_report_off() -> None:
    stockport = load_profile("stockport").report
    halton = load_profile("halton").report
    # "the chair and SSCP Partnership Manager should sign off a Rapid Review report"
    assert stockport.sign_off == ("chair", "manager")
    # "the Chair of the meeting and Head of Safeguarding will sign off": Halton's notifier
    assert halton.sign_off == ("chair", "notifier")
    assert dict(stockport.conclusions) == {
        "independent_reviewer": "An independent chair or author to be commissioned"
    }
    assert dict(halton.conclusions) == {"local_reflective_review": "A Local Reflective Review"}
    north = load_profile(Path(__file__).parents[1] / "profiles" / "northshire.toml")
    assert north.report.sign_off == ("chair",)


def _with_report(tmp_path: Path, block: str) -> Path:
    text = (PROFILES_DIR / "halton.toml").read_text(encoding="utf-8")
    start = text.index("[report]")
    end = text.index("# The learning review pathway")
    path = tmp_path / "halton.toml"
    path.write_text(text[:start] + block + "\n" + text[end:], encoding="utf-8")
    return path


def test_no_report_table_means_the_chair_and_the_managers(tmp_path: Path) -> None:
    profile = load_profile(_with_report(tmp_path, ""))
    assert profile.report.sign_off == ("chair", "manager")
    assert not profile.report.conclusions


@pytest.mark.parametrize(
    ("block", "key", "problem"),
    [
        ('[report]\nsign_off = ["chair", "mayor"]', "report.sign_off[1]", "expected one of"),
        ('[report]\nsign_off = ["chair", "chair"]', "report.sign_off[1]", "listed twice"),
        ("[report]\nsign_off = []", "report.sign_off", "at least one"),
        ('[report]\nsigned_by = ["chair"]', "report.signed_by", "unknown key"),
        (
            '[report]\n[[report.conclusions]]\nid = "no_review"\nlabel = "x"',
            "report.conclusions[0].id",
            "every profile has already",
        ),
        (
            '[report]\n[[report.conclusions]]\nid = "a"\nlabel = "x"\n'
            '[[report.conclusions]]\nid = "a"\nlabel = "y"',
            "report.conclusions[1].id",
            "used twice",
        ),
        (
            '[report]\n[[report.conclusions]]\nid = "Bad id"\nlabel = "x"',
            "report.conclusions[0].id",
            "an id of lower-case",
        ),
        (
            '[report]\n[[report.conclusions]]\nid = "a"',
            "report.conclusions[0].label",
            "missing",
        ),
    ],
)
def test_a_bad_report_table_names_the_file_and_the_key(
    tmp_path: Path, block: str, key: str, problem: str
) -> None:
    path = _with_report(tmp_path, block)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.file == "halton.toml"
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert any(p.key == key for p in profile_problems(path))


@pytest.mark.parametrize("name", ["stockport", "halton"])
def test_profile_show_says_who_signs_off_and_the_own_conclusions(name: str) -> None:
    out = io.StringIO()
    assert show(name, out) == 0
    profile = load_profile(name)
    text = out.getvalue()
    assert "report signed off by: " + ", ".join(profile.report.sign_off) in text
    for cid, words in profile.report.conclusions.items():
        assert f"  {cid}: {words}" in text
