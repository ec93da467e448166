"""After the decision, over real HTTP on both profiles: the information requests and returns,
the meeting and its invitation, the chair's notes, the report (opened with python-docx) and
the date sent — and no child identifier in any channel post along the way."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import docx
import icalendar
import pytest
from sqlalchemy import select

from bot.settings import FILE_HOSTS
from bot.usecases.roster import import_roster
from helpers.activities import message
from helpers.app import RunningApp, app_settings, running_app
from helpers.cards import check_cards, nodes
from helpers.connector import FakeConnector
from helpers.panel import Clock, all_vote, open_case, press, settle, vote_data
from helpers.people import PEOPLE
from helpers.referral import FORM
from helpers.workbooks import workbook, zip_bomb
from review.report import REPORT_SECTIONS
from storage.db import Database
from storage.models import (
    AuditEvent,
    Case,
    CaseEvent,
    ChairNote,
    InformationRequest,
    Member,
    Milestone,
    OutboundMessage,
)

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
CHANNEL = "19:fictional-rapid-review@thread.tacv2"
# Markers in every answer of a return and of the chair's notes: none may reach the channel.
RETURN = {
    "involved": "yes",
    "records_secured": "true",
    "author_name": "Robin Referrer",
    "author_role": "Named Nurse",
    "practitioners": "RET-MARKER-PRACTITIONERS health visitor",
    "quality_assured_by": "RET-MARKER-QA named nurse lead",
    "family_members": "RET-MARKER-FAMILY mother and partner",
    "involvement_child": "RET-MARKER-CHILD weight checks",
    "involvement_parental_capacity": "RET-MARKER-CAPACITY missed appointments",
    "involvement_family_environment": "RET-MARKER-ENV housing",
    "involvement_multi_agency": "RET-MARKER-MULTI referral to social care",
    "actions_identified": "RET-MARKER-ACTIONS safety plan in place",
    "issues_for_panel": "RET-MARKER-ISSUES supervision of health visitors",
    "views_of_child_family": "RET-MARKER-VIEWS not known",
    "other_information": "",
}
# The police lead's whole return: the agency had no involvement.
NOT_INVOLVED = {
    "involved": "no",
    "records_secured": "true",
    "author_name": "Alex Lead",
    "author_role": "Detective Sergeant",
}
CHAIR = {
    "attendees": "CHAIR-MARKER-ATTENDEES Lee Authority, Pat Constable, Hana Health",
    "overview": "CHAIR-MARKER-OVERVIEW summary",
    "partner_discussion": "CHAIR-MARKER-PARTNERS the school nurse's account",
    **{f"q4_{n}": f"CHAIR-MARKER-Q{n} notes" for n in range(1, 8)},
    "safeguarding_arrangements": "CHAIR-MARKER-SAFE siblings with their grandmother",
    "immediate_learning": "CHAIR-MARKER-LEARN bruising in non-mobile babies",
    "further_learning": "CHAIR-MARKER-FURTHER working with fathers",
    "conclusion": "local_review",
    "conclusion_reasons": "CHAIR-MARKER-REASONS learning for two agencies",
    "action_1": "CHAIR-MARKER-ACTION brief the health visitors",
    "owner_1": "Designated nurse",
    "due_1": "2026-12-18",
}
# The period under review the manager gives with the requests (the decision is Mon 23 Nov 2026).
PERIOD = {"period_from": "2025-11-01", "period_to": "2026-11-20"}
CHILD_IDENTIFIERS = ("MARKER-", "2019-03-14", "14 Mar 2019", "RET-MARKER", "CHAIR-MARKER")

STOCKPORT_ROSTER = """
partnership = "stockport"
[[members]]
name = "Robin Referrer"
email = "robin.referrer@example.org"
agency = "stockport_nhs_ft"
roles = ["agency_lead"]
aad_object_id = "00000000-0000-4000-8000-000000000001"
[[members]]
name = "Lee Authority"
email = "lee.authority@example.org"
agency = "{la}"
roles = ["panel"]
aad_object_id = "00000000-0000-4000-8000-000000000002"
[[members]]
name = "Pat Constable"
email = "pat.constable@example.org"
agency = "{police}"
roles = ["panel"]
aad_object_id = "00000000-0000-4000-8000-000000000003"
[[members]]
name = "Hana Health"
email = "hana.health@example.org"
agency = "{health}"
roles = ["panel"]
aad_object_id = "00000000-0000-4000-8000-000000000004"
[[members]]
name = "Morgan Manager"
email = "morgan.manager@example.org"
agency = "{la}"
roles = ["manager", "chair"]
aad_object_id = "00000000-0000-4000-8000-000000000005"
[[members]]
name = "Alex Lead"
email = "alex.lead@example.org"
agency = "{police}"
roles = ["agency_lead"]
aad_object_id = "00000000-0000-4000-8000-000000000010"
"""
PROFILES = {
    "stockport": {
        "la": "stockport_council",
        "police": "gmp",
        "health": "stockport_ccg",
        "referrer_agency": "stockport_nhs_ft",
        "prefix": "SSCP",
        "lonely": "pennine_care",
        "local_review_due": date(2027, 6, 4),  # 6 months from the conclusion on Fri 4 Dec
    },
    "halton": {
        "la": "halton_council",
        "police": "cheshire_police",
        "health": "cm_icb",
        "referrer_agency": "bridgewater_nhs",
        "prefix": "HCYPSP",
        "lonely": "crc",
        "local_review_due": date(2027, 6, 4),
    },
    # A fictional third partnership, from a file outside review/profiles/: its own pathways,
    # decisions, roles, timescales and agencies, run with no change to the code.
    "northshire": {
        "la": "northshire_council",
        "police": "northshire_police",
        "health": "northshire_icb",
        "referrer_agency": "northshire_hospital",
        "prefix": "NSCP",
        "lonely": "northshire_schools",
        # Its own timescale: 4 months, Sun 4 Apr 2027 moved back to Fri 2 Apr.
        "local_review_due": date(2027, 4, 2),
        "path": str(Path(__file__).resolve().parents[2] / "profiles" / "northshire.toml"),
    },
}
HEAD_OF_SAFEGUARDING = """
[[members]]
name = "Sam Stranger"
email = "sam.stranger@example.org"
agency = "{la}"
roles = ["notifier"]
aad_object_id = "00000000-0000-4000-8000-0000000000ff"
"""

ALEX = {
    "id": "29:1alex-lead-fictional",
    "name": "Alex Lead",
    "aadObjectId": "00000000-0000-4000-8000-000000000010",
    "email": "alex.lead@example.org",
}


def roster_text(profile: str) -> str:
    names = PROFILES[profile]
    text = STOCKPORT_ROSTER.replace('"stockport_nhs_ft"', f'"{names["referrer_agency"]}"')
    text = text.replace('partnership = "stockport"', f'partnership = "{profile}"')
    return text.format(la=names["la"], police=names["police"], health=names["health"])


@contextmanager
def referral_from(agency: str) -> Iterator[None]:
    saved = FORM["referrer"]["agency"]
    FORM["referrer"]["agency"] = agency
    try:
        yield
    finally:
        FORM["referrer"]["agency"] = saved


def as_person(who: str, text: str, connector: FakeConnector, value: Any = None) -> dict[str, Any]:
    """A 1:1 message (or Action.Submit) from a demo person, in their own chat."""
    person = ALEX if who == "alex" else PEOPLE[who]
    sender = {"id": person["id"], "name": person["name"], "aadObjectId": person["aadObjectId"]}
    activity = message(text, service_url=connector.url, value=value)
    activity["from"] = sender
    activity["conversation"]["id"] = f"a:1{who}-personal-fictional"
    return activity


async def send(app: RunningApp, activity: dict[str, Any]) -> None:
    resp = await app.post_activity(activity)
    assert resp.status in (200, 201), await resp.text()
    await settle(app)


def sent_to(connector: FakeConnector, conversation_prefix: str) -> list[dict[str, Any]]:
    return [
        c.body
        for c in connector.sent()
        if c.conversation_id.startswith(conversation_prefix) and isinstance(c.body, dict)
    ]


def cards_in(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        a["content"]
        for b in bodies
        for a in b.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def consents_in(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        a
        for b in bodies
        for a in b.get("attachments") or []
        if a.get("contentType") == FILE_CONSENT
    ]


def tokens_in(card: dict[str, Any]) -> set[str]:
    return {
        node["data"]["token"]
        for node in nodes(card)
        if isinstance(node.get("data"), dict) and isinstance(node["data"].get("token"), str)
    }


async def accept(
    app: RunningApp, connector: FakeConnector, who: str, consent: dict[str, Any]
) -> bytes:
    """The person accepts a file consent card; the bytes the bot uploaded come back."""
    person = ALEX if who == "alex" else PEOPLE[who]
    name = consent["name"].replace(" ", "_")
    activity = as_person(who, "", connector)
    activity.update(
        type="invoke",
        name="fileConsent/invoke",
        value={
            "type": "fileUpload",
            "action": "accept",
            "context": consent["content"]["acceptContext"],
            "uploadInfo": {
                "name": consent["name"],
                "uploadUrl": connector.upload_url(name),
                "contentUrl": f"https://contoso.sharepoint.com/personal/{name}",
                "uniqueId": f"unique-{name}",
                "fileType": name.rsplit(".", 1)[-1],
            },
        },
    )
    activity.pop("text", None)
    before = len(connector.uploads)
    resp = await app.post_activity(activity)
    assert resp.status == 200, await resp.text()
    assert len(connector.uploads) == before + 1, person["name"]
    body = connector.uploads[-1].body
    assert isinstance(body, bytes)
    return body


async def offered_document(
    app: RunningApp, connector: FakeConnector, who: str, name_ends: str
) -> Any:
    """The Word document offered to `who` in 1:1 whose name ends with `name_ends`, accepted
    (uploaded by the bot to the fake OneDrive) and opened with python-docx."""
    offer = next(
        c for c in consents_in(sent_to(connector, f"a:1{who}")) if c["name"].endswith(name_ends)
    )
    return docx.Document(io.BytesIO(await accept(app, connector, who, offer)))


def report_sections(document: Any) -> dict[str, str]:
    """The report's text under each level-1 heading, paragraphs and tables in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    sections: dict[str, str] = {}
    current: str | None = None
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            paragraph = Paragraph(child, document)
            if paragraph.style.name == "Heading 1":
                current = paragraph.text
                sections[current] = ""
                continue
            text = paragraph.text
        elif child.tag.endswith("}tbl"):
            table = Table(child, document)
            text = "\n".join(" | ".join(c.text for c in row.cells) for row in table.rows)
        else:
            continue
        if current is not None:
            sections[current] += text + "\n"
    return sections


