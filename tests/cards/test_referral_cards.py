"""Referral cards: valid for Teams, nothing typed is lost, errors sit under their fields,
every form button carries the token, the channel card leaks nothing, user text stays inert.

All people, agencies and references here are fictional.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from cards.base import escape_markdown, neutralise_text_functions
from cards.referral import (
    DEMO_AGENCIES,
    cancel_confirm_card,
    channel_case_card,
    demo_referral_form,
    my_referrals_card,
    out_of_date_text,
    referral_confirmation_card,
    referral_details_card,
    referral_step_card,
    referral_summary_card,
)
from helpers.cards import check_cards, nodes
from review.referral import (
    CHILD_FIELDS,
    FIELD_INFO,
    FIELDS,
    FREE_TEXT_FIELDS,
    PATHWAYS,
    SECTIONS,
    parse_iso_date,
    validate_form,
)

PARTNERSHIP = "Northdale Safeguarding Children Partnership"
TOKEN = "tok-7f3a"
AGENCY_NAMES = dict(DEMO_AGENCIES)
TODAY = date(2026, 11, 20)
Card = dict[str, Any]


def step(section: str, values: dict[str, str] | None = None, errors: Any = None) -> Card:
    """A step card for ``section`` with the demo agencies."""
    return referral_step_card(
        section,
        values or {},
        errors or {},
        token=TOKEN,
        agencies=DEMO_AGENCIES,
        step_number=SECTIONS.index(section) + 1,
        total_steps=len(SECTIONS),
        partnership_name=PARTNERSHIP,
    )


def actions(card: Card) -> list[dict[str, Any]]:
    """Every action of a card, at the bottom or in an ActionSet."""
    return [n for n in nodes(card) if str(n.get("type", "")).startswith("Action.")]


def inputs(card: Card) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {n["id"]: n for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}


def texts(card: Card) -> str:
    """Every string shown on a card (text, titles, fact values, choice titles), joined."""
    found: list[str] = []
    for node in nodes(card):
        for key in ("text", "title", "value", "label", "placeholder"):
            if isinstance(node.get(key), str):
                found.append(node[key])
    return "\n".join(found)


def is_error(element: dict[str, Any]) -> bool:
    """True for an error message TextBlock."""
    return element.get("type") == "TextBlock" and element.get("color", "").lower() == "attention"


def all_cards() -> dict[str, Card]:
    """One of every referral card, with and without errors or items."""
    form = demo_referral_form()
    cards: dict[str, Card] = {}
    for section in SECTIONS:
        cards[f"step_{section}_empty"] = step(section)
        cards[f"step_{section}_filled"] = step(section, form[section])
        broken = validate_form(
            {section: {f: "" for f in FIELDS[section]}}, today=TODAY, agency_ids=AGENCY_NAMES
        )[section]
        cards[f"step_{section}_errors"] = step(section, broken.values, broken.errors)
    cards["summary"] = referral_summary_card(
        form, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
    )
    cards["summary_empty"] = referral_summary_card(
        {}, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
    )
    cards["cancel_confirm"] = cancel_confirm_card(token=TOKEN)
    cards["confirmation"] = confirmation()
    cards["confirmation_no_steps"] = referral_confirmation_card(
        reference="NSCP-2026-0002",
        pathway_label="C: Case escalation",
        next_steps=(),
        partnership_name=PARTNERSHIP,
    )
    cards["channel"] = channel(form)
    cards["channel_no_deadline"] = channel_case_card(
        reference="NSCP-2026-0003",
        referring_agency="Northdale Police",
        pathway_label="B: Local practice review",
        event_date=date(2026, 10, 1),
        received_date=date(2026, 11, 2),
        next_deadline=None,
        status="Closed",
    )
    cards["details"] = details(form)
    cards["my_referrals_empty"] = my_referrals_card(drafts=(), submitted=())
    cards["my_referrals"] = my_referrals_card(
        drafts=(("Referral started Thu 19 Nov 2026", "Thu 19 Nov 2026 at 16:40"),),
        submitted=(("NSCP-2026-0001", "Waiting for the virtual panel", "Fri 20 Nov 2026"),),
    )
    cards["my_referrals_only_sent"] = my_referrals_card(
        drafts=(), submitted=(("NSCP-2026-0001", "Closed", "Fri 20 Nov 2026"),)
    )
    cards["my_referrals_only_drafts"] = my_referrals_card(
        drafts=(("Referral started today", "today at 09:12"),), submitted=()
    )
    return cards


def confirmation() -> Card:
    """The demo confirmation card."""
    return referral_confirmation_card(
        reference="SSCP-2026-0001",
        pathway_label=PATHWAYS["rapid_review"].title,
        next_steps=(
            ("The virtual panel decides", date(2026, 11, 24)),
            ("You will hear the outcome", date(2026, 11, 27)),
        ),
        partnership_name=PARTNERSHIP,
    )


def channel(form: dict[str, dict[str, str]]) -> Card:
    """The channel card the bot would post for ``form``, built the way the bot builds it."""
    event = parse_iso_date(form["child"]["event_date"])
    assert event is not None
    return channel_case_card(
        reference="NSCP-2026-0001",
        referring_agency=AGENCY_NAMES[form["referrer"]["agency"]],
        pathway_label=PATHWAYS[form["pathway"]["pathway"]].title,
        event_date=event,
        received_date=date(2026, 11, 20),
        next_deadline=("Notify the National Panel", date(2026, 11, 27)),
        status="Waiting for the virtual panel",
    )


def details(form: dict[str, dict[str, str]]) -> Card:
    """The details card for ``form``."""
    return referral_details_card(
        reference="NSCP-2026-0001",
        form=form,
        agency_names=AGENCY_NAMES,
        received_at_text="Fri 20 Nov 2026 at 14:05",
    )


# -- valid for Teams --------------------------------------------------------------------


def test_every_referral_card_is_valid() -> None:
    cards = all_cards()
    check_cards(list(cards.values()), labels=list(cards))


def test_cards_with_every_answer_at_its_limit_still_fit() -> None:
    form = demo_referral_form()
    for info in FIELD_INFO.values():
        if info.max_length is not None:
            form[info.section][info.id] = ("word " * info.max_length)[: info.max_length]
    cards = [
        referral_summary_card(
            form, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
        ),
        details(form),
        *(step(section, form[section]) for section in SECTIONS),
    ]
    check_cards(cards, labels=["summary", "details", *SECTIONS])


# -- the form steps ---------------------------------------------------------------------


@pytest.mark.parametrize("section", SECTIONS)
def test_a_step_shown_again_keeps_every_value(section: str) -> None:
    values = demo_referral_form()[section]
    found = inputs(step(section, values))
    assert list(found) == list(FIELDS[section])
    for field_id, value in values.items():
        assert found[field_id]["value"] == value, field_id


def test_a_ticked_care_leaver_box_stays_ticked() -> None:
    values = {**demo_referral_form()["child"], "care_leaver": "true"}
    assert inputs(step("child", values))["care_leaver"]["value"] == "true"


def test_a_value_with_an_error_is_shown_again_too() -> None:
    values = {**demo_referral_form()["referrer"], "phone": "call me"}
    errors = {"phone": "Use only numbers, spaces, +, brackets and hyphens in the phone number."}
    assert inputs(step("referrer", values, errors))["phone"]["value"] == "call me"


def test_values_not_on_the_list_are_not_prefilled() -> None:
    card = step("referrer", {"agency": "somewhere_else"})
    assert "value" not in inputs(card)["agency"]
    card = step("child", {"gender": "robot", "event_date": "03/11/2026"})
    assert "value" not in inputs(card)["gender"]
    assert "value" not in inputs(card)["event_date"]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_input_has_a_label_and_the_checks_limits(section: str) -> None:
    for field_id, element in inputs(step(section)).items():
        info = FIELD_INFO[field_id]
        assert element["label"], field_id
        if info.required:
            assert element["isRequired"] is True
            assert element["errorMessage"] == info.missing
        else:
            assert "isRequired" not in element
        if info.max_length is not None:
            assert element["maxLength"] == info.max_length
        if info.kind == "multiline":
            assert element["isMultiline"] is True


def test_referrer_step_is_prefilled_from_the_teams_profile() -> None:
    card = step("referrer", {"referrer_name": "Sam Example", "referrer_email": "sam@x.example"})
    found = inputs(card)
    assert found["referrer_name"]["value"] == "Sam Example"
    assert found["referrer_email"]["value"] == "sam@x.example"
    assert found["referrer_email"]["style"] == "email"
    assert found["phone"]["style"] == "tel"
    assert [c["value"] for c in found["agency"]["choices"]] == [a for a, _ in DEMO_AGENCIES]
    assert [c["title"] for c in found["agency"]["choices"]] == [n for _, n in DEMO_AGENCIES]


def test_pathway_step_explains_a_b_and_c() -> None:
    card = step("pathway")
    choice = inputs(card)["pathway"]
    assert choice["style"] == "expanded"
    assert [(c["title"], c["value"]) for c in choice["choices"]] == [
        ("A: Rapid review", "rapid_review"),
        ("B: Local practice review", "practice_review"),
        ("C: Case escalation", "escalation"),
    ]
    shown = texts(card)
    for pathway in PATHWAYS.values():
        assert pathway.explanation in shown


def test_child_step_works_out_the_age() -> None:
    card = step("child", {"event_date": "2026-11-03", "date_of_birth": "2009-11-03"})
    shown = texts(card)
    assert "The age is worked out for you" in shown
    assert "Age on the date of the event: **17**" in shown
    assert "Age on the date of the event" not in texts(step("child", {"event_date": "2026-11-03"}))


@pytest.mark.parametrize("section", SECTIONS)
def test_each_error_is_right_under_its_field(section: str) -> None:
    raw: dict[str, str] = {f: "" for f in FIELDS[section]}
    if section == "family":  # every person is "if known": break two rows instead
        raw.update(family_1_relationship="Mother", family_2_dob="2099-01-01")
    broken = validate_form({section: raw}, today=TODAY, agency_ids=AGENCY_NAMES)[section]
    assert broken.errors
    body = step(section, broken.values, broken.errors)["body"]
    for field_id, message in broken.errors.items():
        at = next(i for i, e in enumerate(body) if e.get("id") == field_id)
        after = body[at + 1]
        assert is_error(after), field_id
        assert after["text"] == escape_markdown(message)
        assert after["wrap"] is True
    for index, element in enumerate(body):
        if is_error(element):
            assert body[index - 1].get("id") in broken.errors


def test_error_banner_counts_the_answers_to_check() -> None:
    two = step("child", {}, {"event_date": "Enter a date.", "gender": "Choose one."})
    one = step("child", {}, {"gender": "Choose one."})
    assert "Please check 2 answers below" in texts(two)
    assert "Please check 1 answer below" in texts(one)
    assert "Please check" not in texts(step("child"))
    banner = two["body"][3]
    assert banner["type"] == "Container" and banner["style"] == "attention"


def test_an_error_for_no_field_is_shown_in_the_banner_area() -> None:
    card = step("views", {}, {"form": "Something went wrong with this step."})
    assert "Something went wrong with this step." in texts(card)


def test_step_buttons() -> None:
    first = step("pathway")
    assert [(a["title"], a["data"]) for a in first["actions"]] == [
        ("Next", {"action": "referral.step", "section": "pathway", "token": TOKEN}),
        ("Cancel", {"action": "referral.cancel", "token": TOKEN}),
    ]
    later = step("views")
    assert [(a["title"], a["data"]) for a in later["actions"]] == [
        ("Next", {"action": "referral.step", "section": "views", "token": TOKEN}),
        ("Back", {"action": "referral.back", "token": TOKEN}),
        ("Cancel", {"action": "referral.cancel", "token": TOKEN}),
    ]
    by_title = {a["title"]: a for a in later["actions"]}
    assert by_title["Cancel"]["associatedInputs"] == "none"
    assert by_title["Back"]["associatedInputs"] == "none"
    assert "associatedInputs" not in by_title["Next"]
    assert all(a["type"] == "Action.Submit" for a in later["actions"])


def test_unknown_section_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown referral section"):
        referral_step_card(
            "household",
            {},
            {},
            token=TOKEN,
            agencies=DEMO_AGENCIES,
            step_number=1,
            total_steps=4,
            partnership_name=PARTNERSHIP,
        )


def test_every_form_action_carries_the_token() -> None:
    form = demo_referral_form()
    cards = [step(section, form[section]) for section in SECTIONS]
    cards.append(
        referral_summary_card(
            form, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
        )
    )
    cards.append(cancel_confirm_card(token=TOKEN))
    for card in cards:
        found = actions(card)
        assert found
        for action in found:
            assert action["data"]["token"] == TOKEN, action


# -- summary, cancel, confirmation ------------------------------------------------------


def test_summary_has_an_edit_button_per_section_then_submit_and_cancel() -> None:
    card = referral_summary_card(
        demo_referral_form(), token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
    )
    edits = [a["data"] for a in actions(card) if a["title"] == "Edit"]
    assert edits == [
        {"action": "referral.edit", "section": section, "token": TOKEN} for section in SECTIONS
    ]
    assert [(a["title"], a["data"]) for a in card["actions"]] == [
        ("Submit referral", {"action": "referral.submit", "token": TOKEN}),
        ("Cancel", {"action": "referral.cancel", "token": TOKEN}),
    ]
    shown = texts(card)
    for expected in (
        "A: Rapid review",
        "Northdale Hospitals NHS Trust",
        "Tue 3 Nov 2026",
        "14 on the date of the event",
        "Not known",
        "Nobody followed up the missed appointments.",
    ):
        assert escape_markdown(expected) in shown or expected in shown, expected


def test_cancel_confirmation() -> None:
    card = cancel_confirm_card(token=TOKEN)
    shown = texts(card)
    assert "Cancel this referral?" in shown
    assert "What you have entered will be deleted." in shown
    assert [(a["title"], a["data"]) for a in card["actions"]] == [
        ("Yes, cancel", {"action": "referral.cancel_confirmed", "token": TOKEN}),
        ("No, go back", {"action": "referral.resume", "token": TOKEN}),
    ]


def test_confirmation_gives_the_reference_and_dated_next_steps() -> None:
    card = confirmation()
    shown = texts(card)
    assert card["body"][0]["text"] == "Referral SSCP-2026-0001 received"
    assert "The virtual panel decides by Tue 24 Nov 2026" in shown
    assert "You will hear the outcome by Fri 27 Nov 2026" in shown
    assert "A: Rapid review" in shown


def test_out_of_date_text() -> None:
    assert out_of_date_text() == "This form is out of date — here is where you are now."


# -- privacy ----------------------------------------------------------------------------


def zebra(field_id: str) -> str:
    """A distinctive answer for a field, with no markdown characters in it."""
    return "ZEBRA-" + field_id.upper().replace("_", "-")


def zebra_form() -> dict[str, dict[str, str]]:
    """A filled form whose every free-text answer is a distinctive string."""
    form = demo_referral_form()
    for field_id in FREE_TEXT_FIELDS:
        form[FIELD_INFO[field_id].section][field_id] = zebra(field_id)
    form["child"].update(date_of_birth="2011-07-19", gender="female", care_leaver="false")
    return form


def test_channel_card_shows_no_child_details_and_no_free_text() -> None:
    form = zebra_form()
    card = channel(form)
    dumped = json.dumps(card, ensure_ascii=False)
    assert "ZEBRA" not in dumped
    for forbidden in ("2011-07-19", "19 Jul 2011", "Jul 2011", "Female", "female", "15 on the"):
        assert forbidden not in dumped, forbidden
    for field_id in CHILD_FIELDS:
        assert f'"{field_id}"' not in dumped
    facts = [
        (f["title"], f["value"])
        for n in nodes(card)
        if n.get("type") == "FactSet"
        for f in n["facts"]
    ]
    assert [title for title, _ in facts] == [
        "Reference",
        "Referring agency",
        "Pathway sought",
        "Date of the event",
        "Received",
        "Next deadline",
        "Status",
    ]
    assert ("Next deadline", "Notify the National Panel: Fri 27 Nov 2026") in facts
    assert not inputs(card)


def test_channel_card_everyone_sees_offers_each_person_their_own_options() -> None:
    card = channel(demo_referral_form())
    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Show my options",
            "verb": "panel.refresh",
            "data": {"reference": "NSCP-2026-0001"},
            "associatedInputs": "none",
        }
    ]


def test_channel_card_opens_details_on_demand_for_those_who_may() -> None:
    from cards.panel import CAN_OPEN_PANEL, CAN_VIEW
    from cards.referral import channel_case_card

    def titles(actions: frozenset[str]) -> list[str]:
        card = channel_case_card(
            reference="NSCP-2026-0001",
            referring_agency="Northshire Police",
            pathway_label="B: a case practice review",
            event_date=date(2026, 11, 18),
            received_date=date(2026, 11, 20),
            next_deadline=None,
            status="Received",
            next_step="a manager opens the virtual panel.",
            actions=actions,
            refresh_user_ids=("8:orgid:manager",),
        )
        assert card["refresh"]["userIds"] == ["8:orgid:manager"]
        assert "What happens next: a manager opens the virtual panel." in json.dumps(card)
        return [a["title"] for a in card["actions"]]

    assert titles(frozenset({CAN_VIEW})) == ["View referral"]
    assert titles(frozenset({CAN_VIEW, CAN_OPEN_PANEL})) == [
        "View referral",
        "Open the virtual panel",
    ]
    assert titles(frozenset()) == ["Refresh"]


def test_details_card_is_marked_confidential_and_shows_everything() -> None:
    form = zebra_form()
    card = details(form)
    first = card["body"][0]
    assert first["type"] == "Container"
    assert first["items"][0]["text"] == "Confidential"
    shown = texts(card)
    for field_id in FREE_TEXT_FIELDS:
        assert zebra(field_id) in shown, field_id
    assert "Tue 19 Jul 2011" in shown
    assert "Fri 20 Nov 2026 at 14:05" in shown
    # One button: back to the card it replaced (the case's card as the person may use it).
    assert [(a["title"], a["verb"], a["data"]) for a in actions(card)] == [
        ("Back", "panel.refresh", {"reference": "NSCP-2026-0001"})
    ]


def test_details_opened_from_the_decision_notice_go_back_to_it() -> None:
    from cards.referral import referral_details_card

    card = referral_details_card(
        reference="NSCP-2026-0001",
        form=zebra_form(),
        agency_names={},
        received_at_text="Fri 20 Nov 2026 at 14:05",
        back_to_notice=True,
    )
    assert [(a["title"], a["verb"], a["data"]) for a in actions(card)] == [
        ("Back to the decision", "notice.open", {"reference": "NSCP-2026-0001"})
    ]


# -- my referrals -----------------------------------------------------------------------


def test_my_referrals_empty() -> None:
    card = my_referrals_card(drafts=(), submitted=())
    assert "You have not started or sent any referrals yet." in texts(card)
    assert [a["data"] for a in actions(card)] == [{"action": "referral.start"}]


def test_my_referrals_lists_drafts_and_sent_referrals() -> None:
    card = my_referrals_card(
        drafts=(("Referral started Thu 19 Nov 2026", "Thu 19 Nov 2026 at 16:40"),),
        submitted=(
            ("NSCP-2026-0001", "Waiting for the virtual panel", "Fri 20 Nov 2026"),
            ("NSCP-2026-0002", "Closed", "Mon 23 Nov 2026"),
        ),
    )
    shown = texts(card)
    assert "Referral started Thu 19 Nov 2026" in shown
    assert "Last changed Thu 19 Nov 2026 at 16:40" in shown
    assert "Waiting for the virtual panel (received Fri 20 Nov 2026)" in shown
    assert "NSCP-2026-0002" in shown
    assert {"action": "referral.continue"} in [a["data"] for a in actions(card)]


def test_my_referrals_without_drafts_offers_no_continue() -> None:
    card = my_referrals_card(drafts=(), submitted=(("NSCP-2026-0001", "Closed", "today"),))
    assert {"action": "referral.continue"} not in [a["data"] for a in actions(card)]
    assert "Nothing waiting to be sent." in texts(card)


# -- user text stays inert --------------------------------------------------------------

HOSTILE = [
    "[click](https://evil.example)",
    "**bold** _it_",
    "<b>x</b>",
    "{{DATE(2026-01-01T00:00:00Z)}}",
    "- a list\n1. item",
]


def hostile_form() -> dict[str, dict[str, str]]:
    """A filled form with markdown, HTML and text functions in every free-text answer."""
    form = demo_referral_form()
    payload = " ".join(HOSTILE)
    for field_id in FREE_TEXT_FIELDS:
        form[FIELD_INFO[field_id].section][field_id] = f"{field_id}: {payload}"
    return form


_LIVE_MARKUP = re.compile(r"\]\(|\*\*bold|(?<!\\)<b>|\{\{DATE\(")


def live_markup(text: str) -> bool:
    """True if ``text`` holds any of the hostile markup unescaped."""
    return _LIVE_MARKUP.search(text) is not None


def assert_inert(card: Card, *, text_blocks_may_hold_escaped: bool = False) -> None:
    """The hostile text only appears as a TextRun, escaped in a Fact or as an input's value."""
    for node in nodes(card):
        kind = node.get("type")
        for key in ("text", "title", "value", "label", "placeholder"):
            value = node.get(key)
            if not isinstance(value, str) or "evil.example" not in value:
                continue
            if kind == "TextRun":
                assert "{{DATE(" not in value  # renderers expand these even in a TextRun
            elif kind is None and key in ("title", "value"):  # a Fact: only ever escaped
                assert not live_markup(value), value
                assert r"\[click\]\(https://evil.example)" in value, value
            elif kind == "TextBlock" and text_blocks_may_hold_escaped:
                assert not live_markup(value), value
            else:
                assert (kind, key) == ("Input.Text", "value"), (kind, key, value)


