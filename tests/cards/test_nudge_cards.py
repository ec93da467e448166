"""Deadline cards: valid for Teams in every variant, worded per stage, @mentions matching their
entities once per person, every button naming its case (and milestone), the caller's order
kept, the 28 KB limit kept, and the channel cards holding nothing but their view models.

All people, agencies and references here are fictional.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from cards.base import escape_markdown, neutralise_text_functions
from cards.gallery import GALLERY
from cards.nudges import (
    CASES_MAX_ROWS,
    DIGEST_MAX_ROWS,
    TIMELINE_STATES,
    VERB_CASE_OPEN,
    VERB_MILESTONE_DONE,
    VERB_MILESTONE_SNOOZE,
    WAITING_FOR_WORDS,
    CaseListRow,
    DigestRow,
    NudgeView,
    TimelineRow,
    case_timeline_card,
    cases_card,
    demo_case_list_rows,
    demo_digest_rows,
    demo_nudge_view,
    demo_timeline_rows,
    digest_card,
    done_result_text,
    nudge_card,
    waiting_for_words,
)
from helpers.cards import MAX_CARD_BYTES, check_cards, nodes
from review.profiles import ANCHOR_EVENTS
from review.referral import format_date
from review.timeline import NUDGE_STAGES

Card = dict[str, Any]
REFERENCE = "SSCP-2026-0001"
TITLE = "Notify the National Panel of the serious incident"
DAY = date(2026, 11, 30)
PARTNERSHIP = "Stockport Safeguarding Children Partnership"
JO = ("29:jo-id", "Jo Sample")
SAM = ("29:sam-id", "Sam Manager")
AT = re.compile(r"<at>.*?</at>")


def view(stage: str = "heads_up", **changes: Any) -> NudgeView:
    """A reminder due Wed 25 Nov 2026, late by 3 working days when that applies."""
    late = 3 if stage in ("overdue", "escalation") else 0
    base = NudgeView(
        reference=REFERENCE,
        milestone_id="national_panel_notification",
        milestone_title=TITLE,
        stage=stage,
        due=date(2026, 11, 25),
        window_earliest=None,
        working_days_late=late,
        late_delivery_note=None,
        responsible_label="Local Authority",
        mentions=(JO,),
    )
    return replace(base, **changes)


def digest(rows: tuple[DigestRow, ...] = (), failed: int = 0, uncertain: int = 0) -> Card:
    """The digest of Mon 30 Nov 2026."""
    return digest_card(
        partnership_name=PARTNERSHIP,
        day=DAY,
        rows=rows,
        failed_reminders=failed,
        uncertain_reminders=uncertain,
    )


def digest_rows(count: int, title: str = TITLE) -> tuple[DigestRow, ...]:
    """``count`` cases cycling through the four RAGs."""
    kinds: tuple[tuple[str, int | None], ...] = (("red", -2), ("amber", 1), ("green", 7))
    rows: list[DigestRow] = []
    for i in range(count):
        if i % 4 == 3:
            rows.append(DigestRow(f"SSCP-2026-{i + 1:04d}", None, None, "none", None, "Open"))
            continue
        rag, days = kinds[i % 4]
        due = DAY + timedelta(days=days or 0)
        rows.append(DigestRow(f"SSCP-2026-{i + 1:04d}", title, due, rag, days, "Rapid review"))
    return tuple(rows)


def timeline_row(state: str, milestone_id: str = "m", **changes: Any) -> TimelineRow:
    """A timeline row in ``state``, dated unless it is waiting."""
    base = TimelineRow(
        milestone_id=milestone_id,
        title=f"Milestone {milestone_id}",
        due=None if state == "waiting" else date(2026, 12, 4),
        earliest=None,
        waiting_for="panel_decision" if state == "waiting" else None,
        state=state,
        done_on=date(2026, 12, 3) if state == "done" else None,
        responsible_label="Partnership manager",
        provisional=False,
    )
    return replace(base, **changes)


def timeline(rows: tuple[TimelineRow, ...], *, can_mark_done: bool = True) -> Card:
    """A timeline card for REFERENCE."""
    return case_timeline_card(
        reference=REFERENCE,
        status_label="Rapid review",
        received=date(2026, 11, 18),
        pathway_label="A: Rapid review",
        rows=rows,
        can_mark_done=can_mark_done,
    )


def text_blocks(card: Card) -> list[str]:
    """The texts of every TextBlock."""
    return [node["text"] for node in nodes(card) if node.get("type") == "TextBlock"]


def rich_texts(card: Card) -> list[str]:
    """Each RichTextBlock's runs joined into one string."""
    return [
        "".join(run["text"] for run in node["inlines"])
        for node in nodes(card)
        if node.get("type") == "RichTextBlock"
    ]


