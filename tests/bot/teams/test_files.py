"""Files in 1:1 chats over real HTTP: the consent card out, the upload on accept, a CSV in.

The fake connector stands in for both the Bot Connector and OneDrive (upload session and
download URL) on loopback; 127.0.0.1 is added to the file hosts, `localhost` is not, so a
URL naming `localhost` reaches the same fake server but must never be fetched.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import FILE_HOSTS, Settings, host_matches
from bot.teams.files import FileRefused, download_attachment
from bot.teams.keys import CONTEXT, COURIER, REMINDERS
from bot.usecases.files import OFFER_KEPT, UPLOAD_CLAIM_EXPIRES
from helpers.activities import message, recorded
from helpers.app import RunningApp, app_settings, running_app
from helpers.connector import FakeConnector
from helpers.people import PEOPLE, account
from helpers.referral import register_channel
from storage import files as files_repo
from storage import repositories as repo
from storage.db import Database
from storage.models import AuditEvent, ConversationRef, OutboundMessage, SharedFile

# 23:30 UTC on 1 June is 00:30 on 2 June in London (BST): the outbox row's date is London's.
NOW = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
ROBIN_CHAT = "a:1robin-personal-fictional"
REPORT = b"PK\x03\x04 fictional rapid review report \x00\xff" * 3
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def settings(db_url: str) -> Settings:
    """Test settings: OneDrive's hosts plus the fake's 127.0.0.1."""
    return app_settings(db_url, file_hosts=(*FILE_HOSTS, "127.0.0.1"))


async def offer(
    db_url: str, who: str, content: bytes = REPORT, name: str = "report.docx", at: datetime = NOW
) -> int:
    """Offer a file to a demo person, as a use case would; the file's id."""
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            partnership = await repo.get_partnership(s, "stockport")
            shared = await files_repo.offer_file(
                s,
                partnership_id=partnership.id,
                case_id=None,
                recipient_aad_object_id=PEOPLE[who]["aadObjectId"],
                name=name,
                description="The Rapid Review report for SSCP-2026-0001",
                content_type="application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document",
                content=content,
                now=at,
            )
            return shared.id
    finally:
        await db.dispose()


async def stored(db_url: str, model: type, *where: Any) -> list[Any]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            stmt = select(model)
            for clause in where:
                stmt = stmt.where(clause)
            return list(await s.scalars(stmt))
    finally:
        await db.dispose()


async def deliver(app: RunningApp) -> int:
    return await app.client.app[COURIER].deliver()


