"""No partnership response (#25 item 5), over HTTP: the panel decides that another process is
more appropriate; the referrer's notice says so, and once it reaches them the case closes and
its reminders stop."""

from __future__ import annotations

import json
from pathlib import Path

from test_stages_http import (
    MONDAY,
    cards_in,
    decided_app_settings,
    referral_from,
    rows,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, all_vote, open_case, press, settle
from storage.models import AuditEvent, Case, CaseEvent, OutboundMessage


async def test_no_partnership_response_closes_the_case_once_the_referrer_is_told(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        with referral_from("stockport_nhs_ft"):
            await open_case(app, connector)
        await all_vote(app, connector, clock, "no_response", reference="SSCP-2026-0001")
        await settle(app)
        notices = [
            c
            for c in cards_in(sent_to(connector, "a:1robin"))
            if "Decision on referral SSCP-2026-0001" in json.dumps(c)
        ]
        # The manager then sends the panel's reasons with the process it found more
        # appropriate (the case is closed already: the reasons still go).
        ref = {"reference": "SSCP-2026-0001"}
        form = await press(app, connector, "reasons.send", "morgan", {**ref, "agreed": "R"})
        assert "Choose the process the panel found more appropriate." in json.dumps(form)
        other = await press(
            app, connector, "reasons.send", "morgan", {**ref, "agreed": "R", "alternative": "other"}
        )
        assert "Say which process." in json.dumps(other)
        sent = await press(
            app,
            connector,
            "reasons.send",
            "morgan",
            {**ref, "agreed": "AGREED-MARKER the adult's review fits", "alternative": "sar"},
        )
        assert "Reasons sent" in json.dumps(sent)
        await settle(app)
        told = [
            c
            for c in cards_in(sent_to(connector, "a:1robin"))
            if "The panel's reasons" in json.dumps(c)
        ]
        check_cards([form, other, sent, *told])
    assert told and "A Safeguarding Adults Review (SAR)" in json.dumps(told[-1])
    assert "AGREED-MARKER" in json.dumps(told[-1])
    (notice,) = notices
    text = json.dumps(notice)
    assert "No partnership response" in text or "alternative process" in text
    assert "the case is closed with this notice" in text
    assert "RATIONALE-" not in text  # no member's own words
    check_cards([notice])
    (case,) = await rows(db_url, Case)
    assert case.status == "closed" and case.closed_at is not None
    assert await rows(db_url, CaseEvent, CaseEvent.event == "decision_notice_sent")
    pending = await rows(
        db_url,
        OutboundMessage,
        OutboundMessage.status == "pending",
        OutboundMessage.kind.in_(("nudge", "digest")),
    )
    assert pending == []
    assert await rows(db_url, AuditEvent, AuditEvent.action == "case.closed_after_notice")
