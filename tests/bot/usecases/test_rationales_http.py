"""The panel's rationales seen by the people who need them (#25 item 6), over HTTP: a manager's
view of the referral lists each partner's rationale once the panel has decided; a panel member,
the referrer and the referrer's notice never show them."""

from __future__ import annotations

import json

from helpers.app import app_settings, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, Clock, all_vote, open_case, press, settle

HEADING = "The panel's rationales"


async def test_a_manager_sees_each_partners_rationale_and_no_one_else_does(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        before = await press(app, connector, "case.view", "morgan")
        assert HEADING not in json.dumps(before)
        await all_vote(app, connector, clock, "rapid_review")
        await settle(app)
        manager = await press(app, connector, "case.view", "morgan")
        text = json.dumps(manager)
        assert HEADING in text
        for partner, label in (
            ("la", "Local Authority"),
            ("police", "Police"),
            ("health", "Health"),
        ):
            assert f"RATIONALE-{partner}" in text and label in text
        member = await press(app, connector, "case.view", "hana")
        assert HEADING not in json.dumps(member) and "RATIONALE-" not in json.dumps(member)
        referrer = await press(app, connector, "case.view", "robin", {"from_notice": True})
        assert HEADING not in json.dumps(referrer) and "RATIONALE-" not in json.dumps(referrer)
        check_cards([manager, member, referrer])