def facts(card: Card) -> dict[str, str]:
    """Every fact of the card as title -> value."""
    return {
        fact["title"]: fact["value"]
        for node in nodes(card)
        if node.get("type") == "FactSet"
        for fact in node["facts"]
    }


def executes(card: Card) -> list[dict[str, Any]]:
    """Every Action.Execute of the card, in the body or at the bottom."""
    return [node for node in nodes(card) if node.get("type") == "Action.Execute"]


def mentions_match(card: Card) -> list[dict[str, Any]]:
    """Assert every ``<at>`` text has its entity and back; return the entities."""
    entities = card.get("msteams", {}).get("entities", [])
    at_texts = [found for text in text_blocks(card) for found in AT.findall(text)]
    assert sorted(e["text"] for e in entities) == sorted(at_texts)
    for entity in entities:
        assert entity["type"] == "mention"
        assert set(entity["mentioned"]) == {"id", "name"}
    return list(entities)


# --- every variant is valid -----------------------------------------------------------------


def all_cards() -> dict[str, Card]:
    """Every variant of every card in this module, by name."""
    cards: dict[str, Card] = {}
    window = {"window_earliest": date(2026, 11, 18)}
    late = {"late_delivery_note": "Sent late: the reminder service was unavailable on Mon 30 Nov."}
    for stage in NUDGE_STAGES:
        cards[f"nudge_{stage}"] = nudge_card(view(stage))
        cards[f"nudge_{stage}_window"] = nudge_card(view(stage, **window))
        cards[f"nudge_{stage}_late"] = nudge_card(view(stage, **late))
        cards[f"nudge_{stage}_no_snooze"] = nudge_card(view(stage, can_snooze=False))
        cards[f"nudge_{stage}_no_mentions"] = nudge_card(view(stage, mentions=()))
        cards[f"nudge_{stage}_demo"] = nudge_card(demo_nudge_view(stage))
    cards["digest_0"] = digest()
    cards["digest_1"] = digest(digest_rows(1))
    cards["digest_45"] = digest(digest_rows(45))
    cards["digest_failures"] = digest(digest_rows(4), failed=2, uncertain=1)
    cards["digest_empty_failures"] = digest(failed=1)
    cards["digest_demo"] = digest(demo_digest_rows())
    every_state = tuple(timeline_row(state, state) for state in TIMELINE_STATES)
    cards["timeline"] = timeline(every_state)
    cards["timeline_read_only"] = timeline(every_state, can_mark_done=False)
    cards["timeline_empty"] = timeline(())
    cards["timeline_demo"] = timeline(demo_timeline_rows())
    cards["cases_empty"] = cases_card(rows=())
    cards["cases"] = cases_card(rows=demo_case_list_rows())
    return cards


def test_every_variant_is_a_valid_card_for_teams() -> None:
    cards = all_cards()
    check_cards(list(cards.values()), labels=list(cards))