def channel_text(connector: FakeConnector) -> str:
    return json.dumps(sent_to(connector, CHANNEL))


async def rows(db_url: str, model: type, *where: Any) -> list[Any]:
    db = Database(db_url)
    try:
        async with db.session() as s:
            stmt = select(model)
            for clause in where:
                stmt = stmt.where(clause)
            return list((await s.scalars(stmt)).all())
    finally:
        await db.dispose()


async def decided_app_settings(
    db_url: str, tmp_path: Path, profile: str, extra_members: str = ""
) -> Any:
    """Settings for `profile` with its fictional roster (plus Alex, a police lead, and any
    `extra_members`, roster TOML) loaded."""
    roster = tmp_path / "roster.toml"
    roster.write_text(roster_text(profile) + extra_members)
    settings = app_settings(
        db_url,
        partnership_profile=PROFILES[profile].get("path", profile),
        file_hosts=(*FILE_HOSTS, "127.0.0.1"),
    )
    await import_roster(settings, roster)
    return settings


async def decide(app: RunningApp, connector: FakeConnector, clock: Clock, profile: str) -> str:
    """Robin refers; the three partners vote for a Rapid Review on Monday; the reference."""
    names = PROFILES[profile]
    connector.members[ALEX["id"]] = dict(ALEX, userPrincipalName=ALEX["email"])
    ref = f"{names['prefix']}-2026-0001"
    with referral_from(names["referrer_agency"]):
        await open_case(app, connector)
    await all_vote(app, connector, clock, "rapid_review", reference=ref)
    await settle(app)
    return ref


