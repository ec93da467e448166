"""The referrer kept informed (#25 item 9), over HTTP: after the meeting is booked, the chair's
conclusion and the report's sending, one update each in Robin's 1:1, with nothing about the
child or anyone's notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_stages_http import (
    CHAIR,
    MONDAY,
    as_person,
    cards_in,
    decide,
    decided_app_settings,
    rows,
    send,
    sent_to,
)

from helpers.activities import card_invoke
from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, settle
from storage.models import OutboundMessage


def _progress(connector: FakeConnector, ref: str) -> list[dict[str, Any]]:
    return [
        c
        for c in cards_in(sent_to(connector, "a:1robin"))
        if f"Your referral — {ref}" in json.dumps(c, ensure_ascii=False)
    ]


async def test_the_referrer_hears_of_the_meeting_the_conclusion_and_the_report_once_each(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        assert _progress(connector, ref) == []
        meeting = {
            "action": "meeting.propose",
            "reference": ref,
            "meeting_date": "2026-12-04",
            "meeting_time": "10:00",
            "location": "MARKER-PLACE Room 4, Fictional House",
            "duration_minutes": "90",
        }
        await send(app, as_person("morgan", "", connector, meeting))
        await settle(app)
        (booked,) = _progress(connector, ref)
        assert "The Rapid Review meeting is booked" in json.dumps(booked)
        assert "4 Dec 2026" in json.dumps(booked)
        # Moved: the thread hears the new time; the referrer is not told a second time.
        await send(app, as_person("morgan", "", connector, {**meeting, "meeting_time": "14:00"}))
        await settle(app)
        assert len(_progress(connector, ref)) == 1

        conclude = {"action": "chair.conclude", "reference": ref, "part": 1, **CHAIR}
        for _ in range(2):
            await send(app, as_person("morgan", "", connector, conclude))
            await settle(app)
        updates = _progress(connector, ref)
        assert len(updates) == 2
        assert "A local child safeguarding practice review is proposed" in json.dumps(updates[1])

        # Signed off where the report asks for it (Morgan is the chair and the manager).
        sign = card_invoke(
            "report.sign_off", {"reference": ref}, who="morgan", service_url=connector.url
        )
        await app.post_activity(sign)
        sent = {"action": "report.sent", "reference": ref, "sent_on": "2026-11-23"}
        for _ in range(2):
            await send(app, as_person("morgan", "", connector, sent))
            await settle(app)
        updates = _progress(connector, ref)
        assert len(updates) == 3
        assert "sent to the National Panel" in json.dumps(updates[2])

    told = await rows(db_url, OutboundMessage, OutboundMessage.kind == "referrer_progress")
    assert sorted((r.stage, r.status) for r in told) == [
        ("concluded", "sent"),
        ("meeting", "sent"),
        ("report_sent", "sent"),
    ]
    # Nothing the referrer did not give, nor anyone's notes or the meeting's place.
    for card in updates:
        assert "MARKER" not in json.dumps(card)
    check_cards(updates)
