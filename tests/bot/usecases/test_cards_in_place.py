"""Cards as a person in Teams meets them, over real HTTP: each person's own options on the
channel's cards, a referral that did not seek a Rapid Review opened by a manager, the way
back from a referral's details, and cards updated to their final state once their action
is done (the answered questions, the submitted summary; the resolved disagreement notice is
tested with the disagreement, in test_panel_http.py)."""

from __future__ import annotations

import json
from typing import Any

from helpers.activities import message
from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import (
    MONDAY,
    REF,
    Clock,
    card_of,
    case_card_id,
    complete_referral_for,
    open_case,
    press,
    settle,
    updates_of,
    vote_data,
)
from helpers.people import VOTERS, account
from helpers.referral import last_token, register_channel, submit


def titles(card: dict[str, Any]) -> list[str]:
    """The titles of a card's buttons, in order."""
    return [a["title"] for a in card.get("actions") or []]


async def test_each_person_gets_their_own_options_on_the_panel_card(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        await settle(app)
        posted = connector.cards()[-1]
        assert titles(posted) == ["Show my options"]  # the card everyone sees
        assert len(posted["refresh"]["userIds"]) >= 4  # the voters, the managers, the chair
        views = {
            who: await press(app, connector, "panel.refresh", who)
            for who in ("lee", "morgan", "robin", "stranger")
        }
        check_cards(list(views.values()))
    assert titles(views["lee"]) == ["Vote", "View referral"]  # a panel member
    assert titles(views["morgan"]) == ["View referral", "Record an off-line decision"]  # manager
    assert titles(views["robin"]) == ["View referral"]  # the referrer
    assert titles(views["stranger"]) == ["Refresh"]  # not on the roster: nothing to press


async def test_a_manager_opens_the_panel_of_a_referral_that_did_not_seek_a_rapid_review(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await register_channel(app, connector)
        await complete_referral_for(app, connector, "practice_review")
        await submit(app, connector, "referral.submit")
        await settle(app)
        card_id = await case_card_id(roster_db)
        posted = connector.cards()[-1]
        shown = json.dumps(posted)
        assert "What happens next" in shown and "A partnership manager opens the virtual" in shown
        assert "None set" not in shown
        mine = await press(app, connector, "panel.refresh", "morgan", card_id=card_id)
        assert titles(mine) == ["View referral", "Open the virtual panel"]
        robin = await press(app, connector, "panel.refresh", "robin", card_id=card_id)
        assert titles(robin) == ["View referral"]  # the referrer cannot open it
        # In 1:1, `case REF` offers the manager the same button.
        before = len(connector.sent())
        as_morgan = message(f"case {REF}", service_url=connector.url, **{"from": account("morgan")})
        as_morgan["conversation"]["id"] = "a:1morgan-personal-fictional"
        assert (await app.post_activity(as_morgan)).status == 201
        offered = [card_of(c) for c in connector.sent()[before:] if c.body.get("attachments")]
        assert any("Open the virtual panel" in titles(c) for c in offered)
        check_cards([posted, mine, *offered])
        opened = await press(app, connector, "panel.open", "morgan", card_id=card_id)
        assert "Virtual panel" in json.dumps(opened)
        await settle(app)
        (update, *_) = updates_of(connector, card_id)[-1:]
        assert "Virtual panel" in json.dumps(update.body)  # the case card became the panel


async def test_view_referral_can_always_go_back_to_the_card_it_replaced(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        for partner, who in VOTERS.items():
            await press(app, connector, "panel.vote", who, vote_data("rapid_review", partner))
        await settle(app)
        notice = next(c for c in reversed(connector.cards()) if "Decision on referral" in str(c))
        view = next(a for a in notice["actions"] if a["title"] == "View referral")
        details = await press(app, connector, view["verb"], "robin", view["data"])
        assert "Confidential" in json.dumps(details)
        (back,) = details["actions"]
        assert back["title"] == "Back to the decision"
        again = await press(app, connector, back["verb"], "robin", back["data"])
        assert "Decision on referral" in json.dumps(again)
        assert titles(again) == titles(notice)
        refused = await press(app, connector, back["verb"], "lee", back["data"])
        assert "Only the referrer" in json.dumps(refused)  # the notice is the referrer's
        # In the channel, Back gives the panel member their own view of the panel card.
        details = await press(app, connector, "case.view", "lee")
        (back,) = details["actions"]
        panel = await press(app, connector, back["verb"], "lee", back["data"])
        assert "Virtual panel" in json.dumps(panel) and "View referral" in titles(panel)
        check_cards([details, again, panel])


async def test_answered_questions_lose_their_answer_box_in_place(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        for partner, who in VOTERS.items():
            await press(app, connector, "panel.vote", who, vote_data("queries", partner))
        await settle(app)
        (asked,) = [
            c
            for c in connector.sent()
            if c.conversation_id == "a:1robin-personal-fictional" and "QUESTION-la" in str(c.body)
        ]
        value = {"action": "queries.answer", "reference": REF, "round": 1, "answer": "ANSWER-1"}
        sent_id = f"act-{len(connector.calls)}"  # any id: the update names the card pressed
        answer = message("", service_url=connector.url, value=value, replyToId=sent_id)
        assert (await app.post_activity(answer)).status == 201
        (update,) = updates_of(connector, sent_id)
        final = card_of(update)
        shown = json.dumps(final)
        assert "is with the panel" in shown and "ANSWER-1" in shown and "QUESTION-la" in shown
        assert "Input.Text" not in shown and "Send answer" not in titles(final)
        assert asked.body  # the questions were asked in that chat first
        check_cards([final])


async def test_the_summary_says_submitted_once_the_referral_is_sent(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await register_channel(app, connector)
        await complete_referral_for(app, connector, "rapid_review")
        value = {"action": "referral.submit", "token": last_token(connector)}
        pressed = message("", service_url=connector.url, value=value, replyToId="summary-card")
        assert (await app.post_activity(pressed)).status == 201
        (update,) = updates_of(connector, "summary-card")
        final = card_of(update)
        assert f"Submitted as {REF}" in json.dumps(final)
        assert "Submit referral" not in titles(final) and "Edit" not in json.dumps(final)
        check_cards([final])
