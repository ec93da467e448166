"""The referrer kept informed (Stockport: "The referrer will be updated as to the progress of
the case"): where the case has got to, in 1:1, with nothing about the child."""

from __future__ import annotations

from datetime import date

from cards.base import Card, adaptive_card, escape_markdown, fact_set, heading, text_block
from review.referral import format_date

__all__ = ["PROGRESS_STEPS", "progress_card"]

PROGRESS_STEPS: dict[str, str] = {
    "meeting": "The Rapid Review meeting is booked",
    "concluded": "The Rapid Review meeting has reached its conclusion",
    "report_sent": "The Rapid Review report has been sent to the National Panel",
}
"""Each step the referrer hears of: its stage id -> what happened, in plain words."""

_NEXT: dict[str, str] = {
    "meeting": "The partners meet to review the information they gathered. You will hear "
    "again when the meeting has reached its conclusion.",
    "concluded": "The chair's conclusion goes into the Rapid Review report, which the "
    "partnership sends to the Child Safeguarding Practice Review Panel. You will hear again "
    "when it has been sent.",
    "report_sent": "The National Panel considers the report. The partnership will let you "
    "know if anything more is needed from you.",
}


def progress_card(
    *, reference: str, step: str, day: date | None = None, conclusion: str | None = None
) -> Card:
    """To the referrer in 1:1: one step of the case's progress and what comes next."""
    facts: list[tuple[str, str]] = []
    if day is not None:
        facts.append(("When", format_date(day)))
    if conclusion:
        facts.append(("Conclusion", conclusion))
    body = [
        heading(f"Your referral — {escape_markdown(reference)}"),
        text_block(f"{PROGRESS_STEPS[step]}."),
    ]
    if facts:
        body.append(fact_set(facts))
    body.append(text_block(_NEXT[step]))
    return adaptive_card(
        body, [], fallback_text=f"Your referral {reference}: {PROGRESS_STEPS[step].lower()}."
    )
