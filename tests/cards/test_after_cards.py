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
    CHAIR_PARTS,
    RETURN_PARTS,
    ROWS_SHOWN,
    chair_notes_card,
    demo_chronology_rows,
    information_request_card,
    meeting_notice_card,
    meeting_proposal_card,
    report_ready_card,
    returns_status_card,
)
from cards.base import escape_markdown, neutralise_text_functions
from cards.gallery import GALLERY
from helpers.cards import MAX_CARD_BYTES, check_cards, nodes
from review.report import ACTION_ROWS, CHAIR_FIELDS, CHAIR_QUESTIONS, CONCLUSIONS, NOTES_MAX
from review.returns import (
    FIELD_INFO,
    INVOLVEMENT_FIELDS,
    LONG_TEXT_MAX,
    MAX_CHRONOLOGY_ROWS,
    RETURN_FIELDS,
    ROW_FIELDS,
    ROW_INFO,
    ChronologyRow,
    validate_return,
)

Card = dict[str, Any]
REFERENCE = "SSCP-2026-0001"
HOSTILE = "**Evil** [click](https://evil.example) <at>all</at> {{DATE(2024-01-01T00:00:00Z)}}"
MARKED_RETURN = {
    "involved": "yes",
    "records_secured": "true",
    "author_name": "MARKER-AUTHOR Sam Lead",
    "author_role": "MARKER-ROLE",
    "practitioners": "MARKER-PRACT",
    "quality_assured_by": "MARKER-QA",
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


def _inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}


def _markdown_texts(card: Card) -> list[str]:
    """Texts that Teams reads as markdown (TextBlocks and facts)."""
    found = [n["text"] for n in nodes(card) if n.get("type") == "TextBlock"]
    for n in nodes(card):
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


def _chair(**changes: Any) -> Card:
    arguments: dict[str, Any] = {"reference": REFERENCE, "values": {}, "errors": {}}
    arguments.update(changes)
    return chair_notes_card(**arguments)


def _row(n: int, text: str = "Visit") -> ChronologyRow:
    return ChronologyRow(date(2026, 10, 1 + n % 28), None, None, "Child", f"{text} {n}", None, "")


def _buttons(card: Card) -> list[tuple[str, Any]]:
    """The card-level buttons: (title, data), a ShowCard as (title, its type)."""
    return [(a["title"], a.get("data", a["type"])) for a in card.get("actions", [])]


def _form_inputs(card: Card) -> list[str]:
    """The ids of the inputs in the card's body (not in a sub-form), in order."""
    return list(_inputs({"body": card["body"]}))


RETURN_PART_COUNT = len(RETURN_PARTS)
CHAIR_PART_COUNT = len(CHAIR_PARTS)
ALL_RETURN_PARTS = range(1, RETURN_PART_COUNT + 1)
ALL_CHAIR_PARTS = range(1, CHAIR_PART_COUNT + 1)


def test_every_variant_is_valid() -> None:
    long_rows = tuple(_row(n, "x" * 400) for n in range(40))
    cards = [
        *(_request(part=n) for n in ALL_RETURN_PARTS),
        *(
            _request(values=MARKED_RETURN, chronology_rows=demo_chronology_rows(), part=n)
            for n in ALL_RETURN_PARTS
        ),
        *(
            _request(
                values={
                    **MARKED_RETURN,
                    "chrono_date_from": "2026-10-01",
                    "chrono_child_seen": "no",
                },
                errors={"involved": "Choose Yes or No.", "chrono_event_outcome": "Describe it."},
                chronology_rows=long_rows,
                part=n,
                returned=True,
            )
            for n in ALL_RETURN_PARTS
        ),
        *(
            _request(values=MARKED_RETURN, chronology_rows=long_rows, part=n, editable=False)
            for n in ALL_RETURN_PARTS
        ),
        *(_request(values={}, part=n, editable=False) for n in ALL_RETURN_PARTS),
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
        *(_chair(part=n) for n in ALL_CHAIR_PARTS),
        *(
            _chair(
                values={q.id: HOSTILE for q in CHAIR_QUESTIONS}
                | {"attendees": HOSTILE, "partner_discussion": HOSTILE, "due_2": "not a date"},
                errors={"q4_1": "Record the notes.", "owner_2": "Say who owns action 2."},
                part=n,
            )
            for n in ALL_CHAIR_PARTS
        ),
        report_ready_card(reference=REFERENCE, sent_recorded=None),
        report_ready_card(reference=REFERENCE, sent_recorded=date(2026, 12, 15)),
    ]
    check_cards(cards)


