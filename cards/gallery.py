"""Every kind of card the bot sends, filled with fictional demo data.

``GALLERY`` maps a card kind to a function building that card; the tests check every entry
with the official renderer, and ``export_gallery`` writes them out to paste into the Adaptive
Cards designer or to attach to a review. Add a card kind here when you add a card.

Run ``python -m cards.gallery DIRECTORY`` to export.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from cards.base import Card
from cards.welcome import help_card, team_welcome_card, welcome_card

__all__ = ["DEMO_PARTNERSHIP", "GALLERY", "export_gallery", "main"]

DEMO_PARTNERSHIP = "Northdale Safeguarding Children Partnership"
"""A fictional partnership name for demo cards."""

GALLERY: dict[str, Callable[[], Card]] = {
    "welcome": lambda: welcome_card(DEMO_PARTNERSHIP),
    "team_welcome": lambda: team_welcome_card(DEMO_PARTNERSHIP),
    "help": lambda: help_card(DEMO_PARTNERSHIP),
}


def export_gallery(directory: Path) -> list[Path]:
    """Write ``<kind>.json`` for every gallery card into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for kind, build in sorted(GALLERY.items()):
        path = directory / f"{kind}.json"
        path.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: export the gallery to the directory given (default ``var/cards``)."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("var/cards")
    for path in export_gallery(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
