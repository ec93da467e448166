"""An escalated disagreement (Stockport's pathway C): the manager's card in 1:1, a step at a
time (the mediation, the final determination), and the referrer's notice of the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cards.base import (
    Card,
    Element,
    adaptive_card,
    date_input,
    errors_under,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    text_block,
    text_input,
    user_text,
)
from review.referral import format_date, parse_iso_date

__all__ = [
    "VERB_ESCALATION_DETERMINE",
    "VERB_ESCALATION_MEDIATION",
    "escalation_card",
    "escalation_outcome_card",
    "mediation_notice_card",
]

VERB_ESCALATION_MEDIATION = "escalation.mediation"
VERB_ESCALATION_DETERMINE = "escalation.determination"
WHERE_MAX = 200
TEXT_MAX = 4000


def escalation_card(
    *,
    reference: str,
    mediation_on: date | None,
    mediation_where: str | None,
    closed: bool,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The escalation at the step it is at."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [heading(f"Escalation — {escape_markdown(reference)}")]
    if mediation_on:
        body.append(
            fact_set([("Mediation", format_date(mediation_on)), ("Where", mediation_where or "")])
        )
    if errors:
        body.append(
            text_block("Please check the answers below. Nothing was recorded.", color="Attention")
        )
    actions = []
    if closed:
        body.append(
            text_block(
                "The final determination is recorded, the referrer told and the case closed."
            )
        )
    elif mediation_on is None:
        body.append(
            text_block(
                "The statutory partners and the independent chair review the decisions made. "
                "Book the mediation: the partners and the chair are told its date."
            )
        )
        body.append(
            date_input(
                "mediation_on",
                "The mediation's date",
                is_required=True,
                error_message="Pick the mediation's date.",
                value=parse_iso_date(values.get("mediation_on")),
            )
        )
        body.extend(errors_under(errors, "mediation_on"))
        body.append(
            text_input(
                "mediation_where",
                "Where, or how (Teams, a room)",
                is_required=True,
                error_message="Say where the mediation is held.",
                max_length=WHERE_MAX,
                value=values.get("mediation_where") or None,
            )
        )
        body.extend(errors_under(errors, "mediation_where"))
        actions.append(
            execute_action(
                "Book the mediation",
                VERB_ESCALATION_MEDIATION,
                {"reference": reference},
                style="positive",
            )
        )
    else:
        for key, label in (
            ("determination", "The final determination"),
            ("reasons", "Its reasons"),
        ):
            body.append(
                text_input(
                    key,
                    label,
                    is_required=True,
                    error_message=f"Write {label[0].lower()}{label[1:]}.",
                    is_multiline=True,
                    max_length=TEXT_MAX,
                    value=values.get(key) or None,
                )
            )
            body.extend(errors_under(errors, key))
        body.append(
            text_block("The referrer is told the determination and its reasons.", is_subtle=True)
        )
        actions.append(
            execute_action(
                "Record the determination",
                VERB_ESCALATION_DETERMINE,
                {"reference": reference},
                style="positive",
            )
        )
    return adaptive_card(body, actions, fallback_text=f"Escalation on {reference}.")


def escalation_outcome_card(*, reference: str, determination: str, reasons: str) -> Card:
    """To the referrer in 1:1: the partnership's final determination and its reasons."""
    return adaptive_card(
        [
            heading(f"Your escalation — {escape_markdown(reference)}"),
            text_block(
                "The statutory partners and the independent chair reviewed the decisions made. "
                "Their final determination:"
            ),
            user_text(determination),
            text_block("Its reasons", weight="Bolder"),
            user_text(reasons),
        ],
        [],
        fallback_text=f"The final determination on your escalation {reference}.",
    )


def mediation_notice_card(*, reference: str, mediation_on: date, where: str) -> Card:
    """To the statutory partners' panel members and the chair: the mediation is booked."""
    return adaptive_card(
        [
            heading(f"Mediation booked — {escape_markdown(reference)}"),
            text_block(
                f"The escalation on {escape_markdown(reference)}: the statutory partners and the "
                "independent chair review the decisions made, at the mediation."
            ),
            fact_set([("When", format_date(mediation_on)), ("Where", where)]),
        ],
        [],
        fallback_text=f"Mediation on {reference}: {format_date(mediation_on)}.",
    )
