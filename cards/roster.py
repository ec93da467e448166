"""The roster's cards, for managers in 1:1: the roster with its buttons, adding a person,
changing one (roles, a deputy's cover dates, removal), and replacing the roster from a file
(how to, the problems by row and column, the preview).

Buttons are ``Action.Execute`` with a ``roster.*`` verb; each answer replaces the card, and a
card whose change is done says what was done with only "Back to the roster" left on it.
Buttons that only navigate send no inputs (``associatedInputs: none``). Names and emails are
shown in TextRuns or escaped facts, never as markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards.base import (
    Action,
    Card,
    Element,
    action_set,
    adaptive_card,
    choice_set,
    container,
    date_input,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    rich_text,
    text_block,
    text_input,
    text_run,
    user_text,
)
from review.referral import format_date

__all__ = [
    "MAX_LISTED",
    "VERB_ADD",
    "VERB_ADD_OPEN",
    "VERB_COVER",
    "VERB_FILE_OPEN",
    "VERB_FIND",
    "VERB_OPEN",
    "VERB_PERSON",
    "VERB_REMOVE",
    "VERB_REMOVE_OPEN",
    "VERB_REPLACE",
    "VERB_ROLES",
    "RosterChoices",
    "RosterPerson",
    "demo_roster_choices",
    "demo_roster_people",
    "roster_add_card",
    "roster_card",
    "roster_done_card",
    "roster_file_card",
    "roster_file_problems_card",
    "roster_matches_card",
    "roster_person_card",
    "roster_preview_card",
    "roster_refused_card",
    "roster_remove_card",
]

VERB_OPEN = "roster.open"
VERB_FIND = "roster.find"
VERB_PERSON = "roster.person"
VERB_ADD_OPEN = "roster.add_open"
VERB_ADD = "roster.add"
VERB_ROLES = "roster.roles"
VERB_COVER = "roster.cover"
VERB_REMOVE_OPEN = "roster.remove_open"
VERB_REMOVE = "roster.remove"
VERB_FILE_OPEN = "roster.file_open"
VERB_REPLACE = "roster.replace"

MAX_LISTED = 150
"""The most people the roster card lists (a card holds 28 KB); the rest are found by name."""
MAX_PROBLEMS = 40
"""The most problems of a file one card lists; it says how many more there are."""
MAX_NAMES = 25
"""The most names the preview lists under each change."""

FILE_INSTRUCTIONS = (
    "Send the roster as a CSV file or an Excel workbook (.xlsx) here in this chat, with the "
    "word **roster** typed in the same message. Without that word a file is read as an "
    "agency's chronology."
)


@dataclass(frozen=True)
class RosterPerson:
    """One person as the roster cards show them."""

    member_id: int
    name: str
    email: str
    agency: str
    roles: tuple[str, ...]
    cover_from: date | None = None
    cover_to: date | None = None


@dataclass(frozen=True)
class RosterChoices:
    """What a person may be given: the profile's agencies and roles, as (title, value)."""

    agencies: tuple[tuple[str, str], ...]
    roles: tuple[tuple[str, str], ...]


def _cover_text(person: RosterPerson) -> str:
    if person.cover_from is None and person.cover_to is None:
        return "always"
    start = format_date(person.cover_from) if person.cover_from else "now"
    end = format_date(person.cover_to) if person.cover_to else "until changed"
    return f"{start} to {end}"


def _summary(person: RosterPerson) -> str:
    roles = ", ".join(person.roles) or "no roles"
    if "deputy" in person.roles and (person.cover_from or person.cover_to):
        roles += f" (cover {_cover_text(person)})"
    return f"{roles} · {person.email}"


def _back() -> Action:
    return execute_action("Back to the roster", VERB_OPEN, {}, associated_inputs="none")


def _problems(errors: Mapping[str, str], labels: Mapping[str, str]) -> list[Element]:
    """The form's problems, each under the field's label, in an attention box."""
    if not errors:
        return []
    lines = [
        text_block(f"**{labels.get(key, key)}**: {escape_markdown(why)}", spacing="Small")
        for key, why in errors.items()
    ]
    return [
        container(
            [text_block("Nothing was changed", weight="Bolder", color="Attention"), *lines],
            style="attention",
        )
    ]


