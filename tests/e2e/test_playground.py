"""A newcomer's rapid review, end to end, in the Microsoft 365 Agents Playground.

Robin Referrer (the Playground's signed-in user) sends a referral through the 1:1 chat in the
browser; Morgan Manager makes "Rapid reviews" the bot's channel; Lee, Pat and Hana vote for
the Local Authority, Police and Health; the channel then shows the decision on the case card
and, a sweep or two later, the first deadline nudge in the case's thread.

The Playground's page always acts as its current user, so the other people act through the
Playground's own client API (the calls its page makes, with another `from`): Morgan's
@mention as a mock activity, the votes as `adaptiveCard/action` invokes on the case card.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from e2e.harness import ROOT, Frames, Stack
from helpers.referral import FORM as HELPER_FORM
from review.profiles import load_profile
from review.referral import FIELD_INFO, FIELDS, GENDERS, HARM_KINDS, PATHWAYS, SECTIONS, YES_NO

# deploy/playground/config.yaml
BOT = {"id": "00000000-0000-4000-8000-0000000000b0", "name": "Rapid Review"}
TENANT = "00000000-0000-4000-8000-0000000000a0"
TEAM = "19:safeguarding-partnership-general@thread.tacv2"
CHANNEL = "19:rapid-reviews@thread.tacv2"
MORGAN = {"id": "00000000-0000-4000-8000-000000000005", "name": "Morgan Manager"}
VOTERS = {
    "la": {"id": "00000000-0000-4000-8000-000000000002", "name": "Lee Authority"},
    "police": {"id": "00000000-0000-4000-8000-000000000003", "name": "Pat Constable"},
    "health": {"id": "00000000-0000-4000-8000-000000000004", "name": "Hana Health"},
}
AGENCIES = {agency.id: agency.name for agency in load_profile("stockport").agencies}
UI_TIMEOUT = 20_000  # ms
# The answers Robin types: tests/helpers/referral.py's valid FORM in plain words for the
# screenshots. Every value is invented.
FORM = {
    section: dict(values)
    for section, values in {
        **HELPER_FORM,
        "referrer": {
            **HELPER_FORM["referrer"],
            "discussed_with": "My team manager and the named doctor for safeguarding",
        },
        "child": {**HELPER_FORM["child"], "disability": "None known"},
        "views": {
            "worked_well": "School and the health visitor shared concerns quickly.",
            "did_not_work_well": "Missed health appointments were not followed up.",
            "key_issues": "Neglect and supervision at home; how agencies escalated concerns.",
            "family_involvement": "The mother would like to talk to the reviewer.",
        },
    }.items()
}
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
REFERENCE = re.compile(r"\b[A-Z]+-\d{4}-\d{4}\b")
NUDGE = re.compile(r"information request", re.IGNORECASE)


class Shots:
    """Numbered screenshots in artifacts/e2e/ (copied to docs/screenshots/ when asked)."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0
        self.taken: list[Path] = []  # the ones the README shows

    def __call__(self, name: str, locator: Locator | None = None, *, docs: bool = True) -> None:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        if locator is not None:
            locator.scroll_into_view_if_needed()
        self.page.screenshot(path=str(path))
        if docs:
            self.taken.append(path)


# --- the page -------------------------------------------------------------------------------


def open_conversation(page: Page, name: str) -> None:
    """Select a chat or channel in the Playground's left rail."""
    page.get_by_text(name, exact=True).first.click()


def say(page: Page, text: str) -> None:
    """Type a message in the compose box and send it."""
    box = page.locator("[data-lexical-editor='true']")
    box.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def last_card(page: Page, containing: str) -> Locator:
    """The newest Adaptive Card on the page that shows `containing`."""
    card = page.locator(".ac-adaptiveCard").filter(has_text=containing).last
    expect(card).to_be_visible(timeout=UI_TIMEOUT)
    return card


def control(card: Locator, label: str) -> Locator:
    """The input a card labels `label` (Adaptive Cards link each label to its input by id)."""
    tag = card.locator("label", has_text=label).first
    expect(tag).to_be_visible()
    input_id = tag.get_attribute("for")
    assert input_id, f"label {label!r} names no input"
    return card.locator(f"[id='{input_id}']")


def fill_section(
    page: Page, card: Locator, section: str, form: dict[str, dict[str, str]] | None = None
) -> None:
    """Answer one step of the referral form as a person would, with the fictional FORM."""
    for field_id in FIELDS[section]:
        # The page may draw the card again (new input ids) while messages arrive elsewhere:
        # then the label is looked up afresh.
        for attempt in range(3):
            try:
                _fill(page, card, section, field_id, (form or FORM)[section][field_id])
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise


