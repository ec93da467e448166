"""The card telling a manager, in 1:1, that a person was not reached in Teams.

It names who was not reached (their name and agency, from the roster: staff, never the child),
what they did not get, why in plain words, and whether a copy follows in the chat to send
through the partnership's secure email. Names are shown as TextRuns or in a FactSet, so
nothing on the roster is ever read as markdown.
"""

from __future__ import annotations

from cards.base import (
    Card,
    Element,
    adaptive_card,
    container,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    text_block,
)
from cards.nudges import VERB_CASE_OPEN

__all__ = ["not_reached_card"]

_LATER = (
    "When they message me in Teams, what is waiting for them is sent to them there too. Until "
    "then the case's timeline shows it as not delivered."
)


def not_reached_card(
    *,
    reference: str,
    person_name: str,
    agency_name: str,
    what: str,
    reason: str,
    copy_name: str | None,
) -> Card:
    """To a manager in 1:1: `person_name` (of `agency_name`) did not get `what` on the case
    because `reason`; `copy_name`: the file offered next in the same chat (None: no copy)."""
    body: list[Element] = [
        heading(f"Not delivered in Teams — {escape_markdown(reference)}"),
        container(
            [
                fact_set(
                    [
                        ("Case", reference),
                        ("Not reached", person_name),
                        ("Agency", agency_name),
                        ("What", what),
                        ("Why", reason),
                    ]
                )
            ],
            style="warning",
        ),
    ]
    if copy_name is not None:
        body.append(
            text_block(
                f"A copy follows in this chat, {escape_markdown(copy_name)}: send it to them "
                "through the partnership's secure email.",
                weight="Bolder",
            )
        )
    else:
        body.append(
            text_block(
                "There is no file to send: let them know through the partnership's usual way."
            )
        )
    body.append(text_block(_LATER, is_subtle=True, spacing="Small"))
    open_case = execute_action(
        "Open case", VERB_CASE_OPEN, {"reference": reference}, associated_inputs="none"
    )
    return adaptive_card(
        body,
        [open_case],
        fallback_text=f"{reference}: {what} was not delivered in Teams to {person_name}.",
    )
