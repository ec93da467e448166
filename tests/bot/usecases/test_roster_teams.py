"""The roster run from Teams, over real HTTP on SQLite and PostgreSQL: a manager adds a person,
changes their roles, sets a deputy's cover dates and removes them from the `roster` card; a
roster file sent in the chat replaces the roster only when every row is right (each bad input
said by row and column, nothing changed); a person added by email is linked by their first
message; a deputy votes only within their cover dates; everyone else is refused, audited."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from test_stages_http import as_person, file_message, send

from bot.settings import FILE_HOSTS, Settings
from helpers.activities import card_invoke
from helpers.app import RunningApp, app_settings, running_app
from helpers.cards import check_cards, nodes
from helpers.connector import FakeConnector
from helpers.panel import MONDAY, REF, Clock, open_case
from helpers.people import PEOPLE
from storage.db import Database
from storage.models import AuditEvent, Member, PanelVote, RosterUpload

MORGAN = PEOPLE["morgan"]
DEE = {
    "id": "29:1dee-deputy-fictional",
    "name": "Dee Deputy",
    "aadObjectId": "00000000-0000-4000-8000-000000000021",
    "email": "dee.deputy@example.org",
}
HEADER = "name,email,agency,roles,cover_from,cover_to\n"
# The demo roster as a file (Morgan, Lee, Pat, Hana, Robin), to be edited by each test.
DEMO_ROWS = [
    "Morgan Manager,morgan.manager@example.org,la,manager; chair,,",
    "Lee Authority,lee.authority@example.org,la,panel; notifier,,",
    "Pat Constable,pat.constable@example.org,police,panel,,",
    "Hana Health,hana.health@example.org,health,panel,,",
    "Robin Referrer,robin.referrer@example.org,stockport_nhs_ft,agency_lead,,",
]


def settings_of(db_url: str) -> Settings:
    return app_settings(db_url, file_hosts=(*FILE_HOSTS, "127.0.0.1"))


def personal_invoke(
    connector: FakeConnector, who: str, verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    """An Action.Execute pressed on a card in the person's own 1:1 chat."""
    activity = card_invoke(verb, data, who=who, service_url=connector.url)
    activity["from"] = (
        {k: DEE[k] for k in ("id", "name", "aadObjectId")} if who == "dee" else (activity["from"])
    )
    activity["conversation"] = {
        "conversationType": "personal",
        "tenantId": "00000000-0000-4000-8000-0000000000aa",
        "id": f"a:1{who}-personal-fictional",
    }
    activity["channelData"] = {"tenant": {"id": "00000000-0000-4000-8000-0000000000aa"}}
    return activity


async def click(
    app: RunningApp,
    connector: FakeConnector,
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    who: str = "morgan",
) -> dict[str, Any]:
    """Press a roster button in 1:1; the card that replaces it (checked for Teams)."""
    resp = await app.post_activity(personal_invoke(connector, who, verb, data or {}))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    check_cards([body["value"]], labels=[verb])
    return body["value"]


def said(card: dict[str, Any]) -> str:
    """Every text on a card, one line each: a RichTextBlock's runs joined, facts as
    "title: value", choices' titles."""
    found: list[str] = []
    for node in nodes(card):
        if node.get("type") == "RichTextBlock":
            found.append("".join(run.get("text", "") for run in node.get("inlines", [])))
        elif node.get("type") != "TextRun":
            for key in ("text", "title", "value"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
        for fact in node.get("facts", []):
            found.append(f"{fact['title']}: {fact['value']}")
    # Facts and TextBlocks are escaped markdown: read them as a person sees them.
    return re.sub(r"\\(.)", r"\1", "\n".join(found))


def verbs(card: dict[str, Any]) -> list[str]:
    return [n["verb"] for n in nodes(card) if n.get("type") == "Action.Execute"]


async def roster_rows(db_url: str) -> list[tuple[Any, ...]]:
    """Every member row as it is stored, to compare before and after."""
    db = Database(db_url)
    try:
        async with db.session() as s:
            members = (await s.scalars(select(Member).order_by(Member.id))).all()
            return [
                (
                    m.id,
                    m.email,
                    m.name,
                    m.agency,
                    tuple(m.roles),
                    m.active,
                    m.aad_object_id,
                    m.cover_from,
                    m.cover_to,
                )
                for m in members
            ]
    finally:
        await db.dispose()


async def members_by_email(db_url: str) -> dict[str, Member]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            return {m.email: m for m in (await s.scalars(select(Member))).all()}
    finally:
        await db.dispose()


async def audits(db_url: str, prefix: str = "roster.") -> list[AuditEvent]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            rows = await s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like(f"{prefix}%"))
                .order_by(AuditEvent.id)
            )
            return list(rows.all())
    finally:
        await db.dispose()


