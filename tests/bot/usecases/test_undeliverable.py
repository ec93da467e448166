"""Never "sent" when it was not: a person Teams cannot reach (no Entra id on the roster yet, or
Teams refusing their 1:1 with 403 or 404) ends undeliverable, not cancelled and not retried
forever; the manager who asked is told at once with the request as a Word document to send by
secure email; the case shows it not delivered; and when the person messages the bot what
waited for them goes out once. A 500 is retried as before. Over real HTTP, on SQLite and
PostgreSQL, with nothing identifying in the logs or the file names."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from test_stages_http import (
    ALEX,
    CHILD_IDENTIFIERS,
    MONDAY,
    accept,
    as_person,
    ask,
    cards_in,
    consents_in,
    decide,
    decided_app_settings,
    rows,
    send,
)

from bot.teams.keys import COURIER
from helpers.activities import message
from helpers.app import RunningApp, running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, settle
from helpers.people import PEOPLE
from helpers.referral import FORM
from storage.models import AuditEvent, InformationRequest, Member, OutboundMessage, SharedFile

# A second police lead on the roster by email only: no Entra id until they message the bot.
SAM = {
    "id": "29:1sam-lead-fictional",
    "name": "Sam Lead",
    "aadObjectId": "00000000-0000-4000-8000-000000000020",
    "email": "sam.lead@example.org",
}
SAM_ROSTER = """
[[members]]
name = "Sam Lead"
email = "sam.lead@example.org"
agency = "gmp"
roles = ["agency_lead"]
"""
# Nothing that names a person not reached may reach a log line or a file name.
PERSONAL = ("Sam Lead", "sam.lead@example.org", "Alex Lead", "alex.lead@example.org")
REQUEST_COPY = "SSCP-2026-0001-information-request-gmp.docx"


def from_sam(text: str, connector: FakeConnector) -> dict[str, Any]:
    """A 1:1 message from Sam, in Sam's own chat."""
    activity = message(text, service_url=connector.url)
    activity["from"] = {"id": SAM["id"], "name": SAM["name"], "aadObjectId": SAM["aadObjectId"]}
    activity["conversation"]["id"] = "a:1sam-personal-fictional"
    return activity


def chat(connector: FakeConnector, who: str) -> list[dict[str, Any]]:
    """Everything sent to a person's 1:1: the chat they wrote from, or the one the bot opened."""
    person = {"sam": SAM, "alex": ALEX}.get(who) or PEOPLE[who]
    opened = connector.personal_chats.get(person["aadObjectId"], "\0")
    return [
        c.body
        for c in connector.sent()
        if isinstance(c.body, dict)
        and (c.conversation_id.startswith(f"a:1{who}") or c.conversation_id == opened)
    ]


def shown(value: Any) -> str:
    """A card or message as the JSON text Teams gets, non-ASCII kept as it is."""
    return json.dumps(value, ensure_ascii=False)


def texts(bodies: list[dict[str, Any]]) -> str:
    return "\n".join(b.get("text") or "" for b in bodies)


def notices(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in cards_in(bodies) if "Not delivered in Teams — " in shown(c)]


def requests_to(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in cards_in(bodies) if "Rapid Review information request" in shown(c)]


def tries_to_reach(connector: FakeConnector, alex_chat: str) -> list[Any]:
    """Every call that tried to reach Alex: opening a chat with him, or posting to his."""
    return [
        c
        for c in connector.calls
        if c.conversation_id == alex_chat
        or (c.path == "/v3/conversations" and ALEX["aadObjectId"] in shown(c.body))
    ]


async def request_rows(db_url: str) -> list[OutboundMessage]:
    return await rows(db_url, OutboundMessage, OutboundMessage.kind == "information_request")


async def lead_id(db_url: str, email: str) -> int:
    (member,) = await rows(db_url, Member, Member.email == email)
    return int(member.id)


async def health(app: RunningApp) -> dict[str, Any]:
    return dict((await (await app.client.get("/healthz")).json())["outbox"])


async def timeline(app: RunningApp, connector: FakeConnector, ref: str) -> dict[str, Any]:
    await send(app, as_person("morgan", f"case {ref}", connector))
    return next(c for c in reversed(cards_in(chat(connector, "morgan"))) if "Timeline" in str(c))


