"""Draw the Teams app icons (color.png 192x192, outline.png 32x32) with the standard library.

Run `python deploy/teams/make_icons.py` to rewrite both PNGs beside this file. The drawing
is a clock face with a check mark: on the accent colour in a rounded square for the colour
icon, white on transparent for the outline icon (Teams' rule for outline icons). Edges are
anti-aliased by sampling each pixel on a 4x4 grid; the output is the same on every run.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENT = (0x1F, 0x6F, 0x8B)  # also the manifest's accentColor, #1F6F8B
ACCENT_HEX = "#{:02X}{:02X}{:02X}".format(*ACCENT)
WHITE = (255, 255, 255)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SAMPLES = 4  # per axis, so 16 samples per pixel

Shape = Callable[[float, float], bool]
Pixel = tuple[int, int, int, int]


def rounded_square(size: float, radius: float) -> Shape:
    """A square from (0, 0) to (size, size) with rounded corners."""

    def inside(x: float, y: float) -> bool:
        """True when the point (x, y) is in the shape."""
        if not (0 <= x <= size and 0 <= y <= size):
            return False
        cx = min(max(x, radius), size - radius)
        cy = min(max(y, radius), size - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2

    return inside


def ring(cx: float, cy: float, outer: float, width: float) -> Shape:
    """An annulus centred on (cx, cy)."""
    inner2, outer2 = (outer - width) ** 2, outer**2

    def inside(x: float, y: float) -> bool:
        """True when the point (x, y) is in the shape."""
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        return inner2 <= d2 <= outer2

    return inside


def stroke(points: Sequence[tuple[float, float]], width: float) -> Shape:
    """A polyline drawn with a round pen of the given width."""
    half = width / 2
    segments = list(zip(points, points[1:], strict=False))
    left, right = min(p[0] for p in points) - half, max(p[0] for p in points) + half
    top, bottom = min(p[1] for p in points) - half, max(p[1] for p in points) + half

    def inside(x: float, y: float) -> bool:
        """True when the point (x, y) is in the shape."""
        if not (left <= x <= right and top <= y <= bottom):
            return False
        for (ax, ay), (bx, by) in segments:
            dx, dy = bx - ax, by - ay
            t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
            t = min(1.0, max(0.0, t))
            if math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= half:
                return True
        return False

    return inside


def union(*shapes: Shape) -> Shape:
    """Inside when inside any of the shapes."""

    def inside(x: float, y: float) -> bool:
        """True when the point (x, y) is in the shape."""
        return any(shape(x, y) for shape in shapes)

    return inside


def coverage(shape: Shape, px: int, py: int) -> float:
    """The fraction of pixel (px, py) that the shape covers, from a SAMPLES x SAMPLES grid."""
    step = 1 / SAMPLES
    hits = 0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            if shape(px + (i + 0.5) * step, py + (j + 0.5) * step):
                hits += 1
    return hits / (SAMPLES * SAMPLES)


def symbol(size: float) -> Shape:
    """The clock-and-check symbol scaled to a square of `size` (drawn in its middle 5/8)."""
    s = size / 192  # designed on the 192 grid; the symbol stays inside the 120 px safe area
    c = 96 * s
    ticks = [
        stroke([(c, c - 47 * s), (c, c - 39 * s)], 7 * s),
        stroke([(c + 47 * s, c), (c + 39 * s, c)], 7 * s),
        stroke([(c, c + 47 * s), (c, c + 39 * s)], 7 * s),
        stroke([(c - 47 * s, c), (c - 39 * s, c)], 7 * s),
    ]
    check = stroke([(70 * s, 98 * s), (88 * s, 116 * s), (123 * s, 78 * s)], 12 * s)
    return union(ring(c, c, 58 * s, 10 * s), check, *ticks)


def outline_symbol(size: float) -> Shape:
    """The outline variant: a bolder ring and check (no ticks) that stay legible at 32 px."""
    s = size / 32
    return union(
        ring(16 * s, 16 * s, 15.5 * s, 2.5 * s),
        stroke([(10 * s, 16.5 * s), (14 * s, 20.5 * s), (22 * s, 11.5 * s)], 2.75 * s),
    )


def color_pixels(size: int = COLOR_SIZE) -> list[list[Pixel]]:
    """The colour icon: white symbol on the accent colour, in a rounded square."""
    background = rounded_square(size, size * 0.21)
    mark = symbol(size)
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            a = coverage(background, x, y)
            m = coverage(mark, x, y)
            rgb = tuple(round(c * (1 - m) + w * m) for c, w in zip(ACCENT, WHITE, strict=True))
            row.append((rgb[0], rgb[1], rgb[2], round(255 * a)))
        rows.append(row)
    return rows


def outline_pixels(size: int = OUTLINE_SIZE) -> list[list[Pixel]]:
    """The outline icon: white only, the shape carried by the alpha channel."""
    mark = outline_symbol(size)
    return [
        [(255, 255, 255, round(255 * coverage(mark, x, y))) for x in range(size)]
        for y in range(size)
    ]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(rows: Sequence[Sequence[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG (no filtering, zlib level 9) of the given rows of pixels."""
    height = len(rows)
    width = len(rows[0]) if rows else 0
    raw = bytearray()
    for row in rows:
        if len(row) != width:
            raise ValueError("every row must have the same width")
        raw.append(0)  # filter type None
        for pixel in row:
            raw.extend(pixel)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def write_icons(directory: Path = HERE) -> list[Path]:
    """Write color.png and outline.png into `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in (("color.png", color_pixels()), ("outline.png", outline_pixels())):
        path = directory / name
        path.write_bytes(encode_png(rows))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Write the icons beside this script (or into the directory given as the argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else HERE
    for path in write_icons(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
