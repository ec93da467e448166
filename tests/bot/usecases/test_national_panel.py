"""The loop with the National Panel (issue 25): a manager records its answer with its date
(never for a case that was not notified); "reconsider" reopens the panel as a new round —
the earlier decision kept, the card saying why, votes starting again, the new decision's
messages its own. Over real HTTP; every card checked by the Adaptive Cards renderer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from test_notification import NOTIFIER
from test_stages_http import as_person, cards_in, decide, decided_app_settings, send, sent_to

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, press, settle, vote_data
from helpers.people import VOTERS
from storage.db import Database
from storage.models import (
    AuditEvent,
    Case,
    Decision,
    EarlierDecision,
    NationalPanelAnswer,
    OutboundMessage,
)


async def test_the_national_panel_asks_to_reconsider_and_the_panel_votes_again(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport", NOTIFIER)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        # Not notified yet: there is no answer to record.
        await send(app, as_person("morgan", f"national panel {ref}", connector))
        assert "was never notified" in json.dumps(sent_to(connector, "a:1morgan")[-1])
        clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        notified = {"reference": ref, "notified_on": "2026-11-24", "notification_reference": "NP-7"}
        await press(app, connector, "notification.record", "stranger", notified)
        await send(app, as_person("morgan", f"national panel {ref}", connector))
        form = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "The National Panel's answer" in json.dumps(form)
        clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        answer = "national_panel.answer"
        future = await press(
            app,
            connector,
            answer,
            "morgan",
            {"reference": ref, "answer": "reconsider", "answered_on": "2026-12-03"},
        )
        assert "cannot be in the future" in json.dumps(future)
        asks = await press(
            app,
            connector,
            answer,
            "morgan",
            {"reference": ref, "answer": "further_information", "answered_on": "2026-12-01"},
        )
        assert "Say what the National Panel asks for" in json.dumps(asks)
        refused = await press(
            app,
            connector,
            answer,
            "pat",
            {"reference": ref, "answer": "agrees", "answered_on": "2026-12-01"},
        )
        assert "Only a partnership manager" in json.dumps(refused)
        recorded = await press(
            app,
            connector,
            answer,
            "morgan",
            {"reference": ref, "answer": "reconsider", "answered_on": "2026-12-01"},
        )
        assert "Asks the partnership to reconsider" in json.dumps(recorded)
        assert "Reopen the panel" in json.dumps(recorded)
        bad = await press(
            app, connector, "panel.reopen", "morgan", {"reference": ref, "why": "new_information"}
        )
        assert "Say what the new information is" in json.dumps(bad)
        no = await press(
            app, connector, "panel.reopen", "pat", {"reference": ref, "why": "reconsider"}
        )
        assert "Only a partnership manager" in json.dumps(no)
        reopened = await press(
            app,
            connector,
            "panel.reopen",
            "morgan",
            {"reference": ref, "why": "reconsider", "detail": "DETAIL-MARKER the Panel's letter"},
        )
        assert "Voting round 2 is open" in json.dumps(reopened)
        again = await press(
            app, connector, "panel.reopen", "morgan", {"reference": ref, "why": "reconsider"}
        )
        assert "is not sealed" in json.dumps(again)
        await settle(app)
        panel = await press(app, connector, "panel.refresh", "lee", {"reference": ref})
        shown = json.dumps(panel)
        assert "The National Panel asked the partnership to reconsider" in shown
        assert "Voting round" in shown and "reopened" in shown
        channel = json.dumps(
            [c.body for c in connector.calls if c.conversation_id.startswith("19:")]
        )
        assert "DETAIL-MARKER" not in channel
        # The partners vote afresh: a case practice review this time.
        for partner, who in VOTERS.items():
            await press(
                app,
                connector,
                "panel.vote",
                who,
                {"reference": ref, **vote_data("practice_review", partner, 2)},
            )
        await settle(app)
        check_cards([form, future, asks, refused, recorded, bad, no, reopened, again, panel])
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            decision = (await s.scalars(select(Decision))).one()
            (earlier,) = (await s.scalars(select(EarlierDecision))).all()
            (kept,) = (await s.scalars(select(NationalPanelAnswer))).all()
            notices = (
                await s.scalars(
                    select(OutboundMessage).where(OutboundMessage.kind == "decision_notice")
                )
            ).all()
            audits = [a.action for a in await s.scalars(select(AuditEvent))]
    finally:
        await db.dispose()
    assert (case.status, case.panel_round, case.reopened) == ("decided", 2, 1)
    assert decision.outcome == "practice_review" and earlier.outcome == "rapid_review"
    assert earlier.why == "reconsider" and earlier.detail == "DETAIL-MARKER the Panel's letter"
    assert kept.answer == "reconsider" and kept.answered_on.isoformat() == "2026-12-01"
    assert sorted(n.milestone for n in notices) == ["panel_decision", "panel_decision_re1"]
    assert "panel.reopen" in audits and "national_panel.answer" in audits
