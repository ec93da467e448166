"""The serious incident notification's cards, for the notifier in 1:1: the draft with every
answer to copy, "Word copy", and "notified on DATE" with the notification's reference."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cards.base import (
    Card,
    Element,
    action_set,
    adaptive_card,
    container,
    date_input,
    errors_under,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    submit_action,
    text_block,
    text_input,
    user_text,
)
from review.notification import REFERENCE_MAX, NotificationDraft
from review.referral import format_date, parse_iso_date

__all__ = [
    "ACTION_NOTIFICATION_DOCX",
    "VERB_NOTIFICATION_RECORD",
    "notification_draft_card",
    "notification_recorded_card",
]

ACTION_NOTIFICATION_DOCX = "notification.docx"
VERB_NOTIFICATION_RECORD = "notification.record"
_ONLINE_FORM = "https://www.gov.uk/guidance/report-a-serious-child-safeguarding-incident"


def notification_draft_card(
    draft: NotificationDraft,
    *,
    due: date | None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Card:
    """The draft: each answer the online form asks, the summary, a Word copy, and the form
    to record the notification once made (`errors` and `values` when shown again)."""
    errors = errors or {}
    values = values or {}
    body: list[Element] = [
        container(
            [
                text_block("Confidential", weight="Bolder", color="Attention", style="heading"),
                text_block("For the notifier only. Do not forward it.", spacing="Small"),
            ],
            style="attention",
        ),
        heading(f"Notify the National Panel — {escape_markdown(draft.reference)}"),
        text_block(
            "The panel agreed this incident is notifiable. The online form does not save a "
            "draft and times out after 20 minutes idle: here is every answer the case holds, "
            "ready to copy." + (f" Due by {format_date(due)}." if due else "")
        ),
        fact_set(draft.facts()),
        text_block("A short summary of the facts", weight="Bolder"),
        user_text(draft.summary, spacing="Small"),
        action_set(
            [
                submit_action(
                    "Word copy",
                    {"action": ACTION_NOTIFICATION_DOCX, "reference": draft.reference},
                    associated_inputs="none",
                ),
            ]
        ),
        text_block(f"The online form: {_ONLINE_FORM}", is_subtle=True, size="Small"),
        text_block("Once you have notified", weight="Bolder", style="heading", spacing="Large"),
    ]
    if errors:
        body.append(
            text_block(
                "Please check the answers below. Nothing was recorded.",
                color="Attention",
                weight="Bolder",
            )
        )
    body.append(
        date_input(
            "notified_on",
            "Notified on",
            is_required=True,
            error_message="Pick the date the National Panel was notified.",
            value=parse_iso_date(values.get("notified_on")),
        )
    )
    body.extend(errors_under(errors, "notified_on"))
    body.append(
        text_input(
            "notification_reference",
            "The notification's reference",
            is_required=True,
            error_message="Enter the reference the notification was given.",
            max_length=REFERENCE_MAX,
            value=values.get("notification_reference") or None,
        )
    )
    body.extend(errors_under(errors, "notification_reference"))
    return adaptive_card(
        body,
        [
            execute_action(
                "Record the notification",
                VERB_NOTIFICATION_RECORD,
                {"reference": draft.reference},
                style="positive",
            )
        ],
        fallback_text=f"Notify the National Panel of {draft.reference}.",
        full_width=True,
    )


def notification_recorded_card(*, reference: str, notified_on: date, national_ref: str) -> Card:
    """The draft card once the notification is recorded: its final state."""
    return adaptive_card(
        [
            heading(f"National Panel notified — {escape_markdown(reference)}"),
            fact_set([("Notified on", format_date(notified_on)), ("Its reference", national_ref)]),
            text_block("The notification milestone is done and shown on the case.", is_subtle=True),
        ],
        [],
        fallback_text=f"National Panel notified for {reference}.",
    )
