"""Who may mark a milestone done, over real HTTP: the profile's roles (`may_complete`, by
default the responsible role and managers), milestones an action of the bot completes (only
that action, or a manager recording them by hand with a date and a reason, audited and shown
on the case), and Halton's "arrange the virtual panel" as its own event, not the decision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_stages_http import decide, decided_app_settings

from helpers.activities import message
from helpers.app import RunningApp, app_settings, running_app
from helpers.cards import check_cards, nodes
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, REF, Clock, open_case, press
from helpers.people import account
from storage import repositories as repo
from storage.db import Database
from storage.models import CaseEvent, Milestone

# Who the demo roster's people are: Robin an agency lead, Lee a Local Authority panel member
# and the notifier, Pat a Police panel member, Morgan a manager and the chair, and a stranger.
TABLE = [
    # (milestone, person, allowed)
    ("complaint_response", "morgan", True),  # responsible: manager
    ("complaint_response", "robin", False),
    ("complaint_response", "stranger", False),
    ("desktop_review_6m", "morgan", True),  # responsible: manager
    ("desktop_review_6m", "lee", False),
    ("desktop_review_6m", "robin", False),
    ("local_review_report", "morgan", True),  # responsible: chair (Morgan is the chair too)
    ("local_review_report", "pat", False),
]
# The notification is recorded on its draft card by the notifier (bot/usecases/notification.py).
BY_ACTION = [
    "national_panel_notification",
    "information_request",
    "agency_returns",
    "rapid_review_report",
    "papers_circulated",
]


async def say_as(app: RunningApp, connector: FakeConnector, who: str, text: str) -> str:
    """`who` types `text` in their 1:1 chat; the bot's reply."""
    before = len(connector.texts())
    activity = message(text, service_url=connector.url, **{"from": account(who)})
    activity["conversation"]["id"] = f"a:1{who}-personal-fictional"
    assert (await app.post_activity(activity)).status == 201
    return "\n".join(connector.texts()[before:])


async def done_at(db_url: str, milestone: str) -> Any:
    db = Database(db_url)
    try:
        async with db.session() as s:
            row = await s.scalar(select(Milestone).where(Milestone.milestone == milestone))
            return row
    finally:
        await db.dispose()


@pytest.mark.parametrize(("milestone", "who", "allowed"), TABLE)
async def test_who_may_mark_a_milestone_done(
    roster_db: str, connector: FakeConnector, milestone: str, who: str, allowed: bool
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        said = await say_as(app, connector, who, f"done {REF} {milestone}")
    row = await done_at(roster_db, milestone)
    done = row is not None and row.done_at is not None
    assert done == allowed, said
    if not allowed:
        assert said.startswith("Only ") and "can mark" in said and "Nothing was changed" in said
        db = Database(roster_db)
        try:
            async with db.session() as s:
                trail = await repo.audit_trail(s, action="milestone.done")
            assert [e.outcome for e in trail] == ["refused"]
        finally:
            await db.dispose()


@pytest.mark.parametrize("milestone", BY_ACTION)
async def test_what_an_action_of_the_bot_completes_cannot_be_marked_done(
    roster_db: str, connector: FakeConnector, milestone: str
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        said = await say_as(app, connector, "morgan", f"done {REF} {milestone}")
    assert "is done in the bot itself" in said and "Record by hand" in said
    row = await done_at(roster_db, milestone)
    assert row is None or row.done_at is None


async def test_a_manager_records_by_hand_with_a_date_and_a_reason(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        timeline = await press(app, connector, "case.open", "morgan")
        record = next(
            a
            for a in _actions(timeline)
            if a.get("verb") == "milestone.record_open"
            and a["data"]["milestone"] == "information_request"
        )
        form = await press(app, connector, record["verb"], "morgan", record["data"])
        assert any(i.get("type") == "Input.Date" for i in _inputs(form))
        refused = await press(app, connector, record["verb"], "robin", record["data"])
        assert "Only a partnership manager" in json.dumps(refused)
        submit = next(a for a in _actions(form) if a.get("verb") == "milestone.record")
        data = dict(submit["data"])
        for on, reason, problem in (
            ("2026-12-01", "Sent by secure email", "in the future"),
            ("2026-11-01", "Sent by secure email", "before the referral"),
            ("2026-11-23", "", "Say why"),
            ("not a date", "Sent by secure email", "Choose the date"),
        ):
            clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
            again = await press(
                app, connector, "milestone.record", "morgan", {**data, "on": on, "reason": reason}
            )
            assert problem in json.dumps(again), (on, reason)
        shown = await press(
            app,
            connector,
            "milestone.record",
            "morgan",
            {**data, "on": "2026-11-23", "reason": "REASON-sent by secure email to all agencies"},
        )
        check_cards([timeline, form, shown])
    assert "Recorded by hand" in json.dumps(shown)
    assert "REASON-sent by secure email" in json.dumps(shown)
    row = await done_at(roster_db, "information_request")
    assert row is not None and row.done_at is not None
    assert row.done_note == "REASON-sent by secure email to all agencies"
    db = Database(roster_db)
    try:
        async with db.session() as s:
            trail = await repo.audit_trail(s, action="milestone.record")
            events = list(
                await s.scalars(
                    select(CaseEvent).where(CaseEvent.event == "information_request_sent")
                )
            )
        assert [e.outcome for e in trail].count("ok") == 1
        ok = next(e for e in trail if e.outcome == "ok")
        assert ok.detail["on"] == "2026-11-23" and "reason" not in ok.detail  # not in the audit
        assert "REASON" not in json.dumps(ok.detail)
        assert [e.occurred_at.date().isoformat() for e in events] == ["2026-11-23"]
    finally:
        await db.dispose()


async def test_halton_arranges_its_panel_as_its_own_event_not_the_decision(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "halton")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        await decide(app, connector, clock, "halton")
    db = Database(db_url)
    try:
        async with db.session() as s:
            events = {e.event: e.occurred_at for e in await s.scalars(select(CaseEvent))}
    finally:
        await db.dispose()
    # Arranged when the panel opened on the referral (Monday 10:00); decided at 11:20.
    assert events["virtual_panel_arranged"] == MONDAY
    assert events["panel_decision"] > MONDAY
    row = await done_at(db_url, "virtual_panel")
    assert row is not None and row.due_on == MONDAY.date().replace(day=24)


def _actions(node: Any) -> list[dict[str, Any]]:
    return [n for n in nodes(node) if str(n.get("type", "")).startswith("Action.")]


def _inputs(node: Any) -> list[dict[str, Any]]:
    return [n for n in nodes(node) if str(n.get("type", "")).startswith("Input.")]