async def ask(app: RunningApp, connector: FakeConnector, ref: str, agencies: str) -> None:
    """Morgan sends the information request to `agencies` (comma-separated ids)."""
    value = {"action": "returns.request", "reference": ref, "agencies": agencies, **PERIOD}
    await send(app, as_person("morgan", "", connector, value))


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_the_decision_notice_sent_to_the_referrer_completes_telling_them(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, profile)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, profile)
        notices = cards_in(sent_to(connector, "a:1robin"))
        assert f"Decision on referral {ref}" in json.dumps(notices)
    (told,) = await rows(db_url, CaseEvent, CaseEvent.event == "decision_notice_sent")
    assert told.occurred_at == MONDAY.replace(hour=11, minute=20)  # as the third vote sealed it
    milestones = {m.milestone for m in await rows(db_url, Milestone)}
    if profile == "halton":  # "The referrer will be informed ... within 5 working days"
        # Done by its event (derived, not stored as a manual mark): no reminder is left.
        pending = await rows(
            db_url,
            OutboundMessage,
            OutboundMessage.milestone == "referrer_informed",
            OutboundMessage.status == "pending",
        )
        assert pending == []
    else:
        assert "referrer_informed" not in milestones


@pytest.mark.parametrize("profile", ["stockport", "halton", "northshire"])
async def test_the_whole_path_from_referral_to_report(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    names = PROFILES[profile]
    # Halton's report is signed off by its Head of Safeguarding (the notifier) too.
    head = HEAD_OF_SAFEGUARDING.format(la=names["la"]) if profile == "halton" else ""
    settings = await decided_app_settings(db_url, tmp_path, profile, head)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, profile)

        # The decision brought the manager their next steps in 1:1, unasked.
        steps = cards_in(
            sent_to(connector, connector.personal_chats[PEOPLE["morgan"]["aadObjectId"]])
        )
        assert "Ask agencies for information" in json.dumps(steps)
        assert "decided on a Rapid Review on Mon 23 Nov 2026" in json.dumps(steps)
        # The manager's next steps again from the case, then the agency picker.
        clock.now = MONDAY.replace(day=24, hour=9)
        await send(app, as_person("morgan", f"case {ref}", connector))
        morgan = cards_in(sent_to(connector, "a:1morgan"))
        assert "Ask agencies for information" in json.dumps(morgan[-1])
        await send(
            app, as_person("morgan", "", connector, {"action": "returns.pick", "reference": ref})
        )
        picker = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "Alex Lead" in json.dumps(picker)

        # An agency without a lead on the roster: nothing is sent, the manager is told.
        lonely = names["lonely"]
        await send(
            app,
            as_person(
                "morgan",
                "",
                connector,
                {"action": "returns.request", "reference": ref, "agencies": lonely, **PERIOD},
            ),
        )
        assert "no safeguarding lead on the roster" in json.dumps(
            cards_in(sent_to(connector, "a:1morgan"))[-1]
        )
        assert not await rows(db_url, InformationRequest)

        ask = f"{names['referrer_agency']},{names['police']}"
        # Without the period under review nothing is sent, and the choice is kept.
        value = {"action": "returns.request", "reference": ref, "agencies": ask}
        await send(app, as_person("morgan", "", connector, dict(value, period_to="2026-11-20")))
        refused = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "Give the period under review" in json.dumps(refused)
        assert [n.get("value") for n in nodes(refused) if n.get("id") == "period_to"] == [
            "2026-11-20"
        ]
        assert not await rows(db_url, InformationRequest)
        await send(app, as_person("morgan", "", connector, {**value, **PERIOD}))
        assert any(
            "On its way to" in (b.get("text") or "") for b in sent_to(connector, "a:1morgan")
        )
        requests = await rows(db_url, InformationRequest)
        assert sorted(r.agency for r in requests) == sorted(ask.split(","))
        assert {(str(r.period_from), str(r.period_to)) for r in requests} == {
            ("2025-11-01", "2026-11-20")
        }
        # Robin's 1:1 is known (the referral); Alex's chat is created proactively.
        robin_cards = cards_in(sent_to(connector, "a:1robin"))
        assert "The period under review: Sat 1 Nov 2025 to Fri 20 Nov 2026" in json.dumps(
            robin_cards[-1]
        )
        # The picker opened again offers the same period for the next agencies.
        await send(
            app, as_person("morgan", "", connector, {"action": "returns.pick", "reference": ref})
        )
        again = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert {
            n["id"]: n.get("value") for n in nodes(again) if n.get("id", "").startswith("period")
        } == {
            "period_from": "2025-11-01",
            "period_to": "2026-11-20",
        }
        robin_token = next(t for c in robin_cards for t in tokens_in(c) if "." not in t)
        alex_bodies = [
            c.body
            for c in connector.sent()
            if c.conversation_id.startswith("a:conv-") and isinstance(c.body, dict)
        ]
        alex_token = next(t for c in cards_in(alex_bodies) for t in tokens_in(c))
        assert robin_token != alex_token
        assert any(c.path == "/v3/conversations" for c in connector.calls)

        # Someone else cannot open Robin's return with its token.
        await send(
            app,
            as_person(
                "pat",
                "",
                connector,
                {"action": "return.save", "token": robin_token, "part": 1, "practitioners": "x"},
            ),
        )
        assert any(
            "Only the safeguarding lead" in (b.get("text") or "")
            for b in sent_to(connector, "a:1pat")
        )

        # Robin submits too early: the card comes back with the errors, nothing is returned.
        await send(
            app,
            as_person(
                "robin",
                "",
                connector,
                {"action": "return.submit", "token": robin_token, "part": 1, "involved": "yes"},
            ),
        )
        assert (await rows(db_url, InformationRequest, InformationRequest.token == robin_token))[
            0
        ].status == "draft"
        # Then fills it in part by part, adds a chronology row and submits.
        await send(
            app,
            as_person(
                "robin",
                "",
                connector,
                {"action": "return.save", "token": robin_token, "part": 1, **RETURN},
            ),
        )
        await send(
            app,
            as_person(
                "robin",
                "",
                connector,
                {
                    "action": "return.add_row",
                    "token": robin_token,
                    "part": 4,
                    "chrono_date_from": "2026-10-02",
                    "chrono_involvement_with": "Mother",
                    "chrono_event_outcome": "RET-MARKER-ROW missed clinic",
                    "chrono_child_seen": "no",
                },
            ),
        )
        await send(
            app,
            as_person(
                "robin", "", connector, {"action": "return.submit", "token": robin_token, "part": 4}
            ),
        )
        assert any(
            "is with the business unit" in (b.get("text") or "")
            for b in sent_to(connector, "a:1robin")
        )
        robin_request = (
            await rows(db_url, InformationRequest, InformationRequest.token == robin_token)
        )[0]
        assert robin_request.status == "returned"
        assert robin_request.chronology[0]["event_and_outcome"] == "RET-MARKER-ROW missed clinic"

        # Alex's agency was not involved.
        await send(
            app,
            as_person(
                "alex",
                "",
                connector,
                {
                    "action": "return.submit",
                    "token": alex_token,
                    "part": 1,
                    **NOT_INVOLVED,
                },
            ),
        )
        statuses = sorted(r.status for r in await rows(db_url, InformationRequest))
        assert statuses == ["not_involved", "returned"]
        done = await rows(db_url, Milestone, Milestone.milestone == "agency_returns")
        assert done[0].done_at is not None
        assert "Received" in channel_text(connector) and "Not involved" in channel_text(connector)

        # The meeting: a weekend is refused with the reason; a working day in the window is
        # booked, posted in the thread and sent as an invitation.
        await send(
            app, as_person("morgan", "", connector, {"action": "meeting.open", "reference": ref})
        )
        saturday = {
            "action": "meeting.propose",
            "reference": ref,
            "meeting_date": "2026-12-05",
            "meeting_time": "10:00",
            "location": "Teams",
            "duration_minutes": "90",
        }
        await send(app, as_person("morgan", "", connector, saturday))
        assert "is not a working day" in json.dumps(cards_in(sent_to(connector, "a:1morgan"))[-1])
        meeting_day = "2026-12-04"  # 9 working days after the decision of Mon 23 Nov
        await send(
            app, as_person("morgan", "", connector, {**saturday, "meeting_date": meeting_day})
        )
        booked = [b.get("text") or "" for b in sent_to(connector, "a:1morgan")]
        # The panel (3), Morgan and Robin; Alex's agency is not involved.
        assert any("Booked" in t and "and 5 people get the invitation" in t for t in booked)
        assert "Rapid Review meeting booked" in channel_text(connector)
        invitation = next(
            c for c in consents_in(sent_to(connector, "a:1morgan")) if c["name"].endswith(".ics")
        )
        ics = icalendar.Calendar.from_ical(await accept(app, connector, "morgan", invitation))
        event = next(iter(ics.walk("VEVENT")))
        assert event.decoded("dtstart").date() == date(2026, 12, 4)
        assert str(event.get("summary")) == f"Rapid Review meeting — {ref}"
        # Robin's agency is involved and invited; Alex's said it was not, so is not invited.
        assert "robin.referrer@example.org" in str(ics.to_ical())
        assert "alex.lead@example.org" not in str(ics.to_ical())

        # Papers circulated: the returns are final.
        await send(app, as_person("morgan", f"papers {ref}", connector))
        await send(
            app,
            as_person(
                "robin",
                "",
                connector,
                {
                    "action": "return.save",
                    "token": robin_token,
                    "part": 1,
                    "practitioners": "changed",
                },
            ),
        )
        assert any(
            "can no longer be changed" in (b.get("text") or "")
            for b in sent_to(connector, "a:1robin")
        )
        robin_request = (
            await rows(db_url, InformationRequest, InformationRequest.token == robin_token)
        )[0]
        assert robin_request.answers["practitioners"] == RETURN["practitioners"]
        # The papers went to the panel, the managers and the chair in 1:1: every return.
        document = await offered_document(app, connector, "morgan", "meeting papers.docx")
        text = "\n".join(p.text for p in document.paragraphs) + json.dumps(
            [[c.text for c in row.cells] for t in document.tables for row in t.rows]
        )
        assert "RET-MARKER-CAPACITY missed appointments" in text
        assert "RET-MARKER-ROW missed clinic" in text and "Not involved" in text
        lee_chat = connector.personal_chats.get(PEOPLE["lee"]["aadObjectId"], "a:1lee")
        assert any(
            c["name"].endswith("meeting papers.docx")
            for c in consents_in(sent_to(connector, lee_chat))
        )
        # A lead is not sent the other agencies' returns, and cannot ask for them.
        assert not [c for c in consents_in(sent_to(connector, "a:1robin")) if "papers" in c["name"]]
        await send(
            app,
            as_person("robin", "", connector, {"action": "returns.view", "reference": ref}),
        )
        assert "Only" in sent_to(connector, "a:1robin")[-1]["text"]

        # The chair's notes: the conclusion records local_review_decided and makes the report.
        clock.now = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
        await send(
            app, as_person("morgan", "", connector, {"action": "chair.open", "reference": ref})
        )
        # Appendix F 1.1 starts as who was invited: the panel, the chair and manager, the leads.
        opened = cards_in(sent_to(connector, "a:1morgan"))[-1]
        (attendees,) = [n["value"] for n in nodes(opened) if n.get("id") == "attendees"]
        invited = attendees.splitlines()
        for line in ("Lee Authority — ", "Pat Constable — ", "Hana Health — "):
            assert any(a.startswith(line) and a.endswith("(panel member)") for a in invited)
        assert any(
            a.startswith("Morgan Manager — ") and a.endswith("(business unit manager, chair)")
            for a in invited
        )
        await send(
            app,
            as_person(
                "morgan",
                "",
                connector,
                {
                    "action": "chair.conclude",
                    "reference": ref,
                    "part": 1,
                    "overview": CHAIR["overview"],
                },
            ),
        )
        assert not await rows(db_url, CaseEvent, CaseEvent.event == "local_review_decided")
        await send(
            app,
            as_person(
                "morgan",
                "",
                connector,
                {"action": "chair.conclude", "reference": ref, "part": 1, **CHAIR},
            ),
        )
        assert await rows(db_url, CaseEvent, CaseEvent.event == "local_review_decided")
        local = await rows(db_url, Milestone, Milestone.milestone == "local_review_report")
        assert local[0].due_on == names["local_review_due"]
        document = await offered_document(app, connector, "morgan", "report.docx")
        sections = report_sections(document)
        assert list(sections) == list(REPORT_SECTIONS)
        (
            criteria,
            safeguarding,
            facts,
            decision,
            national,
            learning,
            further,
            agencies,
            who,
            child,
            signed,
        ) = sections.values()
        assert "Working Together" in criteria and "CHAIR-MARKER-Q4 notes" in criteria
        # The partnership's own wording of the local review criteria (its profile).
        if profile == "halton":
            assert "police area or integrated care board is involved" in criteria
            assert "under the Mental Health Act 1983" in criteria
        elif profile == "stockport":
            assert "police area, or clinical commissioning group is involved" in criteria
            assert "integrated care board" not in criteria
        else:  # the fictional third quotes its own
            assert "Northshire's agencies could work together better (fictional)" in criteria
            assert "families have moved around." not in criteria  # not Stockport's criteria
        # The report's own answers, recorded with the chair's notes.
        assert "CHAIR-MARKER-SAFE" in safeguarding and "RET-MARKER" not in safeguarding
        assert "CHAIR-MARKER-OVERVIEW" in facts and "4 Dec 2026" in facts  # the meeting
        assert "CHAIR-MARKER-PARTNERS" in facts
        assert "RATIONALE-la" in decision and "BASIS-police" in decision
        assert "CHAIR-MARKER-REASONS" in decision
        assert "not recommended" in national.lower() or "no national review" in national.lower()
        assert "CHAIR-MARKER-LEARN" in learning and "CHAIR-MARKER-ACTION" in learning
        assert "CHAIR-MARKER-FURTHER" in further
        assert "Received" in agencies and "Not involved" in agencies
        assert "Lee Authority" in who and "Pat Constable" in who and "Hana Health" in who
        assert "CHAIR-MARKER-ATTENDEES" in who
        assert "Female" in child and "14 Mar 2019" in child
        # The Markdown has the same sections in the same order.
        markdown = next(
            c for c in consents_in(sent_to(connector, "a:1morgan")) if c["name"].endswith(".md")
        )
        text = (await accept(app, connector, "morgan", markdown)).decode()
        positions = [text.index(heading) for heading in REPORT_SECTIONS]
        assert positions == sorted(positions)

        # Not signed off yet; the chair signs it off (Halton's Head of Safeguarding too).
        assert "Not signed off yet." in signed
        await press(app, connector, "report.sign_off", "morgan", {"reference": ref})
        if profile == "halton":
            await press(app, connector, "report.sign_off", "stranger", {"reference": ref})
        # The date sent completes the report milestone and starts the desk-top reviews.
        await send(
            app,
            as_person(
                "morgan",
                "",
                connector,
                {"action": "report.sent", "reference": ref, "sent_on": "2026-12-04"},
            ),
        )
        sent = await rows(db_url, CaseEvent, CaseEvent.event == "rapid_review_report_sent")
        assert sent
        if profile == "stockport":
            desk = await rows(db_url, Milestone, Milestone.milestone == "desktop_review_6m")
            assert desk[0].due_on is not None and desk[0].due_on >= date(2027, 6, 4)

    # Nothing identifying ever reached the channel; every step was audited.
    posted = channel_text(connector)
    for marker in CHILD_IDENTIFIERS:
        assert marker not in posted, marker
    actions = {a.action for a in await rows(db_url, AuditEvent)}
    assert {
        "returns.request",
        "return.save",
        "return.submit",
        "meeting.propose",
        "papers.circulated",
        "returns.view",
        "chair.conclude",
        "report.sent",
    } <= actions
    check_cards(cards_in(sent_to(connector, "")))


