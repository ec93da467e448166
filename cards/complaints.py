"""The complaints register's cards: one card per complaint for the managers (record the
response date, referred to a partner agency, the written response template), and the list
`complaints` answers with. Dates and statuses only; no child details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from cards.base import (
    action_set,
    adaptive_card,
    choice_set,
    date_input,
    execute_action,
    fact_set,
    heading,
    text_block,
)
from review.referral import format_date


class ComplaintView(NamedTuple):
    """One complaint as a manager sees it."""

    reference: str
    complaint_id: int
    number: int
    received_on: date
    due: date | None
    status: str  # open, responded, referred
    responded_on: date | None
    referred_to: str | None  # the agency's name


def status_words(view: ComplaintView) -> str:
    """The complaint's status in plain words."""
    if view.status == "responded" and view.responded_on is not None:
        return f"Responded on {format_date(view.responded_on)}"
    if view.status == "referred":
        return f"Referred to a partner agency: {view.referred_to or 'not named'}"
    return "Open"


def _facts(view: ComplaintView) -> list[tuple[str, str]]:
    return [
        ("Received", format_date(view.received_on)),
        ("Respond by", format_date(view.due) if view.due is not None else "no deadline"),
        ("Status", status_words(view)),
    ]


def complaint_card(
    view: ComplaintView,
    *,
    agencies: Sequence[tuple[str, str]],
    error: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A complaint's card: open, with its buttons; answered or referred, its final state."""
    body: list[Any] = [
        heading(f"Complaint {view.number} on {view.reference}"),
        fact_set(_facts(view)),
    ]
    if note:
        body.append(text_block(note, color="Good"))
    if error:
        body.append(text_block(error, color="Attention"))
    data = {"reference": view.reference, "complaint": view.complaint_id}
    template = execute_action("Written response template", "complaint.template", data)
    if view.status == "open":
        body.append(
            date_input(
                "responded_on",
                "The date the written response was sent",
                min_date=view.received_on,
            )
        )
        body.append(
            action_set(
                [execute_action("Record the response", "complaint.respond", data)],
            )
        )
        if agencies:
            body.append(choice_set("agency", "Referred to a partner agency", agencies))
            body.append(action_set([execute_action("Mark referred", "complaint.refer", data)]))
    body.append(action_set([template]))
    return adaptive_card(body, fallback_text=f"Complaint {view.number} on {view.reference}")


def complaints_list_card(views: Sequence[ComplaintView], *, more: int = 0) -> dict[str, Any]:
    """`complaints`: every complaint of the open cases, its status and due date (`more`: how
    many did not fit on the card)."""
    body: list[Any] = [heading("Complaints on open cases")]
    if not views:
        body.append(text_block("No open case has a complaint."))
    for view in views:
        body.append(
            text_block(
                f"{view.reference}: complaint {view.number}", weight="Bolder", separator=True
            )
        )
        body.append(fact_set(_facts(view)))
        body.append(
            action_set(
                [
                    execute_action(
                        "Open",
                        "complaint.open",
                        {"reference": view.reference, "complaint": view.complaint_id},
                    )
                ]
            )
        )
    if more:
        body.append(text_block(f"And {more} more: open a case with `case REF`.", is_subtle=True))
    return adaptive_card(body, fallback_text="Complaints on open cases")
