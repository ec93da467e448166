"""Each partnership on its own terms, over real HTTP: Halton's referral form offers its two
proposals and its panel chooses from its own decisions (no escalation); Stockport keeps A, B
and C and section 2.1's five. Every card checked by the Adaptive Cards renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_stages_http import decided_app_settings, referral_from

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, open_case, press


def choices(card: dict[str, Any], input_id: str) -> list[tuple[str, str]]:
    """The (title, value) choices of one input, wherever it is in the card."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
                found.extend((c["title"], c["value"]) for c in node["choices"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_halton_refers_and_decides_in_its_own_terms(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "halton")
    async with running_app(settings, clock=Clock(MONDAY)) as app:
        with referral_from("bridgewater_nhs"):
            await open_case(app, connector)
        step = next(c for c in connector.cards() if "Step 1 of" in json.dumps(c))
        assert choices(step, "pathway") == [
            ("1: A Local Child Safeguarding Practice Review", "rapid_review"),
            ("2: An alternative learning review", "practice_review"),
        ]
        assert "escalation" not in json.dumps(step).lower()
        voting = await press(
            app, connector, "panel.vote_open", "lee", {"reference": "HCYPSP-2026-0001"}
        )
        assert [value for _, value in choices(voting, "outcome")] == [
            "rapid_review",
            "practice_review",
            "no_response",
            "queries",
        ]
        assert "Not notifiable: an alternative learning process" in json.dumps(voting)
        refused = await press(
            app,
            connector,
            "panel.vote",
            "lee",
            {
                "reference": "HCYPSP-2026-0001",
                "round": 1,
                "outcome": "escalation",
                "rationale": "Halton has no escalation decision",
            },
        )
        assert "Choose one of the decisions from the list." in json.dumps(refused)
        check_cards([step, voting, refused])


async def test_stockport_keeps_a_b_and_c_and_the_five_decisions(
    roster_db: str, connector: FakeConnector
) -> None:
    from helpers.app import app_settings

    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await open_case(app, connector)
        step = next(c for c in connector.cards() if "Step 1 of" in json.dumps(c))
        assert [v for _, v in choices(step, "pathway")] == [
            "rapid_review",
            "practice_review",
            "escalation",
        ]
        voting = await press(app, connector, "panel.vote_open", "lee")
        assert len(choices(voting, "outcome")) == 5


async def test_a_late_decision_makes_the_plan_conflict_and_the_cards_say_so(
    roster_db: str, connector: FakeConnector
) -> None:
    """Stockport, decided on Friday, working day 4: the meeting's window ends after the report
    is due. The case's timeline and the panel card say so with the dates."""
    from helpers.app import app_settings
    from helpers.panel import settle

    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        decided = MONDAY.replace(day=27)
        for partner, who in (("la", "lee"), ("police", "pat"), ("health", "hana")):
            clock.now = decided
            await press(
                app,
                connector,
                "panel.vote",
                who,
                {
                    "outcome": "rapid_review",
                    "rationale": f"R-{partner}",
                    "serious_harm_basis": "B",
                    "notifiable": "yes",
                    "round": 1,
                },
            )
        await settle(app)
        timeline = await press(app, connector, "case.open", "morgan")
        panel = await press(app, connector, "panel.refresh", "lee")
        check_cards([timeline, panel])
    for card in (timeline, panel):
        shown = json.dumps(card)
        assert "The plan's dates conflict" in shown
        assert "may be as late as Wed 16 Dec 2026" in shown and "due on Mon 14 Dec 2026" in shown


async def test_stockports_panel_answers_notifiable_on_its_own_and_the_notice_follows_it(
    roster_db: str, connector: FakeConnector
) -> None:
    """Stockport's panel says "notifiable?" beside its decision: a case practice review of a
    notifiable incident keeps the National Panel's notice; Halton's decisions say it
    themselves, so its card does not ask."""
    from sqlalchemy import select

    from helpers.app import app_settings
    from helpers.panel import settle, vote_data
    from storage.db import Database
    from storage.models import Case, Milestone

    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        voting = await press(app, connector, "panel.vote_open", "lee")
        assert [v for _, v in choices(voting, "notifiable")] == ["yes", "no"]
        missing = dict(vote_data("practice_review", "x"))
        del missing["notifiable"]
        refused = await press(app, connector, "panel.vote", "lee", missing)
        assert "Say whether the incident is notifiable" in json.dumps(refused)
        # Two say notifiable, one not: the same decision is not yet agreement.
        notifiable = {"notifiable": "yes"}
        await press(app, connector, "panel.vote", "lee", {**missing, **notifiable})
        await press(app, connector, "panel.vote", "pat", {**missing, **notifiable})
        card = await press(app, connector, "panel.vote", "hana", {**missing, "notifiable": "no"})
        assert "Case practice review (not notifiable)" in json.dumps(card)
        assert "Case practice review (notifiable)" in json.dumps(card)
        check_cards([voting, refused, card])
        # Health changes its answer: a case practice review, and notifiable.
        await press(app, connector, "panel.vote", "hana", {**missing, **notifiable})
        await settle(app)
        shown = json.dumps(await press(app, connector, "panel.refresh", "lee"))
        assert "a case practice review, but not a Rapid Review; a notifiable incident" in shown
    db = Database(roster_db)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            planned = {m.milestone for m in await s.scalars(select(Milestone))}
    finally:
        await db.dispose()
    assert case.pathway == "practice_review" and case.notifiable is True
    assert "national_panel_notification" in planned  # notifiable, whatever the route
    assert "information_request" not in planned  # not a Rapid Review


async def test_a_partnerships_own_decision_ids_start_what_its_profile_says(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    """Northshire's "learning_conversation" is its own id; its profile says it starts a local
    learning review and is not notifiable: the six-month-style clock starts, the National
    Panel's notice drops off, and nothing of a Rapid Review is offered."""
    from sqlalchemy import select

    from helpers.panel import all_vote, settle
    from storage.db import Database
    from storage.models import Case, CaseEvent, Milestone

    settings = await decided_app_settings(db_url, tmp_path, "northshire")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        with referral_from("northshire_hospital"):
            await open_case(app, connector)
        step = next(c for c in connector.cards() if "Step 1 of" in json.dumps(c))
        assert [v for _, v in choices(step, "pathway")] == ["rapid_review", "learning_conversation"]
        voting = await press(
            app, connector, "panel.vote_open", "lee", {"reference": "NSCP-2026-0001"}
        )
        assert [v for _, v in choices(voting, "outcome")] == [
            "rapid_review",
            "learning_conversation",
            "queries",
        ]
        assert choices(voting, "notifiable") == []  # its decisions say it
        await all_vote(app, connector, clock, "learning_conversation", reference="NSCP-2026-0001")
        await settle(app)
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            case = (await s.scalars(select(Case))).one()
            events = {e.event for e in await s.scalars(select(CaseEvent))}
            planned = {m.milestone for m in await s.scalars(select(Milestone))}
    finally:
        await db.dispose()
    assert (case.pathway, case.notifiable) == ("learning_conversation", False)
    assert "local_review_decided" in events  # it starts a local learning review
    assert "local_review_report" in planned
    assert "national_panel_notification" not in planned and "information_request" not in planned


async def test_who_may_act_on_a_milestone_is_the_profiles_not_the_codes(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    """Halton: "the HCYPSP business unit will arrange…": a member of the business unit who is
    not a manager gets the next steps and sends the information request; an agency lead is
    refused in the profile's words, and nothing is sent."""
    from test_stages_http import PROFILES, as_person, cards_in, decide, send, sent_to

    extra = """
[[members]]
name = "Sam Stranger"
email = "sam.stranger@example.org"
agency = "halton_council"
roles = ["business_unit"]
aad_object_id = "00000000-0000-4000-8000-0000000000ff"
"""
    settings = await decided_app_settings(db_url, tmp_path, "halton", extra)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "halton")
        assert PROFILES["halton"]["prefix"] in ref
        await send(app, as_person("stranger", f"case {ref}", connector))
        steps = cards_in(sent_to(connector, "a:1stranger"))
        assert "Ask agencies for information" in json.dumps(steps)
        pick = {"action": "returns.pick", "reference": ref}
        await send(app, as_person("stranger", "", connector, pick))
        picker = cards_in(sent_to(connector, "a:1stranger"))[-1]
        assert "Alex Lead" in json.dumps(picker)
        await send(app, as_person("alex", "", connector, pick))
        refused = json.dumps(sent_to(connector, "a:1alex"))
        assert (
            "Only the HCYPSP business unit or a partnership manager can send information requests."
            in refused
        )
        check_cards([*steps, picker])