def _fill(page: Page, card: Locator, section: str, field_id: str, value: str) -> None:
    info = FIELD_INFO[field_id]
    target = control(card, info.label)
    if info.kind == "pathway":
        target.get_by_label(PATHWAYS[value].title, exact=True).check(timeout=5_000)
    elif info.kind in ("choice", "harm", "yes_no"):
        words = {"choice": GENDERS, "harm": HARM_KINDS, "yes_no": YES_NO}[info.kind]
        target.get_by_label(words[value], exact=True).check(timeout=5_000)
    elif info.kind == "agency":
        target.click(timeout=5_000)
        page.get_by_role("option", name=AGENCIES[value], exact=True).click()
    elif info.kind == "toggle":
        if target.is_checked(timeout=5_000) != (value == "true"):
            target.click(timeout=5_000)
    else:
        target.fill(value, timeout=5_000)


# --- other people, through the Playground's client API ----------------------------------------


def mention_from(stack: Stack, person: dict[str, str], conversation: str, text: str) -> None:
    """`person` @mentions the bot in a channel: the activity Teams would send (mock activity)."""
    mention = f"<at>{BOT['name']}</at>"
    stack.post_json(
        "/_internal/v1/customActivities",
        {
            "type": "message",
            "id": str(uuid.uuid4()),
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": f"{stack.playground_url}/_connector",
            "from": {**person, "aadObjectId": person["id"]},
            "recipient": BOT,
            "conversation": {
                "id": conversation,
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
            },
            "text": f"{mention} {text}",
            "textFormat": "plain",
            "entities": [{"type": "mention", "mentioned": BOT, "text": mention}],
            "channelData": {
                "tenant": {"id": TENANT},
                "team": {"id": TEAM},
                "channel": {"id": CHANNEL},
            },
        },
    )