def file_message(
    connector: FakeConnector, who: str, name: str, file_type: str, text: str = ""
) -> dict[str, Any]:
    """A 1:1 message carrying a file the person uploaded (Teams' download info)."""
    activity = as_person(who, text, connector)
    activity["attachments"] = [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "content": {
                "downloadUrl": connector.download_url(name),
                "uniqueId": f"unique-{name}",
                "fileType": file_type,
            },
        }
    ]
    return activity


CSV = (
    "Date from,Date to,Time,Involvement with,Event and outcome,Child seen,Analysis\n"
    "02/10/2026,,10:30,Mother,RET-MARKER-CSV missed clinic,No,Not followed up\n"
    "14/10/2026,15/10/2026,,Child,Home visit,Yes,\n"
)


async def test_a_chronology_spreadsheet_joins_the_leads_return(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "stockport_nhs_ft")
        # A PDF: asked for a workbook or CSV, nothing fetched or added.
        connector.files["chronology.pdf"] = b"%PDF-1.7"
        await send(app, file_message(connector, "robin", "chronology.pdf", "pdf"))
        assert "Excel workbook (.xlsx) or a CSV" in sent_to(connector, "a:1robin")[-1]["text"]
        assert not connector.downloads
        # A CSV with a bad date: every row is refused, with the row named.
        connector.files["bad.csv"] = CSV.replace("14/10/2026", "31/02/2026").encode()
        await send(app, file_message(connector, "robin", "bad.csv", "csv"))
        assert "Nothing was added" in sent_to(connector, "a:1robin")[-1]["text"]
        assert (await rows(db_url, InformationRequest))[0].chronology == []
        # The good file: both rows join the return, and the chronology part comes back.
        connector.files["good.csv"] = CSV.encode()
        await send(app, file_message(connector, "robin", "good.csv", "csv"))
        texts = [b.get("text") or "" for b in sent_to(connector, "a:1robin")]
        assert any("Added 2 chronology rows" in t for t in texts)
        stored = (await rows(db_url, InformationRequest))[0].chronology
        assert [r["date_from"] for r in stored] == ["2026-10-02", "2026-10-14"]
        assert stored[0]["event_and_outcome"] == "RET-MARKER-CSV missed clinic"
        # Halton's Excel template comes back as a workbook: its rows join the return too.
        connector.files["template.xlsx"] = workbook(
            [
                [
                    "Agency",
                    "Date from",
                    "Date to",
                    "Time",
                    "Involvement with",
                    "Description of significant event and outcome",
                    "Child seen",
                    "Analysis",
                ],
                [
                    "Health",
                    date(2026, 11, 2),
                    None,
                    time(9, 15),
                    "Child",
                    "RET-MARKER-XLSX weighed",
                    "Yes",
                    "",
                ],
                [None] * 8,
            ]
        )
        await send(app, file_message(connector, "robin", "template.xlsx", "xlsx"))
        stored = (await rows(db_url, InformationRequest))[0].chronology
        assert stored[-1]["date_from"] == "2026-11-02" and stored[-1]["time_from"] == "09:15"
        assert stored[-1]["event_and_outcome"] == "RET-MARKER-XLSX weighed"
        # A workbook that unpacks to far more than it weighs is refused before parsing.
        connector.files["bomb.xlsx"] = zip_bomb(50_000_000)
        await send(app, file_message(connector, "robin", "bomb.xlsx", "xlsx"))
        assert "too large once unpacked" in sent_to(connector, "a:1robin")[-1]["text"]
        assert len((await rows(db_url, InformationRequest))[0].chronology) == 3
        # Someone who is no agency's lead cannot add a chronology to anything.
        connector.files["pat.csv"] = CSV.encode()
        await send(app, file_message(connector, "pat", "pat.csv", "csv"))
        assert "safeguarding lead" in sent_to(connector, "a:1pat")[-1]["text"]
    audits = await rows(db_url, AuditEvent, AuditEvent.action == "return.upload")
    assert [a.outcome for a in audits] == ["ok", "ok", "refused"]


