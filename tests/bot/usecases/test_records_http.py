"""The audit, readable, and a case's record exported, over real HTTP: a Stockport case taken
through the referral (one answer added later), the panel's votes, an information request and
its return, the meeting, the papers and the report; then `audit REF` (a card a page at a
time, and a workbook whose rows are the events) for a manager, refused to a panel member and
to someone not on the roster, each refusal in the audit; and `export REF` for the data
protection officer: one zip, opened here, holding the referral with its markers, parseable
JSON and workbooks whose typed cells are never formulas. Every card checked by the renderer."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from sqlalchemy import select
from test_stages_http import (
    CHAIR,
    MONDAY,
    PERIOD,
    RETURN,
    accept,
    as_person,
    cards_in,
    consents_in,
    decide,
    decided_app_settings,
    send,
    sent_to,
    tokens_in,
)

from helpers.activities import card_invoke
from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, press
from helpers.people import PEOPLE
from helpers.referral import FORM
from storage.db import Database
from storage.models import AuditEvent

REF = "SSCP-2026-0001"
DANA = {
    "id": "29:1dana-protection-fictional",
    "name": "Dana Protection",
    "aadObjectId": "00000000-0000-4000-8000-000000000020",
    "email": "dana.protection@example.org",
}
DPO_ROSTER = """
[[members]]
name = "Dana Protection"
email = "dana.protection@example.org"
agency = "stockport_council"
roles = ["dpo"]
aad_object_id = "00000000-0000-4000-8000-000000000020"
"""
# Typed into the return and its chronology: a spreadsheet must show them, never run them.
FORMULA = '=HYPERLINK("https://evil.example/","RET-FORMULA")'
MINUS = "-RET-MINUS started with a minus"
LATE_LEAD = "MARKER-LATE-LEAD"


@pytest.fixture
def dana(connector: FakeConnector) -> Iterator[None]:
    """The partnership's data protection officer, a fictional person Teams knows."""
    PEOPLE["dana"] = DANA
    connector.members[DANA["id"]] = dict(DANA, userPrincipalName=DANA["email"])
    try:
        yield
    finally:
        del PEOPLE["dana"]


@contextmanager
def lead_not_known_yet() -> Iterator[None]:
    """The referral is sent with the agency lead's name "not known yet" (Stockport allows it)."""
    saved = FORM["referrer"]["lead_name"]
    FORM["referrer"]["lead_name"] = ""
    try:
        yield
    finally:
        FORM["referrer"]["lead_name"] = saved


