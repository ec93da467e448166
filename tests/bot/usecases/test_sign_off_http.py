"""The Rapid Review report signed off, over real HTTP on both profiles: the roles the profile
names sign it off in Teams (Stockport: the chair and the SSCP Partnership Manager; Halton: the
chair and the Head of Safeguarding) before the date sent can be recorded; someone else is
refused, audited; an edit of the chair's notes after it clears the sign-offs; the Word report
prints each sign-off."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from test_stages_http import (
    CHAIR,
    MONDAY,
    PROFILES,
    accept,
    as_person,
    cards_in,
    consents_in,
    decide,
    decided_app_settings,
    report_sections,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, press
from review.report import REPORT_SECTIONS
from storage.models import AuditEvent, CaseEvent, ReportSignOff

# Halton's Head of Safeguarding (its `notifier`), a fictional person.
HEAD = """
[[members]]
name = "Sam Stranger"
email = "sam.stranger@example.org"
agency = "{la}"
roles = ["notifier"]
aad_object_id = "00000000-0000-4000-8000-0000000000ff"
"""

SENT = {"action": "report.sent", "sent_on": "2026-12-04"}


async def _concluded(app: Any, connector: FakeConnector, clock: Clock, profile: str) -> str:
    """Decided on Monday; the chair records the conclusion on Fri 4 Dec; the reference."""
    ref = await decide(app, connector, clock, profile)
    clock.now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    value = {"action": "chair.conclude", "reference": ref, "part": 1, **CHAIR}
    await send(app, as_person("morgan", "", connector, value))
    return ref


def _texts(connector: FakeConnector, who: str) -> list[str]:
    return [b.get("text") or "" for b in sent_to(connector, f"a:1{who}")]


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_the_date_sent_waits_for_every_sign_off_the_profile_names(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    extra = HEAD.format(la=PROFILES[profile]["la"]) if profile == "halton" else ""
    settings = await decided_app_settings(db_url, tmp_path, profile, extra)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await _concluded(app, connector, clock, profile)
        # The report card offers Morgan (chair and manager) the sign-off.
        report_card = next(
            c for c in cards_in(sent_to(connector, "a:1morgan")) if "report is ready" in str(c)
        )
        assert "report.sign_off" in json.dumps(report_card)
        # Not yet signed off: the date sent is refused, saying who it waits for.
        await send(app, as_person("morgan", "", connector, {"reference": ref, **SENT}))
        said = _texts(connector, "morgan")[-1]
        assert said.startswith("Waiting for sign-off by: ")
        assert "Chair of the Rapid Review meeting" in said
        assert not await rows(db_url, CaseEvent, CaseEvent.event == "rapid_review_report_sent")

        clock.now = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
        card = await press(app, connector, "report.sign_off", "morgan", {"reference": ref})
        text = json.dumps(card)
        assert "Signed off as Chair of the Rapid Review meeting" in text
        assert "Morgan Manager, 15:30, Fri 4 Dec 2026" in text
        signed = {r.role for r in await rows(db_url, ReportSignOff)}
        if profile == "stockport":
            # The chair and the partnership manager: Morgan holds both.
            assert signed == {"chair", "manager"}
            assert "Waiting for sign-off" not in text
        else:
            # The chair; the Head of Safeguarding has still to sign.
            assert signed == {"chair"}
            assert "Waiting for sign-off by: The Head of Safeguarding" in text
            await send(app, as_person("morgan", "", connector, {"reference": ref, **SENT}))
            assert _texts(connector, "morgan")[-1].startswith(
                "Waiting for sign-off by: The Head of Safeguarding"
            )
            # Signing again as the same role changes nothing.
            again = await press(app, connector, "report.sign_off", "morgan", {"reference": ref})
            assert "already recorded" in json.dumps(again)
            assert len(await rows(db_url, ReportSignOff)) == 1
            card = await press(app, connector, "report.sign_off", "stranger", {"reference": ref})
            assert "Signed off as The Head of Safeguarding" in json.dumps(card)
            check_cards([again])
        check_cards([card])
        # Every role has signed: the date sent is recorded.
        await send(app, as_person("morgan", "", connector, {"reference": ref, **SENT}))
        assert "Recorded: the Rapid Review report" in _texts(connector, "morgan")[-2]
        assert await rows(db_url, CaseEvent, CaseEvent.event == "rapid_review_report_sent")
        # The Word report prints each sign-off: name, role in the profile's words, London time.
        await send(
            app, as_person("morgan", "", connector, {"action": "report.open", "reference": ref})
        )
        # The report offered last, made after the sign-offs.
        offer = [
            c
            for c in consents_in(sent_to(connector, "a:1morgan"))
            if c["name"].endswith("report.docx")
        ][-1]
        document = docx.Document(io.BytesIO(await accept(app, connector, "morgan", offer)))
    section = report_sections(document)[REPORT_SECTIONS[10]]
    assert "Chair of the Rapid Review meeting | Morgan Manager | 15:30, Fri 4 Dec 2026" in section
    if profile == "halton":
        assert (
            "The Head of Safeguarding (on behalf of the Local Authority) | Sam Stranger" in section
        )
    else:
        assert "Partnership manager | Morgan Manager | 15:30, Fri 4 Dec 2026" in section
    assert "Waiting for sign-off" not in section
    actions = [a.action for a in await rows(db_url, AuditEvent, AuditEvent.outcome == "refused")]
    assert actions.count("report.sent") == (2 if profile == "halton" else 1)


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_someone_without_a_sign_off_role_is_refused_audited_nothing_signed(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, profile)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await _concluded(app, connector, clock, profile)
        card = await press(app, connector, "report.sign_off", "pat", {"reference": ref})
        text = json.dumps(card)
        assert "Only " in text and "sign off the Rapid Review report" in text
        assert "Nothing was signed" in text
        check_cards([card])
    assert not await rows(db_url, ReportSignOff)
    refused = await rows(db_url, AuditEvent, AuditEvent.action == "report.sign_off")
    assert [a.outcome for a in refused] == ["refused"]


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_an_edit_of_the_chairs_notes_after_sign_off_clears_it_and_says_so(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, profile)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await _concluded(app, connector, clock, profile)
        await press(app, connector, "report.sign_off", "morgan", {"reference": ref})
        assert await rows(db_url, ReportSignOff)
        # Saving the notes unchanged clears nothing; an edit clears every sign-off.
        value = {"action": "chair.save", "reference": ref, "part": 1, **CHAIR}
        await send(app, as_person("morgan", "", connector, value))
        assert all(r.cleared_at is None for r in await rows(db_url, ReportSignOff))
        value = {**value, "overview": "CHAIR-MARKER-OVERVIEW changed"}
        await send(app, as_person("morgan", "", connector, value))
        assert any("sign-offs were cleared" in t for t in _texts(connector, "morgan")[-3:])
        assert all(r.cleared_at is not None for r in await rows(db_url, ReportSignOff))
        await send(app, as_person("morgan", "", connector, {"reference": ref, **SENT}))
        assert _texts(connector, "morgan")[-1].startswith("Waiting for sign-off by: ")
        # The person who signed is told on their next view of the report, once.
        await send(
            app, as_person("morgan", "", connector, {"action": "report.open", "reference": ref})
        )
        view = json.dumps(cards_in(sent_to(connector, "a:1morgan"))[-1])
        assert "Your sign-off" in view and "was cleared" in view
        assert "report.sign_off" in view
        await send(
            app, as_person("morgan", "", connector, {"action": "report.open", "reference": ref})
        )
        assert "was cleared" not in json.dumps(cards_in(sent_to(connector, "a:1morgan"))[-1])
    cleared = await rows(db_url, AuditEvent, AuditEvent.action == "report.sign_off_cleared")
    assert len(cleared) == 1