def assert_nothing_identifying(caplog: pytest.LogCaptureFixture) -> None:
    """No log line, nor any value logged with it, names a person or the child (and the
    undeliverable message was logged, by its outbox and member ids)."""
    assert any(r.getMessage() == "outbox message undeliverable" for r in caplog.records)
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.__dict__}"
        for marker in (*PERSONAL, *CHILD_IDENTIFIERS, FORM["child"]["child_name"]):
            assert marker not in logged, (marker, record.getMessage())


async def assert_file_names_safe(db_url: str, connector: FakeConnector) -> None:
    names = [f.name for f in await rows(db_url, SharedFile)]
    names += [c["name"] for c in consents_in([c.body for c in connector.sent()])]
    assert names
    for name in names:
        assert name.startswith("SSCP-2026-0001"), name
        for marker in (*PERSONAL, *CHILD_IDENTIFIERS, "Poppy", "Example", "sam", "alex"):
            assert marker.lower() not in name.lower(), name


async def test_a_lead_with_no_entra_id_is_not_reached_the_manager_gets_the_word_copy_and_the_lead_gets_it_once_they_write(  # noqa: E501
    db_url: str, connector: FakeConnector, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = await decided_app_settings(db_url, tmp_path, "stockport", SAM_ROSTER)
    connector.members[SAM["id"]] = dict(SAM, userPrincipalName=SAM["email"])
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        await ask(app, connector, ref, "gmp")

        # The manager is not told "Sent" for Sam: who was asked, who is not reached yet.
        said = texts(chat(connector, "morgan"))
        assert f"Asked Greater Manchester Police for the information request for {ref}" in said
        assert "On its way to Alex Lead (Greater Manchester Police)" in said
        assert (
            "Not reached yet: Sam Lead (Greater Manchester Police) has no Microsoft Entra id"
            in (said)
        )
        assert "Sent the information request" not in said
        assert "secure email" in said

        # Alex got the request; Sam's row ends undeliverable, not cancelled, with no name in it.
        sam_id = await lead_id(db_url, SAM["email"])
        by_lead = {r.stage.split(":")[1]: r for r in await request_rows(db_url)}
        sam_row, alex_row = by_lead[str(sam_id)], by_lead[str(await lead_id(db_url, ALEX["email"]))]
        assert alex_row.status == "sent"
        assert sam_row.status == "undeliverable"
        assert sam_row.last_error == f"undeliverable member={sam_id} reason=no_entra_id"
        assert len(requests_to(chat(connector, "alex"))) == 1

        # Morgan (who asked) is told at once in 1:1, with the request as a Word document.
        morgan = chat(connector, "morgan")
        (notice,) = notices(morgan)
        told = shown(notice)
        for words in (ref, "Sam Lead", "Greater Manchester Police", "The information request"):
            assert words in told, words
        assert "no Microsoft Entra id on the roster yet" in told
        assert REQUEST_COPY in told
        (copy,) = [c for c in consents_in(morgan) if c["name"] == REQUEST_COPY]
        document = docx.Document(io.BytesIO(await accept(app, connector, "morgan", copy)))
        text = "\n".join(p.text for p in document.paragraphs)
        assert f"Rapid Review information request — {ref}" in text
        assert "For Greater Manchester Police: please return it by" in text
        assert "The period under review: Sat 1 Nov 2025 to Fri 20 Nov 2026" in text
        assert "Has your agency had any contact with the child" in text
        assert "Poppy" not in text and "MARKER" not in text
        # Nobody else was told, and the channel never hears a name.
        for who in ("lee", "pat", "hana", "robin", "alex"):
            assert not notices(chat(connector, who)), who
        assert "Sam Lead" not in shown(
            [c.body for c in connector.sent() if c.conversation_id.startswith("19:")]
        )

        # The case shows it not delivered, and /healthz counts it.
        card = await timeline(app, connector, ref)
        assert "Not delivered in Teams" in shown(card)
        assert (
            "Sam Lead (Greater Manchester Police): the information request — no Entra id yet"
            in shown(card)
        )
        assert (await health(app))["undeliverable"] == 1
        check_cards([notice, card])

        # Sam writes to the bot: the Entra id is recorded and the request goes out, once.
        await send(app, from_sam("hello", connector))
        sam = chat(connector, "sam")
        assert "1 message that could not reach you in Teams before" in texts(sam)
        (request,) = requests_to(sam)
        assert "Greater Manchester Police" in shown(request)
        check_cards([request])
        # More messages (two at once, and one redelivered) send nothing again.
        again = from_sam("help", connector)
        await asyncio.gather(
            app.post_activity(again), app.post_activity(from_sam("cases", connector))
        )
        await app.post_activity(again)
        await settle(app)
        assert len(requests_to(chat(connector, "sam"))) == 1
        assert len(notices(chat(connector, "morgan"))) == 1
        card = await timeline(app, connector, ref)
        assert "Not delivered in Teams" not in shown(card)
        assert (await health(app))["undeliverable"] == 0

    (member,) = await rows(db_url, Member, Member.id == sam_id)
    assert member.aad_object_id == SAM["aadObjectId"]
    (sam_row,) = [r for r in await request_rows(db_url) if r.stage.endswith(f":{sam_id}")]
    assert sam_row.status == "sent" and not sam_row.resent
    audits = {a.action: a for a in await rows(db_url, AuditEvent)}
    assert audits["outbox.undeliverable"].detail == {
        "outbox_id": sam_row.id,
        "kind": "information_request",
        "member_id": sam_id,
        "reason": "no_entra_id",
        "told_member_ids": [await lead_id(db_url, "morgan.manager@example.org")],
    }
    assert audits["roster.entra_id_recorded"].detail["member_id"] == sam_id
    sent_again = await rows(db_url, AuditEvent, AuditEvent.action == "outbox.sent_again")
    assert [a.detail for a in sent_again] == [{"member_id": sam_id, "outbox_ids": [sam_row.id]}]
    (token_of_sam,) = await rows(db_url, InformationRequest)
    assert token_of_sam.agency == "gmp"
    assert_nothing_identifying(caplog)
    await assert_file_names_safe(db_url, connector)


@pytest.mark.parametrize(
    ("where", "status", "reason", "words"),
    [
        ("opening the chat", 403, "teams_refused_403", "Teams refused a chat with them (403)"),
        ("opening the chat", 404, "not_found_404", "Teams could not find them (404)"),
        ("posting to the chat", 403, "teams_refused_403", "Teams refused a chat with them (403)"),
        ("posting to the chat", 404, "not_found_404", "Teams could not find them (404)"),
    ],
)
async def test_a_lead_whose_chat_teams_refuses_is_not_reached_and_gets_it_once_they_write(
    db_url: str,
    connector: FakeConnector,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    where: str,
    status: int,
    reason: str,
    words: str,
) -> None:
    caplog.set_level(logging.INFO)
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    alex_chat = "a:1alex-personal-fictional"
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        if where == "opening the chat":
            connector.refuse_members[ALEX["aadObjectId"]] = status
        else:
            await send(app, as_person("alex", "hello", connector))  # the bot knows his chat
            connector.refuse_conversations[alex_chat] = status
        await ask(app, connector, ref, "gmp")

        (row,) = await request_rows(db_url)
        alex_id = await lead_id(db_url, ALEX["email"])
        assert row.status == "undeliverable"
        assert row.last_error == f"undeliverable member={alex_id} reason={reason}"
        attempts = tries_to_reach(connector, alex_chat)
        # Tried once, never again by itself.
        for _ in range(3):
            clock.now += timedelta(hours=1)
            await app.client.app[COURIER].deliver()
            await settle(app)
        assert (await request_rows(db_url))[0].status == "undeliverable"
        again = tries_to_reach(connector, alex_chat)
        assert len(again) == len(attempts)

        morgan = chat(connector, "morgan")
        (notice,) = notices(morgan)
        assert words in shown(notice) and "Alex Lead" in shown(notice)
        assert [c["name"] for c in consents_in(morgan)] == [REQUEST_COPY]
        card = await timeline(app, connector, ref)
        brief = "Teams refused the chat" if status == 403 else "not found in Teams"
        assert f"Alex Lead (Greater Manchester Police): the information request — {brief}" in (
            shown(card)
        )
        check_cards([notice, card])

        # Teams lets him in again; he writes, and gets the request once (the refused post
        # was recorded by the connector, never shown to him).
        refused = len(requests_to(chat(connector, "alex")))
        assert refused == (1 if where == "posting to the chat" else 0)
        connector.refuse_members.clear()
        connector.refuse_conversations.clear()
        await send(app, as_person("alex", "hello again", connector))
        await send(app, as_person("alex", "help", connector))
        assert len(requests_to(chat(connector, "alex"))) == refused + 1
    (row,) = await request_rows(db_url)
    assert row.status == "sent"
    assert_nothing_identifying(caplog)


@pytest.mark.parametrize("where", ["opening the chat", "posting to the chat"])
async def test_a_500_is_retried_not_undeliverable(
    db_url: str, connector: FakeConnector, tmp_path: Path, where: str
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    alex_chat = "a:1alex-personal-fictional"
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        if where == "opening the chat":
            connector.refuse_members[ALEX["aadObjectId"]] = 500
        else:
            await send(app, as_person("alex", "hello", connector))
            connector.refuse_conversations[alex_chat] = 500
        await ask(app, connector, ref, "gmp")
        (row,) = await request_rows(db_url)
        assert row.status == "pending" and row.attempts == 1
        assert row.send_after > clock.now
        assert not notices(chat(connector, "morgan"))
        refused = len(requests_to(chat(connector, "alex")))
        connector.refuse_members.clear()
        connector.refuse_conversations.clear()
        clock.now += timedelta(minutes=10)
        await app.client.app[COURIER].deliver()
        await settle(app)
        assert len(requests_to(chat(connector, "alex"))) == refused + 1
        assert not notices(chat(connector, "morgan"))
        assert (await health(app))["undeliverable"] == 0
    (row,) = await request_rows(db_url)
    assert row.status == "sent" and row.attempts == 2


async def test_an_invitation_for_a_lead_with_no_entra_id_waits_for_them_and_the_manager_gets_it(
    db_url: str, connector: FakeConnector, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = await decided_app_settings(db_url, tmp_path, "stockport", SAM_ROSTER)
    connector.members[SAM["id"]] = dict(SAM, userPrincipalName=SAM["email"])
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        await ask(app, connector, ref, "gmp")
        value = {
            "action": "meeting.propose",
            "reference": ref,
            "meeting_date": "2026-12-04",
            "meeting_time": "10:00",
            "location": "Teams",
            "duration_minutes": "90",
        }
        await send(app, as_person("morgan", "", connector, value))
        morgan = chat(connector, "morgan")
        assert "1 person invited has no Microsoft Entra id on the roster yet" in texts(morgan)
        # Told about Sam's request and Sam's invitation; a copy of each to send by email.
        assert len(notices(morgan)) == 2
        invitation = next(c for c in notices(morgan) if "meeting.ics" in shown(c))
        assert "Sam Lead" in shown(invitation)
        names = [c["name"] for c in consents_in(morgan)]
        assert REQUEST_COPY in names and f"{ref}-meeting.ics" in names
        # Nobody can accept Sam's invitation while it waits for him.
        (waiting,) = [
            f
            for f in await rows(db_url, SharedFile)
            if f.recipient_aad_object_id.startswith("member:")
        ]
        assert waiting.name == f"{ref}-meeting.ics"

        # Sam writes: both go to him once, and the invitation is his to accept.
        await send(app, from_sam("hello", connector))
        await send(app, from_sam("hello", connector))
        sam = chat(connector, "sam")
        assert "2 messages that could not reach you in Teams before" in texts(sam)
        assert len(requests_to(sam)) == 1
        (offer,) = consents_in(sam)
        assert offer["name"] == f"{ref}-meeting.ics"
        activity = from_sam("", connector)
        activity.update(
            type="invoke",
            name="fileConsent/invoke",
            value={
                "type": "fileUpload",
                "action": "accept",
                "context": offer["content"]["acceptContext"],
                "uploadInfo": {
                    "name": offer["name"],
                    "uploadUrl": connector.upload_url("invite.ics"),
                    "contentUrl": "https://contoso.sharepoint.com/personal/invite.ics",
                    "uniqueId": "unique-invite",
                    "fileType": "ics",
                },
            },
        )
        activity.pop("text", None)
        before = len(connector.uploads)
        assert (await app.post_activity(activity)).status == 200
        assert len(connector.uploads) == before + 1
        assert b"BEGIN:VCALENDAR" in connector.uploads[-1].body
        check_cards(notices(morgan))
    assert_nothing_identifying(caplog)
    await assert_file_names_safe(db_url, connector)
