"""The Teams app package: manifest template, offline schema validation, icon rules, the zip."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEAMS = REPO_ROOT / "deploy" / "teams"
APP_ID = "6f1b2c3d-1111-4222-8333-444455556666"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"deploy_teams_{name}", TEAMS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bp = _load("build_package")
icons = _load("make_icons")


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The committed template filled with a real-looking app id."""
    return bp.render_manifest(
        (TEAMS / "manifest.json").read_text(encoding="utf-8"),
        {"MicrosoftAppId": APP_ID, "version": bp.project_version()},
    )


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of deploy/teams to break in a test."""
    copy_dir = tmp_path / "teams"
    copy_dir.mkdir()
    for name in ("manifest.json", "color.png", "outline.png"):
        shutil.copy(TEAMS / name, copy_dir / name)
    return copy_dir


def solid(width: int, height: int, pixel: tuple[int, int, int, int]) -> bytes:
    """A one-colour RGBA PNG."""
    return icons.encode_png([[pixel] * width for _ in range(height)])


# --- the build ------------------------------------------------------------------------------


def test_build_writes_a_zip_with_exactly_the_manifest_and_two_icons(tmp_path: Path) -> None:
    out = tmp_path / "out" / "rapid-review-teams.zip"
    assert bp.main(["--output", str(out)], env={"MicrosoftAppId": APP_ID.upper()}) == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        packaged = json.loads(archive.read("manifest.json"))
        assert archive.read("color.png") == (TEAMS / "color.png").read_bytes()
        assert archive.read("outline.png") == (TEAMS / "outline.png").read_bytes()
    assert packaged["id"] == APP_ID
    assert packaged["bots"][0]["botId"] == APP_ID
    assert packaged["bots"][0]["supportsFiles"] is True
    assert packaged["version"] == bp.project_version()
    assert "{{" not in json.dumps(packaged)
    assert bp.validate_manifest(packaged) == []


def test_the_same_input_gives_the_same_zip(tmp_path: Path) -> None:
    first = bp.build_package(APP_ID, output=tmp_path / "a.zip")
    second = bp.build_package(APP_ID, output=tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()


def test_demo_builds_with_the_fixed_fictional_id(tmp_path: Path) -> None:
    out = tmp_path / "demo.zip"
    assert bp.main(["--demo", "--output", str(out)], env={}) == 0
    with zipfile.ZipFile(out) as archive:
        packaged = json.loads(archive.read("manifest.json"))
    assert packaged["id"] == packaged["bots"][0]["botId"] == "00000000-0000-4000-8000-0000000000b0"


def test_the_script_runs_from_the_command_line_and_prints_the_zip_path(tmp_path: Path) -> None:
    out = tmp_path / "cli.zip"
    completed = subprocess.run(
        [sys.executable, str(TEAMS / "build_package.py"), "--demo", "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert str(out) in completed.stdout
    assert out.is_file()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "MicrosoftAppId is not set: export the Azure Bot's app registration id (a GUID)"),
        ("   ", "MicrosoftAppId is not set"),
        ("my-bot", "MicrosoftAppId must be a GUID like 01234567-89ab-cdef-0123-456789abcdef, not"),
        (APP_ID + "0", "MicrosoftAppId must be a GUID"),
    ],
)
def test_an_empty_or_malformed_app_id_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    out = tmp_path / "refused.zip"
    assert bp.main(["--output", str(out)], env={"MicrosoftAppId": value}) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_unset_app_id_is_refused_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bp.main(["--output", str(tmp_path / "x.zip")], env={}) == 2
    assert "or pass --demo" in capsys.readouterr().err


# --- the manifest ---------------------------------------------------------------------------


def test_the_committed_manifest_is_valid_against_the_official_schema(
    manifest: dict[str, Any],
) -> None:
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.17"
    assert bp.validate_manifest(manifest) == []
    assert bp.check_manifest_files(manifest) == []


def test_the_manifest_says_what_the_bot_is(manifest: dict[str, Any]) -> None:
    assert manifest["name"]["short"] == "Rapid Review"
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith("https://example.org/")
    assert manifest["accentColor"] == icons.ACCENT_HEX
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team"]
    # Files in 1:1 chats (the consent card out, a chronology CSV in) need this.
    assert bot["supportsFiles"] is True
    assert bot["isNotificationOnly"] is False
    lists = {
        tuple(c["scopes"]): [cmd["title"] for cmd in c["commands"]] for c in bot["commandLists"]
    }
    assert lists[("personal",)] == ["refer", "continue", "my referrals", "cases", "help"]
    assert lists[("team",)] == ["help", "use this channel"]
    for command_list in bot["commandLists"]:
        for command in command_list["commands"]:
            assert command["description"].strip()


def test_every_listed_command_is_one_the_bot_answers(manifest: dict[str, Any]) -> None:
    from bot.teams.handler import COMMANDS

    for command_list in manifest["bots"][0]["commandLists"]:
        for command in command_list["commands"]:
            assert command["title"] in COMMANDS, command["title"]


def _without_bot_id(m: dict[str, Any]) -> None:
    del m["bots"][0]["botId"]


def _wrong_manifest_version(m: dict[str, Any]) -> None:
    m["manifestVersion"] = "1.16"


def _long_short_description(m: dict[str, Any]) -> None:
    m["description"]["short"] = "x" * 100


def _bad_scope(m: dict[str, Any]) -> None:
    m["bots"][0]["scopes"] = ["personal", "channel"]


def _misspelt_property(m: dict[str, Any]) -> None:
    m["bots"][0]["supportFiles"] = False


def _bad_accent(m: dict[str, Any]) -> None:
    m["accentColor"] = "teal"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_without_bot_id, "manifest.json: /bots/0 must have required property 'botId'"),
        (
            _wrong_manifest_version,
            'manifest.json: /manifestVersion must be equal to constant ("1.17")',
        ),
        (
            _long_short_description,
            "manifest.json: /description/short must NOT have more than 80 characters",
        ),
        (
            _bad_scope,
            "manifest.json: /bots/0/scopes/1 must be equal to one of the allowed values "
            '("team", "personal", "groupChat")',
        ),
        (
            _misspelt_property,
            'manifest.json: /bots/0 must NOT have additional properties ("supportFiles")',
        ),
        (_bad_accent, 'manifest.json: /accentColor must match pattern "^#[0-9a-fA-F]{6}$"'),
    ],
)
def test_a_broken_manifest_fails_with_a_clear_message(
    manifest: dict[str, Any], breakage: Any, message: str
) -> None:
    broken = copy.deepcopy(manifest)
    breakage(broken)
    assert message in bp.validate_manifest(broken)


def test_a_broken_template_stops_the_build_before_any_zip(source: Path, tmp_path: Path) -> None:
    template = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    del template["bots"][0]["botId"]
    template["description"]["short"] = "y" * 100
    (source / "manifest.json").write_text(json.dumps(template), encoding="utf-8")
    out = tmp_path / "never.zip"
    with pytest.raises(bp.PackageError) as caught:
        bp.build_package(APP_ID, output=out, source=source)
    assert caught.value.problems == [
        "manifest.json: /description/short must NOT have more than 80 characters",
        "manifest.json: /bots/0 must have required property 'botId'",
    ]
    assert not out.exists()


def test_a_schema_url_that_is_not_teams_cannot_be_checked(manifest: dict[str, Any]) -> None:
    odd = dict(manifest, **{"$schema": "https://example.org/schema.json"})
    with pytest.raises(bp.PackageError, match=r"\$schema must be a Teams manifest schema URL"):
        bp.validate_manifest(odd)


def test_placeholders_are_all_filled_or_named() -> None:
    assert bp.render_manifest('{"id": "{{ MicrosoftAppId }}"}', {"MicrosoftAppId": "a"}) == {
        "id": "a"
    }
    with pytest.raises(bp.PackageError, match="no value for placeholder"):
        bp.render_manifest('{"id": "{{TeamsAppId}}"}', {"MicrosoftAppId": "a"})


def test_the_manifest_must_name_the_packaged_icons(manifest: dict[str, Any]) -> None:
    renamed = copy.deepcopy(manifest)
    renamed["icons"]["outline"] = "icon-outline.png"
    assert bp.check_manifest_files(renamed) == [
        "manifest.json: /icons/outline must be 'outline.png' (the file in the package), "
        "not 'icon-outline.png'"
    ]


# --- icons ----------------------------------------------------------------------------------


def test_the_committed_icons_follow_the_rules() -> None:
    for name in ("color.png", "outline.png"):
        assert bp.check_icon(name, (TEAMS / name).read_bytes()) == []
    color = bp.decode_png((TEAMS / "color.png").read_bytes(), "color.png")
    outline = bp.decode_png((TEAMS / "outline.png").read_bytes(), "outline.png")
    assert (color.width, color.height) == (192, 192)
    assert (outline.width, outline.height, outline.has_alpha) == (32, 32, True)


def test_the_committed_icons_are_what_make_icons_draws() -> None:
    color = bp.decode_png((TEAMS / "color.png").read_bytes(), "color.png")
    outline = bp.decode_png((TEAMS / "outline.png").read_bytes(), "outline.png")
    assert outline.rows == icons.outline_pixels()
    assert color.rows == icons.color_pixels()


def test_a_wrong_size_icon_fails(source: Path, tmp_path: Path) -> None:
    (source / "color.png").write_bytes(solid(96, 96, (31, 111, 139, 255)))
    with pytest.raises(bp.PackageError) as caught:
        bp.build_package(APP_ID, output=tmp_path / "x.zip", source=source)
    assert caught.value.problems == ["color.png must be 192x192 pixels, not 96x96"]
    assert bp.check_icon("outline.png", solid(32, 33, (255, 255, 255, 0))) == [
        "outline.png must be 32x32 pixels, not 32x33"
    ]


def test_an_outline_icon_with_a_coloured_pixel_fails(source: Path, tmp_path: Path) -> None:
    rows = icons.outline_pixels()
    rows[4][3] = (255, 0, 0, 255)
    (source / "outline.png").write_bytes(icons.encode_png(rows))
    with pytest.raises(bp.PackageError) as caught:
        bp.build_package(APP_ID, output=tmp_path / "x.zip", source=source)
    assert caught.value.problems == [
        "outline.png must be white on transparent only, but 1 pixel(s) are coloured, "
        "the first at x=3, y=4: RGBA(255, 0, 0, 255)"
    ]


def test_an_outline_icon_without_transparency_fails() -> None:
    rgb = _png(32, 32, 2, 8, [bytes([255] * 96)] * 32)
    assert bp.check_icon("outline.png", rgb) == [
        "outline.png must have a transparent background, but it has no alpha channel"
    ]
    opaque = solid(32, 32, (255, 255, 255, 255))
    assert bp.check_icon("outline.png", opaque) == [
        "outline.png must have a transparent background, but no pixel is"
    ]
    empty = solid(32, 32, (255, 255, 255, 0))
    assert bp.check_icon("outline.png", empty) == [
        "outline.png is fully transparent: it draws nothing"
    ]


def test_a_transparent_pixel_of_any_colour_is_fine_in_the_outline() -> None:
    rows = icons.outline_pixels()
    rows[0][0] = (12, 34, 56, 0)
    assert bp.check_icon("outline.png", icons.encode_png(rows)) == []


def test_files_that_are_not_usable_pngs_are_named() -> None:
    assert bp.check_icon("color.png", b"GIF89a...") == [
        "color.png is not a PNG file (it lacks the PNG signature)"
    ]
    good = (TEAMS / "outline.png").read_bytes()
    corrupt = good[:40] + bytes([good[40] ^ 0xFF]) + good[41:]
    assert bp.check_icon("outline.png", corrupt)[0].startswith("outline.png: the PNG is corrupt")
    sixteen = _png(32, 32, 6, 16, [bytes(32 * 8)] * 32)
    assert bp.check_icon("outline.png", sixteen) == [
        "outline.png: 16-bit PNGs are not supported here; save it as 8-bit"
    ]


# --- the PNG decoder on files other tools write ---------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png(
    width: int,
    height: int,
    color_type: int,
    depth: int,
    lines: list[bytes],
    *,
    filters: list[int] | None = None,
    extra: bytes = b"",
) -> bytes:
    """A PNG from raw scanlines, each filtered with the given filter type (default None)."""
    bpp = max(1, {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type] * depth // 8)
    raw = bytearray()
    previous = bytes(len(lines[0]))
    for index, line in enumerate(lines):
        kind = filters[index % len(filters)] if filters else 0
        raw.append(kind)
        raw.extend(_filter(kind, line, previous, bpp))
        previous = line
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (
        bp.PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", zlib.compress(bytes(raw)))
        + _chunk(b"IEND", b"")
    )


def _filter(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        corner = previous[i - bpp] if i >= bpp else 0
        if kind == 0:
            predictor = 0
        elif kind == 1:
            predictor = left
        elif kind == 2:
            predictor = up
        elif kind == 3:
            predictor = (left + up) >> 1
        else:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def test_every_png_filter_type_decodes_to_the_same_pixels() -> None:
    rows = icons.outline_pixels()
    lines = [bytes(v for pixel in row for v in pixel) for row in rows]
    filtered = _png(32, 32, 6, 8, lines, filters=[0, 1, 2, 3, 4])
    assert filtered != icons.encode_png(rows)
    assert bp.decode_png(filtered, "outline.png").rows == rows
    assert bp.check_icon("outline.png", filtered) == []


def test_palette_and_grey_alpha_pngs_are_understood() -> None:
    palette = _chunk(b"PLTE", bytes([255, 255, 255, 200, 0, 0]))
    alpha = _chunk(b"tRNS", bytes([0, 255]))
    # 2 colours at 1 bit per pixel: index 0 transparent white, index 1 opaque red
    line = bytes([0b01000000, 0, 0, 0])
    png = _png(32, 32, 3, 1, [line] * 32, extra=palette + alpha)
    decoded = bp.decode_png(png, "outline.png")
    assert decoded.has_alpha
    assert decoded.rows[0][:3] == [(255, 255, 255, 0), (200, 0, 0, 255), (255, 255, 255, 0)]
    assert re.match(
        r"outline.png must be white on transparent only, but 32 pixel",
        bp.check_icon("outline.png", png)[0],
    )
    grey = _png(32, 32, 4, 8, [bytes([255, 0, 255, 255] * 16)] * 32)
    assert bp.check_icon("outline.png", grey) == []


# --- make package -----------------------------------------------------------------------------


def test_make_package_builds_a_demo_package_only_when_there_is_no_app_id() -> None:
    make = shutil.which("make")
    assert make is not None, "make is needed for `make package`"
    env = {k: v for k, v in os.environ.items() if k != "MicrosoftAppId"}

    def dry_run(**extra: str) -> str:
        """What `make -n package` would run with these extra environment variables."""
        completed = subprocess.run(
            [make, "-n", "package"],
            cwd=REPO_ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return completed.stdout

    assert "deploy/teams/build_package.py --demo" in dry_run()
    assert "deploy/teams/build_package.py --demo" in dry_run(MicrosoftAppId="")
    real = dry_run(MicrosoftAppId=APP_ID)
    assert "deploy/teams/build_package.py" in real and "--demo" not in real
