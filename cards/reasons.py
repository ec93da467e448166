"""The panel's agreed reasons for the referrer: a manager writes them after the decision (1:1),
and the referrer gets them in 1:1 — the panel's agreed words, never a member's own."""

from __future__ import annotations

from cards.base import (
    Card,
    adaptive_card,
    escape_markdown,
    execute_action,
    heading,
    text_block,
    text_input,
    user_text,
)

__all__ = [
    "REASONS_MAX",
    "VERB_REASONS_SEND",
    "reasons_card",
    "reasons_form_card",
    "reasons_sent_card",
]

VERB_REASONS_SEND = "reasons.send"
REASONS_MAX = 2000


def reasons_form_card(
    *, reference: str, outcome_label: str, value: str = "", error: str | None = None
) -> Card:
    """To a manager in 1:1: the panel's agreed rationale, written for the referrer."""
    body = [
        heading(f"The panel's reasons for the referrer — {escape_markdown(reference)}"),
        text_block(f"Decision: {escape_markdown(outcome_label)}"),
        text_block(
            "Write the rationale the panel agreed, in words for the referrer: it is sent to "
            "them in a private chat. Do not copy a member's own text or any detail of the "
            "child the referrer did not give."
        ),
        text_input(
            "agreed",
            "The panel's agreed rationale",
            is_required=True,
            error_message=error or "Write the panel's agreed rationale.",
            max_length=REASONS_MAX,
            is_multiline=True,
            value=value or None,
        ),
    ]
    if error:
        body.append(text_block(error, color="Attention"))
    return adaptive_card(
        body,
        [execute_action("Send to the referrer", VERB_REASONS_SEND, {"reference": reference})],
        fallback_text=f"The panel's reasons for the referrer of {reference}.",
    )


def reasons_sent_card(*, reference: str, agreed: str) -> Card:
    """The manager's card once the reasons went: what was sent, no button left."""
    return adaptive_card(
        [
            heading(f"Reasons sent — {escape_markdown(reference)}"),
            text_block("The referrer is sent the panel's agreed rationale:"),
            user_text(agreed),
        ],
        [],
        fallback_text=f"The panel's reasons for {reference} were sent to the referrer.",
    )


def reasons_card(*, reference: str, outcome_label: str, agreed: str) -> Card:
    """To the referrer in 1:1: the reasons the panel agreed for its decision."""
    return adaptive_card(
        [
            heading(f"The panel's reasons — {escape_markdown(reference)}"),
            text_block(f"Decision: {escape_markdown(outcome_label)}"),
            text_block("The reasons the panel agreed:", weight="Bolder"),
            user_text(agreed),
        ],
        [],
        fallback_text=f"The panel's reasons for its decision on your referral {reference}.",
    )