def consent_invoke(
    who: str,
    action: str,
    file_id: int,
    *,
    upload_url: str,
    service_url: str,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """The invoke Teams sends when `who` presses Allow or Decline on a consent card."""
    activity = recorded("personal_message", service_url=service_url)
    activity.pop("text")
    activity.pop("textFormat")
    activity.update(type="invoke", name="fileConsent/invoke", replyToId="act-consent")
    activity["from"] = account(who)
    if who != "robin":
        activity["conversation"]["id"] = f"a:1{who}-personal-fictional"
    value: dict[str, Any] = {"type": "fileUpload", "action": action}
    value["context"] = {"file_id": file_id}
    if action == "accept":
        value["uploadInfo"] = {
            "contentUrl": "https://contoso-my.sharepoint.com/personal/robin/Documents/"
            "Applications/Rapid Review/report.docx",
            "name": "report.docx",
            "uploadUrl": upload_url,
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": "docx",
        }
    activity["value"] = value
    if activity_id is not None:
        activity["id"] = activity_id
    return activity


async def answer(app: RunningApp, activity: dict[str, Any]) -> None:
    resp = await app.post_activity(activity)
    assert resp.status == 200, await resp.text()


async def robin_says_hello(app: RunningApp, connector: FakeConnector) -> None:
    """Robin writes in 1:1, so the bot knows that chat."""
    assert (await app.post_activity(message("help", service_url=connector.url))).status == 201


def attachments_to(connector: FakeConnector, chat: str, content_type: str) -> list[dict[str, Any]]:
    return [
        att
        for call in connector.sent()
        if call.conversation_id == chat
        for att in (call.body or {}).get("attachments") or []
        if att.get("contentType") == content_type
    ]


def texts_to(connector: FakeConnector, chat: str) -> list[str]:
    return [
        call.body.get("text") or ""
        for call in connector.sent()
        if call.conversation_id == chat and isinstance(call.body, dict)
    ]


def creates(connector: FakeConnector) -> list[Any]:
    return [c for c in connector.calls if c.method == "POST" and c.path == "/v3/conversations"]


# --- the consent card ------------------------------------------------------------------


async def test_the_consent_card_goes_to_the_recipients_known_chat(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        assert await deliver(app) == 1
        assert await deliver(app) == 0  # sent once
        (card,) = attachments_to(connector, ROBIN_CHAT, CONSENT)
    assert card["name"] == "report.docx"
    assert card["content"]["sizeInBytes"] == len(REPORT)
    assert card["content"]["description"] == "The Rapid Review report for SSCP-2026-0001"
    assert card["content"]["acceptContext"] == {"file_id": file_id}
    assert card["content"]["declineContext"] == {"file_id": file_id}
    assert not creates(connector)
    (row,) = await stored(roster_db, OutboundMessage, OutboundMessage.kind == "file_offer")
    assert (row.milestone, row.stage, row.due_on) == ("file", str(file_id), date(2026, 6, 2))
    assert row.status == "sent"
    # The bytes never travel on the card; they wait in the database until accepted.
    assert "fictional rapid review report" not in json.dumps([c.body for c in connector.calls])


async def test_without_a_stored_chat_one_is_created_then_reused(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        assert await register_channel(app, connector) == 201
        first = await offer(roster_db, "lee")
        assert await deliver(app) == 1
        (create,) = creates(connector)
        assert create.body["members"] == [{"id": PEOPLE["lee"]["aadObjectId"]}]
        assert create.body["isGroup"] is False
        tenant = "00000000-0000-4000-8000-0000000000aa"  # the channel's
        assert create.body["channelData"] == {"tenant": {"id": tenant}}
        chat = connector.personal_chats[PEOPLE["lee"]["aadObjectId"]]
        second = await offer(roster_db, "lee", name="invitation.ics")
        assert await deliver(app) == 1
        assert len(creates(connector)) == 1  # the stored chat was reused
        cards = attachments_to(connector, chat, CONSENT)
    assert [c["content"]["acceptContext"]["file_id"] for c in cards] == [first, second]
    (ref,) = await stored(
        roster_db, ConversationRef, ConversationRef.key == PEOPLE["lee"]["aadObjectId"]
    )
    assert (ref.kind, ref.conversation_id, ref.service_url) == ("personal", chat, connector.url)


async def test_without_a_channel_or_a_stored_chat_the_offer_waits(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await offer(roster_db, "hana")
        assert await deliver(app) == 0
    assert not creates(connector) and not connector.sent()
    (row,) = await stored(roster_db, OutboundMessage, OutboundMessage.kind == "file_offer")
    assert row.status == "pending" and "no channel" in (row.last_error or "")


# --- the answer ------------------------------------------------------------------------


async def test_accept_uploads_exactly_the_bytes_and_shows_the_file(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        await answer(
            app, consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        )
        (upload,) = connector.uploads
        (info,) = attachments_to(connector, ROBIN_CHAT, FILE_INFO)
    size = len(REPORT)
    assert upload.method == "PUT" and upload.path == "/onedrive/upload/report.docx"
    assert upload.body == REPORT
    assert upload.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert upload.headers["Content-Length"] == str(size)
    assert info["name"] == "report.docx"
    assert info["contentUrl"].endswith("/Rapid Review/report.docx")
    assert info["content"] == {
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
        "fileType": "docx",
    }
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == "accepted" and shared.content is None
    assert shared.answered_at == NOW
    (event,) = await stored(roster_db, AuditEvent, AuditEvent.action == "file.accepted")
    assert event.outcome == "ok" and event.actor == PEOPLE["robin"]["aadObjectId"]
    assert event.detail == {"file_id": file_id, "name": "report.docx"}


async def test_a_second_accept_does_not_upload_again(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        first = consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        await answer(app, first)
        await answer(app, first)  # Teams redelivers the same invoke
        again = consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        await answer(app, again)  # or a new one arrives for the same card
        assert len(connector.uploads) == 1
        assert "already in your OneDrive" in texts_to(connector, ROBIN_CHAT)[-1]
    assert len(await stored(roster_db, AuditEvent, AuditEvent.action == "file.accepted")) == 1


async def test_two_accepts_at_once_upload_once_and_a_decline_meanwhile_changes_nothing(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        connector.upload_gate = asyncio.Event()  # OneDrive holds the first upload
        first = asyncio.create_task(
            answer(
                app,
                consent_invoke(
                    "robin", "accept", file_id, upload_url=url, activity_id="a-1", **svc(connector)
                ),
            )
        )
        await connector.wait_for_uploads(1)
        # A second press of Allow (another device), then Decline, while the first uploads.
        await answer(
            app,
            consent_invoke(
                "robin", "accept", file_id, upload_url=url, activity_id="a-2", **svc(connector)
            ),
        )
        assert "being put in your OneDrive now" in texts_to(connector, ROBIN_CHAT)[-1]
        await answer(
            app,
            consent_invoke("robin", "decline", file_id, upload_url=url, **svc(connector)),
        )
        assert "being put in your OneDrive now" in texts_to(connector, ROBIN_CHAT)[-1]
        (shared,) = await stored(roster_db, SharedFile)
        assert shared.status == "uploading" and shared.content == REPORT
        connector.upload_gate.set()
        await asyncio.wait_for(first, 10)
        assert len(connector.uploads) == 1
        assert len(attachments_to(connector, ROBIN_CHAT, FILE_INFO)) == 1
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == "accepted" and shared.content is None
    events = await stored(roster_db, AuditEvent, AuditEvent.action.like("file.%"))
    assert [(e.action, e.outcome) for e in events] == [("file.accepted", "ok")]


@pytest.mark.parametrize(
    ("claimed_ago", "uploads"),
    [
        (UPLOAD_CLAIM_EXPIRES + timedelta(seconds=1), 1),  # left by a stopped process
        (timedelta(minutes=1), 0),  # an upload that may still be running
    ],
)
async def test_a_claim_left_by_a_stopped_upload_is_taken_over_once_stale(
    roster_db: str, connector: FakeConnector, claimed_ago: timedelta, uploads: int
) -> None:
    file_id = await offer(roster_db, "robin")
    db = Database(roster_db)
    try:
        async with db.session() as s, s.begin():
            shared = await s.get(SharedFile, file_id)
            assert shared is not None
            shared.status, shared.answered_at = "uploading", NOW - claimed_ago
    finally:
        await db.dispose()
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        url = connector.upload_url("report.docx")
        await answer(
            app, consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        )
    assert len(connector.uploads) == uploads
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == ("accepted" if uploads else "uploading")


async def test_an_offer_not_answered_in_time_loses_its_bytes_once_audited(
    roster_db: str, connector: FakeConnector
) -> None:
    too_old = NOW - OFFER_KEPT - timedelta(minutes=1)
    old = await offer(roster_db, "robin", at=too_old)
    declined = await offer(roster_db, "robin", at=too_old)
    recent = await offer(roster_db, "robin", at=NOW - OFFER_KEPT + timedelta(hours=1))
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        url = connector.upload_url("report.docx")
        await answer(
            app, consent_invoke("robin", "decline", declined, upload_url=url, **svc(connector))
        )
        reminders = app.client.app[REMINDERS]
        await reminders.sweep()  # the day's first sweep expires what is too old
        await reminders.sweep()  # and the next one has nothing more to do
        await answer(app, consent_invoke("robin", "accept", old, upload_url=url, **svc(connector)))
        assert "no longer on offer" in texts_to(connector, ROBIN_CHAT)[-1]
        assert "30 days" in texts_to(connector, ROBIN_CHAT)[-1]
        assert not connector.uploads
    files = {f.id: f for f in await stored(roster_db, SharedFile)}
    assert (files[old].status, files[old].content, files[old].answered_at) == ("expired", None, NOW)
    assert files[declined].status == "declined"
    assert files[recent].status == "offered" and files[recent].content == REPORT
    (event,) = await stored(roster_db, AuditEvent, AuditEvent.action == "file.expired")
    assert event.actor is None and event.detail == {"file_id": old, "name": "report.docx"}


async def test_someone_elses_accept_is_refused_audited_and_uploads_nothing(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        await answer(
            app, consent_invoke("pat", "accept", file_id, upload_url=url, **svc(connector))
        )
        await answer(
            app, consent_invoke("pat", "decline", file_id, upload_url=url, **svc(connector))
        )
        assert "offered to someone else" in texts_to(connector, "a:1pat-personal-fictional")[-1]
    assert connector.uploads == []
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == "offered" and shared.content == REPORT
    refused = await stored(roster_db, AuditEvent, AuditEvent.outcome == "refused")
    assert {(e.action, e.actor) for e in refused} == {
        ("file.accepted", PEOPLE["pat"]["aadObjectId"]),
        ("file.declined", PEOPLE["pat"]["aadObjectId"]),
    }


async def test_decline_records_it_and_says_how_to_get_the_file_again(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        await answer(
            app, consent_invoke("robin", "decline", file_id, upload_url=url, **svc(connector))
        )
        said = texts_to(connector, ROBIN_CHAT)[-1]
        assert "report.docx was not sent" in said
        assert "Ask for it again from the case when you want it." in said
        # A late Allow on the declined card uploads nothing.
        await answer(
            app, consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        )
        assert "declined report.docx earlier" in texts_to(connector, ROBIN_CHAT)[-1]
    assert connector.uploads == []
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == "declined" and shared.answered_at == NOW
    assert shared.content is None  # the bytes do not stay once answered
    (event,) = await stored(roster_db, AuditEvent, AuditEvent.action == "file.declined")
    assert event.outcome == "ok" and event.detail["file_id"] == file_id


async def test_an_upload_url_off_the_allow_list_is_refused_and_never_fetched(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        for url in (
            connector.upload_url("report.docx", host="localhost"),  # reaches the fake
            f"https://127.0.0.1:{connector.server.port}@localhost:{connector.server.port}/x",
            "ftp://contoso-my.sharepoint.com/upload",
        ):
            invoke = consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
            await answer(app, invoke)
            assert "did not point to OneDrive" in texts_to(connector, ROBIN_CHAT)[-1]
    assert connector.uploads == []
    (shared,) = await stored(roster_db, SharedFile)
    assert shared.status == "offered" and shared.content == REPORT
    events = await stored(roster_db, AuditEvent, AuditEvent.action == "file.accepted")
    assert [e.outcome for e in events] == ["refused"] * 3
    assert "localhost" not in json.dumps([e.detail for e in events])  # URLs are not audited


async def test_a_failed_upload_leaves_the_file_offered_and_can_be_retried(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        await robin_says_hello(app, connector)
        file_id = await offer(roster_db, "robin")
        await deliver(app)
        url = connector.upload_url("report.docx")
        connector.upload_status = 500
        await answer(
            app, consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        )
        assert "could not put report.docx in your OneDrive" in texts_to(connector, ROBIN_CHAT)[-1]
        (shared,) = await stored(roster_db, SharedFile)
        assert shared.status == "offered" and shared.content == REPORT
        connector.upload_status = 201
        await answer(
            app, consent_invoke("robin", "accept", file_id, upload_url=url, **svc(connector))
        )
        assert attachments_to(connector, ROBIN_CHAT, FILE_INFO)
    events = await stored(roster_db, AuditEvent, AuditEvent.action == "file.accepted")
    assert [(e.outcome, e.detail.get("status")) for e in events] == [("failed", 500), ("ok", None)]
    assert [u.body for u in connector.uploads] == [REPORT, REPORT]


def svc(connector: FakeConnector) -> dict[str, str]:
    return {"service_url": connector.url}


# --- a file sent to the bot ----------------------------------------------------------------

CHRONOLOGY = b"date,agency,event\n2026-05-01,Health,Missed appointment (fictional)\n"


def sent_file(url: str, name: str = "chronology.csv", file_type: str = "csv") -> dict[str, Any]:
    """The attachment Teams puts on a message when a person sends a file in 1:1."""
    return {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "contentUrl": f"https://contoso-my.sharepoint.com/personal/robin/Documents/{name}",
        "name": name,
        "content": {
            "downloadUrl": url,
            "uniqueId": "70D29F4A-05B7-434A-B7E6-B651FBFEF508",
            "fileType": file_type,
        },
    }


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_csv_sent_in_chat_is_downloaded(
    roster_db: str, connector: FakeConnector, chunked: bool
) -> None:
    connector.files["chronology.csv"] = CHRONOLOGY
    connector.chunked_downloads = chunked
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        context = app.client.app[CONTEXT]
        got = await download_attachment(
            context, sent_file(connector.download_url("chronology.csv"))
        )
    assert got == ("chronology.csv", CHRONOLOGY)
    assert len(connector.downloads) == 1


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_file_over_2_mb_is_refused(
    roster_db: str, connector: FakeConnector, chunked: bool
) -> None:
    connector.files["big.csv"] = b"x" * (2 * 1024 * 1024 + 1)
    connector.chunked_downloads = chunked
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        context = app.client.app[CONTEXT]
        with pytest.raises(FileRefused, match="larger than 2 MB"):
            await download_attachment(
                context, sent_file(connector.download_url("big.csv"), "big.csv")
            )
        connector.files["fits.csv"] = b"x" * (2 * 1024 * 1024)
        name, data = await download_attachment(
            context, sent_file(connector.download_url("fits.csv"), "fits.csv")
        )
    assert name == "fits.csv" and len(data) == 2 * 1024 * 1024


async def test_files_that_are_not_csv_or_off_the_hosts_are_refused_unfetched(
    roster_db: str, connector: FakeConnector
) -> None:
    connector.files["chronology.csv"] = CHRONOLOGY
    connector.files["chronology.pdf"] = b"%PDF-1.7"
    async with running_app(settings(roster_db), clock=lambda: NOW) as app:
        context = app.client.app[CONTEXT]
        pdf = sent_file(connector.download_url("chronology.pdf"), "chronology.pdf", "pdf")
        with pytest.raises(FileRefused, match=r"Excel workbook \(.xlsx\) or a CSV file"):
            await download_attachment(context, pdf)
        off_list = sent_file(connector.download_url("chronology.csv", host="localhost"))
        with pytest.raises(FileRefused, match="not stored where Teams keeps chat files"):
            await download_attachment(context, off_list)
        not_a_file = dict(sent_file(connector.download_url("chronology.csv")))
        not_a_file["contentType"] = "text/html"
        with pytest.raises(FileRefused, match="not a file I can read"):
            await download_attachment(context, not_a_file)
        connector.files.pop("chronology.csv")
        assert connector.downloads == []  # nothing above was fetched
        with pytest.raises(FileRefused, match="send it again"):
            await download_attachment(context, sent_file(connector.download_url("chronology.csv")))
    assert len(connector.downloads) == 1


# --- the allow-list setting ------------------------------------------------------------------


def test_file_hosts_are_onedrive_by_default_and_extendable() -> None:
    assert Settings.from_env({}).file_hosts == FILE_HOSTS
    extended = Settings.from_env({"FILE_HOST_ALLOW_LIST": "files.example.org, *.example.net"})
    assert extended.file_hosts == (*FILE_HOSTS, "files.example.org", "*.example.net")
    assert extended.file_host_allowed("files.example.org")
    assert extended.file_host_allowed("a.b.example.net")
    assert not extended.file_host_allowed("example.net")
    default = replace(extended, file_hosts=FILE_HOSTS)
    assert default.file_host_allowed("contoso-my.sharepoint.com")
    assert default.file_host_allowed("Contoso-My.SharePoint.com.")
    for host in ("sharepoint.com", "evilsharepoint.com", "contoso.sharepoint.com.evil.org"):
        assert not host_matches(host, FILE_HOSTS), host


async def test_a_consent_answer_teams_refuses_to_hear_still_answers_200(
    roster_db: str, connector: FakeConnector
) -> None:
    """The answer to a file card fails (here: an answer the bot cannot read, and Teams refusing
    the reply saying so, then refusing the reply saying something went wrong): the invoke is
    still answered 200, never a 5xx, and the turn does not fail."""
    async with running_app(app_settings(roster_db)) as app:
        activity = consent_invoke(
            "robin",
            "accept",
            1,
            upload_url=connector.upload_url("x.docx"),
            service_url=connector.url,
        )
        activity["value"]["context"] = "not a context"  # "I did not understand that answer"
        connector.fail_next.extend([(403, {}), (404, {})])
        resp = await app.post_activity(activity)
        assert resp.status == 200, await resp.text()
        assert len(connector.sent()) == 2  # both replies were tried, both refused
        connector.fail_next.extend([(502, {}), (502, {})])
        resp = await app.post_activity({**activity, "id": "another-answer"})
        assert resp.status == 200
