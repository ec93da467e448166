"""Closing a case says what it stops and asks first; a manager reopens a closed case with a
reason, over real HTTP: the refusals (a panel member, a case already closed, one not closed,
no reason) change nothing and are audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from test_stages_http import (
    as_person,
    cards_in,
    decide,
    decided_app_settings,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, press
from storage.models import AuditEvent, Case, OutboundMessage

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REASON = "REOPEN-MARKER a new agency return arrived"


async def _pending(db_url: str) -> list[OutboundMessage]:
    return await rows(
        db_url,
        OutboundMessage,
        OutboundMessage.kind == "nudge",
        OutboundMessage.status == "pending",
    )


async def test_close_lists_what_it_stops_asks_first_and_a_manager_reopens_it(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        pending = await _pending(db_url)
        assert pending, "a decided case has reminders waiting"

        # A panel member may not close it.
        await send(app, as_person("pat", f"close {ref}", connector))
        assert "Only a partnership manager" in sent_to(connector, "a:1pat")[-1]["text"]

        # A manager is shown what closing ends, and nothing changes yet.
        await send(app, as_person("morgan", f"close {ref}", connector))
        confirm = cards_in(sent_to(connector, "a:1morgan"))[-1]
        check_cards([confirm])
        text = json.dumps(confirm)
        assert f"Close {ref}?" in text and "Close the case" in text
        assert "These open deadlines will end" in text
        assert "These reminders will not be sent" in text
        assert (await rows(db_url, Case))[0].status == "decided"
        assert len(await _pending(db_url)) == len(pending)

        # The button, pressed by a panel member, is refused; by the manager, it closes.
        refused = await press(app, connector, "case.close", "pat", {"reference": ref})
        assert "Only a partnership manager" in json.dumps(refused)
        assert (await rows(db_url, Case))[0].status == "decided"
        closed = await press(app, connector, "case.close", "morgan", {"reference": ref})
        check_cards([closed, refused])
        assert f"{ref} is closed" in json.dumps(closed)
        assert f"{len(pending)} pending reminder" in json.dumps(closed)
        case = (await rows(db_url, Case))[0]
        assert case.status == "closed" and case.closed_at is not None
        assert await _pending(db_url) == []

        # Closing it again: a plain refusal, nothing changed.
        await send(app, as_person("morgan", f"close {ref}", connector))
        assert "already closed" in sent_to(connector, "a:1morgan")[-1]["text"]
        again = await press(app, connector, "case.close", "morgan", {"reference": ref})
        assert "already closed" in json.dumps(again)

        # The closed case's timeline offers "Reopen the case".
        await send(app, as_person("morgan", f"case {ref}", connector))
        timeline = [
            c for c in cards_in(sent_to(connector, "a:1morgan")) if "Reopen" in json.dumps(c)
        ]
        assert timeline, "the closed case's timeline offers Reopen the case"
        check_cards(timeline[-1:])
        # A panel member sees the closed case's timeline without the button.
        await send(app, as_person("pat", f"case {ref}", connector))
        assert not any(
            "Reopen the case" in json.dumps(c) for c in cards_in(sent_to(connector, "a:1pat"))
        )

        # No reason, or not a manager: refused, still closed.
        no_reason = await press(
            app, connector, "case.reopen", "morgan", {"reference": ref, "reopen_reason": "  "}
        )
        assert "Say why the case is being reopened" in json.dumps(no_reason)
        not_manager = await press(
            app, connector, "case.reopen", "pat", {"reference": ref, "reopen_reason": REASON}
        )
        assert "Only a partnership manager" in json.dumps(not_manager)
        assert (await rows(db_url, Case))[0].status == "closed"
        assert await _pending(db_url) == []

        # The manager reopens it with a reason: back to decided, reminders planned again.
        reopened = await press(
            app, connector, "case.reopen", "morgan", {"reference": ref, "reopen_reason": REASON}
        )
        check_cards([reopened, no_reason, not_manager])
        assert f"{ref} is reopened" in json.dumps(reopened)
        assert "Decided" in json.dumps(reopened)
        case = (await rows(db_url, Case))[0]
        assert case.status == "decided" and case.closed_at is None
        assert {(r.milestone, r.stage) for r in await _pending(db_url)} == {
            (r.milestone, r.stage) for r in pending
        }

        # Reopening a case that is not closed: refused, nothing changed.
        twice = await press(
            app, connector, "case.reopen", "morgan", {"reference": ref, "reopen_reason": REASON}
        )
        assert "is not closed" in json.dumps(twice)

    audits = await rows(db_url, AuditEvent)
    by = [(a.action, a.outcome) for a in audits if a.action.startswith("case.")]
    assert ("case.close_asked", "ok") in by
    assert by.count(("case.close", "ok")) == 1
    assert by.count(("case.close", "refused")) >= 3  # pat's command and button, closed twice
    assert by.count(("case.reopen", "refused")) == 3
    (reopen,) = [a for a in audits if a.action == "case.reopen" and a.outcome == "ok"]
    assert reopen.detail == {"to": "decided", "reason_chars": len(REASON)}
    (close,) = [a for a in audits if a.action == "case.close" and a.outcome == "ok"]
    assert close.detail == {"was": "decided"}
    assert "REOPEN-MARKER" not in json.dumps([a.detail for a in audits])
