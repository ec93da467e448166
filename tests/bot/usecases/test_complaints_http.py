"""The complaints register over real HTTP (Stockport): two complaints on one case, each with
its own 28-day due date, the second never overwriting the first; the timeline's milestone and
its reminders follow the oldest open complaint; the response recorded, a referral to a
partner agency, the written response template (the Ombudsman's details) and `complaints`;
refusals for a panel member and for bad dates, audited, nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from test_stages_http import (
    as_person,
    cards_in,
    decide,
    decided_app_settings,
    offered_document,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, press, settle
from storage.models import AuditEvent, CaseEvent, Complaint, Milestone, OutboundMessage

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _last_text(connector: FakeConnector, who: str) -> str:
    return [b.get("text") or "" for b in sent_to(connector, f"a:1{who}")][-1]


async def _milestone(db_url: str) -> Milestone:
    (row,) = await rows(db_url, Milestone, Milestone.milestone == "complaint_response")
    return row


async def _nudge_days(db_url: str) -> set[date]:
    pending = await rows(
        db_url,
        OutboundMessage,
        OutboundMessage.milestone == "complaint_response",
        OutboundMessage.status == "pending",
    )
    return {r.due_on for r in pending}


async def test_two_complaints_each_with_its_own_clock_the_response_the_register_and_template(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

        # Refused: a panel member; a date in the future; a date before the referral.
        await send(app, as_person("pat", f"complaint {ref} 2026-11-24", connector))
        assert "Only a partnership manager" in _last_text(connector, "pat")
        await send(app, as_person("morgan", f"complaint {ref} 2026-12-05", connector))
        assert "in the future" in _last_text(connector, "morgan")
        await send(app, as_person("morgan", f"complaint {ref} 2026-11-20", connector))
        assert "before the case was referred" in _last_text(connector, "morgan")
        assert await rows(db_url, Complaint) == []

        # Two complaints: the second does not overwrite the first.
        await send(app, as_person("morgan", f"complaint {ref} 2026-11-24", connector))
        assert "Tue 22 Dec 2026" in _last_text(connector, "morgan") or any(
            "22 Dec 2026" in json.dumps(c) for c in cards_in(sent_to(connector, "a:1morgan"))
        )
        await send(app, as_person("morgan", f"complaint {ref} 2026-11-30", connector))
        first, second = sorted(await rows(db_url, Complaint), key=lambda c: c.id)
        assert (first.received_on, second.received_on) == (date(2026, 11, 24), date(2026, 11, 30))
        assert first.status == second.status == "open"
        cards = cards_in(sent_to(connector, "a:1morgan"))[-2:]
        check_cards(cards)
        assert "Complaint 1 on" in json.dumps(cards[0])
        assert "Complaint 2 on" in json.dumps(cards[1])
        assert "Tue 22 Dec 2026" in json.dumps(cards[0])  # 28 calendar days
        # 28 Dec 2026 is the substitute Boxing Day: back to the working day before.
        assert "Thu 24 Dec 2026" in json.dumps(cards[1])
        # The timeline's milestone and its reminders follow the oldest open complaint.
        (event,) = await rows(db_url, CaseEvent, CaseEvent.event == "complaint_received")
        assert event.occurred_at.date() == date(2026, 11, 24)
        assert (await _milestone(db_url)).due_on == date(2026, 12, 22)
        first_nudges = await _nudge_days(db_url)
        assert first_nudges and min(first_nudges) <= date(2026, 12, 22)

        # The response: refused for a panel member and for a future date; then recorded.
        data = {"reference": ref, "complaint": first.id}
        refused = await press(
            app, connector, "complaint.respond", "pat", {**data, "responded_on": "2026-11-30"}
        )
        assert "Only a partnership manager" in json.dumps(refused)
        future = await press(
            app, connector, "complaint.respond", "morgan", {**data, "responded_on": "2026-12-09"}
        )
        assert "in the future" in json.dumps(future)
        early = await press(
            app, connector, "complaint.respond", "morgan", {**data, "responded_on": "2026-11-23"}
        )
        assert "before the complaint was received" in json.dumps(early)
        assert (await rows(db_url, Complaint, Complaint.id == first.id))[0].status == "open"
        answered = await press(
            app, connector, "complaint.respond", "morgan", {**data, "responded_on": "2026-11-30"}
        )
        assert "Responded on Mon 30 Nov 2026" in json.dumps(answered)
        assert "Record the response" not in json.dumps(answered)  # its final state
        again = await press(
            app, connector, "complaint.respond", "morgan", {**data, "responded_on": "2026-11-30"}
        )
        assert "already responded to" in json.dumps(again)
        await settle(app)
        # Now the second complaint holds the milestone and its reminders.
        assert (await _milestone(db_url)).due_on == date(2026, 12, 24)
        assert (await _milestone(db_url)).done_at is None
        second_nudges = await _nudge_days(db_url)
        assert second_nudges and min(second_nudges) > min(first_nudges)

        # The register for managers; refused for a panel member.
        await send(app, as_person("pat", "complaints", connector))
        assert "Only a partnership manager" in _last_text(connector, "pat")
        await send(app, as_person("morgan", "complaints", connector))
        register = cards_in(sent_to(connector, "a:1morgan"))[-1]
        text = json.dumps(register)
        assert "Complaints on open cases" in text
        assert "Responded on Mon 30 Nov 2026" in text and "Open" in text
        assert "Tue 22 Dec 2026" in text and "Thu 24 Dec 2026" in text

        # The written response template, in Word by file consent, named by reference only.
        second_data = {"reference": ref, "complaint": second.id}
        offered = await press(app, connector, "complaint.template", "morgan", second_data)
        assert "on its way" in json.dumps(offered)
        await settle(app)
        document = await offered_document(app, connector, "morgan", "-response.docx")
        words = "\n".join(p.text for p in document.paragraphs)
        assert "Local Government and Social Care Ombudsman" in words
        assert "https://www.lgo.org.uk" in words and "0300 061 0614" in words
        assert ref in words and "Mon 30 Nov 2026" in words

        # Referred to a partner agency: the last open complaint, so the milestone is done.
        no_agency = await press(app, connector, "complaint.refer", "morgan", second_data)
        assert "Choose the agency" in json.dumps(no_agency)
        referred = await press(
            app, connector, "complaint.refer", "morgan", {**second_data, "agency": "gmp"}
        )
        assert "Referred to a partner agency: Greater Manchester Police" in json.dumps(referred)
        check_cards([refused, future, early, answered, again, register, offered, referred])
        assert (await rows(db_url, Complaint, Complaint.id == second.id))[0].status == "referred"
        assert (await _milestone(db_url)).done_at is not None
        assert await _nudge_days(db_url) == set()

    audits = [(a.action, a.outcome) for a in await rows(db_url, AuditEvent)]
    assert audits.count(("complaint.add", "ok")) == 2
    assert audits.count(("complaint.add", "refused")) == 3
    assert ("complaint.respond", "ok") in audits and ("complaint.respond", "refused") in audits
    assert ("complaint.refer", "ok") in audits and ("complaint.template", "ok") in audits
    assert ("complaint.list", "ok") in audits and ("complaint.list", "refused") in audits
    offers = [c.body for c in connector.sent()]
    assert not any("Robin" in json.dumps(b) and "response.docx" in json.dumps(b) for b in offers)