async def test_the_returns_reminder_names_only_the_agencies_that_have_not_replied(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    from bot.teams.keys import REMINDERS

    settings = await decided_app_settings(db_url, tmp_path, "halton")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "halton")
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "bridgewater_nhs,cheshire_police")
        token = next(
            t
            for c in cards_in(sent_to(connector, "a:1robin"))
            for t in tokens_in(c)
            if "." not in t
        )
        value = {"action": "return.submit", "token": token, "part": 1, **RETURN}
        await send(app, as_person("robin", "", connector, value))
        # Halton: returns are due 9 working days after the referral (Fri 4 Dec 2026).
        clock.now = datetime(2026, 12, 4, 9, 5, tzinfo=UTC)
        before = len(sent_to(connector, CHANNEL))
        await app.client.app[REMINDERS].sweep()
        await settle(app)
        nudges = [
            json.dumps(b)
            for b in sent_to(connector, CHANNEL)[before:]
            if "Agencies return the Rapid Review form" in json.dumps(b)
        ]
        assert len(nudges) == 1
        assert "Cheshire Constabulary" in nudges[0] and "Alex Lead" in nudges[0]
        assert "Bridgewater NHS" not in nudges[0] and "Robin Referrer" not in nudges[0]
        # Once the police have replied too, no returns reminder is posted at all.
        alex_token = next(
            t
            for c in cards_in(
                [b.body for b in connector.sent() if b.conversation_id.startswith("a:conv-")]
            )
            for t in tokens_in(c)
        )
        value = {
            "action": "return.submit",
            "token": alex_token,
            "part": 1,
            **NOT_INVOLVED,
        }
        await send(app, as_person("alex", "", connector, value))
        clock.now = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
        before = len(sent_to(connector, CHANNEL))
        await app.client.app[REMINDERS].sweep()
        await settle(app)
        later = json.dumps(sent_to(connector, CHANNEL)[before:])
        assert "Agencies return the Rapid Review form" not in later


