"""Build the Teams app package, artifacts/rapid-review-teams.zip: manifest.json and two icons.

    python deploy/teams/build_package.py           # the bot id from $MicrosoftAppId
    python deploy/teams/build_package.py --demo    # a fixed fictional id, for trying it out

The manifest template (manifest.json beside this file) has two placeholders: {{MicrosoftAppId}}
(the Azure Bot's app registration id, a GUID, used as the Teams app id and the bot id) and
{{version}} (the project version from pyproject.toml). The filled manifest is validated offline
against Microsoft's official JSON schema — the copy shipped in npm `@microsoft/app-manifest`,
run by validate_manifest.js with node — and the icons against Teams' rules: PNG files, color.png
192x192, outline.png 32x32, white on a transparent background. Any problem stops the build
before a zip is written; every problem found is printed, one a line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "artifacts" / "rapid-review-teams.zip"
VALIDATOR = HERE / "validate_manifest.js"
DEMO_APP_ID = "00000000-0000-4000-8000-0000000000b0"
GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ICON_SIZES = {"color.png": 192, "outline.png": 32}
NODE_TIMEOUT_SECONDS = 60


class PackageError(Exception):
    """The package cannot be built; `problems` holds one line per thing to fix."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# --- the app id and the manifest -------------------------------------------------------


def resolve_app_id(env: Mapping[str, str], demo: bool) -> str:
    """The bot's app id: $MicrosoftAppId (a GUID), or the fictional demo id with --demo."""
    if demo:
        return DEMO_APP_ID
    value = env.get("MicrosoftAppId", "").strip()
    if not value:
        raise PackageError(
            "MicrosoftAppId is not set: export the Azure Bot's app registration id (a GUID), "
            "or pass --demo for a package with a fictional id"
        )
    if not GUID.match(value):
        raise PackageError(
            "MicrosoftAppId must be a GUID like 01234567-89ab-cdef-0123-456789abcdef, "
            f"not {value!r}"
        )
    return value.lower()


