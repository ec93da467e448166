"""The panel's agreed reasons for the referrer: a manager writes them after the decision (1:1),
and the referrer gets them in 1:1 — the panel's agreed words, never a member's own."""

from __future__ import annotations

from collections.abc import Mapping

from cards.base import (
    Card,
    Element,
    adaptive_card,
    choice_set,
    escape_markdown,
    execute_action,
    heading,
    text_block,
    text_input,
    user_text,
)

__all__ = [
    "ALTERNATIVES",
    "REASONS_MAX",
    "VERB_REASONS_SEND",
    "reasons_card",
    "reasons_form_card",
    "reasons_sent_card",
]

VERB_REASONS_SEND = "reasons.send"
REASONS_MAX = 2000
ALTERNATIVES: dict[str, str] = {
    "sar": "A Safeguarding Adults Review (SAR)",
    "dhr": "A Domestic Homicide Review (DHR)",
    "single_agency": "A single-agency review",
    "other": "Another process (say which)",
}
"""The alternative processes a "no partnership response" decision names (Stockport's form:
"an alternative process such as SAR / DHR is more appropriate")."""


def reasons_form_card(
    *,
    reference: str,
    outcome_label: str,
    value: str = "",
    error: str | None = None,
    ask_alternative: bool = False,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """To a manager in 1:1: the panel's agreed rationale, written for the referrer; for a
    decision of no partnership response (`ask_alternative`), the process that fits better."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [
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
    if ask_alternative:
        chosen = values.get("alternative")
        body.append(
            choice_set(
                "alternative",
                "The process the panel found more appropriate",
                [(words, key) for key, words in ALTERNATIVES.items()],
                is_required=True,
                error_message="Choose the process the panel found more appropriate.",
                style="expanded",
                value=chosen if chosen in ALTERNATIVES else None,
            )
        )
        if "alternative" in errors:
            body.append(text_block(escape_markdown(errors["alternative"]), color="Attention"))
        body.append(
            text_input(
                "alternative_other",
                "If another process: which",
                max_length=200,
                value=values.get("alternative_other") or None,
            )
        )
        if "alternative_other" in errors:
            body.append(text_block(escape_markdown(errors["alternative_other"]), color="Attention"))
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


def reasons_card(
    *, reference: str, outcome_label: str, agreed: str, alternative: str | None = None
) -> Card:
    """To the referrer in 1:1: the reasons the panel agreed for its decision (and, for no
    partnership response, the process it found more appropriate)."""
    body: list[Element] = [
        heading(f"The panel's reasons — {escape_markdown(reference)}"),
        text_block(f"Decision: {escape_markdown(outcome_label)}"),
        text_block("The reasons the panel agreed:", weight="Bolder"),
        user_text(agreed),
    ]
    if alternative:
        body.append(text_block("The process the panel found more appropriate:", weight="Bolder"))
        body.append(user_text(alternative))
    return adaptive_card(
        body,
        [],
        fallback_text=f"The panel's reasons for its decision on your referral {reference}.",
    )
