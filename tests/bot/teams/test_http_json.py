"""Invoke answers are written as JSON by orjson, or by the standard library when it refuses."""

from __future__ import annotations

import json

from bot.teams.http import json_bytes


def test_a_card_reads_back_as_the_same_json() -> None:
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Café — 10:42"}]}
    body = {"statusCode": 200, "value": card, "n": 1.5, "ok": True, "none": None}
    assert json.loads(json_bytes(body)) == body


def test_what_orjson_refuses_is_still_written() -> None:
    # A lone surrogate (typed by someone, JSON-escaped by Teams) and a 70-bit integer.
    body = {"text": "broken \ud800 pair", "big": 2**70}
    assert json.loads(json_bytes(body)) == body
