"""The referral dialog as conversations (botbuilder.testing), with an in-memory fake app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botbuilder.testing import DialogTestClient

from bot.usecases.people import Person
from bot.usecases.referrals import Submitted
from dialogs.referral import ReferralDialog, StartOptions
from helpers.referral import FORM, find_tokens
from review.referral import FORM_REQUIRED, PATHWAYS, SECTIONS, FormInvalid, validate_form


@dataclass
class FakeServices:
    """The application side of the dialog, in memory: records what was submitted."""

    partnership_name: str = "Demo Partnership"
    agencies: tuple[tuple[str, str], ...] = (
        ("stockport_nhs_ft", "Stockport NHS Foundation Trust"),
        ("gmp", "Greater Manchester Police"),
    )
    submitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    today: str = "2026-11-23"
    pathways: Mapping[str, Any] = field(default_factory=lambda: dict(PATHWAYS))
    required_fields: frozenset[str] = FORM_REQUIRED

    def today_iso(self) -> str:
        return self.today

    def now_iso(self) -> str:
        return f"{self.today}T10:00:00+00:00"

    async def submit(
        self, draft_id: str, form: Mapping[str, Mapping[str, str]], person: Person
    ) -> Submitted:
        from datetime import date

        results = validate_form(
            form, today=date.fromisoformat(self.today), agency_ids=[a for a, _ in self.agencies]
        )
        if not all(r.ok for r in results.values()):
            raise FormInvalid(results)
        self.submitted.append((draft_id, {k: dict(v) for k, v in form.items()}))
        return Submitted("DEMO-2026-0001", True, "Rapid review")

    async def after_submit(self, submitted: Submitted) -> None:
        return None


async def _person(context: TurnContext) -> Person:
    return Person(aad_object_id="aad-robin", name="Robin Referrer")


class Conversation:
    """A dialog test client that presses buttons on the newest card."""

    def __init__(self, services: FakeServices) -> None:
        self.client = DialogTestClient(
            "msteams",
            ReferralDialog(services, _person),
            initial_dialog_options=StartOptions("Robin Referrer", "robin@example.org"),
            conversation_state=ConversationState(MemoryStorage()),
        )
        self.cards: list[dict[str, Any]] = []
        self.texts: list[str] = []

    def _collect(self, reply: Activity | None) -> None:
        while reply is not None:
            for att in reply.attachments or []:
                self.cards.append(att.content)
            if reply.text:
                self.texts.append(reply.text)
            reply = self.client.get_next_reply()

    async def say(self, text: str) -> None:
        self._collect(await self.client.send_activity(text))

    async def press(self, action: str, token: str | None = None, **inputs: Any) -> None:
        token = token or find_tokens(self.cards[-1])[0]
        activity = Activity(
            type=ActivityTypes.message,
            value={"action": action, "token": token, **inputs},
            from_property=ChannelAccount(id="user"),
        )
        self._collect(await self.client.send_activity(activity))

    @property
    def card(self) -> str:
        return json.dumps(self.cards[-1])


async def _to_summary(c: Conversation) -> None:
    await c.say("refer")
    for section in SECTIONS:
        await c.press("referral.step", section=section, **FORM[section])


async def test_prefills_the_referrer_from_teams() -> None:
    c = Conversation(FakeServices())
    await c.say("refer")
    await c.press("referral.step", section="pathway", pathway="practice_review")
    assert "Robin Referrer" in c.card and "robin@example.org" in c.card


async def test_back_goes_to_the_previous_step_with_its_answers() -> None:
    c = Conversation(FakeServices())
    await c.say("refer")
    await c.press("referral.step", section="pathway", pathway="escalation")
    await c.press("referral.back")
    assert '"value": "escalation"' in c.card


async def test_edit_from_the_summary_returns_to_the_summary() -> None:
    services = FakeServices()
    c = Conversation(services)
    await _to_summary(c)
    await c.press("referral.edit", section="views")
    assert "key_issues" in c.card
    await c.press("referral.step", section="views", **dict(FORM["views"], key_issues="EDITED"))
    assert "Submit referral" in c.card and "EDITED" in c.card
    await c.press("referral.submit")
    assert services.submitted[0][1]["views"]["key_issues"] == "EDITED"


async def test_submit_revalidates_and_sends_back_to_the_bad_section() -> None:
    services = FakeServices()
    c = Conversation(services)
    await _to_summary(c)
    services.today = "2026-11-01"  # the event date is now in the future
    await c.press("referral.submit")
    assert services.submitted == []
    assert any("another look" in t for t in c.texts)
    assert "event_date" in c.card


async def test_typed_cancel_asks_first_and_resume_goes_back() -> None:
    c = Conversation(FakeServices())
    await c.say("refer")
    await c.press("referral.step", section="pathway", pathway="rapid_review")
    await c.say("cancel")
    assert "Yes, cancel" in c.card
    await c.press("referral.resume")
    assert "referrer_name" in c.card


async def test_free_text_mid_form_shows_the_current_step_again() -> None:
    c = Conversation(FakeServices())
    await c.say("refer")
    before = len(c.cards)
    await c.say("hello?")
    assert len(c.cards) == before + 1 and '"pathway"' in c.card


async def test_submit_from_a_step_is_out_of_date() -> None:
    services = FakeServices()
    c = Conversation(services)
    await c.say("refer")
    await c.press("referral.submit")
    assert services.submitted == []
    assert any("out of date" in t for t in c.texts)