def test_gallery_has_every_part_of_the_cards() -> None:
    kinds = [
        *(f"information_request_part{n}" for n in ALL_RETURN_PARTS),
        *(f"information_request_read_only_part{n}" for n in ALL_RETURN_PARTS),
        "information_request_returned",
        "returns_status",
        "meeting_proposal",
        "meeting_notice",
        *(f"chair_notes_part{n}" for n in ALL_CHAIR_PARTS),
        "report_ready",
    ]
    assert set(kinds) <= set(GALLERY)
    built = [GALLERY[kind]() for kind in kinds]
    check_cards(built, labels=kinds)
    headings = [t for card in built for t in _markdown_texts(card) if t.startswith("Part ")]
    assert f"Part {RETURN_PART_COUNT} of {RETURN_PART_COUNT}: Chronology" in headings
    assert f"Part 1 of {CHAIR_PART_COUNT}: Attendees, overview and invited partners" in headings


# --- the parts and their size ---------------------------------------------------------------

# Text as people type it: words, quotes and line breaks (both cost more than a byte in JSON).
FILLER = 'Seen at home; "no concerns" noted by the visiting nurse.\n'
TOO_LONG = 20_000
"""Longer than any answer the bot keeps, so every value is as long as the card ever shows."""


def _filled(length: int) -> str:
    return (FILLER * (length // len(FILLER) + 1))[:length]


def _at_maximum_return() -> tuple[dict[str, str], dict[str, str]]:
    """Every answer of the return and of the row sub-form too long, each with an error."""
    values = {"involved": "yes", "records_secured": "true"}
    values |= {field_id: _filled(TOO_LONG) for field_id in RETURN_FIELDS[2:]}
    row_values = {"date": "2026-10-01", "time": "23:59", "choice": "not_known"}
    for field_id in ROW_FIELDS:
        kind = ROW_INFO[field_id].kind
        values[field_id] = row_values.get(kind) or _filled(TOO_LONG)
    errors = {
        field_id: f"Keep this under {LONG_TEXT_MAX:,} characters (it is {TOO_LONG:,})."
        for field_id in (*RETURN_FIELDS, *ROW_FIELDS)
    }
    return values, errors


def _at_maximum_rows() -> tuple[ChronologyRow, ...]:
    return tuple(
        ChronologyRow(
            date(2026, 10, 2),
            date(2026, 10, 30),
            "23:59",
            _filled(TOO_LONG),
            _filled(TOO_LONG),
            None,
            _filled(TOO_LONG),
        )
        for _ in range(MAX_CHRONOLOGY_ROWS)
    )


def _utf8_size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def test_return_parts_hold_every_question_once_and_the_chronology_last() -> None:
    ids = [field_id for _, part_ids in RETURN_PARTS for field_id in part_ids]
    assert ids == list(RETURN_FIELDS)
    assert RETURN_PART_COUNT >= 2
    assert RETURN_PARTS[-1] == ("Chronology", ())
    for n, (title, part_ids) in enumerate(RETURN_PARTS, start=1):
        card = _request(part=n)
        assert _form_inputs(card) == list(part_ids), title
        assert f"Part {n} of {RETURN_PART_COUNT}: {title}" in _markdown_texts(card)
        show_cards = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
        texts = " ".join(_markdown_texts(card))
        if n == RETURN_PART_COUNT:
            assert [a["title"] for a in show_cards] == ["Add chronology row"]
            assert list(_inputs(show_cards[0]["card"])) == list(ROW_FIELDS)
            assert "Single Agency Chronology of Significant Events" in texts
        else:
            assert not show_cards
            assert "Chronology of Significant Events" not in texts


def test_the_request_states_the_period_under_review_when_it_was_given() -> None:
    period = (date(2025, 11, 1), date(2026, 11, 20))
    line = "The period under review: Sat 1 Nov 2025 to Fri 20 Nov 2026."
    assert any(line in t for t in _markdown_texts(_request(period=period)))
    # On every part, read-only too: the lead needs it while answering.
    last = _request(period=period, part=len(RETURN_PARTS), editable=False)
    assert any(line in t for t in _markdown_texts(last))
    # A request sent before periods were recorded says nothing of one.
    assert not any("period under review" in t for t in _markdown_texts(_request()))


def test_chair_parts_hold_every_field_once() -> None:
    ids = [field_id for _, part_ids in CHAIR_PARTS for field_id in part_ids]
    assert ids == list(CHAIR_FIELDS)
    assert CHAIR_PART_COUNT >= 2
    for n, (title, part_ids) in enumerate(CHAIR_PARTS, start=1):
        card = _chair(part=n)
        assert _form_inputs(card) == list(part_ids), title
        assert f"Part {n} of {CHAIR_PART_COUNT}: {title}" in _markdown_texts(card)


def test_the_first_chair_part_follows_appendix_f_1_to_3() -> None:
    attendees = "Alex Demo — Northdale Council (panel member)\nJo Sample — Northdale Council"
    card = _chair(values={"attendees": attendees}, part=1)
    texts = _markdown_texts(card)
    headings = ["1.1 Attendees", "2. Overview of the case", "3. Discussion with invited Partners"]
    assert [t for t in texts if t in headings] == headings
    inputs = _inputs(card)
    assert inputs["attendees"]["value"] == attendees
    assert inputs["attendees"]["isMultiline"] and inputs["partner_discussion"]["isMultiline"]
    assert "value" not in inputs["partner_discussion"]


def test_every_return_part_fits_in_teams_with_every_answer_at_its_maximum() -> None:
    values, errors = _at_maximum_return()
    rows = _at_maximum_rows()
    cards: list[Card] = []
    labels: list[str] = []
    for editable in (True, False):
        for n in ALL_RETURN_PARTS:
            card = _request(
                agency_name=_filled(200),
                values=values,
                errors=errors,
                chronology_rows=rows,
                token="t" * 64,
                part=n,
                returned=True,
                editable=editable,
            )
            cards.append(card)
            labels.append(f"{'editable' if editable else 'read-only'} part {n}")
            assert _utf8_size(card) < MAX_CARD_BYTES, (labels[-1], _utf8_size(card))
    check_cards(cards, labels=labels)  # also checks the size, as json.dumps writes it
    # The test is only worth something if the answers really are at their longest.
    part_two = _inputs(cards[1])
    assert len(part_two["involvement_child"]["value"]) == LONG_TEXT_MAX + 1000
    runs = [n["text"] for n in nodes(cards[RETURN_PART_COUNT + 1]) if n.get("type") == "TextRun"]
    assert sum(len(run) == LONG_TEXT_MAX + 1000 for run in runs) == len(INVOLVEMENT_FIELDS)
    last = cards[RETURN_PART_COUNT - 1]
    row_form = _inputs(next(a for a in last["actions"] if a["type"] == "Action.ShowCard"))
    assert len(row_form["chrono_event_outcome"]["value"]) == LONG_TEXT_MAX + 1000
    summaries = [
        n for n in nodes(last) if n.get("type") == "Container" and n.get("separator") is True
    ]
    assert len(summaries) == ROWS_SHOWN


def test_every_chair_part_fits_in_teams_with_every_answer_at_its_maximum() -> None:
    values = {field_id: _filled(TOO_LONG) for field_id in CHAIR_FIELDS}
    values |= {"conclusion": "national_review_recommended"}
    values |= {f"due_{n}": "2026-12-18" for n in range(1, ACTION_ROWS + 1)}
    errors = {
        field_id: f"Keep this under {NOTES_MAX:,} characters (it is {TOO_LONG:,})."
        for field_id in CHAIR_FIELDS
    }
    cards = [_chair(values=values, errors=errors, part=n) for n in ALL_CHAIR_PARTS]
    for n, card in enumerate(cards, start=1):
        assert _utf8_size(card) < MAX_CARD_BYTES, (n, _utf8_size(card))
    check_cards(cards, labels=[f"chair part {n}" for n in ALL_CHAIR_PARTS])
    assert len(_inputs(cards[0])["overview"]["value"]) == NOTES_MAX + 1000
    assert len(_inputs(cards[-1])["conclusion_reasons"]["value"]) == NOTES_MAX + 1000


# --- the information request ----------------------------------------------------------------


def _return_buttons(n: int, *, submit: str = "Submit return") -> list[tuple[str, Any]]:
    data = {"reference": REFERENCE, "token": "tok-1", "part": n}
    found: list[tuple[str, Any]] = []
    if n == RETURN_PART_COUNT:
        found.append(("Add chronology row", "Action.ShowCard"))
    if n > 1:
        found.append(("Back", {"action": "return.part", **data, "go": n - 1}))
    if n < RETURN_PART_COUNT:
        found.append(("Next", {"action": "return.part", **data, "go": n + 1}))
    found.append(("Save draft", {"action": "return.save", **data}))
    found.append((submit, {"action": "return.submit", **data}))
    return found


@pytest.mark.parametrize("n", ALL_RETURN_PARTS)
def test_information_request_buttons_on_each_part(n: int) -> None:
    card = _request(part=n)
    assert _buttons(card) == _return_buttons(n)
    assert all(a["type"] == "Action.Submit" for a in card["actions"][-2:])
    if n == RETURN_PART_COUNT:
        show = card["actions"][0]
        assert [a["data"] for a in show["card"]["actions"]] == [
            {"action": "return.add_row", "reference": REFERENCE, "token": "tok-1", "part": n}
        ]
    returned = _request(part=n, returned=True)
    assert _buttons(returned) == _return_buttons(n, submit="Update return")
    line = "Submitted — you can still change it until the papers are circulated."
    assert line in _markdown_texts(returned) and line not in _markdown_texts(card)


def test_a_part_out_of_range_shows_the_nearest_part() -> None:
    assert _request(part=0) == _request(part=1)
    assert _request(part=99) == _request(part=RETURN_PART_COUNT)
    assert _chair(part=-1) == _chair(part=1)
    assert _chair(part=99) == _chair(part=CHAIR_PART_COUNT)


@pytest.mark.parametrize("n", ALL_RETURN_PARTS)
def test_read_only_parts_show_the_answers_and_nothing_to_change(n: int) -> None:
    card = _request(
        values=MARKED_RETURN,
        chronology_rows=demo_chronology_rows(),
        errors={"issues_for_panel": "Give the issues."},
        part=n,
        returned=True,
        editable=False,
    )
    assert not _inputs(card)
    assert not any(a["type"] == "Action.ShowCard" for a in card.get("actions", []))
    data = {"reference": REFERENCE, "token": "tok-1", "part": n}
    expected = []
    if n > 1:
        expected.append(("Back", {"action": "return.part", **data, "go": n - 1}))
    if n < RETURN_PART_COUNT:
        expected.append(("Next", {"action": "return.part", **data, "go": n + 1}))
    assert _buttons(card) == expected
    texts = _markdown_texts(card)
    assert "The papers have been circulated, so this return can no longer be changed." in texts
    assert not any("Give the issues." in t or "Please check" in t for t in texts)
    runs = [node["text"] for node in nodes(card) if node.get("type") == "TextRun"]
    _, part_ids = RETURN_PARTS[n - 1]
    for field_id in part_ids:
        if FIELD_INFO[field_id].kind == "multiline":
            assert MARKED_RETURN[field_id] in runs, field_id
        elif FIELD_INFO[field_id].kind == "text":
            assert any(MARKED_RETURN[field_id] in t for t in texts), field_id
    if n == RETURN_PART_COUNT:
        assert "2 rows so far." in texts
        assert "Health visitor home visit" in " ".join(runs)


def test_read_only_answers_stay_inert() -> None:
    values = {"involved": "no", **{k: HOSTILE for k in RETURN_FIELDS[2:]}}
    cards = [_request(values=values, part=n, editable=False) for n in ALL_RETURN_PARTS]
    check_cards(cards)
    for card in cards:
        assert not any("[click](" in t or "**Evil**" in t for t in _markdown_texts(card))
    facts = [f for n in nodes(cards[0]) if n.get("type") == "FactSet" for f in n["facts"]]
    assert ("Contact with the child or family", "No") in [(f["title"], f["value"]) for f in facts]
    assert ("Name of Author", escape_markdown(HOSTILE)) in [(f["title"], f["value"]) for f in facts]


def test_information_request_inputs() -> None:
    first = _inputs(_request(part=1))
    assert first["involved"]["type"] == "Input.ChoiceSet"
    assert [c["value"] for c in first["involved"]["choices"]] == ["yes", "no"]
    assert first["records_secured"]["type"] == "Input.Toggle"
    assert first["records_secured"]["valueOn"] == "true"
    assert first["author_name"]["maxLength"] == 100
    second = _inputs(_request(part=2))
    assert second["involvement_child"]["maxLength"] == 4000
    assert second["involvement_child"]["isMultiline"] is True
    last = _inputs(_request(part=RETURN_PART_COUNT))
    assert last["chrono_date_from"]["type"] == "Input.Date"
    assert last["chrono_time_from"]["type"] == "Input.Time"
    assert [c["value"] for c in last["chrono_child_seen"]["choices"]] == [
        "yes",
        "no",
        "not_known",
    ]


@pytest.mark.parametrize("n", ALL_RETURN_PARTS)
def test_the_form_itself_requires_nothing_on_the_client(n: int) -> None:
    card = _request(part=n)
    form_inputs = _inputs({"body": card["body"]})
    assert not any(element.get("isRequired") for element in form_inputs.values())
    if n == RETURN_PART_COUNT:
        # Only the row sub-form's own button sends (and so checks) the row's required inputs.
        row_inputs = _inputs(card["actions"][0]["card"])
        assert row_inputs["chrono_date_from"]["isRequired"] is True


def test_information_request_has_the_appendix_d_labels_and_the_csv_note() -> None:
    text = json.dumps([_request(part=n) for n in ALL_RETURN_PARTS], ensure_ascii=False)
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


def test_values_are_put_back_and_only_the_parts_own_errors_shown() -> None:
    values = {**MARKED_RETURN, "chrono_involvement_with": "Mother"}
    errors = {"issues_for_panel": "Give the issues.", "chrono_date_from": "Enter the date."}
    first = _request(values=values, errors=errors, part=1)
    assert _inputs(first)["involved"]["value"] == "yes"
    assert _inputs(first)["records_secured"]["value"] == "true"
    texts = _markdown_texts(first)
    assert not any(t.startswith("Please check") for t in texts)
    assert f"Parts 3 and {RETURN_PART_COUNT} have answers to check." in texts
    assert "Give the issues." not in texts and "Enter the date." not in texts

    third = _request(values=values, errors=errors, part=3)
    assert _inputs(third)["issues_for_panel"]["value"] == "MARKER-ISSUES"
    texts = _markdown_texts(third)
    assert "Please check 1 answer below" in texts and "Give the issues." in texts
    assert f"Part {RETURN_PART_COUNT} has answers to check." in texts
    assert "Enter the date." not in texts

    last = _request(values=values, errors=errors, part=RETURN_PART_COUNT)
    assert _inputs(last)["chrono_involvement_with"]["value"] == "Mother"
    texts = _markdown_texts(last)
    assert "Please check 1 answer below" in texts and "Enter the date." in texts
    assert "The chronology row was not added: open Add chronology row." in texts
    assert "Part 3 has answers to check." in texts and "Give the issues." not in texts

    second = _request(values=values, errors=errors, part=2)
    texts = _markdown_texts(second)
    assert f"Parts 3 and {RETURN_PART_COUNT} have answers to check." in texts
    clean = _request(values=values, errors={}, part=2)
    assert not any("answers to check" in t for t in _markdown_texts(clean))


def test_an_error_of_no_part_is_shown_on_every_part() -> None:
    for n in ALL_RETURN_PARTS:
        assert "Upload failed." in _markdown_texts(
            _request(errors={"upload": "Upload failed."}, part=n)
        )


def test_an_agency_not_involved_is_told_only_part_one_is_needed() -> None:
    note = (
        "Your agency had no contact with the child or family, so this part is all that is "
        "needed: answer it, then submit the return."
    )
    not_involved = _request(values={"involved": "no"}, part=1)
    assert note in _markdown_texts(not_involved)
    involved = _request(values={"involved": "yes"}, part=1)
    assert note not in _markdown_texts(involved)
    assert any("please complete parts 2 to" in t for t in _markdown_texts(involved))
    # The other parts can still be shown, with their inputs, and say they are not needed.
    for n in range(2, RETURN_PART_COUNT + 1):
        card = _request(values={"involved": "no"}, part=n)
        assert _form_inputs(card) == list(RETURN_PARTS[n - 1][1])
        assert any("this part is not needed" in t for t in _markdown_texts(card))


def test_rows_are_listed_latest_first_capped_and_inert() -> None:
    rows = [*(_row(n) for n in range(ROWS_SHOWN + 5)), _row(99, HOSTILE)]
    card = _request(chronology_rows=rows, part=RETURN_PART_COUNT)
    runs = [n["text"] for n in nodes(card) if n.get("type") == "TextRun"]
    assert f"{neutralise_text_functions(HOSTILE)} 99" in runs
    assert "Visit 0" not in runs and "Visit 14" in runs
    assert f"{len(rows)} rows so far. The latest {ROWS_SHOWN} are shown." in _markdown_texts(card)
    assert not any(HOSTILE in text for text in _markdown_texts(card))


def test_hostile_agency_name_and_values_stay_inert() -> None:
    values = {k: HOSTILE for k in RETURN_FIELDS[2:]}
    cards = [_request(agency_name=HOSTILE, values=values, part=n) for n in ALL_RETURN_PARTS]
    check_cards(cards)
    for card in cards:
        assert not any("[click](" in text for text in _markdown_texts(card))


def test_a_full_typical_return_fits_in_a_teams_message() -> None:
    values = {**MARKED_RETURN, **{k: "Typical answer. " * 60 for k in RETURN_FIELDS[4:]}}
    rows = tuple(_row(n, "x" * 300) for n in range(30))
    check_cards([_request(values=values, chronology_rows=rows, part=n) for n in ALL_RETURN_PARTS])


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
    facts = next(n for n in nodes(card) if n.get("type") == "FactSet")["facts"]
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
    facts = next(n for n in nodes(card) if n.get("type") == "FactSet")["facts"]
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
        # Why, when it is after its window or the report's deadline: optional, the report
        # quotes it (the bot asks for it only then).
        "late_reason": "Input.Text",
    }
    assert not inputs["late_reason"].get("isRequired")
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


def _chair_buttons(n: int) -> list[tuple[str, Any]]:
    data = {"reference": REFERENCE, "part": n}
    found: list[tuple[str, Any]] = []
    if n > 1:
        found.append(("Back", {"action": "chair.part", **data, "go": n - 1}))
    if n < CHAIR_PART_COUNT:
        found.append(("Next", {"action": "chair.part", **data, "go": n + 1}))
    found.append(("Save", {"action": "chair.save", **data}))
    if n == CHAIR_PART_COUNT:
        found.append(("Save and record the conclusion", {"action": "chair.conclude", **data}))
    return found


@pytest.mark.parametrize("n", ALL_CHAIR_PARTS)
def test_chair_notes_buttons_on_each_part(n: int) -> None:
    card = _chair(part=n)
    assert _buttons(card) == _chair_buttons(n)
    assert all(a["type"] == "Action.Submit" for a in card["actions"])


def test_chair_notes_card() -> None:
    values = {"q4_2": "Seen before", "conclusion": "no_review", "due_1": "2026-12-18"}
    errors = {"conclusion_reasons": "Give the reasons."}
    cards = [_chair(values=values, errors=errors, part=n) for n in ALL_CHAIR_PARTS]
    inputs = {k: v for card in cards for k, v in _inputs(card).items()}
    for question in CHAIR_QUESTIONS:
        assert inputs[question.id]["isMultiline"] is True
        assert question.number in inputs[question.id]["label"]
    texts = " ".join(t for card in cards for t in _markdown_texts(card))
    for question in CHAIR_QUESTIONS:
        assert question.question.split("?")[0][:40] in texts.replace("\\", "")
    assert inputs["q4_2"]["value"] == "Seen before"
    assert [c["value"] for c in inputs["conclusion"]["choices"]] == list(CONCLUSIONS)
    assert inputs["conclusion"]["value"] == "no_review"
    assert inputs["due_1"]["value"] == "2026-12-18"
    for n in range(1, 6):
        assert {f"action_{n}", f"owner_{n}", f"due_{n}"} <= set(inputs)
    assert "action_6" not in inputs
    assert "Give the reasons." in _markdown_texts(cards[-1])
    assert f"Part {CHAIR_PART_COUNT} has answers to check." in _markdown_texts(cards[0])
    assert "Give the reasons." not in _markdown_texts(cards[0])


def test_chair_notes_errors_on_other_parts_are_named() -> None:
    errors = {
        "attendees": "List who attended.",
        "q4_1": "Record the notes.",
        "q4_5": "Record the notes.",
        "further_learning": "Record the potential.",
        "owner_2": "Who?",
    }
    parts = [_chair(errors=errors, part=n) for n in range(1, 6)]
    assert CHAIR_PART_COUNT == 5
    assert "Please check 1 answer below" in _markdown_texts(parts[0])
    assert "List who attended." in _markdown_texts(parts[0])
    assert "Record the potential." in _markdown_texts(parts[3])
    others = ["2, 3, 4 and 5", "1, 3, 4 and 5", "1, 2, 4 and 5", "1, 2, 3 and 5", "1, 2, 3 and 4"]
    for card, named in zip(parts, others, strict=True):
        assert f"Parts {named} have answers to check." in _markdown_texts(card)
    assert "Who?" in _markdown_texts(parts[4]) and "Who?" not in _markdown_texts(parts[0])


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
