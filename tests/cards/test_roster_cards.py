"""The roster's cards: valid for Teams, people grouped by agency, big rosters still fit, and
what people typed never read as markdown."""

from __future__ import annotations

from datetime import date
from typing import Any

from cards.gallery import GALLERY
from cards.roster import (
    MAX_LISTED,
    VERB_ADD,
    VERB_OPEN,
    VERB_REPLACE,
    RosterPerson,
    demo_roster_choices,
    demo_roster_people,
    roster_card,
    roster_done_card,
    roster_file_problems_card,
    roster_person_card,
)
from helpers.cards import check_cards, nodes


def _texts(card: dict[str, Any]) -> str:
    found = []
    for node in nodes(card):
        if isinstance(node.get("text"), str):
            found.append(node["text"])
        for fact in node.get("facts", []):
            found.extend((fact["title"], fact["value"]))
    return "\n".join(found)


def _verbs(card: dict[str, Any]) -> list[str]:
    return [n["verb"] for n in nodes(card) if n.get("type") == "Action.Execute"]


def test_the_gallery_has_every_roster_card() -> None:
    assert {
        "roster",
        "roster_empty",
        "roster_matches",
        "roster_add",
        "roster_add_errors",
        "roster_person",
        "roster_person_deputy",
        "roster_remove",
        "roster_done",
        "roster_refused",
        "roster_file",
        "roster_file_problems",
        "roster_preview",
    } <= set(GALLERY)


def test_the_roster_groups_people_by_agency_with_their_roles_and_cover() -> None:
    card = GALLERY["roster"]()
    groups = [n for n in card["body"] if n.get("type") == "Container" and n.get("separator")]
    names = [g["items"][0]["inlines"][0]["text"] for g in groups if "inlines" in g["items"][0]]
    assert names == ["Northdale Council", "Northdale Police", "Northdale ICB"]
    text = _texts(card)
    assert "deputy (cover Tue 1 Dec 2026 to Thu 24 Dec 2026)" in text
    assert _verbs(card) == ["roster.find", "roster.add_open", "roster.file_open"]
    assert "No one is on the roster yet." in _texts(GALLERY["roster_empty"]())


def test_a_big_roster_still_fits_and_says_how_many_more() -> None:
    people = [
        RosterPerson(
            i,
            f"Person Fictional {i}",
            f"person.fictional.{i}@northdale.example",
            f"Northdale Agency {i % 7}",
            ("panel", "deputy"),
            date(2026, 12, 1),
            date(2027, 1, 31),
        )
        for i in range(2000)
    ]
    card = roster_card(partnership_name="Northdale", people=people)
    check_cards([card])
    assert f"and {2000 - MAX_LISTED:,} more" in _texts(card)


def test_names_and_emails_are_never_markdown() -> None:
    person = RosterPerson(9, "**Bold** [x](https://evil.example)", "a@example.org", "Agency", ())
    card = roster_person_card(person=person, choices=demo_roster_choices())
    runs = [n["text"] for n in nodes(card) if n.get("type") == "TextRun"]
    assert "**Bold** [x](https://evil.example)" in runs
    done = roster_done_card(title="Added to the roster", name=person.name, facts=())
    assert "**Bold** [x](https://evil.example)" in [
        n["text"] for n in nodes(done) if n.get("type") == "TextRun"
    ]


def test_a_done_card_keeps_only_the_way_back() -> None:
    assert _verbs(GALLERY["roster_done"]()) == [VERB_OPEN]
    assert _verbs(GALLERY["roster_add"]()) == [VERB_ADD, VERB_OPEN]
    assert _verbs(GALLERY["roster_preview"]()) == [VERB_REPLACE, VERB_OPEN]


def test_many_problems_are_listed_up_to_a_limit() -> None:
    problems = [(f"Row {n}, email (column B)", "'x' is not an email address.") for n in range(500)]
    card = roster_file_problems_card(file_name="roster.csv", problems=problems, total=500)
    check_cards([card])
    assert "…and 460 more." in _texts(card)


def test_only_a_deputy_has_cover_dates_on_their_card() -> None:
    people = demo_roster_people()
    deputy = roster_person_card(person=people[3], choices=demo_roster_choices())
    manager = roster_person_card(person=people[1], choices=demo_roster_choices())
    assert "roster.cover" in _verbs(deputy)
    assert "roster.cover" not in _verbs(manager)
