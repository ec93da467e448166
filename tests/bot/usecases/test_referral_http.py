"""Referral submission over real HTTP round trips through /api/messages."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from helpers.activities import message
from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.referral import (
    FORM,
    SECTIONS,
    complete_referral,
    last_token,
    register_channel,
    say,
    submit,
)
from storage import repositories as repo
from storage.db import Database
from storage.models import AuditEvent, Case, Milestone, OutboundMessage, Referral

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def clock() -> datetime:
    return MONDAY


async def _count(db_url: str, model: type, *where: object) -> int:
    db = Database(db_url)
    try:
        async with db.session() as s:
            stmt = select(func.count()).select_from(model)
            for clause in where:
                stmt = stmt.where(clause)  # type: ignore[arg-type]
            return int(await s.scalar(stmt) or 0)
    finally:
        await db.dispose()


async def test_full_referral_opens_a_case_and_posts_a_safe_card(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        assert await register_channel(app, connector) == 201
        await complete_referral(app, connector)
        summary = connector.cards()[-1]
        assert "MARKER-ISSUES" in json.dumps(summary)  # the referrer sees their own answers
        assert await submit(app, connector, "referral.submit") == 201

    db = Database(roster_db)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            assert case.reference == "SSCP-2026-0001"
            assert case.pathway_sought == "rapid_review"
            assert case.received_at == MONDAY
            assert case.channel_activity_id  # the case card started the thread
            milestones = {m.milestone: m for m in await s.scalars(select(Milestone))}
            # 5 working days after Mon 23 Nov 2026 is Mon 30 Nov; 15 is Mon 14 Dec.
            assert str(milestones["national_panel_notification"].due_on) == "2026-11-30"
            assert str(milestones["rapid_review_report"].due_on) == "2026-12-14"
            form = (await s.scalars(select(Referral))).one().form
            assert form["child"]["date_of_birth"] == "2019-03-14"
            actions = [e.action for e in await repo.audit_trail(s)]
            assert "referral.submit" in actions
    finally:
        await db.dispose()

    channel_posts = [
        c
        for c in connector.sent()
        if c.conversation_id.startswith("19:fictional-rapid-review")
        and (c.body or {}).get("attachments")
    ]
    assert len(channel_posts) == 1
    posted = json.dumps(channel_posts[0].body)
    assert "SSCP-2026-0001" in posted
    for section in ("child", "family", "views"):
        for value in FORM[section].values():
            if value not in ("false", "", "no", "yes", "serious_harm"):  # codes, not text
                assert value not in posted, f"{value!r} leaked into the channel"
    assert "MARKER-DISCUSSED" not in posted
    confirmation = json.dumps(connector.cards()[-2])  # the referrer's confirmation
    assert "SSCP-2026-0001" in confirmation
    assert "Mon 14 Dec 2026" in confirmation
    check_cards(connector.cards())


async def test_every_channel_bound_card_is_free_of_child_details(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
    channel_text = json.dumps(
        [c.body for c in connector.calls if c.conversation_id.startswith("19:")]
    )
    for section in ("child", "family", "views"):
        for field, value in FORM[section].items():
            if (
                field not in ("care_leaver", "harm_kind", "looked_after", "outside_england")
                and value
            ):
                assert value not in channel_text
    assert FORM["referrer"]["discussed_with"] not in channel_text
    assert "2019" not in channel_text  # no date of birth in any form
    assert "1994-05-02" not in channel_text and "1994" not in channel_text  # nor a parent's


async def test_validation_error_keeps_what_was_typed(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await say(app, connector, "refer")
        await submit(app, connector, "referral.step", section="pathway", **FORM["pathway"])
        bad = dict(FORM["referrer"], phone="call me", job_title="x" * 150)
        await submit(app, connector, "referral.step", section="referrer", **bad)
        card = json.dumps(connector.cards()[-1])
    assert "x" * 150 in card  # nothing typed is lost
    assert "100 characters" in card
    assert FORM["referrer"]["lead_contact"] in card


async def test_out_of_date_card_shows_the_current_step(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await say(app, connector, "refer")
        old = last_token(connector)
        await submit(app, connector, "referral.step", section="pathway", **FORM["pathway"])
        await submit(
            app, connector, "referral.step", token=old, section="pathway", pathway="escalation"
        )
        texts = connector.texts()
        card = json.dumps(connector.cards()[-1])
    assert any("out of date" in t for t in texts)
    assert "referrer_name" in card  # still on the referrer step


async def test_double_submit_opens_one_case(roster_db: str, connector: FakeConnector) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        token = last_token(connector)
        statuses = await asyncio.gather(
            submit(app, connector, "referral.submit", token=token),
            submit(app, connector, "referral.submit", token=token),
        )
        assert all(s in (200, 201) for s in statuses)
        await submit(app, connector, "referral.submit", token=token)  # a later replay
    assert await _count(roster_db, Case) == 1
    assert await _count(roster_db, OutboundMessage, OutboundMessage.kind == "case_card") == 1


async def test_replayed_activity_is_acted_on_once(roster_db: str, connector: FakeConnector) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        activity = message(
            "",
            service_url=connector.url,
            value={"action": "referral.submit", "token": last_token(connector)},
        )
        first = await app.post_activity(activity)
        sent = len(connector.sent())
        again = await app.post_activity(activity)  # Teams redelivers with the same id
        assert first.status == again.status == 201
        assert len(connector.sent()) == sent
    assert await _count(roster_db, Case) == 1


async def test_half_finished_referral_survives_a_restart(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await say(app, connector, "refer")
        await submit(app, connector, "referral.step", section="pathway", **FORM["pathway"])
        await submit(app, connector, "referral.step", section="referrer", **FORM["referrer"])
    async with running_app(app_settings(roster_db), clock=clock) as app:  # a new instance
        await say(app, connector, "continue")
        card = json.dumps(connector.cards()[-1])
        assert "date_of_birth" in card  # back on the child step
        for section in SECTIONS[2:]:
            await submit(app, connector, "referral.step", section=section, **FORM[section])
        await submit(app, connector, "referral.submit")
    assert await _count(roster_db, Case) == 1


async def test_cancel_needs_confirmation_then_deletes_the_draft(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await say(app, connector, "refer")
        await submit(app, connector, "referral.cancel")
        assert "cancel" in json.dumps(connector.cards()[-1]).lower()
        await submit(app, connector, "referral.cancel_confirmed")
        await say(app, connector, "continue")
        assert any("no referral in progress" in t for t in connector.texts())
    assert await _count(roster_db, Case) == 0


async def test_my_referrals_lists_drafts_and_submitted(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await register_channel(app, connector)
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        await say(app, connector, "refer")
        await say(app, connector, "my referrals")
        card = json.dumps(connector.cards()[-1])
    assert "SSCP-2026-0001" in card
    assert "in progress" in card.lower()


async def test_unknown_command_gets_help_and_referrals_are_refused_in_a_channel(
    roster_db: str, connector: FakeConnector
) -> None:
    from helpers.activities import recorded

    async with running_app(app_settings(roster_db), clock=clock) as app:
        await say(app, connector, "what is the meaning of this")
        assert connector.cards(), "help card expected"
        channel = recorded(
            "channel_message", service_url=connector.url, text="<at>Rapid Review</at> refer"
        )
        await app.post_activity(channel)
        assert any("1:1" in t for t in connector.texts())
    assert await _count(roster_db, Case) == 0


async def test_only_a_manager_can_register_the_channel(
    roster_db: str, connector: FakeConnector
) -> None:
    from helpers.activities import recorded

    stranger = recorded("channel_message", service_url=connector.url)
    stranger["from"] = {"id": "29:stranger", "name": "A Stranger", "aadObjectId": "aad-stranger"}
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await app.post_activity(stranger)
    assert any("Only a partnership manager" in t for t in connector.texts())
    db = Database(roster_db)
    try:
        async with db.session() as s:
            refused = await s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "channel.register", AuditEvent.outcome == "refused")
            )
            assert refused == 1
            ref = await repo.conversation_reference(s, 1, kind="channel", key="rapid_review")
            assert ref is None
    finally:
        await db.dispose()


async def test_case_card_waits_in_the_outbox_until_a_channel_is_registered(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await complete_referral(app, connector)
        await submit(app, connector, "referral.submit")
        assert not [c for c in connector.sent() if c.conversation_id.startswith("19:")]
        assert await _count(roster_db, Case) == 1
    db = Database(roster_db)
    try:
        async with db.session() as s:
            row = (
                await s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "case_card"))
            ).one()
            assert row.status == "pending" and "channel" in (row.last_error or "")
    finally:
        await db.dispose()
