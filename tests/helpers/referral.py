"""A complete, fictional referral and helpers to walk the referral cards over HTTP."""

from __future__ import annotations

from typing import Any

from helpers.activities import message, recorded
from helpers.app import RunningApp
from helpers.connector import FakeConnector
from review.referral import SECTIONS

__all__ = ["FORM", "SECTIONS"]

# Every value here is invented; the distinctive markers let tests scan for leaks.
FORM: dict[str, dict[str, str]] = {
    "pathway": {"pathway": "rapid_review"},
    "referrer": {
        "referrer_name": "Robin Referrer",
        "referrer_email": "robin.referrer@example.org",
        "job_title": "Named Nurse for Safeguarding",
        "agency": "stockport_nhs_ft",
        "agency_other": "",
        "phone": "0161 496 0000",
        "discussed_with": "MARKER-DISCUSSED team manager and designated nurse",
        "lead_name": "Sam Lead",
        "lead_role": "Head of Safeguarding",
        "lead_contact": "sam.lead@example.org",
    },
    "child": {
        "child_name": "MARKER-CHILDNAME Poppy Example",
        "child_location": "MARKER-LOCATION 1 Fictional Row, Northdale",
        "event_date": "2026-11-20",
        "date_of_birth": "2019-03-14",
        "care_leaver": "false",
        "gender": "female",
        "harm_kind": "serious_harm",
        "looked_after": "no",
        "outside_england": "no",
        "disability": "MARKER-DISABILITY none known",
    },
    "family": {
        "family_1_name": "MARKER-FAMILYNAME Jo Example",
        "family_1_dob": "1994-05-02",
        "family_1_relationship": "Mother",
        "family_1_address": "MARKER-FAMILYADDRESS 1 Fictional Row, Northdale",
        "family_2_name": "MARKER-SIBLING Alfie Example",
        "family_2_dob": "2021-08-30",
        "family_2_relationship": "Brother",
        "family_2_address": "",
        **{
            f"family_{n}_{part}": ""
            for n in (3, 4)
            for part in ("name", "dob", "relationship", "address")
        },
    },
    "views": {
        "worked_well": "MARKER-WELL quick information sharing",
        "did_not_work_well": "MARKER-NOTWELL missed health appointments",
        "key_issues": "MARKER-ISSUES neglect and supervision",
        "family_involvement": "MARKER-INVOLVE the mother would like to take part",
    },
}


def find_tokens(node: Any) -> list[str]:
    """Every `token` in a card's action data, in document order."""
    found: list[str] = []
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("token"), str):
            found.append(data["token"])
        for value in node.values():
            found.extend(find_tokens(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(find_tokens(value))
    return found


def last_token(connector: FakeConnector) -> str:
    """The token on the newest referral card sent."""
    for card in reversed(connector.cards()):
        tokens = find_tokens(card)
        if tokens:
            return tokens[0]
    raise AssertionError("no referral card was sent")


async def submit(
    app: RunningApp, connector: FakeConnector, action: str, token: str | None = None, **fields: Any
) -> int:
    """Press a button on the newest referral card (with `fields` as its inputs)."""
    value = {"action": action, "token": token or last_token(connector), **fields}
    resp = await app.post_activity(message("", service_url=connector.url, value=value))
    return resp.status


async def say(app: RunningApp, connector: FakeConnector, text: str) -> int:
    """Type a message in the 1:1 chat."""
    resp = await app.post_activity(message(text, service_url=connector.url))
    return resp.status


async def register_channel(app: RunningApp, connector: FakeConnector) -> int:
    """The demo manager makes the fictional channel the rapid review channel."""
    resp = await app.post_activity(recorded("channel_message", service_url=connector.url))
    return resp.status


async def complete_referral(app: RunningApp, connector: FakeConnector) -> None:
    """Walk every step with FORM and arrive at the summary card."""
    assert await say(app, connector, "refer") == 201
    for section in SECTIONS:
        assert (
            await submit(app, connector, "referral.step", section=section, **FORM[section]) == 201
        )