def project_version(pyproject: Path = REPO_ROOT / "pyproject.toml") -> str:
    """The project's version from pyproject.toml ([project] version)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def render_manifest(template: str, values: Mapping[str, str]) -> dict[str, object]:
    """Fill the {{name}} placeholders of the template and parse it as JSON."""
    unknown = sorted({m.group(1) for m in PLACEHOLDER.finditer(template)} - set(values))
    if unknown:
        raise PackageError(f"manifest.json: no value for placeholder(s) {', '.join(unknown)}")
    filled = PLACEHOLDER.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], template)
    try:
        manifest = json.loads(filled)
    except json.JSONDecodeError as exc:
        raise PackageError(f"manifest.json is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise PackageError("manifest.json must hold a JSON object")
    return manifest


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise PackageError(
            "node (Node.js) is not on PATH; it runs the official Teams schema check. "
            "Install it, then run `make setup` (npm ci)."
        )
    return node


def validate_manifest(manifest: Mapping[str, object]) -> list[str]:
    """Problems found by Microsoft's JSON schema for the manifest's $schema (empty when valid)."""
    completed = subprocess.run(
        [_node(), str(VALIDATOR), "-"],
        input=json.dumps(manifest),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        detail = completed.stderr.strip() or f"exit status {completed.returncode}"
        raise PackageError(f"manifest.json could not be checked: {detail}")
    result = json.loads(completed.stdout)
    return [f"manifest.json: {error}" for error in result["errors"]]


def check_manifest_files(manifest: Mapping[str, object]) -> list[str]:
    """The manifest must name the two icon files the package ships."""
    icons = manifest.get("icons")
    wanted = {"color": "color.png", "outline": "outline.png"}
    if not isinstance(icons, dict):
        return []  # the schema check reports a missing or malformed "icons"
    return [
        f"manifest.json: /icons/{key} must be {name!r} (the file in the package), "
        f"not {icons.get(key)!r}"
        for key, name in wanted.items()
        if icons.get(key) != name
    ]


# --- icons -------------------------------------------------------------------------------

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass(frozen=True)
class Png:
    """A decoded PNG: its size, whether it has transparency, and its pixels as RGBA rows."""

    width: int
    height: int
    has_alpha: bool
    rows: list[list[tuple[int, int, int, int]]]


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, name: str) -> list[bytes]:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows: list[bytes] = []
    previous = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = raw[pos]
        line = bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            if kind == 0:
                continue
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                corner = previous[i - bpp] if i >= bpp else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
            else:
                raise PackageError(f"{name}: corrupt image data (unknown filter type {kind})")
        rows.append(bytes(line))
        previous = line
    return rows


def decode_png(data: bytes, name: str) -> Png:
    """Decode an 8-bit (or low-bit-depth palette) non-interlaced PNG, or explain why not."""
    if not data.startswith(PNG_SIGNATURE):
        raise PackageError(f"{name} is not a PNG file (it lacks the PNG signature)")
    pos = len(PNG_SIGNATURE)
    header = None
    palette: list[tuple[int, int, int]] = []
    transparency = b""
    idat = bytearray()
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise PackageError(f"{name}: the PNG is truncated")
        if zlib.crc32(kind + body) & 0xFFFFFFFF != struct.unpack(">I", crc_bytes)[0]:
            chunk = kind.decode("latin-1")
            raise PackageError(f"{name}: the PNG is corrupt (bad checksum in chunk {chunk!r})")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [tuple(body[i : i + 3]) for i in range(0, len(body), 3)]  # type: ignore[misc]
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            idat.extend(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise PackageError(f"{name}: the PNG has no header (IHDR)")
    width, height, depth, color_type, _compression, _filter, interlace = header
    if color_type not in _CHANNELS:
        raise PackageError(f"{name}: unknown PNG colour type {color_type}")
    if interlace:
        raise PackageError(f"{name}: interlaced PNGs are not supported here; save it without")
    if depth != 8 and not (color_type == 3 and depth in (1, 2, 4)):
        raise PackageError(f"{name}: {depth}-bit PNGs are not supported here; save it as 8-bit")
    bits = _CHANNELS[color_type] * depth
    stride = (width * bits + 7) // 8
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as exc:
        raise PackageError(f"{name}: the PNG's image data is corrupt ({exc})") from None
    if len(raw) < height * (stride + 1):
        raise PackageError(f"{name}: the PNG's image data is shorter than its size says")
    lines = _unfilter(raw, height, stride, max(1, bits // 8), name)

    rows = []
    for line in lines:
        if color_type == 6:
            row = [tuple(line[i : i + 4]) for i in range(0, width * 4, 4)]
        elif color_type == 4:
            row = [(line[i], line[i], line[i], line[i + 1]) for i in range(0, width * 2, 2)]
        elif color_type == 2:
            key = struct.unpack(">HHH", transparency) if len(transparency) == 6 else None
            row = []
            for i in range(0, width * 3, 3):
                rgb = (line[i], line[i + 1], line[i + 2])
                row.append((*rgb, 0 if key == rgb else 255))
        elif color_type == 0:
            gray_key = struct.unpack(">H", transparency)[0] if len(transparency) == 2 else None
            row = [(g, g, g, 0 if g == gray_key else 255) for g in line[:width]]
        else:
            per_byte = 8 // depth
            mask = (1 << depth) - 1
            row = []
            for x in range(width):
                byte = line[x // per_byte]
                index = (byte >> (8 - depth * (x % per_byte + 1))) & mask
                if index >= len(palette):
                    raise PackageError(f"{name}: a pixel uses a colour missing from the palette")
                alpha = transparency[index] if index < len(transparency) else 255
                row.append((*palette[index], alpha))
        rows.append(row)
    has_alpha = color_type in (4, 6) or bool(transparency)
    return Png(width, height, has_alpha, rows)  # type: ignore[arg-type]


def check_icon(name: str, data: bytes) -> list[str]:
    """Teams' rules for one icon: a PNG of the exact size; the outline white on transparent."""
    try:
        png = decode_png(data, name)
    except PackageError as exc:
        return exc.problems
    size = ICON_SIZES[name]
    if (png.width, png.height) != (size, size):
        return [f"{name} must be {size}x{size} pixels, not {png.width}x{png.height}"]
    if name != "outline.png":
        return []
    if not png.has_alpha:
        return ["outline.png must have a transparent background, but it has no alpha channel"]
    coloured = [
        (x, y, pixel)
        for y, row in enumerate(png.rows)
        for x, pixel in enumerate(row)
        if pixel[3] > 0 and pixel[:3] != (255, 255, 255)
    ]
    problems = []
    if coloured:
        x, y, pixel = coloured[0]
        problems.append(
            f"outline.png must be white on transparent only, but {len(coloured)} pixel(s) "
            f"are coloured, the first at x={x}, y={y}: RGBA{pixel}"
        )
    alphas = [pixel[3] for row in png.rows for pixel in row]
    if min(alphas) > 0:
        problems.append("outline.png must have a transparent background, but no pixel is")
    if max(alphas) == 0:
        problems.append("outline.png is fully transparent: it draws nothing")
    return problems


# --- the package -------------------------------------------------------------------------


def write_zip(path: Path, files: Sequence[tuple[str, bytes]]) -> Path:
    """Write the files at the zip's root, with fixed timestamps (same input, same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(path)
    return path


def build_package(
    app_id: str,
    output: Path = DEFAULT_OUTPUT,
    source: Path = HERE,
    version: str | None = None,
) -> Path:
    """Fill, validate and zip the manifest with its icons; raise PackageError on any problem."""
    manifest = render_manifest(
        (source / "manifest.json").read_text(encoding="utf-8"),
        {"MicrosoftAppId": app_id, "version": version or project_version()},
    )
    icons = {name: (source / name).read_bytes() for name in ICON_SIZES}
    problems = validate_manifest(manifest) + check_manifest_files(manifest)
    for name, data in icons.items():
        problems += check_icon(name, data)
    if problems:
        raise PackageError(*problems)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    files = [("manifest.json", text.encode("utf-8"))] + list(icons.items())
    return write_zip(output, files)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Build the package; print its path, or every problem (one a line) and exit 2."""
    parser = argparse.ArgumentParser(
        prog="build_package.py", description="Build the Teams app package (zip)."
    )
    parser.add_argument(
        "--demo", action="store_true", help=f"use the fictional app id {DEMO_APP_ID}"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the zip to write")
    parser.add_argument(
        "--source", type=Path, default=HERE, help="the folder with manifest.json and the icons"
    )
    args = parser.parse_args(argv)
    try:
        app_id = resolve_app_id(os.environ if env is None else env, args.demo)
        path = build_package(app_id, output=args.output, source=args.source)
    except PackageError as exc:
        for problem in exc.problems:
            print(f"build_package.py: {problem}", file=sys.stderr)
        return 2
    try:
        shown = path.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = path
    kind = "demo package, fictional app id" if args.demo else "app id"
    print(f"Teams app package: {shown} ({kind} {app_id})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
