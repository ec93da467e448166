"""The serious incident notification (issue 25): when the panel agrees the incident is
notifiable, the profile's notifier gets in 1:1 a draft with every answer the online form
asks, and a Word copy; they record "notified on DATE" with the National Panel's reference,
which completes the notification milestone and is shown on the case. Over real HTTP; every
card checked by the Adaptive Cards renderer. Fictional throughout."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from sqlalchemy import select
from test_stages_http import as_person, decide, decided_app_settings, send

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, press
from helpers.referral import FORM
from storage.db import Database
from storage.models import AuditEvent, Case, CaseEvent, Milestone, OutboundMessage, SharedFile

NOTIFIER = """
[[members]]
name = "Sam Stranger"
email = "sam.stranger@example.org"
agency = "stockport_council"
roles = ["notifier"]
aad_object_id = "00000000-0000-4000-8000-0000000000ff"
"""


def _draft(connector: FakeConnector, ref: str) -> dict[str, Any]:
    wanted = f"Notify the National Panel of {ref}."
    return next(c for c in reversed(connector.cards()) if c.get("fallbackText") == wanted)


async def test_the_notifier_gets_the_draft_and_records_the_notification(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport", NOTIFIER)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        draft = _draft(connector, ref)
        shown = json.dumps(draft)
        for answer in (
            "Stockport Council Children's Services",  # the local authority
            "The child has been seriously harmed",
            "Fri 20 Nov 2026",  # the date of the incident
            '"value": "7"',  # the child's age at the incident
            "Female",
            "Stockport NHS Foundation Trust",  # the referring agency
            FORM["views"]["key_issues"],  # the short summary
            "Due by Mon 30 Nov 2026",
        ):
            assert answer in shown, answer
        assert FORM["child"]["child_name"] not in shown  # the form asks no name
        clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        record = "notification.record"
        future = await press(
            app,
            connector,
            record,
            "stranger",
            {"reference": ref, "notified_on": "2026-11-25", "notification_reference": "NP-1"},
        )
        assert "cannot be in the future" in json.dumps(future)
        early = await press(
            app,
            connector,
            record,
            "stranger",
            {"reference": ref, "notified_on": "2026-11-20", "notification_reference": "NP-1"},
        )
        assert "cannot be before the referral was received" in json.dumps(early)
        blank = await press(
            app, connector, record, "stranger", {"reference": ref, "notified_on": "2026-11-24"}
        )
        assert "Enter the reference the notification was given." in json.dumps(blank)
        refused = await press(
            app,
            connector,
            record,
            "pat",
            {"reference": ref, "notified_on": "2026-11-24", "notification_reference": "NP-1"},
        )
        assert "can notify the National Panel" in json.dumps(refused)
        done = await press(
            app,
            connector,
            record,
            "stranger",
            {
                "reference": ref,
                "notified_on": "2026-11-24",
                "notification_reference": "NP-FICTIONAL-123",
            },
        )
        assert "National Panel notified" in json.dumps(done)
        again = await press(
            app,
            connector,
            record,
            "stranger",
            {"reference": ref, "notified_on": "2026-11-24", "notification_reference": "NP-2"},
        )
        assert "is already recorded (reference NP-FICTIONAL-123)" in json.dumps(again)
        timeline = await press(app, connector, "case.open", "morgan", {"reference": ref})
        assert "The National Panel's reference: " in json.dumps(timeline)
        assert "NP-FICTIONAL-123" in json.dumps(timeline)
        # The Word copy, offered in the notifier's 1:1 chat.
        await send(
            app,
            as_person("stranger", "", connector, {"action": "notification.docx", "reference": ref}),
        )
        check_cards([draft, future, early, blank, refused, done, again, timeline])
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            event = await s.scalar(
                select(CaseEvent).where(CaseEvent.event == "national_panel_notified")
            )
            milestone = await s.scalar(
                select(Milestone).where(Milestone.milestone == "national_panel_notification")
            )
            drafts = (
                await s.scalars(
                    select(OutboundMessage).where(OutboundMessage.kind == "notification_draft")
                )
            ).all()
            files = (await s.scalars(select(SharedFile))).all()
            audits = {a.action for a in await s.scalars(select(AuditEvent))}
    finally:
        await db.dispose()
    assert case.national_panel_reference == "NP-FICTIONAL-123"
    assert event is not None and event.occurred_at.date().isoformat() == "2026-11-24"
    assert milestone is not None and milestone.due_on.isoformat() == "2026-11-30"
    assert len(drafts) == 1  # to the notifier only (the managers have one to tell them)
    (copy,) = [f for f in files if f.name.endswith("notification-draft.docx")]
    assert copy.name == "SSCP-2026-0001-notification-draft.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(copy.content or b"")).paragraphs)
    assert "Death or serious harm: The child has been seriously harmed" in text
    assert FORM["child"]["child_name"] not in text
    assert {"notification.record", "notification.docx"} <= audits


async def test_no_draft_when_the_panel_says_not_notifiable_and_no_notification_recorded(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    from test_stages_http import PROFILES, referral_from

    from helpers.panel import all_vote, open_case, settle

    settings = await decided_app_settings(db_url, tmp_path, "stockport", NOTIFIER)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        with referral_from(PROFILES["stockport"]["referrer_agency"]):
            await open_case(app, connector)
        await all_vote(app, connector, clock, "practice_review")  # notifiable: no
        await settle(app)
        assert not [
            c
            for c in connector.cards()
            if str(c.get("fallbackText", "")).startswith("Notify the National Panel of")
        ]
        refused = await press(
            app,
            connector,
            "notification.record",
            "stranger",
            {"notified_on": "2026-11-23", "notification_reference": "NP-1"},
        )
        assert "is not notifiable" in json.dumps(refused)