def test_markdown_and_links_in_free_text_render_inert() -> None:
    form = hostile_form()
    cards = {
        "summary": referral_summary_card(
            form, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
        ),
        "details": details(form),
        **{f"step_{s}": step(s, form[s]) for s in SECTIONS},
    }
    for card in cards.values():
        assert_inert(card)
    runs = [n["text"] for n in nodes(cards["details"]) if n.get("type") == "TextRun"]
    payload = neutralise_text_functions(" ".join(HOSTILE))
    assert f"key_issues: {payload}" in runs
    assert f"discussed_with: {payload}" in runs
    facts = [f for n in nodes(cards["details"]) if n.get("type") == "FactSet" for f in n["facts"]]
    assert {
        "title": "Name",
        "value": escape_markdown(f"referrer_name: {' '.join(HOSTILE)}"),
    } in facts
    check_cards(list(cards.values()), labels=list(cards))


def test_hostile_names_in_the_other_cards_stay_inert() -> None:
    evil = " ".join(HOSTILE)
    cards = [
        referral_confirmation_card(
            reference=evil,
            pathway_label=evil,
            next_steps=((evil, date(2026, 11, 24)),),
            partnership_name=evil,
        ),
        channel_case_card(
            reference=evil,
            referring_agency=evil,
            pathway_label=evil,
            event_date=TODAY,
            received_date=TODAY,
            next_deadline=(evil, TODAY),
            status=evil,
        ),
        my_referrals_card(drafts=((evil, evil),), submitted=((evil, evil, evil),)),
        referral_details_card(
            reference=evil,
            form=hostile_form(),
            agency_names=AGENCY_NAMES,
            received_at_text=evil,
        ),
        step("referrer", {"referrer_name": evil}),
    ]
    for card in cards:
        assert_inert(card, text_blocks_may_hold_escaped=True)
    check_cards(cards)


def _fact_titles(node: Any) -> set[str]:
    """The titles of every fact in every FactSet of a card."""
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "FactSet":
            found |= {fact["title"] for fact in node.get("facts", [])}
        for value in node.values():
            found |= _fact_titles(value)
    elif isinstance(node, list):
        for value in node:
            found |= _fact_titles(value)
    return found


def test_every_answer_typed_in_several_lines_is_shown_full_width() -> None:
    """A long answer (up to 4,000 characters) is a title and the text under it, never squeezed
    into a fact set's second column: on the summary and on the details card alike."""
    form = demo_referral_form()
    long_ones = {i.title for i in FIELD_INFO.values() if i.kind == "multiline"}
    assert "Involving the child and family" in long_ones
    for card in (
        referral_summary_card(
            form, token=TOKEN, agency_names=AGENCY_NAMES, partnership_name=PARTNERSHIP
        ),
        details(form),
    ):
        assert not long_ones & _fact_titles(card)
        shown = json.dumps(card)
        assert "Involving the child and family" in shown
