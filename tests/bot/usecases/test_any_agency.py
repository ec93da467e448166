"""Any agency (issue 24): a manager adds to a case an agency the profile does not list (a
school, here) with its lead's name and work email, from the agency picker; it is asked like
the profile's own; a referrer names "another agency" on the form. Over real HTTP; every card
checked by the Adaptive Cards renderer. Every name and address is fictional."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from test_stages_http import as_person, ask, cards_in, decide, decided_app_settings, send, sent_to

from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, press
from helpers.referral import FORM, register_channel, say, submit
from storage.db import Database
from storage.models import AddedAgency, AuditEvent, Case, InformationRequest, Member

SCHOOL = {
    "agency_name": "Northdale Academy (fictional)",
    "lead_name": "Casey Teacher",
    "lead_email": "casey.teacher@example.org",
}


async def _rows(db_url: str, model: type) -> list[Any]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            return list((await s.scalars(select(model))).all())
    finally:
        await db.dispose()


async def test_a_manager_adds_a_school_to_a_case_and_asks_it_like_any_other(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        await send(
            app, as_person("morgan", "", connector, {"action": "returns.pick", "reference": ref})
        )
        picker = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "Add an agency not listed" in json.dumps(picker)
        assert SCHOOL["agency_name"] not in json.dumps(picker)
        opened = {"action": "agency.add_open", "reference": ref}
        await send(app, as_person("morgan", "", connector, opened))
        form = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert f"Add an agency to {ref}" in json.dumps(form)
        # Bad input: a clear error each, nothing added.
        bad = await press(
            app,
            connector,
            "agency.add",
            "morgan",
            {"reference": ref, **SCHOOL, "lead_email": "casey at school", "agency_name": "=1+1"},
        )
        said = json.dumps(bad)
        assert "Start with a letter or a number" in said and "Enter a full email address" in said
        own = await press(
            app,
            connector,
            "agency.add",
            "morgan",
            {"reference": ref, **SCHOOL, "agency_name": "Greater Manchester Police"},
        )
        assert "is already one of the partnership's agencies" in json.dumps(own)
        # Pat is on the panel, not a manager.
        refused = await press(app, connector, "agency.add", "pat", {"reference": ref, **SCHOOL})
        assert "Only a partnership manager can add an agency" in json.dumps(refused)
        assert await _rows(db_url, AddedAgency) == []
        added = await press(app, connector, "agency.add", "morgan", {"reference": ref, **SCHOOL})
        assert "Agency added to" in json.dumps(added) and "Casey Teacher" in json.dumps(added)
        # The same lead's email for another agency is refused.
        again = {"reference": ref, **SCHOOL, "agency_name": "Northdale Surgery (fictional)"}
        other = await press(app, connector, "agency.add", "morgan", again)
        assert "is on the roster for Northdale Academy (fictional)" in json.dumps(other)
        # The picker lists it now, with its lead, and it is asked like any other.
        await send(
            app, as_person("morgan", "", connector, {"action": "returns.pick", "reference": ref})
        )
        picker2 = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "Northdale Academy (fictional) (Casey Teacher)" in json.dumps(picker2)
        school = (await _rows(db_url, AddedAgency))[0]
        await ask(app, connector, ref, school.key)
        check_cards([picker, form, bad, own, refused, added, other, picker2])
    (request,) = await _rows(db_url, InformationRequest)
    assert request.agency == school.key and school.name == SCHOOL["agency_name"]
    lead = next(m for m in await _rows(db_url, Member) if m.email == SCHOOL["lead_email"])
    assert (lead.agency, lead.roles, lead.aad_object_id) == (school.key, ["agency_lead"], None)
    audits = [a for a in await _rows(db_url, AuditEvent) if a.action == "agency.add"]
    assert [a.outcome for a in audits if a.outcome == "ok"] == ["ok"]
    assert any(a.outcome != "ok" for a in audits)  # Pat's refusal


async def test_a_referrer_names_another_agency_on_the_form(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await register_channel(app, connector)
        await say(app, connector, "refer")
        await submit(app, connector, "referral.step", section="pathway", pathway="rapid_review")
        step = next(c for c in reversed(connector.cards()) if "Step 2 of" in json.dumps(c))
        assert "Another agency (not on this list)" in json.dumps(step)
        other = {**FORM["referrer"], "agency": "other", "agency_other": ""}
        await submit(app, connector, "referral.step", section="referrer", **other)
        again = connector.cards()[-1]
        assert "Enter the name of your agency." in json.dumps(again)
        other["agency_other"] = "Northdale Youth Club (fictional)"
        await submit(app, connector, "referral.step", section="referrer", **other)
        for section in ("child", "family", "views"):
            await submit(app, connector, "referral.step", section=section, **FORM[section])
        await submit(app, connector, "referral.submit")
        channel = json.dumps(
            [c.body for c in connector.calls if c.conversation_id.startswith("19:")]
        )
        assert "Northdale Youth Club (fictional)" in channel
        check_cards([step, again])
    (case,) = await _rows(roster_db, Case)
    (club,) = await _rows(roster_db, AddedAgency)
    assert case.referring_agency == club.key and club.name == "Northdale Youth Club (fictional)"


async def test_an_agency_another_replica_added_is_taken_in_by_the_next_delivery_run(
    roster_db: str, connector: FakeConnector
) -> None:
    from datetime import UTC, datetime

    from bot.teams.keys import COURIER
    from storage import agencies as agency_repo
    from storage import repositories as repo

    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        context = app.client.app[COURIER].app
        assert "Northdale Surgery (fictional)" not in [a.name for a in context.profile.agencies]
        db = Database(roster_db)
        try:
            async with db.session() as s, s.begin():
                partnership = await repo.get_partnership(s, context.partnership_slug)
                await agency_repo.add_agency(
                    s,
                    partnership_id=partnership.id,
                    name="Northdale Surgery (fictional)",
                    now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                    member_id=None,
                    case_id=None,
                )
        finally:
            await db.dispose()
        await app.client.app[COURIER].deliver()
        assert "Northdale Surgery (fictional)" in [a.name for a in context.profile.agencies]
