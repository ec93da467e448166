"""The National Panel's answer (a manager's 1:1 card) and reopening the panel to reconsider."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cards.base import (
    Card,
    Element,
    adaptive_card,
    choice_set,
    date_input,
    errors_under,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    text_block,
    text_input,
)
from review.national_panel import ANSWERS, DETAIL_MAX, REOPEN_WHY
from review.referral import format_date, parse_iso_date

__all__ = [
    "VERB_ANSWER_RECORD",
    "VERB_REOPEN",
    "answer_card",
    "answer_recorded_card",
    "reopened_card",
]

VERB_ANSWER_RECORD = "national_panel.answer"
VERB_REOPEN = "panel.reopen"


def answer_card(
    *,
    reference: str,
    notified_on: date,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Record the National Panel's answer: which, on what date, and for further information
    what it asks and by when."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [
        heading(f"The National Panel's answer — {escape_markdown(reference)}"),
        text_block(f"Notified on {format_date(notified_on)}.", is_subtle=True),
    ]
    if errors:
        body.append(
            text_block("Please check the answers below. Nothing was recorded.", color="Attention")
        )
    body.append(
        choice_set(
            "answer",
            "The National Panel's answer",
            [(words, key) for key, words in ANSWERS.items()],
            is_required=True,
            error_message="Choose the National Panel's answer.",
            style="expanded",
            value=values.get("answer") if values.get("answer") in ANSWERS else None,
        )
    )
    body.extend(errors_under(errors, "answer"))
    body.append(
        date_input(
            "answered_on",
            "The date of its answer",
            is_required=True,
            error_message="Pick the date of the National Panel's answer.",
            value=parse_iso_date(values.get("answered_on")),
        )
    )
    body.extend(errors_under(errors, "answered_on"))
    body.append(text_block("If it asks for further information", weight="Bolder"))
    body.append(
        text_input(
            "asks",
            "What it asks for, and from whom",
            is_multiline=True,
            max_length=DETAIL_MAX,
            value=values.get("asks") or None,
        )
    )
    body.extend(errors_under(errors, "asks"))
    body.append(date_input("asks_by", "By", value=parse_iso_date(values.get("asks_by"))))
    body.extend(errors_under(errors, "asks_by"))
    return adaptive_card(
        body,
        [
            execute_action(
                "Record the answer", VERB_ANSWER_RECORD, {"reference": reference}, style="positive"
            )
        ],
        fallback_text=f"The National Panel's answer on {reference}.",
    )


def answer_recorded_card(
    *,
    reference: str,
    answer: str,
    answered_on: date,
    asks_by: date | None,
    can_reopen: bool,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The answer recorded (the card's final state); where the panel may reconsider, the
    form to reopen it."""
    errors = errors or {}
    facts = [("Answer", ANSWERS.get(answer, answer)), ("On", format_date(answered_on))]
    if asks_by is not None:
        facts.append(("Asked for by", format_date(asks_by)))
    body: list[Element] = [
        heading(f"National Panel's answer recorded — {escape_markdown(reference)}"),
        fact_set(facts),
    ]
    actions = []
    if can_reopen:
        body.append(text_block("Reopen the panel", weight="Bolder", style="heading"))
        body.append(
            text_block(
                "The earlier decision stays in the case's history and in the report; the "
                "partners vote again, and the panel's card says why it reopened.",
                is_subtle=True,
            )
        )
        body.append(
            choice_set(
                "why",
                "Why it reopens",
                [(words, key) for key, words in REOPEN_WHY.items()],
                is_required=True,
                error_message="Choose why the panel is reopened.",
                style="expanded",
                value="reconsider" if answer == "reconsider" else None,
            )
        )
        body.extend(errors_under(errors, "why"))
        body.append(
            text_input(
                "detail",
                "What the panel should know (seen in 1:1 only)",
                is_multiline=True,
                max_length=DETAIL_MAX,
            )
        )
        body.extend(errors_under(errors, "detail"))
        actions.append(
            execute_action(
                "Reopen the panel", VERB_REOPEN, {"reference": reference}, style="destructive"
            )
        )
    return adaptive_card(body, actions, fallback_text=f"National Panel's answer on {reference}.")


def reopened_card(*, reference: str, why: str, round_: int) -> Card:
    """The panel reopened (the card's final state)."""
    return adaptive_card(
        [
            heading(f"Panel reopened — {escape_markdown(reference)}"),
            text_block(f"{REOPEN_WHY.get(why, why)}. Voting round {round_} is open."),
            text_block(
                "The earlier decision is kept in the case's history and the report.",
                is_subtle=True,
            ),
        ],
        [],
        fallback_text=f"Panel reopened on {reference}.",
    )
