"""Escalation to its end (issue 25, Stockport's pathway C): a manager books the mediation (a
milestone on its day; the partners and the chair told), records the final determination with
its reasons, the referrer is told, the case closes. Over real HTTP; every card checked by the
Adaptive Cards renderer. Fictional throughout."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, REF, Clock, all_vote, open_case, press, settle
from storage.db import Database
from storage.models import Case, Escalation, Milestone


async def test_an_escalation_from_the_decision_to_the_referrers_notice(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector, pathway="escalation")
        await press(app, connector, "panel.open", "morgan")
        await all_vote(app, connector, clock, "escalation")
        await settle(app)
        first = next(
            c for c in connector.cards() if c.get("fallbackText") == f"Escalation on {REF}."
        )
        assert "Book the mediation" in json.dumps(first)
        past = await press(
            app,
            connector,
            "escalation.mediation",
            "morgan",
            {"mediation_on": "2026-11-20", "mediation_where": "Teams"},
        )
        assert "cannot be in the past" in json.dumps(past)
        refused = await press(
            app,
            connector,
            "escalation.mediation",
            "pat",
            {"mediation_on": "2026-12-09", "mediation_where": "Teams"},
        )
        assert "Only a partnership manager" in json.dumps(refused)
        booked = await press(
            app,
            connector,
            "escalation.mediation",
            "morgan",
            {"mediation_on": "2026-12-09", "mediation_where": "Teams"},
        )
        assert "The final determination" in json.dumps(booked)
        await settle(app)
        told = [
            c
            for c in connector.cards()
            if str(c.get("fallbackText", "")).startswith(f"Mediation on {REF}")
        ]
        assert told  # the partners and the chair
        clock.now = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
        missing = await press(
            app, connector, "escalation.determination", "morgan", {"determination": "Stands."}
        )
        assert "Write its reasons." in json.dumps(missing)
        done = await press(
            app,
            connector,
            "escalation.determination",
            "morgan",
            {
                "determination": "DETERMINATION-MARKER the threshold stands",
                "reasons": "REASONS-MARKER agreed",
            },
        )
        assert "the case closed" in json.dumps(done)
        await settle(app)
        outcome = next(
            c
            for c in connector.cards()
            if str(c.get("fallbackText", "")).startswith("The final determination")
        )
        assert "DETERMINATION-MARKER" in json.dumps(outcome)
        personal = [
            c for c in connector.sent() if c.conversation_id == "a:1robin-personal-fictional"
        ]
        assert any("DETERMINATION-MARKER" in json.dumps(c.body) for c in personal)  # the referrer
        channel = json.dumps(
            [c.body for c in connector.calls if c.conversation_id.startswith("19:")]
        )
        assert "DETERMINATION-MARKER" not in channel and "REASONS-MARKER" not in channel
        check_cards([first, past, refused, booked, *told, missing, done, outcome])
    db = Database(roster_db)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            row = (await s.scalars(select(Escalation))).one()
            stone = await s.scalar(
                select(Milestone).where(Milestone.milestone == "escalation_determined")
            )
    finally:
        await db.dispose()
    assert case.status == "closed" and row.reasons == "REASONS-MARKER agreed"
    assert stone is not None and stone.due_on.isoformat() == "2026-12-09"
