"""Check Adaptive Cards the way Teams will see them.

Two layers, all problems of every card reported at once:

1. The official JavaScript renderer (npm ``adaptivecards``, run by ``validate_cards.js`` in one
   node process per call) parses each card at target version 1.5 and validates it: unknown
   element/action types, elements or properties newer than 1.5, bad enum values, inputs without
   an id, duplicate ids, required inputs without label/errorMessage, empty ChoiceSets, a wrong
   card ``type`` (not an absent one), more than 6 actions in a row (Teams' host config).
2. Checks here for what that renderer silently accepts but this bot (and Teams) cannot use:
   ``type`` must be present, ``version`` must be ``"1.5"`` (the renderer accepts up to 1.6),
   ``body``/``actions`` must be lists, every Action.Execute needs a ``verb``, every
   Action.Submit needs ``data`` that is a JSON object (Action.Execute ``data``, when present,
   too), and the card must fit Teams' 28 KB message limit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_CARD_BYTES",
    "REQUIRED_VERSION",
    "CardCheckerUnavailable",
    "assert_valid_card",
    "card_problems",
    "check_cards",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).with_name("validate_cards.js")
RENDERER = REPO_ROOT / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"

REQUIRED_VERSION = "1.5"
# Teams refuses messages over 28 KB. Measured on json.dumps' default output (ASCII escapes,
# ", " separators), which is at least as long as what the Bot Framework client sends.
MAX_CARD_BYTES = 28 * 1024

_NODE_TIMEOUT_SECONDS = 120


class CardCheckerUnavailable(RuntimeError):
    """The renderer-based checker cannot run on this machine (missing node or npm packages)."""


def _node() -> str:
    """Return the node executable, or explain how to get the checker running."""
    if not RENDERER.is_file():
        raise CardCheckerUnavailable(
            f"The Adaptive Cards renderer is missing ({RENDERER.relative_to(REPO_ROOT)}): "
            "run `make test` (it runs npm ci)."
        )
    node = shutil.which("node")
    if node is None:
        raise CardCheckerUnavailable(
            "node (Node.js) is not on PATH; it runs the Adaptive Cards renderer. Install it, "
            "then run `make test` (it runs npm ci)."
        )
    return node


def _run_renderer(payloads: Sequence[str]) -> list[list[dict[str, Any]]]:
    """Run validate_cards.js once over already-serialised cards; return its events per card."""
    if not payloads:
        return []
    completed = subprocess.run(
        [_node(), str(VALIDATOR)],
        input="[" + ",".join(payloads) + "]",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=_NODE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise CardCheckerUnavailable(
            f"validate_cards.js failed (exit {completed.returncode}):\n{completed.stderr}"
        )
    results = json.loads(completed.stdout)
    if not isinstance(results, list) or len(results) != len(payloads):
        raise CardCheckerUnavailable(f"validate_cards.js gave unexpected output: {results!r}")
    return [result["problems"] for result in results]


def _format_renderer_event(event: Mapping[str, Any]) -> str:
    """One renderer event as a line: [renderer Phase/Event] source: message."""
    source = f" {event['source']}:" if event.get("source") else ""
    return f"[renderer {event['phase']}/{event['event']}]{source} {event['message']}"


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (JSON path, object) for every object in the card, not descending into payloads."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("data", "choices.data"):  # action payloads are data, not card structure
                continue
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def nodes(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in a card, action payloads included (unlike `_walk`)."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in nodes(value))]
    if isinstance(node, list):
        return [found for item in node for found in nodes(item)]
    return []


def _describe(path: str, obj: Mapping[str, Any]) -> str:
    """Name an object for a problem message: its path, type and title."""
    title = obj.get("title")
    return f"{path} ({obj.get('type')}{f' {title!r}' if title else ''})"


def _teams_problems(card: Any, size: int) -> list[str]:
    """Problems the renderer does not report but Teams or this bot would trip over."""
    if not isinstance(card, dict):
        return []  # the renderer already reports a card that is not a JSON object
    problems: list[str] = []
    if "type" not in card:  # the renderer reports a wrong type, but not a missing one
        problems.append('[teams] $.type is missing; it must be "AdaptiveCard"')
    version = card.get("version")
    if version != REQUIRED_VERSION:
        problems.append(
            f"[teams] $.version is {version!r}; cards must declare version "
            f"{REQUIRED_VERSION!r} (the renderer checks them against 1.5)"
        )
    for key in ("body", "actions"):
        if key in card and not isinstance(card[key], list):
            problems.append(f"[teams] $.{key} must be a list, got {type(card[key]).__name__}")
    for path, obj in _walk(card, "$"):
        kind = obj.get("type")
        if kind == "Action.Execute":
            verb = obj.get("verb")
            if not isinstance(verb, str) or not verb:
                problems.append(f"[teams] {_describe(path, obj)} has no verb")
        if kind == "Action.Submit" and "data" not in obj:
            problems.append(
                f"[teams] {_describe(path, obj)} has no data; the bot routes on its data object"
            )
        if kind in ("Action.Submit", "Action.Execute") and "data" in obj:
            if not isinstance(obj["data"], dict):
                problems.append(
                    f"[teams] {_describe(path, obj)} data must be a JSON object, "
                    f"got {type(obj['data']).__name__}"
                )
    if size > MAX_CARD_BYTES:
        problems.append(
            f"[teams] the card is {size} bytes of JSON; Teams' limit is {MAX_CARD_BYTES} (28 KB)"
        )
    return problems


def card_problems(cards: Sequence[Any]) -> list[list[str]]:
    """Every problem of every card (renderer's and Teams-specific), one list per card."""
    problems: list[list[str]] = [[] for _ in cards]
    payloads: list[str] = []
    checked: list[int] = []
    sizes: dict[int, int] = {}
    for index, card in enumerate(cards):
        try:
            payload = json.dumps(card, allow_nan=False)
        except (TypeError, ValueError) as exc:
            problems[index].append(f"[json] the card is not JSON-serialisable: {exc}")
            continue
        sizes[index] = len(payload.encode("utf-8"))
        payloads.append(payload)
        checked.append(index)
    for index, events in zip(checked, _run_renderer(payloads), strict=True):
        problems[index].extend(_format_renderer_event(event) for event in events)
        problems[index].extend(_teams_problems(cards[index], sizes[index]))
    return problems


def check_cards(cards: Sequence[Any], *, labels: Sequence[str] | None = None) -> None:
    """Raise AssertionError listing every problem of every invalid card (one node process)."""
    if isinstance(cards, Mapping):
        raise TypeError("check_cards takes a list of cards; use assert_valid_card for one")
    if labels is not None and len(labels) != len(cards):
        raise ValueError("labels must name every card")
    names = list(labels) if labels is not None else [f"card {i}" for i in range(len(cards))]
    report = [
        f"{name}:\n" + "\n".join(f"  - {problem}" for problem in found)
        for name, found in zip(names, card_problems(cards), strict=True)
        if found
    ]
    if report:
        raise AssertionError(
            f"{len(report)} of {len(cards)} card(s) are not valid Adaptive Cards 1.5 for Teams:\n"
            + "\n".join(report)
        )


def assert_valid_card(card: Any, label: str = "card") -> None:
    """Raise AssertionError listing every problem of one card."""
    check_cards([card], labels=[label])
