"""The learning review pathway's card for managers (1:1), one state at a time: the group's
meeting, its choice (method, lead, due date), the learning summary, done. And the agenda
notice to the group's members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    toggle_input,
)
from review.learning import LEAD_MAX, SUMMARY_MAX
from review.referral import format_date, parse_iso_date

__all__ = [
    "VERB_LEARNING_CHOICE",
    "VERB_LEARNING_MEETING",
    "VERB_LEARNING_SUMMARY",
    "LearningState",
    "learning_agenda_card",
    "learning_card",
]

VERB_LEARNING_MEETING = "learning.meeting"
VERB_LEARNING_CHOICE = "learning.choice"
VERB_LEARNING_SUMMARY = "learning.summary"


class LearningState:
    """Where a learning review is: what is recorded so far."""

    def __init__(
        self,
        *,
        meeting_on: date | None = None,
        method: str | None = None,
        lead: str | None = None,
        due_on: date | None = None,
        local_review: bool = False,
        closed: bool = False,
    ) -> None:
        self.meeting_on = meeting_on
        self.method = method
        self.lead = lead
        self.due_on = due_on
        self.local_review = local_review
        self.closed = closed


def learning_card(
    *,
    reference: str,
    group: str,
    state: LearningState,
    methods: Sequence[str],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The card for the step the learning review is at (`group`: the group in the profile's
    words, e.g. "the Practice Improvement Partnership (PIP)")."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [heading(f"Learning review — {escape_markdown(reference)}")]
    facts: list[tuple[str, str]] = []
    if state.meeting_on:
        facts.append(("Group's meeting", format_date(state.meeting_on)))
    if state.method:
        facts += [("Method", state.method), ("Lead", state.lead or "")]
    if state.due_on:
        facts.append(("Due", format_date(state.due_on)))
    if state.method:
        facts.append(
            (
                "Local CSPR",
                "Yes, six months from the group's decision" if state.local_review else "No",
            )
        )
    if facts:
        body.append(fact_set(facts))
    if errors:
        body.append(
            text_block("Please check the answer below. Nothing was recorded.", color="Attention")
        )
    actions = []
    if state.closed:
        body.append(text_block("The learning is recorded and the case is closed.", weight="Bolder"))
    elif state.meeting_on is None:
        body.append(
            text_block(
                f"The panel decided on a learning review: the case goes on the agenda of "
                f"{escape_markdown(group)}'s next meeting. When is it?"
            )
        )
        body.append(
            date_input(
                "meeting_on",
                "The group's next meeting",
                is_required=True,
                error_message="Pick the date of the group's meeting.",
                value=parse_iso_date(values.get("meeting_on")),
            )
        )
        body.extend(errors_under(errors, "meeting_on"))
        actions.append(
            execute_action(
                "Put it on the agenda",
                VERB_LEARNING_MEETING,
                {"reference": reference},
                style="positive",
            )
        )
    elif state.method is None:
        body.append(text_block("What the group agreed", weight="Bolder", style="heading"))
        body.append(
            choice_set(
                "method",
                "The method",
                [(m, m) for m in methods],
                is_required=True,
                error_message="Choose the method the group agreed.",
                style="expanded",
                value=values.get("method") if values.get("method") in methods else None,
            )
        )
        body.extend(errors_under(errors, "method"))
        body.append(
            text_input(
                "lead",
                "Who leads it",
                is_required=True,
                error_message="Enter who leads the learning review.",
                max_length=LEAD_MAX,
                value=values.get("lead") or None,
            )
        )
        body.extend(errors_under(errors, "lead"))
        body.append(
            date_input(
                "due_on",
                "Due by",
                is_required=True,
                error_message="Pick the date the learning review is due.",
                value=parse_iso_date(values.get("due_on")),
            )
        )
        body.extend(errors_under(errors, "due_on"))
        body.append(
            toggle_input(
                "local_review",
                "The group also decides on a local child safeguarding practice review "
                "(six months from today)",
                value=values.get("local_review") == "true",
            )
        )
        actions.append(
            execute_action(
                "Record the group's choice",
                VERB_LEARNING_CHOICE,
                {"reference": reference},
                style="positive",
            )
        )
    else:
        body.append(
            text_input(
                "summary",
                "The learning the review found",
                is_required=True,
                error_message="Write the learning the review found.",
                is_multiline=True,
                max_length=SUMMARY_MAX,
                value=values.get("summary") or None,
            )
        )
        body.extend(errors_under(errors, "summary"))
        actions.append(
            execute_action(
                "Record the learning and close the case",
                VERB_LEARNING_SUMMARY,
                {"reference": reference},
                style="positive",
            )
        )
    return adaptive_card(body, actions, fallback_text=f"Learning review on {reference}.")


def learning_agenda_card(*, reference: str, group: str, meeting_on: date) -> Card:
    """To the group's members: the case is on their meeting's agenda (no child details)."""
    return adaptive_card(
        [
            heading(f"On the agenda — {escape_markdown(reference)}"),
            text_block(
                f"The virtual panel decided on a learning review of {escape_markdown(reference)}: "
                f"it is on the agenda of {escape_markdown(group)}'s meeting on "
                f"{format_date(meeting_on)}, to agree its method, its lead and when it is due."
            ),
        ],
        [],
        fallback_text=f"{reference} is on the agenda of the meeting on {format_date(meeting_on)}.",
    )
