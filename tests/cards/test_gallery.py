"""Every gallery card is a valid Adaptive Card 1.5 for Teams; the first-contact cards say the
right things; the text helpers they use keep user text inert."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import cards.base
from cards.base import (
    adaptive_card,
    escape_markdown,
    execute_action,
    fact_set,
    neutralise_text_functions,
    text_block,
    text_input,
    user_text,
)
from cards.gallery import GALLERY, export_gallery, main
from cards.welcome import HELP_COMMANDS, help_card, team_welcome_card, welcome_card
from helpers.cards import check_cards, nodes


def _actions(card: dict[str, Any]) -> list[tuple[str, Any]]:
    """The (title, data) of the card-level actions."""
    return [(action["title"], action.get("data")) for action in card.get("actions", [])]


def _texts(card: dict[str, Any]) -> str:
    """All the visible strings of a card, joined, for content checks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(found)


def test_gallery_has_the_first_contact_cards() -> None:
    assert {"welcome", "team_welcome", "help"} <= set(GALLERY)


def test_every_gallery_card_is_valid() -> None:
    kinds = sorted(GALLERY)
    check_cards([GALLERY[kind]() for kind in kinds], labels=kinds)


def test_gallery_builders_are_pure() -> None:
    for build in GALLERY.values():
        first = build()
        first["body"].clear()
        assert build()["body"], "a builder must return a fresh card every time"


def test_export_writes_one_json_file_per_kind(tmp_path: Path) -> None:
    paths = export_gallery(tmp_path / "gallery")
    assert sorted(path.stem for path in paths) == sorted(GALLERY)
    for path in paths:
        assert json.loads(path.read_text(encoding="utf-8")) == GALLERY[path.stem]()


def test_export_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(GALLERY)


def test_welcome_card_offers_the_three_referral_buttons() -> None:
    card = welcome_card("Northdale Partnership")
    assert _actions(card) == [
        ("New referral", {"action": "referral.start"}),
        ("Continue a referral", {"action": "referral.continue"}),
        ("My referrals", {"action": "referral.mine"}),
    ]
    assert "Northdale Partnership" in _texts(card)
    assert all(action["type"] == "Action.Submit" for action in card["actions"])


def test_team_welcome_card_lets_a_manager_register_the_channel() -> None:
    card = team_welcome_card("Northdale Partnership")
    assert _actions(card) == [("Use this channel", {"action": "channel.register"})]
    assert "Northdale Partnership" in _texts(card)


def test_help_card_lists_every_command() -> None:
    card = help_card("Northdale Partnership")
    commands = [command for command, _ in HELP_COMMANDS]
    assert commands == [
        "refer",
        "continue",
        "my referrals",
        "add information REF",
        "cases",
        "case REF",
        "done REF MILESTONE",
        "national panel REF",
        "learning REF",
        "escalation REF",
        "reasons REF",
        "register YYYY-MM",
        "papers REF",
        "published REF YYYY-MM-DD",
        "complaint REF YYYY-MM-DD",
        "complaints",
        "close REF",
        "audit REF",
        "export REF",
        "roster",
        "help",
    ]
    facts = next(element for element in card["body"] if element["type"] == "FactSet")["facts"]
    assert [fact["title"] for fact in facts] == commands


HOSTILE = (
    "**Evil** _x_ [click](https://evil.example) <at>all</at> &amp; {{DATE(2024-01-01T00:00:00Z)}}"
)


@pytest.mark.parametrize("build", [welcome_card, team_welcome_card, help_card])
def test_hostile_partnership_names_stay_inert_and_valid(build: Any) -> None:
    card = build(HOSTILE)
    check_cards([card], labels=[build.__name__])
    text = _texts(card)
    runs = [
        node
        for node in nodes(card)
        if node.get("type") == "TextRun" and node.get("weight") == "Bolder"
    ]
    assert [run["text"] for run in runs] == [neutralise_text_functions(HOSTILE)]
    assert HOSTILE not in text, "the name must not reach a markdown TextBlock unescaped"


# --- the text helpers the cards rely on -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words, 1.5 hours", "plain words, 1.5 hours"),
        ("**bold** _it_ ~~s~~ `c`", r"\*\*bold\*\* \_it\_ \~\~s\~\~ \`c\`"),
        ("[x](https://e.org)", r"\[x\]\(https://e.org)"),
        ("<b>hi</b> <https://e.org>", r"\<b>hi\</b> \<https://e.org>"),
        ("a\\b", "a\\\\b"),
        ("&amp; & &#42;", r"\&amp; & \&#42;"),
        (
            "- item\n+ item\n1. one\n2) two\n# h\n> q\n===",
            "\\- item\n\\+ item\n1\\. one\n2\\) two\n\\# h\n\\> q\n\\===",
        ),
        ("    indented\r\nnext", "indented\nnext"),
        ("a | b", r"a \| b"),
        ("{{TIME(2024-01-01T10:00:00Z)}}", "{\u200b{TIME(2024-01-01T10:00:00Z)}}"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_user_text_is_a_text_run_which_is_never_markdown() -> None:
    element = user_text("**not bold** {{DATE(2024-01-01T00:00:00Z)}}", weight="Bolder")
    assert element == {
        "type": "RichTextBlock",
        "inlines": [
            {
                "type": "TextRun",
                "text": "**not bold** {\u200b{DATE(2024-01-01T00:00:00Z)}}",
                "weight": "Bolder",
            }
        ],
    }


def test_fact_set_escapes_titles_and_values() -> None:
    element = fact_set([("Name_", "[x](y)")])
    assert element["facts"] == [{"title": r"Name\_", "value": r"\[x\]\(y)"}]


def test_helpers_refuse_cards_the_renderer_would_flag() -> None:
    with pytest.raises(ValueError, match="verb"):
        execute_action("Go", "")
    with pytest.raises(ValueError, match="error_message"):
        text_input("name", "Name", is_required=True)
    with pytest.raises(ValueError, match="id"):
        text_input("", "Name")


def test_helpers_leave_out_unset_properties_and_copy_data() -> None:
    nested = {"n": 1}
    data: dict[str, Any] = {"action": "x", "nested": nested}
    card = adaptive_card([text_block("Hi")], [execute_action("Go", "go", data)])
    nested["n"] = 2
    assert card["actions"][0]["data"] == {"action": "x", "nested": {"n": 1}}
    assert card["body"] == [{"type": "TextBlock", "text": "Hi", "wrap": True}]
    assert "None" not in json.dumps(card) and "null" not in json.dumps(card)


def test_cards_package_does_not_import_botbuilder() -> None:
    # cards.base, not cards: under pytest `cards` can resolve as a namespace package spanning
    # tests/cards too, and then it has no __file__.
    package = Path(cards.base.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.startswith(("botbuilder", "botframework")) for name in names), (
                f"{source.name} imports {names}"
            )