def execute(
    stack: Stack, person: dict[str, str], card: dict[str, Any], verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    """`person` presses an Action.Execute button on `card`; the card the bot answers with."""
    answer = stack.post_json(
        "/_conversation/v1/invoke",
        {
            "name": "adaptiveCard/action",
            "from": {"id": person["id"]},
            "conversation": {"id": card["conversation"]},
            "replyToId": card["message_id"],
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        },
    )
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    return dict(answer["value"])


def actions_of(node: Any) -> list[dict[str, Any]]:
    """Every action in a card, nested ones included."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
            found.append(node)
        for value in node.values():
            found.extend(actions_of(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(actions_of(value))
    return found


def input_ids(node: Any) -> set[str]:
    """The ids of every input in a card."""
    ids: set[str] = set()
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and isinstance(node.get("id"), str):
            ids.add(node["id"])
        for value in node.values():
            ids |= input_ids(value)
    elif isinstance(node, list):
        for value in node:
            ids |= input_ids(value)
    return ids


def thread_replies(frames: Frames, thread: str, pattern: re.Pattern[str]) -> list[str]:
    """The ids of the bot's replies in `thread` whose content matches `pattern`."""
    return [
        str(f["message"]["messageId"])
        for f in frames.received
        if f.get("action") == "createMessage"
        and f.get("actionConversationId") == thread
        and isinstance(f.get("message"), dict)
        and pattern.search(json.dumps(f["message"]))
    ]


def case_card(page: Page, frames: Frames, reference: str) -> dict[str, Any]:
    """The case's card the bot posted in the channel: its thread, message id and the data of
    its one button, "Show my options"."""
    for _ in range(UI_TIMEOUT // 250):
        found = _find_case_card(frames, reference)
        if found is not None:
            return found
        page.wait_for_timeout(250)  # lets Playwright deliver the socket's frames
    raise AssertionError(f"no card of {reference} with 'Show my options' reached the channel")


def _find_case_card(frames: Frames, reference: str) -> dict[str, Any] | None:
    for frame in reversed(frames.received):
        message = frame.get("message")
        if frame.get("actionConversationId") != CHANNEL or not isinstance(message, dict):
            continue  # a new post in the channel (replies name their thread)
        conversation = f"{CHANNEL};messageid={message['messageId']}"  # the post's thread
        for attachment in message.get("attachments") or []:
            for action in actions_of(attachment.get("content")):
                data = action.get("data") or {}
                if action.get("title") == "Show my options" and data.get("reference") == reference:
                    return {
                        "conversation": conversation,
                        "message_id": str(message["messageId"]),
                        "data": dict(data),
                    }
    return None


def my_options(stack: Stack, person: dict[str, str], card: dict[str, Any]) -> dict[str, Any]:
    """`person` presses "Show my options" on a channel card: the card as they may use it
    (what Teams' refresh shows them by itself; the Playground has no refresh)."""
    return execute(stack, person, card, "panel.refresh", card["data"])


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The button of that title on a card."""
    found = [a for a in actions_of(card) if a.get("title") == title]
    assert found, (title, [a.get("title") for a in actions_of(card)])
    return found[0]


def next_card(page: Page, containing: str, seen: int) -> Locator:
    """The newest card showing `containing`, once more than `seen` of them are on the page
    (an earlier one, from a referral before, is not it)."""
    cards = page.locator(".ac-adaptiveCard").filter(has_text=containing)
    expect(cards).to_have_count(seen + 1, timeout=UI_TIMEOUT)
    return cards.last


def count_cards(page: Page, containing: str) -> int:
    return page.locator(".ac-adaptiveCard").filter(has_text=containing).count()


def refer(page: Page, pathway: str) -> tuple[Locator, str]:
    """Robin walks the referral form in the page; the summary card and the reference."""
    form = {**FORM, "pathway": {**FORM["pathway"], "pathway": pathway}}
    steps = [f"Step {n} of {len(SECTIONS)}" for n in range(1, len(SECTIONS) + 1)]
    seen = {text: count_cards(page, text) for text in [*steps, "has your referral"]}
    say(page, "refer")
    for text, section in zip(steps, SECTIONS, strict=True):
        card = next_card(page, text, seen[text])
        fill_section(page, card, section, form)
        card.get_by_role("button", name="Next", exact=True).click()
    summary = last_card(page, "Submit referral")
    summary.get_by_role("button", name="Submit referral", exact=True).click()
    sent = next_card(page, "has your referral", seen["has your referral"])
    found = REFERENCE.search(sent.inner_text())
    assert found, sent.inner_text()
    return summary, found.group(0)


# --- the test -------------------------------------------------------------------------------


def test_referral_votes_decision_and_nudge_in_the_playground(
    stack: Stack, browser_page: tuple[Page, Frames], artifacts: Path
) -> None:
    page, frames = browser_page
    shot = Shots(page, artifacts)
    page.goto(stack.playground_url)
    page.get_by_title("Toggle Log Panel").click()  # more room for the chat
    welcome = last_card(page, "Welcome to Rapid Review")
    shot("welcome", welcome)

    # Morgan Manager chooses the channel: "@Rapid Review use this channel" in Rapid reviews.
    mention_from(stack, MORGAN, CHANNEL, "use this channel")
    open_conversation(page, "Rapid reviews")
    expect(page.get_by_text("is now the partnership's rapid review channel").first).to_be_visible(
        timeout=UI_TIMEOUT
    )
    shot("channel-registered")

    # Robin Referrer refers in the 1:1 chat, one card per step.
    open_conversation(page, "Personal Chat")
    say(page, "refer")
    for number, section in enumerate(SECTIONS, start=1):
        card = last_card(page, f"Step {number} of {len(SECTIONS)}")
        fill_section(page, card, section)
        if section in ("pathway", "child"):
            shot(f"referral-step-{number}-{section}", card)
        card.get_by_role("button", name="Next", exact=True).click()
    summary = last_card(page, "Submit referral")
    shot("referral-summary", summary)
    summary.get_by_role("button", name="Submit referral", exact=True).click()
    sent = last_card(page, "has your referral")
    found = REFERENCE.search(sent.inner_text())
    assert found, sent.inner_text()
    reference = found.group(0)
    shot("referral-sent", sent)
    # The summary it was sent from is now in its final state: no Submit, no Edit.
    expect(last_card(page, f"Submitted as {reference}")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("button", name="Submit referral")).to_have_count(0)

    # The case card in the channel: as everyone sees it, one button, "Show my options".
    open_conversation(page, "Rapid reviews")
    posted = case_card(page, frames, reference)
    panel = last_card(page, f"Virtual panel — {reference}")
    expect(panel.get_by_role("button", name="Show my options")).to_be_visible()
    expect(panel.get_by_role("button", name="Vote")).to_have_count(0)
    shot("panel-card", panel)

    # Lee, Pat and Hana vote: their options show Vote, Vote opens the voting card, Cast vote
    # sends it.
    for partner, person in VOTERS.items():
        mine = my_options(stack, person, posted)
        vote = button(mine, "Vote")
        voting = execute(stack, person, posted, vote["verb"], vote["data"])
        # Stockport's panel also answers "is this a notifiable incident?" on its own.
        assert {"outcome", "notifiable", "rationale"} <= input_ids(voting), voting
        cast = next(a for a in actions_of(voting) if a.get("verb") == "panel.vote")
        data = {
            **cast.get("data", {}),
            "outcome": "rapid_review",
            "rationale": f"E2E-{partner}: notifiable incident; agencies' records agree.",
            "serious_harm_basis": "Serious harm is known (fictional test case).",
            "notifiable": "yes",
        }
        answer = execute(stack, person, posted, "panel.vote", data)
        assert "refused" not in str(answer).lower(), answer

    # The decision on the shared card, updated in place (not posted again).
    decided = last_card(page, f"Virtual panel — {reference}")
    expect(decided).to_contain_text(
        "Decided: Meets threshold for Rapid Review; a notifiable incident", timeout=UI_TIMEOUT
    )
    expect(decided.get_by_role("button", name="Vote")).to_have_count(0)
    assert any(
        f.get("action") == "updateMessage" and f["message"]["messageId"] == posted["message_id"]
        for f in frames.received
        if isinstance(f.get("message"), dict)
    ), "the case card was not updated in place"
    assert len(page.locator(".ac-adaptiveCard").filter(has_text="Virtual panel —").all()) == 1
    shot("decision", decided, docs=False)  # the nudge's screenshot shows it too

    # The first nudge: a reply in the case's thread about the information request.
    nudge = page.locator(".ac-adaptiveCard").filter(has_text=NUDGE).filter(has_text=reference)
    expect(nudge.last).to_be_visible(timeout=30_000)
    assert thread_replies(frames, posted["conversation"], NUDGE), "the nudge is not in the thread"
    shot("nudge", nudge.last)

    # Robin presses "Show my options" on the channel's card in the page: the referrer's view,
    # View referral, whose details come with a way back.
    decided.get_by_role("button", name="Show my options").click()
    mine = last_card(page, f"Virtual panel — {reference}")
    mine.get_by_role("button", name="View referral").click()
    details = last_card(page, "Confidential")
    details.get_by_role("button", name="Back").click()
    expect(last_card(page, f"Virtual panel — {reference}")).to_contain_text("Decided:")

    # Robin was told in 1:1; the referral's details from the notice go back to the notice.
    open_conversation(page, "Personal Chat")
    told = last_card(page, f"Decision on referral {reference}")
    expect(told).to_contain_text("Meets threshold for Rapid Review")
    shot("referrer-told", told)
    told.get_by_role("button", name="View referral").click()
    details = last_card(page, "Confidential")
    expect(details).to_contain_text(reference)
    details.get_by_role("button", name="Back to the decision").click()
    expect(last_card(page, f"Decision on referral {reference}")).to_be_visible(timeout=UI_TIMEOUT)

    # A referral that did not seek a Rapid Review: the case card says what happens next, and
    # Morgan opens its panel from his options; the card becomes the panel card in place.
    _, second = refer(page, "practice_review")
    open_conversation(page, "Rapid reviews")
    waiting = case_card(page, frames, second)
    card = last_card(page, "What happens next: this referral did not seek a Rapid Review")
    expect(card).to_contain_text(second)
    morgans = my_options(stack, MORGAN, waiting)
    opening = button(morgans, "Open the virtual panel")
    opened = execute(stack, MORGAN, waiting, opening["verb"], opening["data"])
    assert f"Virtual panel — {second}" in json.dumps(opened, ensure_ascii=False), opened
    expect(last_card(page, f"Virtual panel — {second}")).to_be_visible(timeout=UI_TIMEOUT)
    assert any(
        f.get("action") == "updateMessage" and f["message"]["messageId"] == waiting["message_id"]
        for f in frames.received
        if isinstance(f.get("message"), dict)
    ), "the case card was not updated in place to the panel card"
    shot("panel-opened", docs=False)

    if_asked_copy_to_docs(shot.taken)


def if_asked_copy_to_docs(paths: list[Path]) -> None:
    """With E2E_UPDATE_DOCS=1, refresh the README's screenshots (docs/screenshots/)."""
    import os

    if os.environ.get("E2E_UPDATE_DOCS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, DOCS_SCREENSHOTS / re.sub(r"^\d+-", "", path.name))