async def press_in_chat(
    app: Any, connector: FakeConnector, verb: str, who: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Press an Action.Execute button on a card in the person's own 1:1 chat."""
    activity = card_invoke(verb, {"reference": REF, **data}, who=who, service_url=connector.url)
    activity["conversation"].update(id=f"a:1{who}-personal-fictional", conversationType="personal")
    activity.get("channelData", {}).pop("channel", None)
    resp = await app.post_activity(activity)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return dict(body["value"])


def texts(connector: FakeConnector, who: str) -> list[str]:
    return [b.get("text") or "" for b in sent_to(connector, f"a:1{who}")]


def shown(card: dict[str, Any]) -> str:
    """A card's TextRun and TextBlock texts, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("TextRun", "TextBlock"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(found)


async def events(db_url: str) -> list[AuditEvent]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            return list((await s.scalars(select(AuditEvent).order_by(AuditEvent.id))).all())
    finally:
        await db.dispose()


async def the_whole_path(app: Any, connector: FakeConnector, clock: Clock) -> None:
    """Referral, votes, a late answer, a request and its return, the meeting, the papers and
    the chair's conclusion (which makes the report)."""
    with lead_not_known_yet():
        await decide(app, connector, clock, "stockport")
    await press(app, connector, "case.view", "lee")
    await press(app, connector, "information.add", "robin", {"lead_name": LATE_LEAD})
    clock.now = MONDAY.replace(day=24, hour=9)
    value = {
        "action": "returns.request",
        "reference": REF,
        "agencies": "stockport_nhs_ft",
        **PERIOD,
    }
    await send(app, as_person("morgan", "", connector, value))
    token = next(
        t for c in cards_in(sent_to(connector, "a:1robin")) for t in tokens_in(c) if "." not in t
    )
    answers = {**RETURN, "practitioners": FORMULA, "family_members": MINUS}
    await send(
        app,
        as_person(
            "robin", "", connector, {"action": "return.save", "token": token, "part": 1, **answers}
        ),
    )
    row = {
        "action": "return.add_row",
        "token": token,
        "part": 4,
        "chrono_date_from": "2026-10-02",
        "chrono_involvement_with": "Mother",
        "chrono_event_outcome": "@SUM(1,2) RET-MARKER-ROW missed clinic",
        "chrono_child_seen": "no",
    }
    await send(app, as_person("robin", "", connector, row))
    submit = {"action": "return.submit", "token": token, "part": 4}
    await send(app, as_person("robin", "", connector, submit))
    meeting = {
        "action": "meeting.propose",
        "reference": REF,
        "meeting_date": "2026-12-04",
        "meeting_time": "10:00",
        "location": "Teams",
        "duration_minutes": "90",
    }
    await send(app, as_person("morgan", "", connector, meeting))
    await send(app, as_person("morgan", f"papers {REF}", connector))
    clock.now = MONDAY.replace(month=12, day=4, hour=15)
    conclude = {"action": "chair.conclude", "reference": REF, "part": 1, **CHAIR}
    await send(app, as_person("morgan", "", connector, conclude))
    assert any("Recorded:" in t for t in texts(connector, "morgan"))


async def test_the_audit_readable_and_the_record_exported(
    db_url: str, connector: FakeConnector, tmp_path: Path, dana: None, monkeypatch: Any
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport", DPO_ROSTER)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        await the_whole_path(app, connector, clock)
        # Enough views for a second page.
        for _ in range(22):
            await press(app, connector, "case.view", "hana")

        # A panel member, and someone not on the roster, are refused; both refusals audited.
        await send(app, as_person("pat", f"audit {REF}", connector))
        assert texts(connector, "pat")[-1] == (
            "Only a partnership manager or the data protection officer can see a case's audit."
        )
        await send(app, as_person("stranger", f"audit {REF}", connector))
        assert "Only a partnership manager" in texts(connector, "stranger")[-1]
        await send(app, as_person("pat", f"export {REF}", connector))
        assert "can export a case's record" in texts(connector, "pat")[-1]
        # A guessed reference is refused in the same words as everywhere else.
        await send(app, as_person("morgan", "audit SSCP-2026-0999", connector))
        assert "does not exist in this partnership" in texts(connector, "morgan")[-1]
        assert not [c for c in cards_in(sent_to(connector, "a:1pat")) if "audit" in json.dumps(c)]

        before = await events(db_url)
        await send(app, as_person("morgan", f"audit {REF}", connector))
        card = cards_in(sent_to(connector, "a:1morgan"))[-1]
        page = shown(card)
        total = sum(e.case_id is not None for e in before)
        assert f"The audit of {REF}" in page
        assert f"{total} events recorded, newest first. These are 1 to 30." in page
        # Newest first: the refusals just now, with who, in plain words.
        lines = page.split("\n")
        assert lines.index("Pat Constable") < lines.index("someone not on the roster")
        assert "exported the case's record" in page and "viewed the audit" in page
        assert " — refused" in page
        assert [b["title"] for b in card["actions"]] == ["More"]
        # Whoever acted is named from the roster; the first page shows only the latest.
        more = await press_in_chat(app, connector, "audit.page", "morgan", {"page": 2})
        later = shown(more)
        # The view of page 1 is in the audit now too.
        assert f"{total + 1} events recorded, newest first. These are 31 to {total + 1}." in later
        assert [b["title"] for b in more["actions"]][-1] == "Newer"
        whole = page + later
        last = await press_in_chat(app, connector, "audit.page", "morgan", {"page": 99})
        whole += shown(last)
        for words, who in (
            ("viewed the referral", "Lee Authority"),
            ("voted", "Pat Constable"),
            ("sent information requests", "Morgan Manager"),
            ("submitted their agency's return", "Robin Referrer"),
            ("added information to the referral", "Robin Referrer"),
            ("booked the Rapid Review meeting", "Morgan Manager"),
            ("recorded the conclusion of the meeting", "Morgan Manager"),
        ):
            assert words in whole and who in whole, words
        assert "sent the referral" in shown(last) and "fields lead_name" in whole
        # No answer of the referral or the return is ever printed from the audit.
        for marker in ("MARKER-", "RET-", "CHAIR-MARKER", "RATIONALE-", LATE_LEAD):
            assert marker not in json.dumps([card, more, last]), marker
        # A panel member pressing More is refused in place, and audited.
        refused_more = await press_in_chat(app, connector, "audit.page", "lee", {"page": 2})
        assert "Only a partnership manager" in json.dumps(refused_more)

        # The workbook: one row per event before this view, newest first.
        offer = next(
            c for c in consents_in(sent_to(connector, "a:1morgan")) if c["name"].endswith(".xlsx")
        )
        assert offer["name"] == f"{REF}-audit.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(await accept(app, connector, "morgan", offer)))
        sheet = book["Audit"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:7] == (
            "When (London)",
            "Who",
            "Entra object id",
            "What",
            "Action id",
            "Outcome",
            "Detail",
        )
        ours = [e for e in reversed(before) if e.case_id is not None]
        assert [(r[2] or None, r[4], r[5]) for r in rows[1:]] == [
            (e.actor, e.action, {"ok": "done"}.get(e.outcome, e.outcome)) for e in ours
        ]
        names = {r[1] for r in rows[1:]}
        assert {"Lee Authority", "Robin Referrer", "Pat Constable", "Sam Stranger"} - names == {
            "Sam Stranger"
        }
        assert "someone not on the roster" in names

        # The export, for the data protection officer.
        await send(app, as_person("dana", f"export {REF}", connector))
        (said,) = [t for t in texts(connector, "dana") if t]
        assert f"is on its way to you in this chat as {REF}-record.zip" in said
        (offer,) = consents_in(sent_to(connector, "a:1dana"))
        assert offer["name"] == f"{REF}-record.zip"
        archive = zipfile.ZipFile(io.BytesIO(await accept(app, connector, "dana", offer)))
        names_in = archive.namelist()
        folder = f"{REF}-record/"
        assert all(n.startswith(folder) for n in names_in)
        parts = {n.removeprefix(folder) for n in names_in}
        assert {
            "CONTENTS.txt",
            "referral.docx",
            "referral.json",
            "decision.xlsx",
            "decision.json",
            "returns.xlsx",
            "returns.json",
            "meeting.json",
            "meeting-papers.docx",
            "rapid-review-report.docx",
            "timeline.xlsx",
            "timeline.json",
            "files.xlsx",
            "files.json",
            "audit.xlsx",
            "audit.json",
        } <= parts
        assert any(p.startswith("files/") for p in parts)  # a file still on offer, its bytes
        for name in names_in:
            if name.endswith(".json"):
                json.loads(archive.read(name))
        # The referral, as it stands: the answer added later in its place, and who added it.
        referral = json.loads(archive.read(folder + "referral.json"))
        assert referral["form_as_it_stands"]["referrer"]["lead_name"] == LATE_LEAD
        assert not referral["form_as_sent"]["referrer"].get("lead_name")
        assert referral["added_later"][0]["added_by"] == "Robin Referrer"
        word = docx.Document(io.BytesIO(archive.read(folder + "referral.docx")))
        text = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
        assert "MARKER-DISABILITY none known" in text and "MARKER-ISSUES" in text
        assert LATE_LEAD in text
        report = docx.Document(io.BytesIO(archive.read(folder + "rapid-review-report.docx")))
        assert "CHAIR-MARKER-SAFE" in "\n".join(p.text for p in report.paragraphs)
        decision = json.loads(archive.read(folder + "decision.json"))
        assert {v["Rationale"] for v in decision["Votes"]} == {
            "RATIONALE-la",
            "RATIONALE-police",
            "RATIONALE-health",
        }
        assert {v["Member"] for v in decision["Votes"]} == {
            "Lee Authority",
            "Pat Constable",
            "Hana Health",
        }
        # Formula injection: the typed cells are text, shown as typed, never formulas.
        returns = openpyxl.load_workbook(io.BytesIO(archive.read(folder + "returns.xlsx")))
        cells = {
            str(c.value): c
            for sheet in returns.worksheets
            for row in sheet.iter_rows()
            for c in row
            if c.value is not None
        }
        for typed in (FORMULA, MINUS, "@SUM(1,2) RET-MARKER-ROW missed clinic"):
            assert cells[typed].data_type == "s", typed
            assert cells[typed].quotePrefix, typed
        with zipfile.ZipFile(io.BytesIO(archive.read(folder + "returns.xlsx"))) as inner:
            xml = b"".join(inner.read(n) for n in inner.namelist() if n.startswith("xl/"))
        assert b"<f>" not in xml and b"<f " not in xml
        contents = archive.read(folder + "CONTENTS.txt").decode()
        assert "for Dana Protection" in contents and "audit.xlsx" in contents
        # Nothing in the zip's names says anything about the child.
        assert not re.search(r"MARKER|2019|female", " ".join(names_in), re.IGNORECASE)

        # A record too large to send in chat is refused, and the refusal audited.
        monkeypatch.setattr("bot.usecases.export.MAX_EXPORT_BYTES", 2000)
        await send(app, as_person("morgan", f"export {REF}", connector))
        assert "more than the 2 KB a file sent in chat may be" in texts(connector, "morgan")[-1]

        check_cards([card, more, last, refused_more, *cards_in(sent_to(connector, "a:1morgan"))])

    audited = await events(db_url)
    views = [e for e in audited if e.action == "audit.view"]
    ok_views = [e.detail for e in views if e.outcome == "ok"]
    assert ok_views[0] == {"page": 1, "shown": 30, "total": total, "workbook": True}
    assert [v["page"] for v in ok_views] == [1, 2, ok_views[2]["page"]]
    refused = {(e.action, e.actor) for e in audited if e.outcome == "refused"}
    assert ("audit.view", PEOPLE["pat"]["aadObjectId"]) in refused
    assert ("audit.view", PEOPLE["stranger"]["aadObjectId"]) in refused
    assert ("audit.view", PEOPLE["lee"]["aadObjectId"]) in refused
    assert ("export.create", PEOPLE["pat"]["aadObjectId"]) in refused
    assert ("export.create", PEOPLE["morgan"]["aadObjectId"]) in refused  # too large
    (exported,) = [e for e in audited if e.action == "export.create" and e.outcome == "ok"]
    assert exported.actor == DANA["aadObjectId"]
    assert exported.detail["votes"] == 3 and exported.detail["requests"] == 1
    assert exported.detail["returns"] == 1 and exported.detail["added"] == 1
    assert exported.detail["parts"] == len(names_in) and exported.detail["offered"] is True
    # Counts only: nothing of the record itself is in the audit.
    for marker in ("MARKER", "RET-", "RATIONALE"):
        assert marker not in json.dumps([e.detail for e in audited]), marker
