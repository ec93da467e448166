"""Cards in 1:1 for the steps after a Rapid Review decision: the manager's agency picker and
the case's next-steps menu. Agency and people's names come from the roster and the profile;
nothing a person typed about the child is on either card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards.base import (
    Card,
    Element,
    adaptive_card,
    choice_set,
    column,
    column_set,
    container,
    date_input,
    escape_markdown,
    fact_set,
    heading,
    submit_action,
    text_block,
)

__all__ = [
    "ACTION_RETURNS_PICK",
    "ACTION_RETURNS_REQUEST",
    "ACTION_RETURNS_VIEW",
    "ACTION_MEETING_OPEN",
    "ACTION_CHAIR_OPEN",
    "ACTION_REPORT_OPEN",
    "AgencyChoice",
    "agency_picker_card",
    "next_steps_card",
]

ACTION_RETURNS_PICK = "returns.pick"
ACTION_RETURNS_REQUEST = "returns.request"
ACTION_RETURNS_VIEW = "returns.view"
ACTION_MEETING_OPEN = "meeting.open"
ACTION_CHAIR_OPEN = "chair.open"
ACTION_REPORT_OPEN = "report.open"
ACTION_AGENCY_ADD_OPEN = "agency.add_open"


@dataclass(frozen=True)
class AgencyChoice:
    """An agency the manager may ask: its leads on the roster, and whether it was asked."""

    agency_id: str
    name: str
    lead_names: tuple[str, ...]
    asked_status: str | None = None  # "Awaited", "Received", "Not involved" once asked


def agency_picker_card(
    *,
    reference: str,
    agencies: Sequence[AgencyChoice],
    error: str | None,
    period: tuple[date | None, date | None] = (None, None),
) -> Card:
    """For a manager: choose the agencies to send the information request to, and the period
    under review they are asked about (``period_from`` and ``period_to``, filled with `period`)."""
    body: list[Element] = [
        heading(f"Ask agencies for information — {escape_markdown(reference)}"),
        text_block(
            "Each agency's safeguarding lead gets the Rapid Review information request "
            "(Appendix D) and the chronology in a private chat with me."
        ),
    ]
    if error:
        body.append(
            container([text_block(escape_markdown(error), color="Attention")], style="attention")
        )
    asked = [(a.name, a.asked_status) for a in agencies if a.asked_status]
    if asked:
        body.append(text_block("Already asked", weight="Bolder", spacing="Medium"))
        body.append(fact_set([(name, status or "") for name, status in asked]))
    choices = []
    for agency in agencies:
        if agency.asked_status:
            continue
        leads = ", ".join(agency.lead_names) if agency.lead_names else "no lead on the roster"
        choices.append((f"{agency.name} ({leads})", agency.agency_id))
    actions = []
    if choices:
        body.append(
            choice_set(
                "agencies",
                "Agencies to ask",
                choices,
                is_multi_select=True,
                style="expanded",
            )
        )
        body.append(text_block("The period under review", weight="Bolder", spacing="Medium"))
        body.append(
            text_block(
                "Each agency is asked about its involvement with the child and family in this "
                "period.",
                is_subtle=True,
                size="Small",
            )
        )
        body.append(
            column_set(
                [
                    column([date_input("period_from", "From", value=period[0])]),
                    column([date_input("period_to", "To", value=period[1])]),
                ]
            )
        )
        actions.append(
            submit_action(
                "Send the requests",
                {"action": ACTION_RETURNS_REQUEST, "reference": reference},
                style="positive",
            )
        )
    else:
        body.append(text_block("Every agency in the partnership's list has been asked."))
    # An agency the list does not have (a school, a GP practice, housing, probation).
    actions.append(
        submit_action(
            "Add an agency not listed",
            {"action": ACTION_AGENCY_ADD_OPEN, "reference": reference},
            associated_inputs="none",
        )
    )
    return adaptive_card(
        body, actions, fallback_text=f"Ask agencies for information on {reference}."
    )


def next_steps_card(*, reference: str, status_label: str, steps: Mapping[str, str]) -> Card:
    """The case's next steps for a manager or the chair: one button per step they may take."""
    body: list[Element] = [
        heading(f"Next steps — {escape_markdown(reference)}"),
        text_block(status_label, is_subtle=True, spacing="Small"),
    ]
    if not steps:
        body.append(text_block("There is nothing for you to do on this case just now."))
    actions = [
        submit_action(title, {"action": action, "reference": reference})
        for action, title in steps.items()
    ]
    return adaptive_card(body, actions, fallback_text=f"Next steps for {reference}.")