def roster_card(
    *,
    partnership_name: str,
    people: Sequence[RosterPerson],
    notice: str | None = None,
    find_error: str | None = None,
) -> Card:
    """For managers in 1:1: everyone on the roster by agency, and the roster's buttons."""
    body: list[Element] = [
        heading("Roster"),
        rich_text(
            [text_run("Who is on the roster of "), text_run(partnership_name, weight="Bolder")]
        ),
    ]
    if notice:
        body.append(container([text_block(escape_markdown(notice), weight="Bolder")], style="good"))
    if not people:
        body.append(text_block("No one is on the roster yet."))
    by_agency: dict[str, list[tuple[str, str]]] = {}
    for person in people[:MAX_LISTED]:
        by_agency.setdefault(person.agency, []).append((person.name, _summary(person)))
    for agency, listed in by_agency.items():
        body.append(
            container(
                [rich_text([text_run(agency, weight="Bolder")]), fact_set(listed, spacing="Small")],
                separator=True,
                spacing="Medium",
            )
        )
    if len(people) > MAX_LISTED:
        body.append(
            text_block(
                f"…and {len(people) - MAX_LISTED:,} more. Find anyone by name or email below.",
                is_subtle=True,
            )
        )
    actions: list[Action] = [
        execute_action("Add a person", VERB_ADD_OPEN, {}, associated_inputs="none"),
        execute_action("Replace from a file", VERB_FILE_OPEN, {}, associated_inputs="none"),
    ]
    if people:
        find: list[Element] = [
            text_input(
                "find",
                "Change a person: their name or email",
                max_length=320,
                placeholder="e.g. Casey or casey.example@",
            )
        ]
        if find_error:
            find.append(text_block(escape_markdown(find_error), color="Attention", spacing="Small"))
        find.append(action_set([execute_action("Find", VERB_FIND, {})], spacing="Small"))
        body.append(container(find, separator=True, spacing="Medium"))
    count = len(people)
    return adaptive_card(
        body,
        actions,
        fallback_text=f"Roster: {count} {'person' if count == 1 else 'people'}.",
    )


def roster_matches_card(*, words: str, people: Sequence[RosterPerson]) -> Card:
    """Several people match what the manager typed: choose one."""
    body: list[Element] = [
        heading("Which person?"),
        rich_text([text_run(f"{len(people)} people match "), text_run(words, weight="Bolder")]),
        choice_set(
            "member",
            "Person",
            [(f"{p.name} · {p.agency} · {p.email}", str(p.member_id)) for p in people],
            is_required=True,
            error_message="Choose a person.",
            style="expanded",
        ),
    ]
    return adaptive_card(
        body,
        [execute_action("Change this person", VERB_PERSON, {}), _back()],
        fallback_text="Choose a person on the roster.",
    )


_ADD_LABELS = {
    "name": "Name",
    "email": "Work email",
    "agency": "Agency",
    "roles": "Roles",
    "cover_from": "Cover from",
    "cover_to": "Cover to",
}


def _role_inputs(choices: RosterChoices, roles: str | None) -> Element:
    return choice_set(
        "roles",
        "Roles",
        choices.roles,
        style="expanded",
        is_multi_select=True,
        value=roles or None,
    )


