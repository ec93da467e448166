"""Cards after the decision: every one valid for Teams, the right inputs and buttons, typed text
kept inert, and nothing from a return or the chair's notes in the channel's thread posts.

All people, agencies and references here are fictional.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from cards.after import (
    ROWS_SHOWN,
    chair_notes_card,
    demo_chronology_rows,
    information_request_card,
    meeting_notice_card,
    meeting_proposal_card,
    report_ready_card,
    returns_status_card,
)
from cards.base import neutralise_text_functions
from cards.gallery import GALLERY
from helpers.cards import check_cards
from review.report import CHAIR_QUESTIONS, CONCLUSIONS
from review.returns import RETURN_FIELDS, ROW_FIELDS, ChronologyRow, validate_return

Card = dict[str, Any]
REFERENCE = "SSCP-2026-0001"
HOSTILE = "**Evil** [click](https://evil.example) <at>all</at> {{DATE(2024-01-01T00:00:00Z)}}"
MARKED_RETURN = {
    "involved": "yes",
    "records_secured": "true",
    "author_name": "MARKER-AUTHOR Sam Lead",
    "author_role": "MARKER-ROLE",
    "practitioners": "MARKER-PRACT",
    "family_members": "MARKER-FAMILY",
    "involvement_child": "MARKER-CHILD",
    "involvement_parental_capacity": "MARKER-PARENT",
    "involvement_family_environment": "MARKER-ENV",
    "involvement_multi_agency": "MARKER-MULTI",
    "actions_identified": "MARKER-ACTIONS",
    "issues_for_panel": "MARKER-ISSUES",
    "views_of_child_family": "MARKER-VIEWS",
    "other_information": "MARKER-OTHER",
}


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _nodes(value))]
    if isinstance(node, list):
        return [found for item in node for found in _nodes(item)]
    return []


def _inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in _nodes(card) if str(n.get("type", "")).startswith("Input.")}


def _markdown_texts(card: Card) -> list[str]:
    """Texts that Teams reads as markdown (TextBlocks and facts)."""
    found = [n["text"] for n in _nodes(card) if n.get("type") == "TextBlock"]
    for n in _nodes(card):
        if n.get("type") == "FactSet":
            found += [f["title"] for f in n["facts"]] + [f["value"] for f in n["facts"]]
    return found


def _request(**changes: Any) -> Card:
    arguments: dict[str, Any] = {
        "reference": REFERENCE,
        "agency_name": "Northdale Hospitals NHS Trust",
        "due": date(2026, 12, 8),
        "values": {},
        "errors": {},
        "chronology_rows": (),
        "token": "tok-1",
    }
    arguments.update(changes)
    return information_request_card(**arguments)


def _row(n: int, text: str = "Visit") -> ChronologyRow:
    return ChronologyRow(date(2026, 10, 1 + n % 28), None, None, "Child", f"{text} {n}", None, "")


def test_every_variant_is_valid() -> None:
    long_rows = tuple(_row(n, "x" * 400) for n in range(40))
    cards = [
        _request(),
        _request(values=MARKED_RETURN, chronology_rows=demo_chronology_rows()),
        _request(
            values={**MARKED_RETURN, "chrono_date_from": "2026-10-01", "chrono_child_seen": "no"},
            errors={"involved": "Choose Yes or No.", "chrono_event_outcome": "Describe it."},
            chronology_rows=long_rows,
        ),
        returns_status_card(reference=REFERENCE, rows=()),
        returns_status_card(reference=REFERENCE, rows=(("Northdale Council", "overdue", None),)),
        meeting_proposal_card(reference=REFERENCE, window=None, error=None, values={}),
        meeting_proposal_card(
            reference=REFERENCE,
            window=(date(2026, 12, 3), date(2026, 12, 11)),
            error=HOSTILE,
            values={"duration_minutes": "abc", "meeting_time": "9am", "location": HOSTILE},
        ),
        meeting_notice_card(
            reference=REFERENCE,
            start_text="10:00 Thu 10 Dec 2026",
            location=HOSTILE,
            papers_by=date(2026, 12, 9),
        ),
        chair_notes_card(reference=REFERENCE, values={}, errors={}),
        chair_notes_card(
            reference=REFERENCE,
            values={q.id: HOSTILE for q in CHAIR_QUESTIONS} | {"due_2": "not a date"},
            errors={"q4_1": "Record the notes.", "owner_2": "Say who owns action 2."},
        ),
        report_ready_card(reference=REFERENCE, sent_recorded=None),
        report_ready_card(reference=REFERENCE, sent_recorded=date(2026, 12, 15)),
    ]
    check_cards(cards)


def test_gallery_has_the_cards() -> None:
    kinds = (
        "information_request",
        "returns_status",
        "meeting_proposal",
        "meeting_notice",
        "chair_notes",
        "report_ready",
    )
    assert set(kinds) <= set(GALLERY)
    check_cards([GALLERY[kind]() for kind in kinds], labels=list(kinds))


# --- the information request ----------------------------------------------------------------


def test_information_request_inputs_and_buttons() -> None:
    card = _request()
    inputs = _inputs(card)
    assert list(inputs) == [*RETURN_FIELDS, *ROW_FIELDS]
    assert inputs["involved"]["type"] == "Input.ChoiceSet"
    assert [c["value"] for c in inputs["involved"]["choices"]] == ["yes", "no"]
    assert inputs["records_secured"]["type"] == "Input.Toggle"
    assert inputs["records_secured"]["valueOn"] == "true"
    assert inputs["author_name"]["maxLength"] == 100
    assert inputs["involvement_child"]["maxLength"] == 4000
    assert inputs["involvement_child"]["isMultiline"] is True
    assert inputs["chrono_date_from"]["type"] == "Input.Date"
    assert inputs["chrono_time_from"]["type"] == "Input.Time"
    assert [c["value"] for c in inputs["chrono_child_seen"]["choices"]] == [
        "yes",
        "no",
        "not_known",
    ]
    data = {"reference": REFERENCE, "token": "tok-1"}
    show, save, submit = card["actions"]
    assert show["type"] == "Action.ShowCard" and show["title"] == "Add chronology row"
    assert [a["data"] for a in show["card"]["actions"]] == [{"action": "return.add_row", **data}]
    assert set(_inputs(show["card"])) == set(ROW_FIELDS)
    assert (save["title"], save["data"]) == ("Save draft", {"action": "return.save", **data})
    assert (submit["title"], submit["data"]) == (
        "Submit return",
        {"action": "return.submit", **data},
    )


def test_the_form_itself_requires_nothing_on_the_client() -> None:
    card = _request()
    form_inputs = {k: v for k, v in _inputs({"body": card["body"]}).items()}
    assert set(form_inputs) == set(RETURN_FIELDS)
    assert not any(element.get("isRequired") for element in form_inputs.values())
    # Only the row sub-form's own button sends (and so checks) the row's required inputs.
    row_inputs = _inputs(card["actions"][0]["card"])
    assert row_inputs["chrono_date_from"]["isRequired"] is True


def test_information_request_has_the_appendix_d_labels_and_the_csv_note() -> None:
    text = json.dumps(_request(), ensure_ascii=False)
    for label in (
        "Has your agency had any contact with the child, family or close associate as listed "
        "in the referral form?",
        "B. Other Significant Family & Household Members",
        "Parental Capacity – including provision of care",
        "G. Agency Actions Identified",
        "H. Issues for discussion at the Case Review Panel",
        "I. Views of the Child, Young Person and / or their Family",
        "J. Any other Information",
        "Single Agency Chronology of Significant Events",
        "Description of significant event/activity and outcome of event",
        "upload your chronology as a spreadsheet in this chat",
        "CSV",
    ):
        assert label in text, label


def test_values_are_put_back_and_errors_shown() -> None:
    card = _request(
        values={**MARKED_RETURN, "chrono_involvement_with": "Mother"},
        errors={"issues_for_panel": "Give the issues.", "chrono_date_from": "Enter the date."},
    )
    inputs = _inputs(card)
    assert inputs["involved"]["value"] == "yes"
    assert inputs["records_secured"]["value"] == "true"
    assert inputs["issues_for_panel"]["value"] == "MARKER-ISSUES"
    assert inputs["chrono_involvement_with"]["value"] == "Mother"
    texts = _markdown_texts(card)
    assert "Please check 2 answers below" in texts
    assert "Give the issues." in texts and "Enter the date." in texts


def test_rows_are_listed_latest_first_capped_and_inert() -> None:
    rows = [*(_row(n) for n in range(ROWS_SHOWN + 5)), _row(99, HOSTILE)]
    card = _request(chronology_rows=rows)
    runs = [n["text"] for n in _nodes(card) if n.get("type") == "TextRun"]
    assert f"{neutralise_text_functions(HOSTILE)} 99" in runs
    assert "Visit 0" not in runs and "Visit 14" in runs
    assert f"{len(rows)} rows so far. The latest {ROWS_SHOWN} are shown." in _markdown_texts(card)
    assert not any(HOSTILE in text for text in _markdown_texts(card))


def test_hostile_agency_name_and_values_stay_inert() -> None:
    card = _request(agency_name=HOSTILE, values={k: HOSTILE for k in RETURN_FIELDS[2:]})
    check_cards([card])
    assert not any("[click](" in text for text in _markdown_texts(card))


def test_a_full_typical_return_fits_in_a_teams_message() -> None:
    values = {**MARKED_RETURN, **{k: "Typical answer. " * 60 for k in RETURN_FIELDS[4:]}}
    card = _request(values=values, chronology_rows=tuple(_row(n, "x" * 300) for n in range(30)))
    check_cards([card])


# --- thread posts ---------------------------------------------------------------------------


def test_returns_status_shows_names_and_statuses_only() -> None:
    returned, errors = validate_return(MARKED_RETURN, today=date(2026, 12, 2))
    assert returned is not None and not errors
    card = returns_status_card(
        reference=REFERENCE,
        rows=(
            ("Northdale Council", "received", "Wed 2 Dec"),
            ("Northdale Police", "not involved", "Tue 1 Dec"),
            ("Northdale ICB", "awaited", None),
            ("Northdale Schools", "overdue", "due Fri 4 Dec"),
        ),
    )
    text = json.dumps(card)
    assert "MARKER" not in text
    assert not _inputs(card) and "actions" not in card
    facts = next(n for n in _nodes(card) if n.get("type") == "FactSet")["facts"]
    assert [(f["title"], f["value"]) for f in facts] == [
        ("Northdale Council", "Received · Wed 2 Dec"),
        ("Northdale Police", "Not involved · Tue 1 Dec"),
        ("Northdale ICB", "Awaited"),
        ("Northdale Schools", "Overdue · due Fri 4 Dec"),
    ]
    assert "2 of 4 agencies have replied; 1 overdue" in _markdown_texts(card)


def test_returns_status_refuses_unknown_statuses() -> None:
    with pytest.raises(ValueError):
        returns_status_card(reference=REFERENCE, rows=(("Northdale Council", "MARKER", None),))


def test_meeting_notice_is_date_time_and_place_only() -> None:
    card = meeting_notice_card(
        reference=REFERENCE,
        start_text="10:00 Thu 10 Dec 2026 (90 minutes)",
        location="Room 2 [Town Hall](x)",
        papers_by=date(2026, 12, 9),
    )
    text = json.dumps(card)
    assert "MARKER" not in text and not _inputs(card)
    facts = next(n for n in _nodes(card) if n.get("type") == "FactSet")["facts"]
    assert facts[0] == {"title": "When", "value": "10:00 Thu 10 Dec 2026 (90 minutes)"}
    assert facts[1]["value"] == "Room 2 \\[Town Hall\\]\\(x)"
    assert any("Wed 9 Dec 2026" in t for t in _markdown_texts(card))


# --- to managers and the chair --------------------------------------------------------------


def test_meeting_proposal() -> None:
    card = meeting_proposal_card(
        reference=REFERENCE,
        window=(date(2026, 12, 3), date(2026, 12, 11)),
        error="Sat 5 Dec 2026 is not a working day",
        values={"meeting_date": "2026-12-05", "meeting_time": "10:00", "location": "Teams"},
    )
    inputs = _inputs(card)
    assert {k: v["type"] for k, v in inputs.items()} == {
        "meeting_date": "Input.Date",
        "meeting_time": "Input.Time",
        "location": "Input.Text",
        "duration_minutes": "Input.Number",
    }
    assert inputs["meeting_date"]["value"] == "2026-12-05"
    assert inputs["meeting_date"]["min"] == "2026-12-03"
    assert inputs["meeting_time"]["value"] == "10:00"
    assert inputs["duration_minutes"]["value"] == 90
    assert [(a["title"], a["data"]) for a in card["actions"]] == [
        ("Propose", {"action": "meeting.propose", "reference": REFERENCE})
    ]
    texts = _markdown_texts(card)
    assert "Sat 5 Dec 2026 is not a working day" in texts
    assert any("Thu 3 Dec 2026" in t and "Fri 11 Dec 2026" in t for t in texts)


def test_chair_notes_card() -> None:
    card = chair_notes_card(
        reference=REFERENCE,
        values={"q4_2": "Seen before", "conclusion": "no_review", "due_1": "2026-12-18"},
        errors={"conclusion_reasons": "Give the reasons."},
    )
    inputs = _inputs(card)
    for question in CHAIR_QUESTIONS:
        assert inputs[question.id]["isMultiline"] is True
        assert question.number in inputs[question.id]["label"]
    texts = " ".join(_markdown_texts(card))
    for question in CHAIR_QUESTIONS:
        assert question.question.split("?")[0][:40] in texts.replace("\\", "")
    assert inputs["q4_2"]["value"] == "Seen before"
    assert [c["value"] for c in inputs["conclusion"]["choices"]] == list(CONCLUSIONS)
    assert inputs["conclusion"]["value"] == "no_review"
    assert inputs["due_1"]["value"] == "2026-12-18"
    for n in range(1, 6):
        assert {f"action_{n}", f"owner_{n}", f"due_{n}"} <= set(inputs)
    assert "action_6" not in inputs
    assert "Give the reasons." in _markdown_texts(card)
    assert [(a["title"], a["data"]) for a in card["actions"]] == [
        ("Save conclusion", {"action": "chair.save", "reference": REFERENCE})
    ]


def test_report_ready_card() -> None:
    card = report_ready_card(reference=REFERENCE, sent_recorded=None)
    assert "The Rapid Review report is ready" in _markdown_texts(card)
    (show,) = card["actions"]
    assert show["type"] == "Action.ShowCard"
    assert show["title"] == "Record date sent to the National Panel"
    sent_on = _inputs(show["card"])["sent_on"]
    assert sent_on["type"] == "Input.Date" and "value" not in sent_on
    assert [a["data"] for a in show["card"]["actions"]] == [
        {"action": "report.sent", "reference": REFERENCE}
    ]
    recorded = report_ready_card(reference=REFERENCE, sent_recorded=date(2026, 12, 15))
    assert any("Tue 15 Dec 2026" in t for t in _markdown_texts(recorded))
    assert _inputs(recorded)["sent_on"]["value"] == "2026-12-15"
