"""The card checker accepts a good form card and catches each kind of real problem."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cards.base import (
    action_set,
    adaptive_card,
    choice_set,
    container,
    date_input,
    execute_action,
    fact_set,
    submit_action,
    text_block,
    text_input,
    toggle_input,
    user_text,
)
from helpers import cards as checker
from helpers.cards import (
    MAX_CARD_BYTES,
    CardCheckerUnavailable,
    assert_valid_card,
    card_problems,
    check_cards,
)

Card = dict[str, Any]


def good_form_card() -> Card:
    """A hand-written form card with every input kind and both action kinds."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Refer a case", "style": "heading", "wrap": True},
            {
                "type": "Input.Text",
                "id": "summary",
                "label": "What happened?",
                "isRequired": True,
                "errorMessage": "Tell us what happened.",
                "isMultiline": True,
                "maxLength": 2000,
            },
            {
                "type": "Input.ChoiceSet",
                "id": "agency",
                "label": "Your agency",
                "choices": [
                    {"title": "Police", "value": "police"},
                    {"title": "Health", "value": "health"},
                ],
                "style": "expanded",
            },
            {"type": "Input.Date", "id": "incident_date", "label": "Date of the incident"},
            {"type": "Input.Number", "id": "children", "label": "Children involved", "min": 1},
            {"type": "Input.Toggle", "id": "notified", "title": "Ofsted has been notified"},
            {
                "type": "Container",
                "items": [
                    {
                        "type": "ActionSet",
                        "actions": [
                            {
                                "type": "Action.Execute",
                                "title": "Save draft",
                                "verb": "referral.save",
                                "data": {"draft": True},
                            }
                        ],
                    }
                ],
            },
        ],
        "actions": [
            {"type": "Action.Submit", "title": "Send", "data": {"action": "referral.send"}},
            {"type": "Action.Execute", "title": "Check", "verb": "referral.check"},
        ],
    }


def test_accepts_a_known_good_form_card() -> None:
    assert card_problems([good_form_card()]) == [[]]
    assert_valid_card(good_form_card())


def test_accepts_the_same_form_built_with_the_helpers() -> None:
    card = adaptive_card(
        [
            text_block("Refer a case", style="heading"),
            text_input(
                "summary",
                "What happened?",
                is_required=True,
                error_message="Tell us what happened.",
                is_multiline=True,
                max_length=2000,
            ),
            choice_set(
                "agency",
                "Your agency",
                [("Police", "police"), ("Health", "health")],
                style="expanded",
            ),
            date_input("incident_date", "Date of the incident"),
            toggle_input("notified", "Ofsted has been notified"),
            fact_set([("Referred by", "**A. Person** [x](https://example.org)")]),
            user_text("<at>Someone</at> _typed_ {{DATE(2024-01-01T00:00:00Z)}}"),
            container([action_set([execute_action("Save draft", "referral.save", {"d": 1})])]),
        ],
        [
            submit_action("Send", {"action": "referral.send"}),
            execute_action("Check", "referral.check"),
        ],
        full_width=True,
    )
    assert_valid_card(card)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Card], None]:
    """A mutation setting card[path...] = value."""

    def mutate(card: Card) -> None:
        target: Any = card
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Callable[[Card], None]:
    """A mutation deleting card[path...]."""

    def mutate(card: Card) -> None:
        target: Any = card
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _append_body(element: dict[str, Any]) -> Callable[[Card], None]:
    """A mutation appending an element to the card's body."""
    return lambda card: card["body"].append(copy.deepcopy(element))


def _oversize(card: Card) -> None:
    """Make the card a little larger than Teams accepts."""
    card["body"].append({"type": "TextBlock", "text": "x" * MAX_CARD_BYTES, "wrap": True})


# (case id, mutation of the good card, text the problem report must contain)
BAD_CARDS: list[tuple[str, Callable[[Card], None], str]] = [
    ("unknown element type", _append_body({"type": "Bogus"}), 'Unknown element type "Bogus"'),
    (
        "element newer than 1.5",
        _append_body({"type": "Carousel", "pages": []}),
        'Unknown element type "Carousel"',
    ),
    (
        "unknown action type",
        lambda card: card["actions"].append({"type": "Action.Bogus", "title": "b"}),
        'Unknown action type "Action.Bogus"',
    ),
    ("input without id", _delete(("body", 1, "id")), "All inputs must have a unique Id"),
    (
        "property newer than 1.5",
        _set(("body", 1, "labelPosition"), "inline"),
        'Property "labelPosition" is supported in version 1.6',
    ),
    (
        "required input without error message",
        _delete(("body", 1, "errorMessage")),
        "RequiredInputsShouldHaveErrorMessage",
    ),
    ("empty choice set", _set(("body", 2, "choices"), []), "must have at least one choice"),
    ("bad enum value", _set(("body", 0, "size"), "Huge"), 'Invalid value "Huge"'),
    ("duplicate input ids", _set(("body", 3, "id"), "summary"), 'Duplicate Id "summary"'),
    (
        "duplicate id inside a ShowCard",
        lambda card: card["actions"].append(
            {
                "type": "Action.ShowCard",
                "title": "More",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [{"type": "Input.Text", "id": "agency", "label": "Again"}],
                },
            }
        ),
        'Duplicate Id "agency"',
    ),
    ("wrong card type", _set(("type",), "MessageCard"), "Invalid or missing card type"),
    ("missing card type", _delete(("type",)), "$.type is missing"),
    (
        "more actions than Teams shows",
        lambda card: card["actions"].extend(
            {"type": "Action.Submit", "title": str(n), "data": {"n": n}} for n in range(5)
        ),
        "Maximum number of actions exceeded (6)",
    ),
    ("version 1.6", _set(("version",), "1.6"), "$.version is '1.6'"),
    ("no version", _delete(("version",)), "$.version is None"),
    ("body not a list", _set(("body",), {"type": "TextBlock"}), "$.body must be a list"),
    (
        "Action.Execute without verb",
        _delete(("actions", 1, "verb")),
        "$.actions[1] (Action.Execute 'Check') has no verb",
    ),
    (
        "nested Action.Execute without verb",
        _delete(("body", 6, "items", 0, "actions", 0, "verb")),
        "$.body[6].items[0].actions[0] (Action.Execute 'Save draft') has no verb",
    ),
    (
        "Action.Submit data is a string",
        _set(("actions", 0, "data"), "referral.send"),
        "(Action.Submit 'Send') data must be a JSON object, got str",
    ),
    (
        "Action.Execute data is a list",
        _set(("actions", 1, "data"), [1]),
        "(Action.Execute 'Check') data must be a JSON object, got list",
    ),
    ("Action.Submit without data", _delete(("actions", 0, "data")), "has no data"),
    ("card over 28 KB", _oversize, "Teams' limit is 28672 (28 KB)"),
    ("not JSON-serialisable", _set(("body", 0, "text"), object()), "not JSON-serialisable"),
    ("NaN is not JSON", _set(("body", 4, "min"), float("nan")), "not JSON-serialisable"),
]