def test_the_gallery_has_the_deadline_cards() -> None:
    kinds = {
        "nudge_heads_up",
        "nudge_due_today",
        "nudge_overdue",
        "nudge_escalation",
        "digest",
        "digest_empty",
        "case_timeline",
        "cases",
    }
    assert kinds <= set(GALLERY)
    check_cards([GALLERY[kind]() for kind in sorted(kinds)], labels=sorted(kinds))


# --- nudges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "late", "headline"),
    [
        ("heads_up", 0, f"Due in 2 working days: {TITLE} — by Wed 25 Nov 2026"),
        ("due_today", 0, f"Due today: {TITLE}"),
        ("overdue", 1, f"Overdue by 1 working day: {TITLE} — it was due Wed 25 Nov 2026"),
        ("overdue", 3, f"Overdue by 3 working days: {TITLE} — it was due Wed 25 Nov 2026"),
        (
            "escalation",
            1,
            f"Escalated to the partnership managers: {TITLE} is 1 working day overdue",
        ),
        (
            "escalation",
            4,
            f"Escalated to the partnership managers: {TITLE} is 4 working days overdue",
        ),
    ],
)
def test_nudge_wording_per_stage(stage: str, late: int, headline: str) -> None:
    card = nudge_card(view(stage, working_days_late=late))
    assert text_blocks(card)[0] == headline
    assert card["fallbackText"] == f"{REFERENCE}: {headline}."
    assert facts(card) == {
        "Case": REFERENCE,
        "Due": "Wed 25 Nov 2026",
        "Responsible": "Local Authority",
    }


def test_heads_up_says_its_own_lead_time() -> None:
    card = nudge_card(view("heads_up", working_days_left=1))
    assert text_blocks(card)[0].startswith("Due in 1 working day: ")


def test_a_window_milestone_shows_between_and() -> None:
    card = nudge_card(view("heads_up", window_earliest=date(2026, 11, 18)))
    assert facts(card)["Window"] == "between Wed 18 Nov 2026 and Wed 25 Nov 2026"
    assert "Due" not in facts(card)


def test_a_late_reminder_says_so() -> None:
    note = "Sent late: the reminder service was unavailable on Mon 30 Nov."
    card = nudge_card(view("overdue", late_delivery_note=note))
    assert note in text_blocks(card)


@pytest.mark.parametrize(
    "bad",
    [
        {"stage": "reminder"},
        {"stage": "overdue", "working_days_late": 0},
        {"stage": "escalation", "working_days_late": 0},
        {"stage": "heads_up", "working_days_left": 0},
    ],
)
def test_a_nudge_the_card_cannot_say_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        nudge_card(view(**bad))


@pytest.mark.parametrize("stage", NUDGE_STAGES)
def test_nudge_buttons_name_the_case_and_milestone(stage: str) -> None:
    card = nudge_card(view(stage))
    data = {"reference": REFERENCE, "milestone": "national_panel_notification"}
    assert [(a["title"], a["verb"], a["data"]) for a in card["actions"]] == [
        ("Mark done", VERB_MILESTONE_DONE, data),
        ("Snooze 1 working day", VERB_MILESTONE_SNOOZE, data),
        ("Open case", VERB_CASE_OPEN, {"reference": REFERENCE}),
    ]
    assert all(action["associatedInputs"] == "none" for action in card["actions"])


def test_no_snooze_button_when_the_view_says_so() -> None:
    card = nudge_card(view("overdue", can_snooze=False))
    assert [action["verb"] for action in card["actions"]] == [VERB_MILESTONE_DONE, VERB_CASE_OPEN]


def test_nudge_mentions_each_person_once() -> None:
    people = (JO, SAM, ("29:jo-id", "Jo Sample again"), ("", "No id"))
    card = nudge_card(view("escalation", mentions=people))
    entities = mentions_match(card)
    assert [(e["mentioned"]["id"], e["mentioned"]["name"]) for e in entities] == [JO, SAM]
    assert "Partnership managers: <at>Jo Sample</at>, <at>Sam Manager</at>" in text_blocks(card)
    card = nudge_card(view("due_today", mentions=(JO,)))
    assert "Reminder for <at>Jo Sample</at>" in text_blocks(card)
    mentions_match(card)