def _cover_inputs(cover_from: str | None, cover_to: str | None) -> list[Element]:
    return [
        text_block(
            "A deputy votes for their agency's partner only between these dates (leave one "
            "blank to leave that end open; both blank: always).",
            is_subtle=True,
            spacing="Medium",
        ),
        date_input("cover_from", "Cover from", value=_day(cover_from)),
        date_input("cover_to", "Cover to", value=_day(cover_to)),
    ]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def roster_add_card(
    *,
    choices: RosterChoices,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Add a person: name, work email, agency, roles (and a deputy's cover dates)."""
    values = values or {}
    body: list[Element] = [
        heading("Add a person to the roster"),
        text_block(
            "They are found by this email until their first message to me, which links "
            "their Teams account.",
            is_subtle=True,
        ),
        *_problems(errors or {}, _ADD_LABELS),
        text_input(
            "name",
            "Name",
            is_required=True,
            error_message="Give the person's name.",
            max_length=200,
            value=values.get("name") or None,
        ),
        text_input(
            "email",
            "Work email",
            is_required=True,
            error_message="Give their work email address.",
            max_length=320,
            style="email",
            value=values.get("email") or None,
        ),
        choice_set(
            "agency",
            "Agency",
            choices.agencies,
            is_required=True,
            error_message="Choose their agency.",
            style="compact",
            value=values.get("agency") or None,
        ),
        _role_inputs(choices, values.get("roles")),
        *_cover_inputs(values.get("cover_from"), values.get("cover_to")),
    ]
    actions = [execute_action("Add to the roster", VERB_ADD, {}, style="positive"), _back()]
    return adaptive_card(body, actions, fallback_text="Add a person to the roster.")


def roster_person_card(
    *,
    person: RosterPerson,
    choices: RosterChoices,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Card:
    """One person: change their roles, set a deputy's cover dates, or remove them."""
    values = values or {}
    data = {"member": person.member_id}
    roles = values.get("roles", ",".join(person.roles))
    body: list[Element] = [
        heading("Change a person on the roster"),
        user_text(person.name, weight="Bolder", size="Medium"),
        fact_set([("Email", person.email), ("Agency", person.agency)]),
        *_problems(errors or {}, _ADD_LABELS),
        _role_inputs(choices, roles),
        action_set([execute_action("Save roles", VERB_ROLES, data, style="positive")]),
    ]
    if "deputy" in person.roles:
        cover_from = values.get(
            "cover_from", person.cover_from.isoformat() if person.cover_from else ""
        )
        cover_to = values.get("cover_to", person.cover_to.isoformat() if person.cover_to else "")
        body.append(
            container(
                [
                    text_block("Cover dates", weight="Bolder"),
                    text_block(f"Now: {_cover_text(person)}.", spacing="Small"),
                    *_cover_inputs(cover_from, cover_to),
                    action_set([execute_action("Save cover dates", VERB_COVER, data)]),
                ],
                separator=True,
                spacing="Medium",
            )
        )
    actions = [
        execute_action(
            "Remove from the roster",
            VERB_REMOVE_OPEN,
            data,
            style="destructive",
            associated_inputs="none",
        ),
        _back(),
    ]
    return adaptive_card(body, actions, fallback_text=f"{person.name} on the roster.")


def roster_remove_card(*, person: RosterPerson) -> Card:
    """Are you sure? Removing keeps their votes and history; they can no longer act."""
    body: list[Element] = [
        heading("Remove from the roster?"),
        rich_text(
            [
                text_run(person.name, weight="Bolder"),
                text_run(f" ({person.agency}) will no longer be able to act in the partnership. "),
                text_run(
                    "Their votes, returns and the audit trail keep their name; adding them again "
                    "later brings them back as they were."
                ),
            ]
        ),
    ]
    data = {"member": person.member_id}
    actions = [
        execute_action("Remove", VERB_REMOVE, data, style="destructive", associated_inputs="none"),
        execute_action("Keep them", VERB_PERSON, data, associated_inputs="none"),
    ]
    return adaptive_card(body, actions, fallback_text=f"Remove {person.name} from the roster?")


def roster_done_card(*, title: str, name: str | None, facts: Sequence[tuple[str, str]]) -> Card:
    """A roster change done: what it was, with only "Back to the roster" left."""
    body: list[Element] = [text_block(title, weight="Bolder", color="Good", style="heading")]
    if name:
        body.append(user_text(name, weight="Bolder"))
    if facts:
        body.append(fact_set(facts))
    return adaptive_card(body, [_back()], fallback_text=title)


def roster_refused_card(reason: str) -> Card:
    """A refusal of a roster button, said plainly; nothing else on it."""
    body = [
        container(
            [
                text_block("Not done", weight="Bolder", color="Attention", style="heading"),
                text_block(escape_markdown(reason), spacing="Small"),
            ],
            style="attention",
        )
    ]
    return adaptive_card(body, fallback_text=reason)


def roster_file_card(*, max_people: int, max_megabytes: int) -> Card:
    """How to replace the roster from a file: its columns, an example and what happens."""
    body: list[Element] = [
        heading("Replace the roster from a file"),
        text_block(FILE_INSTRUCTIONS),
        text_block("The first row names the columns, then one row per person:", spacing="Medium"),
        fact_set(
            [
                ("name", "Their name"),
                ("email", "Their work email: the same email keeps the same person and history"),
                ("agency", "The agency's id or name, as on the roster"),
                ("roles", "Roles separated by ; (e.g. panel; chair), or blank"),
                ("cover_from, cover_to", "Optional: a deputy's cover, YYYY-MM-DD or DD/MM/YYYY"),
            ]
        ),
        text_block(
            f"Every row is checked first. If any row has a problem you get the list by row and "
            f"column and nothing is changed. Cells starting with =, +, - or @ are refused "
            f"(spreadsheets run them as formulas). At most {max_people:,} people and "
            f"{max_megabytes} MB.",
            spacing="Medium",
        ),
        text_block(
            "When every row is right you see what would change, and nothing changes until you "
            "press **Replace the roster**. People not in the file are taken off the roster "
            "(their history is kept); keep at least one manager.",
        ),
    ]
    return adaptive_card(body, [_back()], fallback_text="Replace the roster from a file.")


def roster_file_problems_card(
    *, file_name: str, problems: Sequence[tuple[str, str]], total: int
) -> Card:
    """A roster file with problems: each by row and column; nothing was changed."""
    lines: list[Element] = [
        rich_text([text_run(where, weight="Bolder"), text_run(f": {why}")], spacing="Small")
        for where, why in problems[:MAX_PROBLEMS]
    ]
    if total > MAX_PROBLEMS:
        lines.append(text_block(f"…and {total - MAX_PROBLEMS:,} more.", is_subtle=True))
    body: list[Element] = [
        container(
            [
                text_block(
                    "The roster was not changed",
                    weight="Bolder",
                    color="Attention",
                    style="heading",
                ),
                rich_text(
                    [
                        text_run(file_name, weight="Bolder"),
                        text_run(
                            f" has {total:,} problem{'' if total == 1 else 's'}. Correct "
                            "them and send the file again, with the word roster."
                        ),
                    ]
                ),
            ],
            style="attention",
        ),
        *lines,
    ]
    return adaptive_card(
        body, [_back()], fallback_text=f"The roster was not changed: {total} problems."
    )


def roster_preview_card(
    *,
    file_name: str,
    upload_id: int,
    added: Sequence[str],
    changed: Sequence[str],
    deactivated: Sequence[str],
    unchanged: int,
) -> Card:
    """A valid roster file: what replacing the roster with it would do, and the button."""
    body: list[Element] = [
        heading("Replace the roster?"),
        rich_text(
            [
                text_run("Every row of "),
                text_run(file_name, weight="Bolder"),
                text_run(" is right. Nothing has changed yet."),
            ]
        ),
        fact_set(
            [
                ("Added", str(len(added))),
                ("Changed", str(len(changed))),
                ("Taken off the roster", str(len(deactivated))),
                ("Unchanged", str(unchanged)),
            ]
        ),
    ]
    for title, names in (
        ("Added", added),
        ("Changed", changed),
        ("Taken off the roster (their history is kept)", deactivated),
    ):
        if not names:
            continue
        shown = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            shown += f" and {len(names) - MAX_NAMES:,} more"
        body.append(
            container(
                [text_block(title, weight="Bolder"), user_text(shown, spacing="Small")],
                spacing="Medium",
            )
        )
    actions = [
        execute_action(
            "Replace the roster",
            VERB_REPLACE,
            {"upload": upload_id},
            style="positive",
            associated_inputs="none",
        ),
        _back(),
    ]
    return adaptive_card(body, actions, fallback_text="Replace the roster?")


# --- fictional demo data (gallery and tests) ------------------------------------------------


def demo_roster_people() -> tuple[RosterPerson, ...]:
    """A fictional roster."""
    return (
        RosterPerson(
            1, "Alex Demo", "alex.demo@northdale.example", "Northdale Council", ("panel",)
        ),
        RosterPerson(
            2, "Jo Sample", "jo.sample@northdale.example", "Northdale Council", ("manager",)
        ),
        RosterPerson(
            3, "Pat Constable", "pat.constable@northdale.example", "Northdale Police", ("panel",)
        ),
        RosterPerson(
            4,
            "Chris Deputy",
            "chris.deputy@northdale.example",
            "Northdale Police",
            ("deputy",),
            date(2026, 12, 1),
            date(2026, 12, 24),
        ),
        RosterPerson(
            5, "Robin Sample", "robin.sample@northdale.example", "Northdale ICB", ("panel", "chair")
        ),
    )


def demo_roster_choices() -> RosterChoices:
    """A fictional profile's agencies and roles."""
    return RosterChoices(
        agencies=(
            ("Northdale Council", "northdale_council"),
            ("Northdale Police", "northdale_police"),
            ("Northdale ICB", "northdale_icb"),
        ),
        roles=(
            ("manager: Partnership manager", "manager"),
            ("panel: Panel member", "panel"),
            ("deputy: Deputy panel member", "deputy"),
            ("agency_lead: Agency safeguarding lead", "agency_lead"),
            ("chair: Chair", "chair"),
            ("notifier: Notifies the National Panel", "notifier"),
        ),
    )
