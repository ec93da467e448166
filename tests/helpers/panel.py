"""Driving the virtual panel over real HTTP: a case opened, buttons pressed, votes cast."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from helpers.activities import card_invoke
from helpers.app import RunningApp
from helpers.connector import Call, FakeConnector
from helpers.people import VOTERS
from helpers.referral import FORM, complete_referral, register_channel, submit
from storage.db import Database
from storage.models import Case, OutboundMessage

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REF = "SSCP-2026-0001"


class Clock:
    """A controllable clock: each call returns the current setting."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def open_case(
    app: RunningApp, connector: FakeConnector, pathway: str = "rapid_review"
) -> None:
    """Register the channel and submit a referral (its case card is posted)."""
    await register_channel(app, connector)
    await complete_referral_for(app, connector, pathway)
    await submit(app, connector, "referral.submit")


async def complete_referral_for(app: RunningApp, connector: FakeConnector, pathway: str) -> None:
    FORM["pathway"]["pathway"] = pathway
    try:
        await complete_referral(app, connector)
    finally:
        FORM["pathway"]["pathway"] = "rapid_review"


async def case_card_id(db_url: str) -> str:
    db = Database(db_url)
    try:
        async with db.session() as s:
            card_id = await s.scalar(select(Case.channel_activity_id))
            assert card_id
            return card_id
    finally:
        await db.dispose()


async def press(
    app: RunningApp,
    connector: FakeConnector,
    verb: str,
    who: str,
    data: dict[str, Any] | None = None,
    *,
    activity_id: str | None = None,
    card_id: str = "act-1",
) -> dict[str, Any]:
    """Press an Action.Execute button; the HTTP status must be 200 and a card comes back."""
    activity = card_invoke(
        verb,
        {"reference": REF, **(data or {})},
        who=who,
        service_url=connector.url,
        card_activity_id=card_id,
        activity_id=activity_id,
    )
    resp = await app.post_activity(activity)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    return body["value"]


def vote_data(outcome: str, marker: str, round_: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {"outcome": outcome, "rationale": f"RATIONALE-{marker}", "round": round_}
    if outcome == "rapid_review":
        data["serious_harm_basis"] = f"BASIS-{marker}"
    if outcome == "queries":
        data["queries"] = f"QUESTION-{marker}"
    else:
        # Where the panel answers "notifiable?" on its own (Stockport); ignored elsewhere.
        data["notifiable"] = "yes" if outcome == "rapid_review" else "no"
    return data


async def all_vote(
    app: RunningApp,
    connector: FakeConnector,
    clock: Clock,
    outcome: str,
    *,
    reference: str = REF,
    card_id: str = "act-1",
) -> dict[str, Any]:
    """The three partners vote `outcome` in turn, from 11:00 on Monday ten minutes apart (so
    the third vote, which seals an agreement, is at 11:20); the last voter's card."""
    card: dict[str, Any] = {}
    for i, (partner, who) in enumerate(VOTERS.items()):
        clock.now = MONDAY.replace(hour=11, minute=10 * i)
        data = {**vote_data(outcome, partner), "reference": reference}
        card = await press(app, connector, "panel.vote", who, data, card_id=card_id)
    return card


async def count(db_url: str, model: type, *where: Any) -> int:
    db = Database(db_url)
    try:
        async with db.session() as s:
            stmt = select(func.count()).select_from(model)
            for clause in where:
                stmt = stmt.where(clause)
            return int(await s.scalar(stmt) or 0)
    finally:
        await db.dispose()


async def settle(app: RunningApp) -> None:
    from bot.teams.keys import COURIER

    await app.client.app[COURIER].idle()


def updates_of(connector: FakeConnector, activity_id: str) -> list[Call]:
    """The updates (PUT) of one sent activity."""
    return [c for c in connector.calls if c.method == "PUT" and c.activity_id == activity_id]


async def sent_id_of(db_url: str, kind: str) -> str:
    """The activity id Teams gave the outbox's message of that kind."""
    db = Database(db_url)
    try:
        async with db.session() as s:
            found = await s.scalar(
                select(OutboundMessage.sent_activity_id).where(OutboundMessage.kind == kind)
            )
    finally:
        await db.dispose()
    assert found
    return str(found)


def card_of(call: Call) -> dict[str, Any]:
    (attachment,) = call.body["attachments"]
    return dict(attachment["content"])