def test_a_mentioned_name_is_flattened_and_inert() -> None:
    hostile = "**Jo**  [x](https://evil.example)\n<at>all</at>"
    card = nudge_card(view("overdue", mentions=(("29:jo", hostile),)))
    entities = mentions_match(card)
    name = "**Jo** [x](https://evil.example) at all /at"
    assert entities == [
        {
            "type": "mention",
            "text": f"<at>{escape_markdown(name)}</at>",
            "mentioned": {"id": "29:jo", "name": name},
        }
    ]
    check_cards([card])


def test_no_mentions_no_entities() -> None:
    card = nudge_card(view("heads_up", mentions=()))
    assert "msteams" not in card
    assert not AT.findall(json.dumps(card))


def test_a_hostile_title_stays_inert() -> None:
    hostile = "**Send** [the](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}} report"
    card = nudge_card(view("due_today", milestone_title=hostile))
    assert text_blocks(card)[0] == f"Due today: {escape_markdown(hostile)}"
    assert hostile not in json.dumps(card["body"], ensure_ascii=False)


# --- what a channel card may hold -----------------------------------------------------------


def placeholders(card: Card, values: Mapping[str, str]) -> str:
    """The card's JSON with every value replaced by its field's name (longest values first)."""
    text = json.dumps(card, ensure_ascii=False)
    for value, field in sorted(values.items(), key=lambda item: -len(item[0])):
        text = text.replace(value, f"{{{field}}}")
    return text


def nudge_pair(variant: str, first: date) -> tuple[NudgeView, dict[str, str]]:
    """A nudge whose every string is a marker, and the marker -> field map."""
    marked = {
        "reference": f"Q{variant}referenceQ",
        "milestone_id": f"Q{variant}milestoneQ",
        "milestone_title": f"Q{variant}titleQ",
        "late_delivery_note": f"Q{variant}noteQ",
        "responsible_label": f"Q{variant}responsibleQ",
    }
    people = ((f"Q{variant}id1Q", f"Q{variant}name1Q"), (f"Q{variant}id2Q", f"Q{variant}name2Q"))
    nudge = NudgeView(
        reference=marked["reference"],
        milestone_id=marked["milestone_id"],
        milestone_title=marked["milestone_title"],
        stage="overdue",
        due=first + timedelta(days=7),
        window_earliest=first,
        working_days_late=3,
        late_delivery_note=marked["late_delivery_note"],
        responsible_label=marked["responsible_label"],
        mentions=people,
    )
    values = {value: field for field, value in marked.items()}
    values.update({people[0][0]: "id1", people[0][1]: "name1"})
    values.update({people[1][0]: "id2", people[1][1]: "name2"})
    values.update({format_date(nudge.due): "due", format_date(first): "earliest"})
    return nudge, values


@pytest.mark.parametrize("stage", NUDGE_STAGES)
def test_a_nudge_holds_nothing_but_its_view_model(stage: str) -> None:
    a, a_values = nudge_pair("A", date(2026, 11, 16))
    b, b_values = nudge_pair("B", date(2027, 3, 1))
    card_a = nudge_card(replace(a, stage=stage))
    card_b = nudge_card(replace(b, stage=stage))
    assert placeholders(card_a, a_values) == placeholders(card_b, b_values)
    assert "QA" not in placeholders(card_a, a_values)


