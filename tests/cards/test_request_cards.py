"""The manager's agency picker and the next-steps menu (cards/requests.py)."""

from __future__ import annotations

import json
from datetime import date

from cards.requests import AgencyChoice, agency_picker_card, next_steps_card
from helpers.cards import check_cards, nodes

AGENCIES = (
    AgencyChoice("council", "Northdale Council", ("Lee Authority",), None),
    AgencyChoice("police", "Northdale Police", ("Pat Constable", "Alex Lead"), "Received"),
    AgencyChoice("health", "Northdale Community Health", (), None),
)


def _choice_set(card: dict) -> dict | None:
    return next((e for e in card["body"] if e["type"] == "Input.ChoiceSet"), None)


def test_the_picker_offers_only_agencies_not_yet_asked_and_names_their_leads() -> None:
    card = agency_picker_card(reference="NSCP-2026-0001", agencies=AGENCIES, error=None)
    check_cards([card])
    choices = _choice_set(card)
    assert choices is not None and choices["isMultiSelect"] is True
    assert [c["value"] for c in choices["choices"]] == ["council", "health"]
    titles = [c["title"] for c in choices["choices"]]
    assert titles == [
        "Northdale Council (Lee Authority)",
        "Northdale Community Health (no lead on the roster)",
    ]
    facts = next(e for e in card["body"] if e["type"] == "FactSet")["facts"]
    assert facts == [{"title": "Northdale Police", "value": "Received"}]
    action, add = card["actions"]
    assert add["data"] == {"action": "agency.add_open", "reference": "NSCP-2026-0001"}
    assert action["data"] == {"action": "returns.request", "reference": "NSCP-2026-0001"}


def test_when_every_agency_was_asked_there_is_nothing_to_send() -> None:
    asked = tuple(AgencyChoice(a.agency_id, a.name, a.lead_names, "Awaited") for a in AGENCIES)
    card = agency_picker_card(reference="NSCP-2026-0001", agencies=asked, error=None)
    check_cards([card])
    # Nothing to send; an agency not on the list can still be added.
    assert _choice_set(card) is None
    assert [a["title"] for a in card["actions"]] == ["Add an agency not listed"]
    assert "Every agency" in json.dumps(card)


def test_the_pickers_error_is_shown_inert() -> None:
    card = agency_picker_card(
        reference="NSCP-2026-0001", agencies=AGENCIES, error="**No** [lead](https://x.example)"
    )
    check_cards([card])
    text = json.dumps(card)
    assert "\\\\*\\\\*No\\\\*\\\\*" in text and "\\\\[lead\\\\]" in text


def test_next_steps_are_one_button_each_and_say_so_when_there_are_none() -> None:
    card = next_steps_card(
        reference="NSCP-2026-0001",
        status_label="Rapid Review",
        steps={"meeting.open": "Book the meeting", "report.open": "The report"},
    )
    check_cards([card])
    assert [(a["title"], a["data"]["action"]) for a in card["actions"]] == [
        ("Book the meeting", "meeting.open"),
        ("The report", "report.open"),
    ]
    empty = next_steps_card(reference="NSCP-2026-0001", status_label="Rapid Review", steps={})
    assert "nothing for you to do" in json.dumps(empty)


def test_the_picker_asks_for_the_period_under_review_and_keeps_it() -> None:
    empty = agency_picker_card(reference="NSCP-2026-0001", agencies=AGENCIES, error=None)
    filled = agency_picker_card(
        reference="NSCP-2026-0001",
        agencies=AGENCIES,
        error="The period under review must start before it ends.",
        period=(date(2025, 11, 1), date(2026, 11, 20)),
    )
    check_cards([empty, filled])

    def dates(card: dict) -> dict[str, object]:
        return {n["id"]: n.get("value") for n in nodes(card) if n.get("type") == "Input.Date"}

    assert dates(empty) == {"period_from": None, "period_to": None}
    assert dates(filled) == {"period_from": "2025-11-01", "period_to": "2026-11-20"}
    assert "The period under review must start before it ends." in json.dumps(filled)
