"""Who the child and family are, need to know (issue 24): the referral asks for the child's
name and current location and the family and household (Appendix D sections A and B); they
are shown only to the panel, managers, the chair, the referrer and the leads of agencies
asked about the case (from the request until it closes), every view audited; a manager
corrects them; they never reach a channel post, a log line, a file name or anyone else's
card. Over real HTTP; every card checked by the Adaptive Cards renderer."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_stages_http import (
    as_person,
    ask,
    cards_in,
    decide,
    decided_app_settings,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, press
from helpers.referral import FORM
from storage.db import Database
from storage.models import AuditEvent, ReferralAddition, SharedFile

IDENTITY_MARKERS = (
    FORM["child"]["child_name"],
    FORM["child"]["child_location"],
    FORM["family"]["family_1_name"],
    FORM["family"]["family_1_address"],
    FORM["family"]["family_2_name"],
)
REFUSED = "can see who the child and family are."


async def _look(app: Any, connector: FakeConnector, who: str, ref: str) -> str:
    """`who` presses "Who the child and family are"; what their 1:1 chat got back."""
    before = len(sent_to(connector, f"a:1{who}"))
    await send(app, as_person(who, "", connector, {"action": "identity.view", "reference": ref}))
    return json.dumps(sent_to(connector, f"a:1{who}")[before:])


async def test_identity_is_shown_on_a_need_to_know_basis_and_every_view_is_audited(
    db_url: str, connector: FakeConnector, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    seen: dict[str, bool] = {}
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        # Before the police are asked, their lead (Alex) is not told who the child is.
        alex_before = await _look(app, connector, "alex", ref)
        assert REFUSED in alex_before
        for who in ("robin", "lee", "pat", "hana", "morgan", "stranger"):
            shown = await _look(app, connector, who, ref)
            seen[who] = FORM["child"]["child_name"] in shown
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "gmp")
        request = json.dumps(cards_in(sent_to(connector, "a:1alex")))
        assert "Who the child and family are" in request  # the button on the request
        assert FORM["child"]["child_name"] not in request  # the request itself does not say
        alex_asked = await _look(app, connector, "alex", ref)
        assert FORM["child"]["child_name"] in alex_asked
        assert FORM["family"]["family_1_name"] in alex_asked
        assert "born Mon 2 May 1994" in alex_asked
        check_cards(cards_in(sent_to(connector, "a:1alex")))
        # Once the case closes, the lead's access ends; the panel's does not.
        clock.now = MONDAY.replace(day=25, hour=9)
        await send(app, as_person("morgan", f"close {ref}", connector))
        await press(app, connector, "case.close", "morgan", {"reference": ref})
        alex_closed = await _look(app, connector, "alex", ref)
        assert REFUSED in alex_closed
        assert FORM["child"]["child_name"] in await _look(app, connector, "lee", ref)
    assert seen == {
        "robin": True,  # the referrer
        "lee": True,
        "pat": True,
        "hana": True,  # the panel
        "morgan": True,  # a manager and the chair
        "stranger": False,
    }
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            audits = (
                await s.scalars(select(AuditEvent).where(AuditEvent.action == "identity.view"))
            ).all()
            files = (await s.scalars(select(SharedFile.name))).all()
    finally:
        await db.dispose()
    ok = [a for a in audits if a.outcome == "ok"]
    refused = [a for a in audits if a.outcome != "ok"]
    assert len(ok) == 5 + 1 + 1  # five before the request, Alex once asked, Lee after closing
    assert len(refused) == 3  # Alex before and after, the stranger
    assert all(a.case_id is not None and a.actor for a in audits)
    # Nothing identifying in a channel post, a log line, a file name or an exception.
    channel = json.dumps([c.body for c in connector.calls if c.conversation_id.startswith("19:")])
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    for marker in IDENTITY_MARKERS:
        assert marker not in channel, marker
        assert marker not in logged, marker
        assert all(marker not in name for name in files), marker
    for refused_card in (alex_before, alex_closed):
        assert all(marker not in refused_card for marker in IDENTITY_MARKERS)


async def test_a_manager_corrects_who_the_child_is_and_the_history_is_kept(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        value = {"action": "information.add_open", "reference": ref}
        await send(app, as_person("morgan", "", connector, value))
        form = cards_in(sent_to(connector, "a:1morgan"))[-1]
        shown = json.dumps(form)
        assert f"Add or correct information on {ref}" in shown
        assert FORM["child"]["child_name"] in shown  # prefilled to correct
        clock.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
        unchanged = {"reference": ref, "child_name": FORM["child"]["child_name"]}
        same = await press(app, connector, "information.add", "morgan", unchanged)
        assert "Nothing here is different" in json.dumps(same)
        fixed = await press(
            app,
            connector,
            "information.add",
            "morgan",
            {
                "reference": ref,
                "child_name": "MARKER-CORRECTED Poppy Example-Sample",
                "family_3_name": "MARKER-GRAN Pat Example",
                "family_3_relationship": "Grandmother",
            },
        )
        assert "Information added to" in json.dumps(fixed)
        # The referrer cannot correct what they already gave (only what was not known).
        await send(app, as_person("robin", "", connector, value))
        robin = json.dumps(cards_in(sent_to(connector, "a:1robin"))[-1])
        assert FORM["child"]["child_name"] not in robin
        details = await press(app, connector, "case.view", "lee", {"reference": ref})
        said = json.dumps(details)
        assert "MARKER-CORRECTED Poppy Example-Sample" in said
        assert "Added after the referral was sent" in said and "Morgan Manager" in said
        check_cards([form, same, fixed, details])
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            rows = (await s.scalars(select(ReferralAddition))).all()
            audit = (
                await s.scalars(
                    select(AuditEvent).where(
                        AuditEvent.action == "referral.add", AuditEvent.outcome == "ok"
                    )
                )
            ).one()
    finally:
        await db.dispose()
    assert sorted(r.field for r in rows) == ["child_name", "family_3_name", "family_3_relationship"]
    assert audit.detail["corrected"] == ["child_name"]
    assert "MARKER" not in json.dumps(audit.detail)
