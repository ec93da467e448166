"""Closing a case and reopening it: what closing stops, asked before it is done; the closed
case's final card; and the reopen form a closed case's timeline offers managers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from cards.base import (
    action_set,
    adaptive_card,
    execute_action,
    fact_set,
    heading,
    text_block,
    text_input,
)
from review.referral import format_date


class Stopping(NamedTuple):
    """One clock or reminder that closing the case ends."""

    title: str
    due: date | None


def close_confirm_card(
    *, reference: str, milestones: Sequence[Stopping], reminders: Sequence[Stopping]
) -> dict[str, Any]:
    """`close REF`: the open milestones and pending reminders closing ends, and the button."""
    body: list[Any] = [heading(f"Close {reference}?")]
    if milestones:
        body.append(text_block("These open deadlines will end:", weight="Bolder"))
        body.append(fact_set((m.title, _due(m.due)) for m in milestones))
    else:
        body.append(text_block("No deadline of the case is still open."))
    if reminders:
        body.append(text_block("These reminders will not be sent:", weight="Bolder"))
        body.append(fact_set((r.title, _due(r.due)) for r in reminders))
    else:
        body.append(text_block("No reminder is waiting to be sent."))
    body.append(
        text_block(
            "The retention period starts when the case is closed. A manager can reopen it "
            "from its timeline.",
            is_subtle=True,
        )
    )
    body.append(
        action_set(
            [
                execute_action(
                    "Close the case",
                    "case.close",
                    {"reference": reference},
                    style="destructive",
                )
            ]
        )
    )
    return adaptive_card(body, fallback_text=f"Close {reference}?")


def case_closed_card(*, reference: str, stopped: int) -> dict[str, Any]:
    """The confirmation card's final state: the case is closed, its reminders stopped."""
    words = "reminder" if stopped == 1 else "reminders"
    return adaptive_card(
        [
            heading(f"{reference} is closed"),
            text_block(f"Its deadlines have ended and {stopped} pending {words} stopped."),
        ],
        fallback_text=f"{reference} is closed.",
    )


def reopen_form(reference: str) -> list[Any]:
    """The elements a closed case's timeline adds for managers: a reason and the button."""
    return [
        text_block("This case is closed.", weight="Bolder", separator=True),
        text_input(
            "reopen_reason",
            "Why is it being reopened?",
            is_required=True,
            error_message="Say why the case is being reopened.",
            max_length=500,
            is_multiline=True,
        ),
        action_set(
            [
                execute_action(
                    "Reopen the case",
                    "case.reopen",
                    {"reference": reference},
                    associated_inputs="auto",
                )
            ]
        ),
    ]


def case_reopened_card(*, reference: str, status_label: str) -> dict[str, Any]:
    """The final state of the reopen form: the case is open again at its earlier status."""
    return adaptive_card(
        [
            heading(f"{reference} is reopened"),
            text_block(f"It is back at: {status_label}. Its reminders are planned again."),
        ],
        fallback_text=f"{reference} is reopened.",
    )


def _due(day: date | None) -> str:
    return f"due {format_date(day)}" if day is not None else "no date yet"