@pytest.fixture(scope="module")
def bad_card_problems() -> dict[str, list[str]]:
    """Problems found in every BAD_CARDS variant, checked in one renderer run."""
    variants = []
    for _, mutate, _ in BAD_CARDS:
        card = good_form_card()
        mutate(card)
        variants.append(card)
    found = card_problems(variants)
    return {case: problems for (case, _, _), problems in zip(BAD_CARDS, found, strict=True)}


@pytest.mark.parametrize(("case", "expected"), [(case, text) for case, _, text in BAD_CARDS])
def test_reports_the_problem(
    bad_card_problems: dict[str, list[str]], case: str, expected: str
) -> None:
    problems = bad_card_problems[case]
    assert any(expected in problem for problem in problems), problems


def test_check_cards_fails_on_every_bad_card_and_names_it() -> None:
    variants = []
    for _, mutate, _ in BAD_CARDS:
        card = good_form_card()
        mutate(card)
        variants.append(card)
    labels = [case for case, _, _ in BAD_CARDS]
    with pytest.raises(AssertionError, match="not valid Adaptive Cards 1.5") as raised:
        check_cards([good_form_card(), *variants], labels=["good", *labels])
    report = str(raised.value)
    assert report.startswith(f"{len(BAD_CARDS)} of {len(BAD_CARDS) + 1} card(s)")
    assert "good:" not in report
    for label in labels:
        assert f"{label}:" in report


def test_reports_every_problem_of_every_card_at_once() -> None:
    one = good_form_card()
    one["version"] = "1.6"
    one["body"].append({"type": "Bogus"})
    two = good_form_card()
    del two["actions"][1]["verb"]
    with pytest.raises(AssertionError) as raised:
        check_cards([good_form_card(), one, two], labels=["fine", "first", "second"])
    report = str(raised.value)
    assert report.startswith("2 of 3 card(s)")
    assert "fine:" not in report
    assert "first:" in report and "second:" in report
    assert "$.version is '1.6'" in report and 'Unknown element type "Bogus"' in report
    assert "has no verb" in report


def test_the_size_limit_is_measured_on_the_serialised_card() -> None:
    card = good_form_card()
    room = MAX_CARD_BYTES - len(json.dumps(card))
    filler: dict[str, Any] = {"type": "TextBlock", "text": "", "wrap": True}
    filler["text"] = "x" * (room - len(json.dumps(filler)) - 2)  # 2: the ", " separator
    card["body"].append(filler)
    assert len(json.dumps(card)) == MAX_CARD_BYTES
    assert_valid_card(card)
    filler["text"] += "x"
    with pytest.raises(AssertionError, match="28 KB"):
        assert_valid_card(card)


def test_six_actions_are_fine_as_in_teams() -> None:
    card = good_form_card()
    card["actions"].extend(
        {"type": "Action.Submit", "title": str(n), "data": {"n": n}} for n in range(4)
    )
    assert len(card["actions"]) == 6
    assert_valid_card(card)


def test_the_node_script_reads_a_file_and_rejects_bad_input(tmp_path: Path) -> None:
    cards_file = tmp_path / "cards.json"
    cards_file.write_text(json.dumps([good_form_card(), {"type": "AdaptiveCard", "body": 1}]))
    node = shutil.which("node")
    assert node is not None
    run = subprocess.run(
        [node, str(checker.VALIDATOR), str(cards_file)], capture_output=True, text=True, check=True
    )
    assert [result["index"] for result in json.loads(run.stdout)] == [0, 1]
    cards_file.write_text('{"not": "a list"}')
    run = subprocess.run(
        [node, str(checker.VALIDATOR), str(cards_file)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "must be a JSON array" in run.stderr


def test_a_card_that_is_not_an_object_is_reported() -> None:
    assert card_problems([[], "card"]) == [
        ["[renderer Input/NotAnObject] A card must be a JSON object, got []."],
        ['[renderer Input/NotAnObject] A card must be a JSON object, got "card".'],
    ]


def test_missing_renderer_fails_loudly_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(checker, "RENDERER", tmp_path / "adaptivecards.js")
    monkeypatch.setattr(checker, "REPO_ROOT", tmp_path)
    with pytest.raises(CardCheckerUnavailable, match=r"run `make test` \(it runs npm ci\)"):
        check_cards([good_form_card()])
