"""Hostile input: fuzzed activities, other partnerships' cases, injection, retention."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import random
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from helpers.activities import card_invoke, message, recorded
from helpers.app import app_settings, running_app
from helpers.connector import FakeConnector
from helpers.people import teams_members
from helpers.referral import FORM, SECTIONS, register_channel, say, submit
from helpers.tokens import OpenIdTestServer, generate_key, mint_token
from storage import repositories as repo
from storage.cases import open_case
from storage.db import Database
from storage.models import (
    AuditEvent,
    Case,
    ChairNote,
    ConversationRef,
    Decision,
    InformationRequest,
    Meeting,
    Member,
    OutboundMessage,
    PanelVote,
    Referral,
    SharedFile,
)

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FUZZ_COUNT = int(os.environ.get("FUZZ_COUNT", "10000"))


async def counts(db_url: str) -> dict[str, int]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            result = {}
            for model in (
                Case,
                Referral,
                PanelVote,
                Decision,
                Member,
                ConversationRef,
                OutboundMessage,
                InformationRequest,
                Meeting,
                ChairNote,
                SharedFile,
            ):
                result[model.__tablename__] = int(
                    await s.scalar(select(func.count()).select_from(model)) or 0
                )
            return result
    finally:
        await db.dispose()


# --- the fuzzer ---------------------------------------------------------------------------

WEIRD: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    1.5e308,
    "",
    " ",
    "x" * 70_000,
    "\u202e\u0000\ud7ff",
    [],
    [1, [2]],
    {},
    {"a": {"b": None}},
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "SSCP-2026-0001",
    "../../etc/passwd",
    "${jndi:ldap://x}",
    # Lone surrogates: JSON escapes no UTF-8 database driver can store.
    "\ud800",
    "\udfff",
    "a\udc80b",
]
VERBS = [
    "panel.vote",
    "panel.vote_open",
    "case.view",
    "panel.refresh",
    "milestone.done",
    "milestone.snooze",
    "case.open",
    "panel.offline_record",
    "panel.open",
    "nope",
    "",
]
ACTIONS = [
    "referral.step",
    "referral.submit",
    "referral.start",
    "referral.cancel",
    "queries.answer",
    "channel.register",
    "help",
    "bogus",
    # After the decision (issue 9): every form button and every step.
    "returns.pick",
    "returns.request",
    "return.save",
    "return.part",
    "return.add_row",
    "return.submit",
    "meeting.open",
    "meeting.propose",
    "chair.open",
    "chair.save",
    "chair.part",
    "chair.conclude",
    "report.open",
    "report.sent",
]
AFTER_FIELDS = (
    "reference",
    "agencies",
    "part",
    "go",
    "involved",
    "records_secured",
    "chrono_date_from",
    "meeting_date",
    "meeting_time",
    "duration_minutes",
    "conclusion",
    "sent_on",
)


def mutate(activity: dict[str, Any], rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """Replace, delete or bloat random fields of an activity (recursively)."""
    out = copy.deepcopy(activity)
    for key in list(out):
        roll = rng.random()
        if roll < 0.08:
            del out[key]
        elif roll < 0.2:
            out[key] = rng.choice(WEIRD)
        elif isinstance(out[key], dict) and depth < 3 and roll < 0.5:
            out[key] = mutate(out[key], rng, depth + 1)
    if rng.random() < 0.1:
        out[rng.choice(["zzz", "value", "name", "channelData"])] = rng.choice(WEIRD)
    return out


def fuzzed(service_url: str, rng: random.Random) -> dict[str, Any]:
    """One hostile activity: a recorded shape, a random verb or action, then mutated."""
    kind = rng.random()
    if kind < 0.35:
        base = card_invoke(
            rng.choice(VERBS),
            {
                "reference": rng.choice(WEIRD + ["SSCP-2026-0001"]),
                "outcome": rng.choice(WEIRD),
                "rationale": rng.choice(WEIRD),
                "round": rng.choice(WEIRD),
            },
            who=rng.choice(["pat", "lee", "stranger", "robin"]),
            service_url=service_url,
        )
        if rng.random() < 0.2:
            base["name"] = rng.choice(
                [
                    "task/fetch",
                    "composeExtension/query",
                    "signin/verifyState",
                    "adaptiveCard/action",
                    "fileConsent/invoke",
                    "x" * 300,
                ]
            )
    elif kind < 0.7:
        base = message(
            rng.choice(
                [
                    "refer",
                    "continue",
                    "cases",
                    "case SSCP-2026-0001",
                    "done x y",
                    "roster",
                    "my referrals",
                    "use this channel",
                    "help",
                    "papers SSCP-2026-0001",
                    "published SSCP-2026-0001 2027-01-01",
                    "complaint x y",
                    "close SSCP-2026-0001",
                    "",
                ]
            ),
            service_url=service_url,
            value={
                "action": rng.choice(ACTIONS),
                "token": rng.choice(WEIRD),
                "section": rng.choice(["pathway", "child", "zzz", None]),
                **{f: rng.choice(WEIRD) for f in ("pathway", "date_of_birth", "answer")},
                **{f: rng.choice(WEIRD) for f in AFTER_FIELDS if rng.random() < 0.3},
            },
        )
        if rng.random() < 0.1:
            # A file sent in the chat (a chronology upload), its every field hostile.
            base["attachments"] = [
                {
                    "contentType": "application/vnd.microsoft.teams.file.download.info",
                    "name": rng.choice(WEIRD),
                    "content": rng.choice(
                        [
                            rng.choice(WEIRD),
                            {"downloadUrl": rng.choice(WEIRD), "fileType": rng.choice(WEIRD)},
                            {"downloadUrl": "http://169.254.169.254/latest", "fileType": "csv"},
                        ]
                    ),
                }
            ]
    elif kind < 0.85:
        base = recorded("channel_message", service_url=service_url)
    else:
        base = recorded("team_install", service_url=service_url)
    out = mutate(base, rng)
    out["serviceUrl"] = service_url if rng.random() < 0.9 else rng.choice(WEIRD)
    return out


async def test_ten_thousand_fuzzed_activities_no_5xx_nothing_written_but_audit(
    roster_db: str, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(20261122)
    before = await counts(roster_db)
    statuses: dict[int, int] = {}
    caplog.set_level(logging.ERROR)
    async with running_app(app_settings(roster_db), clock=lambda: MONDAY) as app:
        semaphore = asyncio.Semaphore(20)

        async def post(activity: dict[str, Any]) -> None:
            async with semaphore:
                resp = await app.client.post(
                    "/api/messages",
                    data=json.dumps(activity),
                    headers={"Content-Type": "application/json"},
                )
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        for start in range(0, FUZZ_COUNT, 500):
            batch = [fuzzed(connector.url, rng) for _ in range(min(500, FUZZ_COUNT - start))]
            await asyncio.gather(*(post(a) for a in batch))
    assert sum(statuses.values()) == FUZZ_COUNT
    assert not [s for s in statuses if s >= 500], statuses
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage() + (errors[0].exc_text or "")
    after = await counts(roster_db)
    # No case, referral, vote, decision, roster or channel change: only audit (and the
    # redelivery ledger, and the people's own 1:1 conversation references).
    for table in ("case", "referral", "panel_vote", "decision", "member", "outbound_message"):
        assert after[table] == before[table], table
    db = Database(roster_db)
    try:
        async with db.session() as s:
            registered = await repo.audit_trail(s, action="channel.register")
        # Only the manager's own (mutated but still valid) messages may choose the channel.
        morgan = teams_members()["29:1morgan-manager-fictional"]["aadObjectId"]
        assert {e.actor for e in registered if e.outcome == "ok"} <= {morgan}
    finally:
        await db.dispose()


LONE = ("\ud800", "\udfff", "a\udc80b")


async def test_lone_surrogates_are_cleaned_at_the_front_door(
    roster_db: str, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    """In a token, a reference, a command's text, a name and a card's free text: every turn
    runs (no "something went wrong"), nothing fails in the database, nothing is logged as
    an error, and what is stored holds U+FFFD where the surrogate was."""
    caplog.set_level(logging.ERROR)
    async with running_app(app_settings(roster_db), clock=lambda: MONDAY) as app:
        await register_channel(app, connector)
        await say(app, connector, "refer")
        for lone in LONE:
            activities = [
                message(f"case SSCP{lone}", service_url=connector.url),
                message(f"done SSCP-2026-0001 {lone}", service_url=connector.url),
                message(
                    "",
                    service_url=connector.url,
                    value={"action": "referral.step", "section": "pathway", "token": lone},
                ),
                message(
                    "",
                    service_url=connector.url,
                    value={"action": "queries.answer", "reference": lone, "answer": lone},
                ),
                card_invoke(
                    "panel.vote",
                    {"reference": f"SSCP-2026-0001{lone}", "rationale": lone, "outcome": lone},
                    who="lee",
                    service_url=connector.url,
                ),
                card_invoke(
                    "case.open", {"reference": lone}, who="morgan", service_url=connector.url
                ),
            ]
            for activity in activities:
                activity["from"]["name"] = f"Robin {lone}"
                body = json.dumps(activity)
                assert "\\ud" in body.lower()  # sent as the JSON escape Teams would send
                resp = await app.client.post(
                    "/api/messages", data=body, headers={"Content-Type": "application/json"}
                )
                assert resp.status < 500, await resp.text()
        # A draft step with a lone surrogate in a typed field is kept, cleaned.
        assert not [t for t in connector.texts() if "went wrong" in t]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage() + (errors[0].exc_text or "")
    db = Database(roster_db)
    try:
        async with db.session() as s:
            trail = await repo.audit_trail(s)
        details = json.dumps([e.detail for e in trail])
        assert "\\ud8" not in details.lower() and "\\udf" not in details.lower()
        assert "\\ufffd" in details.lower()  # a refused reference, audited as it was cleaned
    finally:
        await db.dispose()


# --- another partnership's case --------------------------------------------------------


async def test_another_partnerships_case_is_refused_and_audited(
    roster_db: str, connector: FakeConnector
) -> None:
    db = Database(roster_db)
    try:
        async with db.session() as s, s.begin():
            other = await repo.ensure_partnership(s, slug="halton", name="Other", profile="halton")
            await open_case(
                s,
                partnership_id=other.id,
                prefix="HCYPSP",
                year=2026,
                received_at=MONDAY,
                pathway_sought="rapid_review",
                referring_agency="x",
                event_date=MONDAY.date(),
                referrer_member_id=None,
                referrer_aad_object_id=None,
                submission_key="other-1",
                form={"child": {"date_of_birth": "2019-01-01"}},
                status="panel",
            )
    finally:
        await db.dispose()
    async with running_app(app_settings(roster_db), clock=lambda: MONDAY) as app:
        for verb, data in [
            ("panel.vote", {"outcome": "escalation", "rationale": "x"}),
            ("case.view", {}),
            ("case.open", {}),
            (
                "panel.vote",
                {"outcome": "escalation", "rationale": "x", "reference": "SSCP-2026-0042"},
            ),
        ]:
            activity = card_invoke(
                verb,
                {"reference": "HCYPSP-2026-0001", **data},
                who="pat",
                service_url=connector.url,
            )
            resp = await app.post_activity(activity)
            body = json.dumps(await resp.json())
            assert resp.status == 200
            assert "does not exist" in body or "no case" in body.lower()
            assert "2019-01-01" not in body
    db = Database(roster_db)
    try:
        async with db.session() as s:
            refused = await s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "refused")
            )
            votes = await s.scalar(select(func.count()).select_from(PanelVote))
            views = await s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "case.view", AuditEvent.outcome == "ok")
            )
        assert refused is not None and refused >= 3
        assert votes == 0 and views == 0
    finally:
        await db.dispose()


# --- injection renders inert --------------------------------------------------------------

INJECTIONS = {
    "link": "[click here](https://evil.example/steal)",
    "bold": "**URGENT** _now_",
    "html": "<img src=x onerror=alert(1)><b>bold</b>",
    "mention": "<at>Morgan Manager</at>",
}


def text_fields(node: Any) -> list[str]:
    """Every string a Teams client parses as markdown: TextBlock text and FactSet facts."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            found.append(node["text"])
        if node.get("type") == "FactSet":
            for fact in node.get("facts") or []:
                found.extend([str(fact.get("title", "")), str(fact.get("value", ""))])
        for value in node.values():
            found.extend(text_fields(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(text_fields(value))
    return found


async def test_markdown_html_and_link_injection_render_inert(
    roster_db: str, connector: FakeConnector
) -> None:
    hostile = copy.deepcopy(FORM)
    for section in ("referrer", "views"):
        for field in hostile[section]:
            if field in (
                "discussed_with",
                "worked_well",
                "did_not_work_well",
                "key_issues",
                "job_title",
                "lead_role",
            ):
                hostile[section][field] = " ".join(INJECTIONS.values())
    async with running_app(app_settings(roster_db), clock=lambda: MONDAY) as app:
        await register_channel(app, connector)
        await say(app, connector, "refer")
        for section in SECTIONS:
            await submit(app, connector, "referral.step", section=section, **hostile[section])
        await submit(app, connector, "referral.submit")
        details = await (
            await app.post_activity(
                card_invoke(
                    "case.view",
                    {"reference": "SSCP-2026-0001"},
                    who="lee",
                    service_url=connector.url,
                )
            )
        ).json()
    cards = [*connector.cards(), details["value"]]
    assert any(INJECTIONS["link"] in json.dumps(c) for c in cards)  # the text is kept...
    for text in (t for c in cards for t in text_fields(c)):
        # ...but never where markdown or HTML would be interpreted.
        assert "[click here](https://evil.example" not in text
        assert "<img" not in text and "<b>" not in text
        assert "<at>Morgan Manager</at>" not in text or "Morgan" not in json.dumps(INJECTIONS)


# --- authentication at the front door ---------------------------------------------------


async def test_non_teams_channel_and_unknown_signing_key_are_refused(
    roster_db: str,
) -> None:
    server = OpenIdTestServer()
    await server.start()
    key = generate_key("k1")
    server.publish(key, endorsements=["msteams"])
    app_id = "00000000-0000-4000-8000-0000000000b0"
    teams = "https://smba.trafficmanager.net/uk/"
    settings = replace(
        app_settings(roster_db),
        app_id=app_id,
        app_password="x",
        openid_metadata_url=server.metadata_url,
    )
    before = await counts(roster_db)
    try:
        async with running_app(settings) as app:
            slack = message("help", service_url=teams, channelId="slack")
            resp = await app.post_activity(slack, token=mint_token(key, aud=app_id))
            assert resp.status == 401
            # Key rotation: Microsoft publishes a new key, then signs with it. The first
            # token with the new key id makes one refresh and is accepted.
            rotated = generate_key("k2")
            server.publish(key, rotated, endorsements=["msteams"])
            typing = recorded("personal_message", service_url=teams, type="typing", text=None)
            resp = await app.post_activity(typing, token=mint_token(rotated, aud=app_id))
            assert resp.status == 201
            # A key that was never published is refused.
            forged = generate_key("k3")
            resp = await app.post_activity(
                message("help", service_url=teams), token=mint_token(forged, aud=app_id)
            )
            assert resp.status == 401
    finally:
        await server.close()
    assert await counts(roster_db) == before


# --- retention ----------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_retention_deletes_old_closed_cases_and_audits_it(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(app_settings(roster_db), clock=lambda: MONDAY) as app:
        await register_channel(app, connector)
        for _ in range(3):
            await say(app, connector, "refer")
            for section in SECTIONS:
                await submit(app, connector, "referral.step", section=section, **FORM[section])
            await submit(app, connector, "referral.submit")
    now = datetime.now(UTC)
    db = Database(roster_db)
    try:
        async with db.session() as s, s.begin():
            await s.execute(  # 0001: closed 8 years ago; 0002: closed last year; 0003: open
                update(Case)
                .where(Case.reference == "SSCP-2026-0001")
                .values(status="closed", closed_at=now - timedelta(days=8 * 366))
            )
            await s.execute(
                update(Case)
                .where(Case.reference == "SSCP-2026-0002")
                .values(status="closed", closed_at=now - timedelta(days=366))
            )
    finally:
        await db.dispose()
    env = {"DATABASE_URL": roster_db}
    short = run_cli("retention", "--older-than", "30d", env=env)
    assert short.returncode == 2 and "retention period" in short.stderr
    done = run_cli("retention", "--older-than", "7y", env=env)
    assert done.returncode == 0, done.stderr
    assert "SSCP-2026-0001" in done.stdout and "0002" not in done.stdout
    db = Database(roster_db)
    try:
        async with db.session() as s:
            left = sorted(await s.scalars(select(Case.reference)))
            assert left == ["SSCP-2026-0002", "SSCP-2026-0003"]
            referrals = await s.scalar(select(func.count()).select_from(Referral))
            assert referrals == 2  # the deleted case's form went with it
            orphans = await s.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(
                    OutboundMessage.case_id.is_not(None),
                    OutboundMessage.case_id.not_in(select(Case.id)),
                )
            )
            assert orphans == 0
            trail = await repo.audit_trail(s, action="retention.delete")
            assert trail and trail[-1].detail["deleted"] == ["SSCP-2026-0001"]
    finally:
        await db.dispose()