async def test_only_managers_and_the_chair_act_after_the_decision(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        for action, extra in (
            ("returns.request", {"agencies": "gmp"}),
            ("meeting.propose", {"meeting_date": "2026-12-04", "meeting_time": "10:00"}),
            ("chair.conclude", CHAIR),
            ("report.sent", {"sent_on": "2026-11-24"}),
        ):
            value = {"action": action, "reference": ref, "part": 3, **extra}
            await send(app, as_person("pat", "", connector, value))
            assert "Only" in sent_to(connector, "a:1pat")[-1]["text"], action
        # A guessed reference is refused like any other.
        value = {"action": "meeting.open", "reference": "SSCP-2026-0099"}
        await send(app, as_person("morgan", "", connector, value))
        assert "does not exist" in sent_to(connector, "a:1morgan")[-1]["text"]
        # The date sent cannot be in the future.
        value = {"action": "report.sent", "reference": ref, "sent_on": "2026-12-25"}
        await send(app, as_person("morgan", "", connector, value))
        assert "in the future" in sent_to(connector, "a:1morgan")[-1]["text"]
        # Nothing was recorded by any of it.
        assert not await rows(db_url, InformationRequest)
        assert not await rows(db_url, CaseEvent, CaseEvent.event == "rapid_review_report_sent")
    refused = await rows(db_url, AuditEvent, AuditEvent.outcome == "refused")
    assert {"returns.request", "meeting.propose", "chair.save", "report.sent", "meeting.open"} <= {
        a.action for a in refused
    }


async def test_the_report_names_the_chair_who_recorded_the_conclusion(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    second_chair = """
[[members]]
name = "Casey Otherchair"
email = "casey.otherchair@example.org"
agency = "stockport_council"
roles = ["chair"]
aad_object_id = "00000000-0000-4000-8000-000000000011"
"""
    settings = await decided_app_settings(db_url, tmp_path, "stockport", second_chair)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        value = {"action": "chair.conclude", "reference": ref, "part": 1, **CHAIR}
        await send(app, as_person("morgan", "", connector, value))
        document = await offered_document(app, connector, "morgan", "report.docx")
    who = report_sections(document)[REPORT_SECTIONS[8]]
    assert "Chair: Morgan Manager" in who
    assert "Casey Otherchair" not in who  # a chair on the roster, not this case's
    (note,) = await rows(db_url, ChairNote)
    (morgan,) = await rows(db_url, Member, Member.name == "Morgan Manager")
    assert note.concluded_by_member_id == morgan.id


async def test_notes_concluded_before_later_questions_still_give_their_report(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "stockport_nhs_ft")
        (request,) = await rows(db_url, InformationRequest)
        value = {"action": "return.submit", "token": request.token, "part": 1, **RETURN}
        await send(app, as_person("robin", "", connector, value))
        # Concluded as the notes were before the attendees and the report's three answers.
        recorded = {
            k: v
            for k, v in CHAIR.items()
            if k
            not in (
                "attendees",
                "partner_discussion",
                "safeguarding_arrangements",
                "immediate_learning",
                "further_learning",
            )
        }
        db = Database(db_url)
        try:
            async with db.session() as s, s.begin():
                (case,) = await s.scalars(select(Case))
                s.add(
                    ChairNote(
                        case_id=case.id,
                        notes=recorded,
                        conclusion="local_review",
                        concluded_at=clock.now,
                    )
                )
        finally:
            await db.dispose()
        await send(
            app, as_person("morgan", "", connector, {"action": "report.open", "reference": ref})
        )
        texts = [b.get("text") or "" for b in sent_to(connector, "a:1morgan")]
        assert any("on its way to you" in t for t in texts), texts[-3:]
        document = await offered_document(app, connector, "morgan", "report.docx")
    sections = report_sections(document)
    # What stood in for the three answers then stands in still.
    assert "RET-MARKER-ACTIONS safety plan in place" in sections[REPORT_SECTIONS[1]]
    assert "CHAIR-MARKER-Q1" in sections[REPORT_SECTIONS[5]]
    assert "RET-MARKER-ISSUES" in sections[REPORT_SECTIONS[6]]


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_after_the_report_each_clock_is_set_by_its_event_and_a_closed_case_goes_quiet(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    from storage.models import Case, OutboundMessage

    settings = await decided_app_settings(db_url, tmp_path, profile)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, profile)
        clock.now = MONDAY.replace(day=24, hour=9)
        await send(app, as_person("morgan", f"published {ref} 2027-06-01", connector))
        await send(app, as_person("morgan", f"complaint {ref} 2026-11-24", connector))
        said = [b.get("text") or "" for b in sent_to(connector, "a:1morgan")]
        notice = await rows(db_url, Milestone, Milestone.milestone == "publication_notice")
        complaint = await rows(db_url, Milestone, Milestone.milestone == "complaint_response")
        if profile == "halton":
            # Seven working days before publication on Tue 1 Jun 2027 (31 May is a bank
            # holiday): Thu 20 May 2027.
            assert notice[0].due_on == date(2027, 5, 20)
            assert any("no deadline counted from a complaint" in t for t in said)
        else:
            assert complaint[0].due_on == date(2026, 12, 22)  # 28 calendar days
            assert any("no deadline counted from the publication date" in t for t in said)
        # Only a manager records these; a panel member is refused.
        await send(app, as_person("pat", f"close {ref}", connector))
        assert "Only a partnership manager" in sent_to(connector, "a:1pat")[-1]["text"]
        await send(app, as_person("morgan", f"close {ref}", connector))
        assert (await rows(db_url, Case))[0].status != "closed"  # it asks first
        await press(app, connector, "case.close", "morgan", {"reference": ref})
        await settle(app)
        case = (await rows(db_url, Case))[0]
        assert case.status == "closed" and case.closed_at is not None
        # The case card in the channel is redrawn as closed.
        assert connector.sent()[-1].activity_id == case.channel_activity_id
        assert "Closed" in json.dumps(connector.sent()[-1].body)
        pending = await rows(
            db_url,
            OutboundMessage,
            OutboundMessage.kind == "nudge",
            OutboundMessage.status == "pending",
        )
        assert pending == []


async def test_hostile_answers_on_every_form_after_the_decision_break_nothing(
    db_url: str, connector: FakeConnector, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import random

    from hostile.test_fuzz_and_refusals import ACTIONS, AFTER_FIELDS, WEIRD

    rng = random.Random(20261122)
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    caplog.set_level(logging.ERROR)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "stockport_nhs_ft")
        token = next(
            t
            for c in cards_in(sent_to(connector, "a:1robin"))
            for t in tokens_in(c)
            if "." not in t
        )
        fields = (*AFTER_FIELDS, *RETURN, *CHAIR, "chrono_event_outcome", "chrono_child_seen")
        for _ in range(300):
            value: dict[str, Any] = {
                "action": rng.choice([a for a in ACTIONS if "." in a and a[0] in "rmc"]),
                "reference": ref if rng.random() < 0.8 else rng.choice(WEIRD),
                "token": token if rng.random() < 0.8 else rng.choice(WEIRD),
            }
            value.update(
                {f: rng.choice(WEIRD) for f in fields if f != "reference" and rng.random() < 0.4}
            )
            resp = await app.post_activity(
                as_person(rng.choice(["morgan", "robin", "pat"]), "", connector, value)
            )
            assert resp.status < 500, await resp.text()
        await settle(app)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    cards = cards_in(sent_to(connector, ""))
    check_cards(cards)
    posted = channel_text(connector)
    for weird in WEIRD:
        if isinstance(weird, str) and len(weird) > 12 and weird != "SSCP-2026-0001":
            assert json.dumps(weird)[1:-1] not in posted, weird
    # The hostile answers reached the forms' code, not only the refusals.
    reached = {a.action for a in await rows(db_url, AuditEvent, AuditEvent.outcome == "ok")}
    assert {"return.save", "chair.save"} <= reached


async def test_an_agency_not_involved_is_taken_off_the_meeting_already_booked(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "halton")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "halton")
        clock.now = MONDAY.replace(day=24, hour=9)
        await ask(app, connector, ref, "bridgewater_nhs,cheshire_police")
        booking = {
            "action": "meeting.propose",
            "reference": ref,
            "meeting_date": "2026-12-04",
            "meeting_time": "10:00",
            "location": "Teams",
            "duration_minutes": "90",
        }
        await send(app, as_person("morgan", "", connector, booking))
        # Alex never wrote to the bot: the chat it opened for him.
        alex_chat = sent_to(connector, connector.personal_chats[ALEX["aadObjectId"]])
        invitation = next(c for c in consents_in(alex_chat) if c["name"].endswith(".ics"))
        first = icalendar.Calendar.from_ical(await accept(app, connector, "alex", invitation))
        assert str(first["METHOD"]) == "REQUEST"
        alex_token = next(t for c in cards_in(alex_chat) for t in tokens_in(c))
        value = {
            "action": "return.submit",
            "token": alex_token,
            "part": 1,
            **NOT_INVOLVED,
        }
        await send(app, as_person("alex", "", connector, value))
        # Having written, his own 1:1 is the one on record now.
        alex_chat = sent_to(connector, "a:1alex")
        cancellation = next(c for c in consents_in(alex_chat) if "cancelled" in c["name"])
        cancelled = icalendar.Calendar.from_ical(await accept(app, connector, "alex", cancellation))
        assert str(cancelled["METHOD"]) == "CANCEL"
        event = next(iter(cancelled.walk("VEVENT")))
        assert str(event["UID"]) == str(next(iter(first.walk("VEVENT")))["UID"])
        assert int(event["SEQUENCE"]) == 1
        assert "alex.lead@example.org" in str(event["ATTENDEE"])
        # Robin (involved) is told nothing of the kind.
        assert not [c for c in consents_in(sent_to(connector, "a:1robin")) if "cancel" in c["name"]]


async def test_the_fictional_third_partnership_is_reminded_on_its_own_timescales(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    """Northshire (tests/profiles/northshire.toml, no code of its own): its decision brings its
    own first milestone, due a working day later, nudged at its own hour in the case's thread
    and @mentioning its own business support role."""
    from bot.teams.keys import REMINDERS

    extra = """
[[members]]
name = "Bea Support"
email = "bea.support@example.org"
agency = "northshire_council"
roles = ["business_support"]
aad_object_id = "00000000-0000-4000-8000-000000000011"
"""
    settings = await decided_app_settings(db_url, tmp_path, "northshire", extra)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "northshire")
        (ask_them,) = await rows(db_url, Milestone, Milestone.milestone == "information_request")
        assert ask_them.due_on == date(2026, 11, 24)  # one working day after Monday's decision
        before = len(connector.calls)
        clock.now = datetime(2026, 11, 24, 8, 31, tzinfo=UTC)  # 08:30 London: its due-today hour
        await app.client.app[REMINDERS].sweep()
        await settle(app)
        posted = json.dumps([c.body for c in connector.calls[before:]])
    assert "Ask the agencies for their records" in posted and ref in posted
    assert "Bea Support" in posted  # its own role, business_support, is @mentioned


async def test_a_meeting_after_the_report_is_due_asks_why_and_the_report_quotes_it(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    """Stockport, decided on Friday 27 Nov (working day 4): the report is due Mon 14 Dec, and
    the meeting's window runs to Wed 16 Dec. A meeting on Tue 15 Dec is refused without a
    reason, booked with one, and the reason is kept for the report."""
    from storage.models import Meeting

    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        names = PROFILES["stockport"]
        connector.members[ALEX["id"]] = dict(ALEX, userPrincipalName=ALEX["email"])
        ref = f"{names['prefix']}-2026-0001"
        with referral_from(names["referrer_agency"]):
            await open_case(app, connector)
        clock.now = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # Friday: working day 4
        for partner, who in (("la", "lee"), ("police", "pat"), ("health", "hana")):
            await press(app, connector, "panel.vote", who, vote_data("rapid_review", partner))
        clock.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
        await settle(app)
        await send(
            app, as_person("morgan", "", connector, {"action": "meeting.open", "reference": ref})
        )
        form = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "The plan's dates conflict" in json.dumps(form)  # said before booking
        late = {
            "action": "meeting.propose",
            "reference": ref,
            "meeting_date": "2026-12-15",
            "meeting_time": "10:00",
            "location": "Teams",
            "duration_minutes": "90",
        }
        await send(app, as_person("morgan", "", connector, late))
        refused = json.dumps(cards_in(sent_to(connector, "a:1morgan"))[-1])
        assert "is after the report is due on Mon 14 Dec 2026" in refused
        assert "Say why it is held then" in refused
        assert await rows(db_url, Meeting) == []
        because = {**late, "late_reason": "LATE-the police lead returns from leave on 15 Dec"}
        await send(app, as_person("morgan", "", connector, because))
        check_cards([form])
    (meeting,) = await rows(db_url, Meeting)
    assert meeting.late_reason == "LATE-the police lead returns from leave on 15 Dec"
