"""The virtual panel over real HTTP: invokes from three partners, an outsider and a manager."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from helpers.activities import card_invoke, message
from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import (
    MONDAY,
    REF,
    Clock,
    all_vote,
    card_of,
    case_card_id,
    count,
    open_case,
    press,
    sent_id_of,
    settle,
    updates_of,
    vote_data,
)
from helpers.people import VOTERS, account, teams_members
from storage.db import Database
from storage.models import AuditEvent, Case, CaseEvent, Decision, Member, Milestone, PanelVote


async def test_a_practice_review_decision_goes_to_the_pip_with_no_six_month_clock(
    roster_db: str, connector: FakeConnector
) -> None:
    """Stockport's case practice review is agreed at the PIP's meeting: the decision starts
    no local review clock (the group decides whether there is one), and the case waits for
    the meeting's date (tests/bot/usecases/test_learning_review.py takes it to its end)."""
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        await all_vote(app, connector, clock, "practice_review")
        await settle(app)
    db = Database(roster_db)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            assert case.pathway == "practice_review"
            events = {e.event: e.occurred_at for e in await s.scalars(select(CaseEvent))}
            assert "local_review_decided" not in events
            stones = {m.milestone: m for m in await s.scalars(select(Milestone))}
            assert stones["local_review_report"].due_on is None
            assert stones["local_review_report"].waiting_for == "local_review_decided"
            assert stones["learning_review_agreed"].waiting_for == "group_meeting"
    finally:
        await db.dispose()