async def uploads(db_url: str) -> list[RosterUpload]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            return list((await s.scalars(select(RosterUpload).order_by(RosterUpload.id))).all())
    finally:
        await db.dispose()


def no_email_in(events: list[AuditEvent]) -> None:
    """Audit rows name people by member id, never by email."""
    assert "@" not in json.dumps([e.detail for e in events])


async def send_file(
    app: RunningApp,
    connector: FakeConnector,
    content: bytes,
    *,
    name: str = "roster.csv",
    text: str = "roster",
    who: str = "morgan",
) -> None:
    connector.files[name] = content
    file_type = name.rpartition(".")[2]
    await send(app, file_message(connector, who, name, file_type, text=text))


def csv_file(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


# --- edits by a manager ----------------------------------------------------------------------


async def test_a_manager_adds_changes_covers_and_removes_a_person(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        await send(app, as_person("morgan", "roster", connector))
        roster = connector.cards()[-1]
        check_cards([roster])
        assert "Pat Constable: panel · pat.constable@example.org" in said(roster)
        assert verbs(roster) == ["roster.find", "roster.add_open", "roster.file_open"]

        form = await click(app, connector, "roster.add_open")
        assert "Add a person to the roster" in said(form)
        roles = next(n for n in nodes(form) if n.get("id") == "roles")
        offered = [c["value"] for c in roles["choices"]]
        assert offered[:5] == ["manager", "panel", "deputy", "agency_lead", "chair"]
        assert offered[-3:] == ["notifier", "business_support", "pip"]  # the profile's own
        agency = next(n for n in nodes(form) if n.get("id") == "agency")
        assert ("Greater Manchester Police", "gmp") in [
            (c["title"], c["value"]) for c in agency["choices"]
        ]

        before = await roster_rows(roster_db)
        new = {
            "name": "  Dee\u0007 Deputy ",
            "email": "Dee.Deputy@Example.org",
            "agency": "gmp",
            "roles": "deputy",
            "cover_from": "2026-12-01",
            "cover_to": "2026-12-24",
        }
        for bad, field, why in [
            ({"email": "dee@"}, "Work email", "'dee@' is not an email address."),
            ({"email": "pat.constable@example.org"}, "Work email", "on the roster already"),
            ({"agency": "northdale_zoo"}, "Agency", "is not an agency of this partnership"),
            ({"roles": "deputy,wizard"}, "Roles", "'wizard' is not a role here"),
            ({"name": '=HYPERLINK("x")'}, "Name", "cannot start with ="),
            ({"cover_to": "2026-11-01"}, "Cover to", "cannot end before it starts"),
        ]:
            again = await click(app, connector, "roster.add", {**new, **bad})
            assert f"**{field}**" in said(again) and why in said(again), (field, said(again))
            assert "Nothing was changed" in said(again)
        assert await roster_rows(roster_db) == before

        done = await click(app, connector, "roster.add", new)
        assert "Added to the roster" in said(done) and "Dee Deputy" in said(done)
        assert verbs(done) == ["roster.open"]
        dee = (await members_by_email(roster_db))["dee.deputy@example.org"]
        assert (dee.name, dee.agency, dee.roles, dee.aad_object_id) == (
            "Dee Deputy",
            "gmp",
            ["deputy"],
            None,
        )
        assert (str(dee.cover_from), str(dee.cover_to)) == ("2026-12-01", "2026-12-24")

        # Found by part of the name; more than one match is a choice.
        found = await click(app, connector, "roster.find", {"find": "dee"})
        assert verbs(found)[:2] == ["roster.roles", "roster.cover"]
        several = await click(app, connector, "roster.find", {"find": "example.org"})
        assert "Which person?" in said(several)
        none = await click(app, connector, "roster.find", {"find": "quinn"})
        assert "No one on the roster matches 'quinn'." in said(none)

        changed = await click(
            app, connector, "roster.roles", {"member": dee.id, "roles": "deputy,agency_lead"}
        )
        assert "Roles changed" in said(changed) and "Roles: deputy, agency_lead" in said(changed)
        bad_cover = await click(
            app,
            connector,
            "roster.cover",
            {"member": dee.id, "cover_from": "2026-12-24", "cover_to": "2026-12-01"},
        )
        assert "cannot end before it starts" in said(bad_cover)
        covered = await click(
            app,
            connector,
            "roster.cover",
            {"member": str(dee.id), "cover_from": "2026-12-02", "cover_to": ""},
        )
        assert "Cover: Wed 2 Dec 2026 to until changed" in said(covered)

        confirm = await click(app, connector, "roster.remove_open", {"member": dee.id})
        assert "Remove from the roster?" in said(confirm)
        removed = await click(app, connector, "roster.remove", {"member": dee.id})
        assert "Taken off the roster" in said(removed)
        dee = (await members_by_email(roster_db))["dee.deputy@example.org"]
        assert dee.active is False  # deactivated, never deleted
        assert str(dee.cover_from) == "2026-12-02" and dee.cover_to is None
        gone = await click(app, connector, "roster.person", {"member": dee.id})
        assert "not on the roster any more" in said(gone)

        # Added again: the same member, with their history.
        back = await click(app, connector, "roster.add", {**new, "cover_from": "", "cover_to": ""})
        assert "Added to the roster" in said(back)
        assert (await members_by_email(roster_db))["dee.deputy@example.org"].id == dee.id

    events = await audits(roster_db)
    assert [(e.action, e.outcome) for e in events if e.action != "roster.import"] == [
        ("roster.add", "ok"),
        ("roster.roles", "ok"),
        ("roster.cover", "ok"),
        ("roster.remove", "ok"),
        ("roster.person", "refused"),
        ("roster.add", "ok"),
    ]
    assert all(e.detail.get("member_id") == dee.id for e in events if e.action != "roster.import")
    assert all(e.actor == MORGAN["aadObjectId"] for e in events if e.action != "roster.import")
    no_email_in(events)


async def test_the_last_manager_cannot_be_removed_or_lose_the_role(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        morgan = (await members_by_email(roster_db))["morgan.manager@example.org"]
        before = await roster_rows(roster_db)
        refused = await click(app, connector, "roster.remove", {"member": morgan.id})
        assert "Not done" in said(refused) and "only manager" in said(refused)
        kept = await click(app, connector, "roster.roles", {"member": morgan.id, "roles": "chair"})
        assert "no manager" in said(kept)
        assert await roster_rows(roster_db) == before
        # With a second manager, Morgan may step down.
        lee = (await members_by_email(roster_db))["lee.authority@example.org"]
        await click(app, connector, "roster.roles", {"member": lee.id, "roles": "panel,manager"})
        done = await click(app, connector, "roster.roles", {"member": morgan.id, "roles": "chair"})
        assert "Roles changed" in said(done)


async def test_someone_not_a_manager_is_refused_every_change_and_it_is_audited(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        before = await roster_rows(roster_db)
        await send(app, as_person("robin", "roster", connector))
        assert connector.texts()[-1] == "Only a partnership manager can see the roster."
        pat = (await members_by_email(roster_db))["pat.constable@example.org"]
        presses = {
            "roster.open": {},
            "roster.add_open": {},
            "roster.add": {"name": "X", "email": "x@example.org", "agency": "gmp", "roles": ""},
            "roster.find": {"find": "pat"},
            "roster.person": {"member": pat.id},
            "roster.roles": {"member": pat.id, "roles": "manager"},
            "roster.cover": {"member": pat.id, "cover_from": "2026-12-01"},
            "roster.remove_open": {"member": pat.id},
            "roster.remove": {"member": pat.id},
            "roster.file_open": {},
            "roster.replace": {"upload": 1},
        }
        for verb, data in presses.items():
            card = await click(app, connector, verb, data, who="robin")
            assert "Not done" in said(card), verb
            assert "Only a partnership manager" in said(card), verb
            assert verbs(card) == [], verb
        # A stranger's file is refused before it is fetched.
        await send_file(app, connector, csv_file(*DEMO_ROWS), who="stranger")
        assert "Only a partnership manager can replace the roster" in connector.texts()[-1]
        assert connector.downloads == []
        assert await roster_rows(roster_db) == before
    refused = [e for e in await audits(roster_db) if e.outcome == "refused"]
    assert len(refused) == 1 + len(presses) + 1
    assert {e.action for e in refused} >= {"roster.view", "roster.add", "roster.remove"}


# --- replacing the roster from a file --------------------------------------------------------


def workbook_of(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD_FILES = {
    "bad email": (
        csv_file(*DEMO_ROWS, "Casey Example,casey@,police,deputy,,"),
        ["Row 7, email (column B): 'casey@' is not an email address."],
    ),
    "unknown agency": (
        csv_file(*DEMO_ROWS, "Casey Example,casey@example.org,Northdale Zoo,panel,,"),
        ["Row 7, agency (column C): 'Northdale Zoo' is not an agency of this partnership"],
    ),
    "unknown role": (
        csv_file(*DEMO_ROWS, "Casey Example,casey@example.org,police,panel; wizard,,"),
        ["Row 7, roles (column D): 'wizard' is not a role here"],
    ),
    "duplicate person": (
        csv_file(*DEMO_ROWS, "Pat Again,PAT.CONSTABLE@example.org,police,panel,,"),
        ["Row 7, email (column B): pat.constable@example.org is also on row 4."],
    ),
    "formula injection": (
        csv_file(
            *DEMO_ROWS,
            '"=HYPERLINK(""https://evil.example"",""click"")",casey@example.org,police,panel,,',
        ),
        ["Row 7, name (column A): Starts with =, +, - or @"],
    ),
    "formula in a workbook": (
        workbook_of(
            [
                HEADER.strip().split(","),
                ["Morgan Manager", "morgan.manager@example.org", "la", "manager"],
                ["Casey Example", "casey@example.org", "police", '=HYPERLINK("x","y")'],
            ]
        ),
        ["Row 3, roles (column D): Starts with =, +, - or @"],
    ),
    "too many people": (
        csv_file(
            *DEMO_ROWS,
            *(f"Person {n},person.{n}@example.org,police,panel,," for n in range(2000)),
        ),
        ["Row 2002: A roster file can list at most 2,000 people"],
    ),
    "no manager": (
        csv_file(*DEMO_ROWS[1:]),
        ["The file: No one in it is a manager."],
    ),
}


@pytest.mark.parametrize("bad", list(BAD_FILES))
async def test_each_bad_roster_file_is_said_by_row_and_changes_nothing(
    roster_db: str, connector: FakeConnector, bad: str
) -> None:
    content, expected = BAD_FILES[bad]
    name = "roster.xlsx" if content[:2] == b"PK" else "roster.csv"
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        before = await roster_rows(roster_db)
        await send_file(app, connector, content, name=name)
        card = connector.cards()[-1]
        check_cards([card])
        text = said(card)
        assert "The roster was not changed" in text
        for line in expected:
            assert line in text, (line, text)
        assert verbs(card) == ["roster.open"]  # nothing to confirm
        assert await roster_rows(roster_db) == before
        assert await uploads(roster_db) == []
    (event,) = [e for e in await audits(roster_db) if e.action == "roster.upload"]
    assert event.outcome == "invalid" and event.detail["problems"] >= 1


async def test_ten_megabytes_of_rows_are_refused_unread(
    roster_db: str, connector: FakeConnector
) -> None:
    row = "Person Fictional,person.fictional@example.org,police,panel,,\n"
    content = HEADER.encode() + row.encode() * (10 * 1024 * 1024 // len(row))
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        before = await roster_rows(roster_db)
        await send_file(app, connector, content)
        assert connector.texts()[-1] == (
            "That file is larger than 1 MB, more than a roster needs. Save only the roster "
            "sheet as CSV and send that. The roster was not changed."
        )
        assert await roster_rows(roster_db) == before
        assert await uploads(roster_db) == []


async def test_a_valid_file_previews_then_replaces_the_roster_keeping_ids(
    roster_db: str, connector: FakeConnector
) -> None:
    old = await members_by_email(roster_db)
    content = csv_file(
        DEMO_ROWS[0],
        "Lee Authority,lee.authority@example.org,la,panel,,",  # no longer the notifier
        DEMO_ROWS[2],
        "Dee Deputy,dee.deputy@example.org,Greater Manchester Police,deputy,01/12/2026,",
        # Hana and Robin are not in the file.
    )
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        help_card = await click(app, connector, "roster.file_open")
        assert "with the word **roster** typed in the same message" in said(help_card)
        before = await roster_rows(roster_db)
        await send_file(app, connector, content)
        preview = connector.cards()[-1]
        check_cards([preview])
        text = said(preview)
        for fact in ("Added: 1", "Changed: 1", "Taken off the roster: 2", "Unchanged: 2"):
            assert fact in text
        assert "Dee Deputy" in text and "Hana Health, Robin Referrer" in text
        assert await roster_rows(roster_db) == before  # nothing yet
        (upload,) = await uploads(roster_db)
        assert verbs(preview) == ["roster.replace", "roster.open"]

        done = await click(app, connector, "roster.replace", {"upload": upload.id})
        assert "The roster was replaced" in said(done) and verbs(done) == ["roster.open"]
        again = await click(app, connector, "roster.replace", {"upload": upload.id})
        assert "already replaced" in said(again)

    now = await members_by_email(roster_db)
    for email in (
        "morgan.manager@example.org",
        "lee.authority@example.org",
        "hana.health@example.org",
    ):
        assert now[email].id == old[email].id  # ids (and so votes and history) kept
    assert now["lee.authority@example.org"].roles == ["panel"]
    assert now["morgan.manager@example.org"].aad_object_id == MORGAN["aadObjectId"]
    assert now["hana.health@example.org"].active is False
    assert now["robin.referrer@example.org"].active is False
    assert now["dee.deputy@example.org"].active and str(
        now["dee.deputy@example.org"].cover_from
    ) == ("2026-12-01")
    (stored,) = await uploads(roster_db)
    assert stored.status == "applied" and stored.entries == []
    (event,) = [e for e in await audits(roster_db) if e.action == "roster.replace"]
    assert event.detail == {
        "upload_id": upload.id,
        "added": 1,
        "changed": 1,
        "unchanged": 2,
        "deactivated": 2,
    }
    no_email_in(await audits(roster_db))


async def test_a_preview_is_not_applied_to_a_roster_changed_since(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        await send_file(
            app,
            connector,
            workbook_of(
                [
                    ["Name", "Email", "Agency", "Roles"],
                    ["Morgan Manager", "morgan.manager@example.org", "la", "manager"],
                ]
            ),
            name="roster.xlsx",
        )
        (upload,) = await uploads(roster_db)
        pat = (await members_by_email(roster_db))["pat.constable@example.org"]
        await click(app, connector, "roster.roles", {"member": pat.id, "roles": "deputy"})
        before = await roster_rows(roster_db)
        stale = await click(app, connector, "roster.replace", {"upload": upload.id})
        assert "The roster has changed since you sent the file" in said(stale)
        assert await roster_rows(roster_db) == before
        # A newer file supersedes the older preview.
        await send_file(app, connector, csv_file(*DEMO_ROWS))
        older = await click(app, connector, "roster.replace", {"upload": upload.id})
        assert "newer roster file" in said(older)


async def test_a_file_without_the_word_roster_is_still_a_chronology(
    roster_db: str, connector: FakeConnector
) -> None:
    async with running_app(settings_of(roster_db), clock=Clock(MONDAY)) as app:
        before = await roster_rows(roster_db)
        await send_file(app, connector, csv_file(*DEMO_ROWS), text="")
        assert "chronology" in connector.texts()[-1]
        assert await roster_rows(roster_db) == before
        assert await uploads(roster_db) == []


# --- found by email until their first message; a deputy's cover ----------------------------


async def test_someone_added_by_email_is_linked_by_their_first_message_and_votes_on_cover(
    roster_db: str, connector: FakeConnector
) -> None:
    connector.members[DEE["id"]] = dict(DEE, userPrincipalName=DEE["email"])
    clock = Clock(MONDAY)  # Mon 23 Nov 2026
    async with running_app(settings_of(roster_db), clock=clock) as app:
        await click(
            app,
            connector,
            "roster.add",
            {
                "name": "Dee Deputy",
                "email": DEE["email"],
                "agency": "gmp",
                "roles": "deputy",
                "cover_from": "2026-12-01",
                "cover_to": "2026-12-24",
            },
        )
        await open_case(app, connector)
        # Dee's first message fills in their Entra id.
        dee_message = as_person("robin", "help", connector)
        dee_message["from"] = {k: DEE[k] for k in ("id", "name", "aadObjectId")}
        dee_message["conversation"]["id"] = "a:1dee-personal-fictional"
        await send(app, dee_message)
        dee = (await members_by_email(roster_db))[DEE["email"]]
        assert dee.aad_object_id == DEE["aadObjectId"] and dee.teams_user_id == DEE["id"]
        (linked,) = await audits(roster_db, "roster.entra_id_recorded")
        assert linked.detail == {"member_id": dee.id}

        # Outside the cover dates Dee does not vote; inside them Dee does.
        vote = {
            "outcome": "rapid_review",
            "rationale": "RATIONALE-dee",
            "serious_harm_basis": "BASIS-dee",
            "notifiable": "yes",
            "round": 1,
        }
        off_cover = await press_as_dee(app, connector, vote)
        assert "Only the panel members and deputies" in said(off_cover)
        await click(app, connector, "roster.cover", {"member": dee.id, "cover_from": "2026-11-20"})
        on_cover = await press_as_dee(app, connector, vote)
        assert "Only the panel members and deputies" not in said(on_cover)
    db = Database(roster_db)
    try:
        async with db.session() as s:
            (cast,) = (await s.scalars(select(PanelVote))).all()
            assert cast.member_id == dee.id and cast.agency == "police"
    finally:
        await db.dispose()


async def press_as_dee(
    app: RunningApp, connector: FakeConnector, data: dict[str, Any]
) -> dict[str, Any]:
    activity = card_invoke(
        "panel.vote", {"reference": REF, **data}, who="pat", service_url=connector.url
    )
    activity["from"] = {k: DEE[k] for k in ("id", "name", "aadObjectId")}
    resp = await app.post_activity(activity)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["value"]
