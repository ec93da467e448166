"""Encryption at rest through the whole bot (issue 24): a referral typed into the cards and the
panel's votes sent over HTTP leave none of what people typed in the raw database rows."""

from __future__ import annotations

import json

from sqlalchemy import select

from helpers.app import app_settings, running_app
from helpers.connector import FakeConnector
from helpers.keys import raw_tables
from helpers.panel import MONDAY, REF, Clock, all_vote, open_case, settle
from storage.db import Database
from storage.models import PanelQuery, PanelVote, Referral

# What the referral (helpers.referral.FORM) and the votes (helpers.panel.vote_data) say.
TYPED = ("MARKER-", "RATIONALE-", "QUESTION-")


async def test_a_referral_and_the_panels_votes_over_http_are_sealed_at_rest(
    roster_db: str, connector: FakeConnector
) -> None:
    clock = Clock(MONDAY)
    async with running_app(app_settings(roster_db), clock=clock) as app:
        await open_case(app, connector)
        await all_vote(app, connector, clock, "queries")
        await settle(app)

    db = Database(roster_db)
    try:
        async with db.session() as s:
            form = await s.scalar(select(Referral.form))
            rationales = set((await s.scalars(select(PanelVote.rationale))).all())
            questions = await s.scalar(select(PanelQuery.questions))
    finally:
        await db.dispose()
    assert form["views"]["key_issues"] == "MARKER-ISSUES neglect and supervision"
    assert len(rationales) == 3 and all(r.startswith("RATIONALE-") for r in rationales)
    assert questions and "QUESTION-" in questions

    tables = await raw_tables(roster_db)
    assert REF in tables["case"] and "enc:v1:" in tables["panel_vote"]
    # Every table, the conversation state too: the draft it held (in plain, README
    # "Encryption at rest") is gone once the referral is submitted.
    leaks = {t: [word for word in TYPED if word in rows] for t, rows in tables.items()}
    assert {t: words for t, words in leaks.items() if words} == {}


async def test_a_referral_draft_not_yet_sent_is_sealed_in_the_conversation_state(
    roster_db: str, connector: FakeConnector
) -> None:
    """A referral half-filled lives in the bot's conversation state until it is sent: its
    answers are sealed there like the form's."""
    from helpers.referral import FORM, say, submit

    async with running_app(app_settings(roster_db), clock=Clock(MONDAY)) as app:
        await say(app, connector, "refer")
        for section in ("pathway", "referrer", "child"):
            await submit(app, connector, "referral.step", section=section, **FORM[section])
        await say(app, connector, "continue")  # the draft is read back and shown again
        shown = json.dumps(connector.cards()[-1])
    assert FORM["child"]["child_name"] not in shown  # the family step now, nothing lost
    tables = await raw_tables(roster_db)
    assert "enc:v1:" in tables["bot_state"]
    for marker in (FORM["child"]["child_name"], FORM["referrer"]["discussed_with"]):
        assert marker not in tables["bot_state"], marker