async def test_three_agreeing_votes_seal_the_decision(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        view = await press(app, connector, "panel.vote_open", "pat", card_id=card_id)
        assert "outcome" in json.dumps(view) and "Police" in json.dumps(view)
        card = await all_vote(app, connector, clock, "rapid_review", card_id=card_id)
        await settle(app)
        assert "Meets threshold for Rapid Review" in json.dumps(card)
        check_cards(connector.cards())
        check_cards([view, card])
    db = Database(roster_db)
    try:
        async with db.session() as s:
            decision = (await s.scalars(select(Decision))).one()
            assert decision.outcome == "rapid_review"
            assert decision.decided_at == MONDAY.replace(hour=11, minute=20)  # the third vote
            assert set(decision.deciders) == {"la", "police", "health"}
            case = (await s.scalars(select(Case))).one()
            assert case.status == "decided" and case.pathway == "rapid_review"
            events = {e.event for e in await s.scalars(select(CaseEvent))}
            assert "panel_decision" in events
            info = await s.scalar(
                select(Milestone).where(Milestone.milestone == "information_request")
            )
            assert info is not None and str(info.due_on) == "2026-11-25"  # 2 WD after Mon
    finally:
        await db.dispose()
    # The shared card was redrawn in place, and the referrer was told in 1:1.
    updates = [c for c in connector.calls if c.method == "PUT"]
    assert updates and updates[-1].activity_id == card_id
    assert "Meets threshold for Rapid Review" in json.dumps(updates[-1].body)
    personal = [c for c in connector.sent() if c.conversation_id == "a:1robin-personal-fictional"]
    assert any(REF in json.dumps(c.body) and "Rapid Review" in json.dumps(c.body) for c in personal)
    # Nothing a partner wrote, and nothing about the child, ever reached the channel.
    channel = json.dumps([c.body for c in connector.calls if c.conversation_id.startswith("19:")])
    for marker in ("RATIONALE-", "BASIS-", "MARKER-", "2019-03-14"):
        assert marker not in channel


async def test_an_outsider_is_refused_and_audited_and_nothing_changes(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        refused = await press(app, connector, "panel.vote_open", "stranger", card_id=card_id)
        assert "Only the panel members" in json.dumps(refused)
        refused = await press(
            app, connector, "panel.vote", "stranger", vote_data("escalation", "x"), card_id=card_id
        )
        assert "Only the panel members" in json.dumps(refused)
        # The referrer is not a panel member either, and a manager votes for no agency.
        for who in ("robin", "morgan"):
            await press(app, connector, "panel.vote", who, vote_data("escalation", "x"))
    assert await count(roster_db, PanelVote) == 0
    assert (
        await count(
            roster_db, AuditEvent, AuditEvent.outcome == "refused", AuditEvent.action.like("vote%")
        )
        == 4
    )


async def test_the_same_invoke_twice_records_one_vote(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        for _ in range(2):
            card = await press(
                app,
                connector,
                "panel.vote",
                "pat",
                vote_data("practice_review", "p"),
                activity_id="f:same-invoke",
                card_id=card_id,
            )
            assert REF in json.dumps(card)
    assert await count(roster_db, PanelVote) == 1


async def test_disagreement_mentions_managers_and_a_changed_vote_seals_it(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        await press(app, connector, "panel.vote", "lee", vote_data("rapid_review", "la"))
        await press(app, connector, "panel.vote", "pat", vote_data("rapid_review", "police"))
        card = await press(app, connector, "panel.vote", "hana", vote_data("practice_review", "h"))
        await settle(app)
        assert "disagree" in json.dumps(card).lower()
        thread = [
            c for c in connector.sent() if c.conversation_id.endswith(f";messageid={card_id}")
        ]
        notice = json.dumps(thread[-1].body)
        assert "<at>Morgan Manager</at>" in notice and "mention" in notice
        assert await count(roster_db, Decision) == 0
        notice_id = await sent_id_of(roster_db, "disagreement_notice")
        await press(app, connector, "panel.vote", "hana", vote_data("rapid_review", "h2"))
        await settle(app)
        # Once sealed, the notice says it is resolved, updated in place: no call to convene.
        (resolved,) = updates_of(connector, notice_id)
        assert resolved.conversation_id.endswith(f";messageid={card_id}")
        final = card_of(resolved)
        assert "Resolved" in json.dumps(final)
        assert "please convene" not in json.dumps(final) and "mention" not in json.dumps(final)
        check_cards([final])
    assert await count(roster_db, Decision) == 1
    assert await count(roster_db, PanelVote) == 4  # the changed vote is history, not lost


async def test_a_vote_on_a_sealed_decision_is_refused_with_the_current_state(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        for partner, who in VOTERS.items():
            await press(app, connector, "panel.vote", who, vote_data("escalation", partner))
        late = await press(app, connector, "panel.vote", "pat", vote_data("rapid_review", "late"))
    assert "sealed" in json.dumps(late)
    assert "Meets criteria for Escalation" in json.dumps(late)
    assert await count(roster_db, PanelVote) == 3


async def test_queries_go_to_the_referrer_and_their_answer_reopens_voting(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        for partner, who in VOTERS.items():
            await press(app, connector, "panel.vote", who, vote_data("queries", partner))
        await settle(app)
        personal = [
            c for c in connector.sent() if c.conversation_id == "a:1robin-personal-fictional"
        ]
        questions = json.dumps(personal[-1].body)
        assert "QUESTION-la" in questions and "QUESTION-health" in questions
        answer = message(
            "",
            service_url=connector.url,
            value={
                "action": "queries.answer",
                "reference": REF,
                "round": 1,
                "answer": "ANSWER-secret detail",
            },
        )
        assert (await app.post_activity(answer)).status == 201
        await settle(app)
        thread = [
            c for c in connector.sent() if c.conversation_id.endswith(f";messageid={card_id}")
        ]
        assert thread, "the answer is announced in the case thread"
        assert "ANSWER-secret" not in json.dumps([c.body for c in thread])
        details = await press(app, connector, "case.view", "lee")
        assert "ANSWER-secret detail" in json.dumps(details)  # panel members see it on demand
        for partner, who in VOTERS.items():
            await press(app, connector, "panel.vote", who, vote_data("practice_review", partner, 2))
        await settle(app)
    assert await count(roster_db, Decision) == 1


async def test_view_referral_for_the_panel_only_and_every_view_audited(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        shown = await press(app, connector, "case.view", "hana")
        assert "2019-03-14" in json.dumps(shown) or "14 Mar 2019" in json.dumps(shown)
        refused = await press(app, connector, "case.view", "stranger")
        assert "2019" not in json.dumps(refused)
        missing = await press(app, connector, "case.view", "hana", {"reference": "SSCP-2026-9999"})
        assert "does not exist" in json.dumps(missing)
        check_cards([shown, refused, missing])
    assert await count(roster_db, AuditEvent, AuditEvent.action == "case.view") == 3
    assert (
        await count(
            roster_db, AuditEvent, AuditEvent.action == "case.view", AuditEvent.outcome == "refused"
        )
        == 2
    )


async def test_a_manager_records_an_offline_decision(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        form = await press(app, connector, "panel.offline_open", "morgan")
        assert "rationale" in json.dumps(form)
        errors = await press(
            app, connector, "panel.offline_record", "morgan", {"outcome": "escalation"}
        )
        assert "rationale" in json.dumps(errors).lower()
        # Stockport's panel answers "notifiable?" on its own: an off-line decision says it too.
        assert "Say whether the partners agreed the incident is notifiable." in json.dumps(errors)
        assert '"id": "notifiable"' in json.dumps(form)
        refused = await press(
            app,
            connector,
            "panel.offline_record",
            "pat",
            {"outcome": "escalation", "rationale": "agreed on a call"},
        )
        assert "manager" in json.dumps(refused)
        done = await press(
            app,
            connector,
            "panel.offline_record",
            "morgan",
            {
                "outcome": "escalation",
                "rationale": "Agreed on a call",
                "decided_how": "Phone",
                "notifiable": "no",
            },
        )
        assert "Meets criteria for Escalation; not a notifiable incident" in json.dumps(done)
    db = Database(roster_db)
    try:
        async with db.session() as s:
            decision = (await s.scalars(select(Decision))).one()
            assert decision.offline and decision.outcome == "escalation"
            assert decision.notifiable is False
            assert (await s.scalars(select(Case))).one().notifiable is False
    finally:
        await db.dispose()


async def test_a_manager_opens_a_panel_on_a_practice_review_referral(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector, pathway="practice_review")
        refused = await press(app, connector, "panel.vote", "pat", vote_data("escalation", "p"))
        assert "not open" in json.dumps(refused)
        await press(app, connector, "panel.open", "morgan")
        card = await press(app, connector, "panel.vote", "pat", vote_data("escalation", "p"))
        assert "Awaiting" in json.dumps(card) or "awaiting" in json.dumps(card).lower()
    assert await count(roster_db, PanelVote) == 1


async def test_simultaneous_votes_lose_nothing(roster_db: str, connector: FakeConnector) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        card_id = await case_card_id(roster_db)
        cards = await asyncio.gather(
            *(
                press(
                    app, connector, "panel.vote", who, vote_data("rapid_review", p), card_id=card_id
                )
                for p, who in VOTERS.items()
            )
        )
        await settle(app)
        assert all(REF in json.dumps(c) for c in cards)
    assert await count(roster_db, PanelVote) == 3
    assert await count(roster_db, Decision) == 1
    updates = [c for c in connector.calls if c.method == "PUT"]
    final = json.dumps(updates[-1].body)
    assert "Meets threshold for Rapid Review" in final


async def test_bad_invokes_answer_200_with_a_card_never_500(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        for verb, data in [
            ("panel.nonsense", {}),
            ("panel.vote", {"outcome": ["x"], "rationale": {"a": 1}}),
            ("panel.vote", {"reference": None}),
            ("case.view", {"reference": 12345}),
        ]:
            activity = card_invoke(verb, data, who="pat", service_url=connector.url)
            resp = await app.post_activity(activity)
            assert resp.status == 200
            body = await resp.json()
            check_cards([body["value"]])
        weird = card_invoke("panel.vote", {}, who="pat", service_url=connector.url)
        weird["value"] = "not an object"
        assert (await app.post_activity(weird)).status == 200


def test_accounts_are_fictional() -> None:
    assert all(
        a.endswith("example.org") for a in [teams_members()[k]["email"] for k in teams_members()]
    )
    assert account("pat")["name"] == "Pat Constable"


async def test_activities_from_another_tenant_are_refused_and_audited(
    roster_db: str, connector: FakeConnector
) -> None:
    from dataclasses import replace

    settings = replace(app_settings(roster_db), tenant_id="00000000-0000-4000-8000-0000000000aa")
    async with running_app(settings, clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        foreign = card_invoke(
            "panel.vote",
            {"reference": REF, **vote_data("escalation", "x")},
            who="pat",
            service_url=connector.url,
        )
        foreign["conversation"]["tenantId"] = "11111111-1111-4111-8111-111111111111"
        foreign["channelData"]["tenant"]["id"] = "11111111-1111-4111-8111-111111111111"
        resp = await app.post_activity(foreign)
        assert resp.status == 403
    assert await count(roster_db, PanelVote) == 0
    assert await count(roster_db, AuditEvent, AuditEvent.action == "tenant.refused") == 1


async def test_the_shared_card_draws_what_the_orm_reads(
    roster_db: str, connector: FakeConnector
) -> None:
    """The card everyone sees is drawn from the vote's prepared reads (panel_now in
    bot.usecases.panel); at every stage it is the card the ORM's reads draw, a voter made
    inactive included. So is the card a partner opens, or gets back for a redelivered vote,
    for each viewer."""
    from bot.teams.keys import CONTEXT, DATABASE
    from bot.usecases.panel_cards import current_panel_card_in
    from bot.usecases.panel_view import panel_view, shared_card
    from cards.panel import panel_card
    from storage import cases as case_repo

    cards: list[str] = []
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        ctx, db = app.client.app[CONTEXT], app.client.app[DATABASE]

        async def same_card_both_ways() -> None:
            async with db.session() as s:
                case = await case_repo.get_case(s, ctx.partnership_id, REF)
                fast = await shared_card(ctx, s, case)
                slow = panel_card(await panel_view(ctx, s, case))
                for viewer in (None, "la", "police", "health"):
                    shown = await current_panel_card_in(ctx, s, REF, viewer)
                    drawn = panel_card(await panel_view(ctx, s, case, viewer_partner=viewer))
                    assert shown == drawn, viewer
            assert fast == slow
            cards.append(json.dumps(fast, sort_keys=True))

        await open_case(app, connector)
        await same_card_both_ways()  # no votes yet
        await press(app, connector, "panel.vote", "lee", vote_data("rapid_review", "la"))
        await same_card_both_ways()
        await press(app, connector, "panel.vote", "pat", vote_data("rapid_review", "police"))
        await press(app, connector, "panel.vote", "hana", vote_data("practice_review", "h"))
        await same_card_both_ways()  # a disagreement
        async with db.session() as s, s.begin():
            lee_id = account("lee")["aadObjectId"]
            lee = await s.scalar(select(Member).where(Member.aad_object_id == lee_id))
            assert lee is not None
            lee.active = False
        await same_card_both_ways()  # Lee's vote still shows Lee
        await press(app, connector, "panel.vote", "hana", vote_data("rapid_review", "h2"))
        await same_card_both_ways()  # agreed and sealed
        await settle(app)
    assert len(set(cards)) == 5  # each stage drew a different card
