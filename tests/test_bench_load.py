"""The load generator's request bodies (bench/http_bench.py): encoded once, each request
with its own activity id."""

from __future__ import annotations

import json

import pytest

from bench.http_bench import encoded_with_ids, vote_body


def test_each_request_is_the_same_activity_with_its_own_id() -> None:
    body = vote_body("http://127.0.0.1:9/", "SSCP-2026-0001")
    before, after = encoded_with_ids(body)
    sent = [json.loads(before + json.dumps(f"bench-{n}").encode() + after) for n in range(3)]
    assert [s.pop("id") for s in sent] == ["bench-0", "bench-1", "bench-2"]
    expected = {k: v for k, v in body.items() if k != "id"}
    assert sent == [expected] * 3


def test_a_body_that_already_holds_the_marker_is_refused() -> None:
    body = {"type": "message", "text": "bench-activity-id-goes-here"}
    with pytest.raises(ValueError, match="marker"):
        encoded_with_ids(body)