def digest_pair(variant: str, first: date) -> tuple[list[DigestRow], dict[str, str]]:
    """Digest rows whose every string is a marker, and the marker -> field map."""
    rows: list[DigestRow] = []
    values: dict[str, str] = {}
    for i, (rag, days) in enumerate((("red", -4), ("amber", 1), ("green", 9), ("none", None))):
        due = first + timedelta(days=i) if rag != "none" else None
        row = DigestRow(
            f"Q{variant}reference{i}Q", f"Q{variant}title{i}Q", due, rag, days, f"Q{variant}s{i}Q"
        )
        rows.append(row)
        values.update(
            {row.reference: f"reference{i}", row.status_label: f"status{i}"},
        )
        values[f"Q{variant}title{i}Q"] = f"title{i}"
        if due is not None:
            values[format_date(due)] = f"due{i}"
    values[f"Q{variant}partnershipQ"] = "partnership"
    values[format_date(first - timedelta(days=3))] = "day"
    return rows, values


def test_a_digest_holds_nothing_but_its_rows() -> None:
    cards: list[str] = []
    for variant, first in (("A", date(2026, 11, 16)), ("B", date(2027, 3, 1))):
        rows, values = digest_pair(variant, first)
        card = digest_card(
            partnership_name=f"Q{variant}partnershipQ",
            day=first - timedelta(days=3),
            rows=rows,
            failed_reminders=2,
            uncertain_reminders=1,
        )
        cards.append(placeholders(card, values))
    assert cards[0] == cards[1]
    assert "QA" not in cards[0]


# --- the digest -----------------------------------------------------------------------------


def test_digest_title_counts_and_rows() -> None:
    card = digest(demo_digest_rows())
    shown = text_blocks(card)
    assert shown[0] == "Rapid review digest — Mon 30 Nov 2026"
    assert "4 open cases: 1 red, 1 amber, 1 green, 1 with no dated milestone" in shown
    lines = rich_texts(card)
    assert lines[0] == PARTNERSHIP
    assert lines[1:3] == [
        "Red · NSCP-2026-0001 · Rapid review",
        f"{TITLE} — due Wed 25 Nov 2026 (overdue by 3 WD)",
    ]
    assert "Amber · NSCP-2026-0002 · Rapid review" in lines
    assert "Green · NSCP-2026-0003 · Rapid review" in lines
    assert "No date · NSCP-2026-0004 · Waiting for the virtual panel" in lines
    assert "no dated milestone" in lines
    assert not any("Reminders to check" in text for text in shown)


def test_digest_one_case_counts_in_the_singular() -> None:
    card = digest(digest_rows(1))
    assert "1 open case: 1 red, 0 amber, 0 green" in text_blocks(card)


def test_digest_rag_has_both_colour_and_words() -> None:
    card = digest(digest_rows(4))
    runs = {
        node["text"]: node.get("color")
        for node in nodes(card)
        if node.get("type") == "TextRun" and node.get("weight") == "Bolder"
    }
    assert runs["Red"] == "Attention"
    assert runs["Amber"] == "Warning"
    assert runs["Green"] == "Good"
    assert runs["No date"] is None
    assert any(text.startswith("Red: overdue. Amber: due within 2") for text in text_blocks(card))


def test_digest_keeps_the_callers_order() -> None:
    rows = tuple(reversed(digest_rows(8)))
    card = digest(rows)
    shown = [line.split(" · ")[1] for line in rich_texts(card) if " · SSCP-" in line]
    assert shown == [row.reference for row in rows]


@pytest.mark.parametrize(
    ("failed", "uncertain", "text"),
    [
        (
            2,
            1,
            "2 reminders could not be delivered; 1 may or may not have been posted — a manager "
            "should check the channel.",
        ),
        (1, 0, "1 reminder could not be delivered — a manager should check the channel."),
        (
            0,
            3,
            "3 reminders may or may not have been posted — a manager should check the channel.",
        ),
    ],
)
def test_digest_warns_about_reminders(failed: int, uncertain: int, text: str) -> None:
    for rows in ((), digest_rows(2)):
        card = digest(rows, failed=failed, uncertain=uncertain)
        assert text in text_blocks(card)
        warning = next(node for node in nodes(card) if node.get("style") == "warning")
        assert text in text_blocks(warning)


