"""Adding an agency the profile does not list to a case (a manager's 1:1 card)."""

from __future__ import annotations

from collections.abc import Mapping

from cards.base import (
    Card,
    Element,
    adaptive_card,
    container,
    errors_under,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    submit_action,
    text_block,
    text_input,
)
from cards.requests import ACTION_AGENCY_ADD_OPEN, ACTION_RETURNS_PICK

__all__ = [
    "ACTION_AGENCY_ADD_OPEN",
    "VERB_AGENCY_ADD",
    "add_agency_card",
    "agency_added_card",
]

VERB_AGENCY_ADD = "agency.add"


def add_agency_card(
    *, reference: str, values: Mapping[str, str], errors: Mapping[str, str]
) -> Card:
    """The agency's name and its safeguarding lead's name and work email; `values` as typed,
    shown again with their `errors`."""
    body: list[Element] = [
        heading(f"Add an agency to {escape_markdown(reference)}"),
        text_block(
            "For an agency the partnership's list does not have: a school, a GP practice, a "
            "housing provider, probation. Its lead is added to the roster as its safeguarding "
            "lead, and is asked, reminded, invited and reported like any other agency's."
        ),
    ]
    if errors:
        body.append(
            container(
                [
                    text_block(
                        f"Please check {len(errors)} answer{'s' if len(errors) != 1 else ''} "
                        "below. Nothing was added.",
                        weight="Bolder",
                        color="Attention",
                    )
                ],
                style="attention",
            )
        )
    for key, label, limit, style in (
        ("agency_name", "The agency's name", 200, None),
        ("lead_name", "Its safeguarding lead's name", 100, None),
        ("lead_email", "The lead's work email address", 254, "email"),
    ):
        body.append(
            text_input(
                key,
                label,
                is_required=True,
                error_message=f"Enter {label[0].lower()}{label[1:]}.",
                max_length=limit,
                value=values.get(key) or None,
                style=style,
            )
        )
        body.extend(errors_under(errors, key))
    return adaptive_card(
        body,
        [
            execute_action(
                "Add the agency", VERB_AGENCY_ADD, {"reference": reference}, style="positive"
            )
        ],
        fallback_text=f"Add an agency to {reference}.",
    )


def agency_added_card(
    *, reference: str, agency_name: str, lead_name: str, new_agency: bool
) -> Card:
    """The add-agency card once done: the agency and its lead, and the next step."""
    said = "added to the partnership's agencies" if new_agency else "already known"
    return adaptive_card(
        [
            heading(f"Agency added to {escape_markdown(reference)}"),
            fact_set([("Agency", agency_name), ("Its lead", lead_name), ("The agency", said)]),
            text_block(
                "Ask them for information from **Ask agencies for information**: they are on "
                "the list now."
            ),
        ],
        [
            submit_action(
                "Ask agencies for information",
                {"action": ACTION_RETURNS_PICK, "reference": reference},
                style="positive",
            )
        ],
        fallback_text=f"Agency added to {reference}.",
    )
