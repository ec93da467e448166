"""A referral sent with what is known: where the profile allows it (Stockport: "please do not
delay in sending notification, as this information can be submitted at a later stage"), the
referrer leaves questions "not known yet"; the case shows what is outstanding; the referrer or
a manager adds it later with the add-information card, each addition checked as the form
checks it, audited (the questions, never the answers), kept with its time and shown to the
panel. Halton ("Incomplete forms will be returned") keeps them required. Over real HTTP; every
card checked by the Adaptive Cards renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from test_stages_http import decided_app_settings, referral_from

from helpers.activities import message
from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, REF, Clock, press
from helpers.referral import FORM, register_channel, say, submit
from storage.db import Database
from storage.models import AuditEvent, Case, Referral, ReferralAddition

LATER = ("phone", "lead_name", "lead_role", "lead_contact", "date_of_birth", "gender")


async def _refer_with_gaps(app: Any, connector: FakeConnector, blanks: tuple[str, ...]) -> int:
    """Walk the form with `blanks` left empty; submit; the status of the last step."""
    assert await say(app, connector, "refer") == 201
    for section, answers in FORM.items():
        given = {k: ("" if k in blanks else v) for k, v in answers.items()}
        assert await submit(app, connector, "referral.step", section=section, **given) == 201
    return await submit(app, connector, "referral.submit")


def _card_with(connector: FakeConnector, text: str) -> dict[str, Any]:
    return next(c for c in reversed(connector.cards()) if text in json.dumps(c))


async def test_stockport_takes_a_referral_with_gaps_and_the_referrer_fills_them_later(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        assert await say(app, connector, "refer") == 201
        await submit(app, connector, "referral.step", section="pathway", pathway="rapid_review")
        step = _card_with(connector, "Step 2 of")
        shown = json.dumps(step)
        assert "Your phone number (if known: you can add it later)" in shown
        assert "Your name (if known" not in shown  # the referrer's name is always needed
        # Walk the rest with the gaps; the summary says what is not known yet.
        for section in ("referrer", "child", "family", "views"):
            given = {k: ("" if k in LATER else v) for k, v in FORM[section].items()}
            await submit(app, connector, "referral.step", section=section, **given)
        summary = _card_with(connector, "Check your referral")
        assert "Not known yet" in json.dumps(summary)
        await submit(app, connector, "referral.submit")
        receipt = _card_with(connector, f"Referral {REF} received")
        said = json.dumps(receipt)
        assert "Not known yet" in said and "Date of birth" in said and "Gender" in said
        assert "information.add_open" in said
        # The panel reads the referral with its gaps, and the case's timeline lists them.
        details = await press(app, connector, "case.view", "lee")
        assert "Not known yet" in json.dumps(details)
        timeline = await press(app, connector, "case.open", "morgan")
        assert "Not known yet on the referral: Phone, Agency lead" in json.dumps(timeline)
        # The referrer opens the add-information card from the receipt's button.
        value = {"action": "information.add_open", "reference": REF}
        await app.post_activity(message("", service_url=connector.url, value=value))
        form = _card_with(connector, f"Add information to {REF}")
        ids = [e.get("id") for e in _inputs(form)]
        assert ids == list(LATER)
        # Bad input: a date of birth after the event is refused, nothing is kept.
        wrong = await press(
            app, connector, "information.add", "robin", {"date_of_birth": "2026-11-22"}
        )
        assert "The date of birth must be on or before the date of the event." in json.dumps(wrong)
        nothing = await press(app, connector, "information.add", "robin", {})
        assert "Answer at least one question" in json.dumps(nothing)
        # A panel member is not the referrer nor a manager: refused, and audited.
        refused = await press(
            app, connector, "information.add", "pat", {"gender": "male", "phone": "0161 496 0001"}
        )
        assert "Only the referrer or a partnership manager" in json.dumps(refused)
        added = await press(
            app,
            connector,
            "information.add",
            "robin",
            {"date_of_birth": "2019-03-14", "gender": "female", "lead_name": "MARKER-LATE-LEAD"},
        )
        said = json.dumps(added)
        assert (
            "Information added to" in said and "Added: Agency lead, Date of birth, Gender" in said
        )
        assert "Phone" in said  # still not known
        # A manager adds the rest; then nothing is waiting.
        more = {
            "phone": "0161 496 0002",
            "lead_role": "Named nurse",
            "lead_contact": "lead@example.org",
        }
        done = await press(app, connector, "information.add", "morgan", more)
        assert "Nothing is waiting to be added now." in json.dumps(done)
        # The panel sees each addition with when and by whom.
        details = await press(app, connector, "case.view", "hana")
        shown = json.dumps(details)
        assert "Added after the referral was sent" in shown
        assert "MARKER-LATE-LEAD" in shown and "Robin Referrer" in shown
        assert "Morgan Manager" in shown and "Not known yet" not in shown
        check_cards([step, summary, receipt, form, wrong, nothing, refused, added, done, details])
    db = Database(roster_db)
    try:
        async with db.session() as s:
            rows = (await s.scalars(select(ReferralAddition))).all()
            form_sent = (await s.scalars(select(Referral.form))).one()
            audits = (
                await s.scalars(select(AuditEvent).where(AuditEvent.action == "referral.add"))
            ).all()
    finally:
        await db.dispose()
    assert sorted(r.field for r in rows) == sorted(LATER)
    assert form_sent["child"]["date_of_birth"] == ""  # the form as sent is never changed
    ok = [a for a in audits if a.outcome == "ok"]
    assert [sorted(a.detail["fields"]) for a in ok] == [
        ["date_of_birth", "gender", "lead_name"],
        ["lead_contact", "lead_role", "phone"],
    ]
    assert "MARKER-LATE-LEAD" not in json.dumps([a.detail for a in audits])
    assert any(a.outcome != "ok" for a in audits)  # Pat's refusal


async def test_add_information_is_for_the_referrer_and_managers_only_and_only_in_1to1(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await register_channel(app, connector)
        assert await _refer_with_gaps(app, connector, ("gender",)) == 201
        await say(app, connector, f"add information {REF.lower()}")
        form = _card_with(connector, f"Add information to {REF}")
        assert [e.get("id") for e in _inputs(form)] == ["gender"]
        await say(app, connector, "add information SSCP-2026-9999")
        assert connector.texts()[-1] == "That case does not exist in this partnership."
        check_cards([form])


async def test_halton_keeps_every_question_required(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "halton")
    async with running_app(settings, clock=Clock(MONDAY)) as app:
        await register_channel(app, connector)
        with referral_from("bridgewater_nhs"):
            await say(app, connector, "refer")
            await submit(app, connector, "referral.step", section="pathway", pathway="rapid_review")
            step = _card_with(connector, "Step 2 of")
            assert "if known" not in json.dumps(step)
            given = {**FORM["referrer"], "agency": "bridgewater_nhs", "phone": ""}
            await submit(app, connector, "referral.step", section="referrer", **given)
            again = _card_with(connector, "Step 2 of")
            assert "Enter a phone number we can reach you on." in json.dumps(again)
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            assert (await s.scalars(select(Case))).all() == []
    finally:
        await db.dispose()


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found