def test_digest_empty_state() -> None:
    card = digest()
    assert "No open cases." in text_blocks(card)
    assert card["fallbackText"] == "Rapid review digest — Mon 30 Nov 2026: no open cases."
    assert not executes(card)


def test_digest_caps_the_rows() -> None:
    card = digest(digest_rows(45))
    lines = [line for line in rich_texts(card) if " · SSCP-" in line]
    assert len(lines) == DIGEST_MAX_ROWS
    assert "and 5 more — type `cases` in a 1:1 chat with me" in text_blocks(card)
    assert "45 open cases: 12 red, 11 amber, 11 green, 11 with no dated milestone" in (
        text_blocks(card)
    )


def test_digest_stays_under_28_kb_with_long_titles() -> None:
    rows = digest_rows(45, title="Send the information request to every agency lead " * 8)
    card = digest(rows, failed=3, uncertain=2)
    assert len(json.dumps(card).encode("utf-8")) <= MAX_CARD_BYTES
    lines = [line for line in rich_texts(card) if " · SSCP-" in line]
    assert 0 < len(lines) < DIGEST_MAX_ROWS
    assert f"and {45 - len(lines)} more — type `cases` in a 1:1 chat with me" in text_blocks(card)
    check_cards([card])


def test_digest_refuses_an_unknown_rag() -> None:
    with pytest.raises(ValueError, match="rag"):
        digest((replace(digest_rows(1)[0], rag="purple"),))


# --- the timeline ---------------------------------------------------------------------------


def test_timeline_shows_every_state_in_words() -> None:
    card = timeline(tuple(timeline_row(state, state) for state in TIMELINE_STATES))
    lines = rich_texts(card)
    assert "Done Thu 3 Dec 2026 · was due Fri 4 Dec 2026 · Partnership manager" in lines
    assert "Due Fri 4 Dec 2026 · Partnership manager" in lines
    assert "Waiting for the panel decision · Partnership manager" in lines
    for word in ("Done", "Open", "Overdue", "Waiting"):
        assert word in lines
    colours = {
        node["text"]: node.get("color")
        for node in nodes(card)
        if node.get("type") == "TextRun" and node["text"] in ("Done", "Open", "Overdue", "Waiting")
    }
    assert colours == {"Done": "Good", "Open": "Accent", "Overdue": "Attention", "Waiting": None}
    assert facts(card) == {
        "Reference": REFERENCE,
        "Status": "Rapid review",
        "Pathway": "A: Rapid review",
        "Received": "Wed 18 Nov 2026",
    }


def test_timeline_mark_done_only_for_open_and_overdue_rows() -> None:
    rows = tuple(timeline_row(state, state) for state in TIMELINE_STATES)
    actions = executes(timeline(rows))
    assert [(a["title"], a["verb"], a["data"]) for a in actions] == [
        ("Mark done", VERB_MILESTONE_DONE, {"reference": REFERENCE, "milestone": "open"}),
        ("Mark done", VERB_MILESTONE_DONE, {"reference": REFERENCE, "milestone": "overdue"}),
    ]
    assert all(action["associatedInputs"] == "none" for action in actions)
    assert not executes(timeline(rows, can_mark_done=False))


def test_timeline_windows_and_planned_dates() -> None:
    window = timeline_row("open", "meeting", earliest=date(2026, 12, 1), provisional=True)
    card = timeline((window,))
    assert "Between Tue 1 Dec 2026 and Fri 4 Dec 2026 · planned · Partnership manager" in (
        rich_texts(card)
    )
    assert any(text.startswith("Planned: ") for text in text_blocks(card))
    plain = timeline((timeline_row("open"),))
    assert not any("planned" in text.lower() for text in [*text_blocks(plain), *rich_texts(plain)])


@pytest.mark.parametrize("event", ANCHOR_EVENTS)
def test_every_anchor_event_is_said_in_words(event: str) -> None:
    assert event in WAITING_FOR_WORDS
    card = timeline((timeline_row("waiting", waiting_for=event),))
    words = waiting_for_words(event)
    assert f"Waiting for {words} · Partnership manager" in rich_texts(card)
    assert "_" not in words


