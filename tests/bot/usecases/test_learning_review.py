"""The learning review pathway to its end (issue 25), on both profiles: the decision puts the
case on the agenda of the group's next meeting (Stockport's PIP, Halton's Executive Group);
a manager records the meeting, the group's method, lead and due date (milestones with
reminders), then the learning summary, which closes the case. No six-month clock unless the
group decides on one. Over real HTTP; every card checked by the Adaptive Cards renderer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from test_stages_http import PROFILES, decided_app_settings, referral_from

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, all_vote, open_case, press, settle
from storage.db import Database
from storage.models import Case, CaseEvent, LearningReview, Milestone

GROUP = """
[[members]]
name = "Sam Stranger"
email = "sam.stranger@example.org"
agency = "{la}"
roles = ["{role}"]
aad_object_id = "00000000-0000-4000-8000-0000000000ff"
"""


@pytest.mark.parametrize(
    ("profile", "role", "method"),
    [
        ("stockport", "pip", "Professional de-brief"),
        ("halton", "executive_group", "Local Reflective Review"),
    ],
)
async def test_a_learning_review_from_the_decision_to_its_learning(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str, role: str, method: str
) -> None:
    names = PROFILES[profile]
    extra = GROUP.format(la=names["la"], role=role)
    settings = await decided_app_settings(db_url, tmp_path, profile, extra)
    clock = Clock(MONDAY)
    ref = f"{names['prefix']}-2026-0001"
    async with running_app(settings, clock=clock) as app:
        with referral_from(names["referrer_agency"]):
            await open_case(app, connector, pathway="practice_review")
        await press(app, connector, "panel.open", "morgan", {"reference": ref})
        await all_vote(app, connector, clock, "practice_review", reference=ref)
        await settle(app)
        first = next(
            c for c in connector.cards() if c.get("fallbackText") == f"Learning review on {ref}."
        )
        assert "agenda" in json.dumps(first)
        step = "learning.meeting"
        early = await press(
            app, connector, step, "morgan", {"reference": ref, "meeting_on": "2026-11-20"}
        )
        assert "cannot be before the panel's decision" in json.dumps(early)
        refused = await press(
            app, connector, step, "pat", {"reference": ref, "meeting_on": "2026-12-10"}
        )
        assert "Only a partnership manager" in json.dumps(refused)
        chosen = await press(
            app, connector, step, "morgan", {"reference": ref, "meeting_on": "2026-12-10"}
        )
        assert "What the group agreed" in json.dumps(chosen)
        await settle(app)
        agenda = next(c for c in connector.cards() if "On the agenda" in json.dumps(c))
        again = await press(
            app, connector, step, "morgan", {"reference": ref, "meeting_on": "2026-12-11"}
        )
        assert "This card is out of date" in json.dumps(again)
        clock.now = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
        bad = await press(
            app,
            connector,
            "learning.choice",
            "morgan",
            {"reference": ref, "method": "Tea and biscuits", "lead": "", "due_on": "2026-12-09"},
        )
        said = json.dumps(bad)
        assert "Choose the method the group agreed." in said and "Enter who leads" in said
        assert "The due date must be after the meeting" in said
        summary = await press(
            app,
            connector,
            "learning.choice",
            "morgan",
            {"reference": ref, "method": method, "lead": "Jo Sample", "due_on": "2027-02-26"},
        )
        assert "The learning the review found" in json.dumps(summary)
        timeline = await press(app, connector, "case.open", "morgan", {"reference": ref})
        assert "Fri 26 Feb 2027" in json.dumps(timeline)
        closed = await press(
            app,
            connector,
            "learning.summary",
            "morgan",
            {"reference": ref, "summary": "LEARNING-MARKER supervision of complex cases"},
        )
        assert "the case is closed" in json.dumps(closed)
        check_cards([first, early, refused, chosen, agenda, again, bad, summary, timeline, closed])
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            review = (await s.scalars(select(LearningReview))).one()
            events = {e.event for e in await s.scalars(select(CaseEvent))}
            stones = {m.milestone: m for m in await s.scalars(select(Milestone))}
    finally:
        await db.dispose()
    assert case.status == "closed"
    assert (review.method, review.lead, review.due_on.isoformat()) == (
        method,
        "Jo Sample",
        "2027-02-26",
    )
    assert review.summary == "LEARNING-MARKER supervision of complex cases"
    assert {
        "group_meeting",
        "learning_method_chosen",
        "learning_review_due",
        "learning_summary_recorded",
    } <= events
    assert "local_review_decided" not in events  # no six-month clock: the group did not decide one
    assert stones["learning_review_agreed"].due_on.isoformat() == "2026-12-10"
    assert stones["learning_review_done"].due_on.isoformat() == "2027-02-26"
    assert stones["local_review_report"].due_on is None  # waiting, never reminded