def test_waiting_words_for_the_brief_examples() -> None:
    assert waiting_for_words("panel_decision") == "the panel decision"
    assert waiting_for_words("rapid_review_report_sent") == "the report being sent"
    assert waiting_for_words("complaint_received") == "a complaint"
    assert waiting_for_words("something_new") == "an earlier step"
    assert waiting_for_words(None) == "an earlier step"


def test_timeline_of_twelve_long_milestones_fits() -> None:
    rows = tuple(
        timeline_row(
            ("open", "overdue", "done", "waiting")[i % 4],
            f"milestone_{i}",
            title="Send the Rapid Review report and the agency returns to the National Panel " * 2,
            provisional=True,
            responsible_label="Designated safeguarding partner leads",
        )
        for i in range(12)
    )
    card = timeline(rows)
    assert len(json.dumps(card).encode("utf-8")) < MAX_CARD_BYTES
    check_cards([card])


def test_timeline_refuses_an_unknown_state() -> None:
    with pytest.raises(ValueError, match="state"):
        timeline((replace(timeline_row("open"), state="late"),))


def test_timeline_titles_are_text_runs() -> None:
    hostile = "**Bold** [x](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}}"
    card = timeline((timeline_row("open", title=hostile),))
    assert neutralise_text_functions(hostile) in rich_texts(card)
    assert not any(hostile in text for text in text_blocks(card))


# --- the case list and the done reply -------------------------------------------------------


def test_cases_card_has_an_open_button_per_case() -> None:
    rows = demo_case_list_rows()
    card = cases_card(rows=rows)
    assert [(a["title"], a["verb"], a["data"]) for a in executes(card)] == [
        ("Open", VERB_CASE_OPEN, {"reference": row.reference}) for row in rows
    ]
    assert all(action["associatedInputs"] == "none" for action in executes(card))
    lines = rich_texts(card)
    assert "NSCP-2026-0001 · Rapid review" in lines
    assert f"Red · {TITLE} — due Wed 25 Nov 2026" in lines
    assert "No date · no dated milestone" in lines
    assert "4 open cases" in text_blocks(card)


def test_cases_card_empty() -> None:
    card = cases_card(rows=())
    assert "No open cases." in text_blocks(card)
    assert not executes(card)


def test_cases_card_caps_its_rows() -> None:
    rows = tuple(
        CaseListRow(f"SSCP-2026-{i:04d}", "Rapid review", TITLE, DAY, "green") for i in range(50)
    )
    card = cases_card(rows=rows)
    assert len(executes(card)) == CASES_MAX_ROWS
    assert "and 25 more — type `case` and a reference to open one" in text_blocks(card)
    check_cards([card])


def test_done_result_text() -> None:
    text = done_result_text(reference=REFERENCE, milestone_title=TITLE, done_on=DAY)
    assert text == (
        f"Marked done: {TITLE} for SSCP-2026-0001 on Mon 30 Nov 2026. Its reminders have stopped."
    )
    hostile = done_result_text(reference=REFERENCE, milestone_title="**x**", done_on=DAY)
    assert r"\*\*x\*\*" in hostile


# --- every button, everywhere ---------------------------------------------------------------

_NEEDS_MILESTONE = {VERB_MILESTONE_DONE, VERB_MILESTONE_SNOOZE}


def test_every_execute_names_its_case_and_milestone() -> None:
    for name, card in all_cards().items():
        for action in executes(card):
            assert action["verb"] in {VERB_CASE_OPEN, *_NEEDS_MILESTONE}, name
            assert action["data"]["reference"], name
            assert action["associatedInputs"] == "none", name
            needs_milestone = action["verb"] in _NEEDS_MILESTONE
            expected = {"reference", "milestone"} if needs_milestone else {"reference"}
            assert set(action["data"]) == expected, name
