"""Cards for after the decision: the agency information request, where the returns stand, the
meeting proposal and notice, the chair's notes and the report's "sent" record.

Where each card goes decides what it may hold:

* `information_request_card` goes to an agency's safeguarding lead in 1:1; `meeting_proposal_card`,
  `chair_notes_card` and `report_ready_card` go to managers or the chair in 1:1.
* `returns_status_card` and `meeting_notice_card` are posted in the case's thread in the
  channel: agency names, statuses, dates, the time and the place only. Their builders take
  nothing else, so no answer from a return or the chair's notes can reach the channel.

Buttons are ``Action.Submit`` with ``data = {"action": ..., "reference": ...}`` (and the
return's ``token``). The forms mark no input as required on the client: the bot checks the
answers (`review.returns`, `review.report`) and shows the card again with the errors, so
"Save draft" always works. Only the inputs inside a sub-form (a chronology row, the date sent)
are required, as only that sub-form's button sends them.

Everything a person typed is shown with `user_text` (a TextRun, never markdown) or in a
`fact_set` (escaped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from cards.base import (
    Action,
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
    rich_text,
    submit_action,
    text_block,
    text_input,
    text_run,
    toggle_input,
    user_text,
)
from review.meeting import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from review.referral import format_date, parse_iso_date
from review.report import ACTION_ROWS, CHAIR_QUESTIONS, CONCLUSIONS, NOTES_MAX
from review.returns import (
    CHILD_SEEN,
    FIELD_INFO,
    INVOLVEMENT_FIELDS,
    ROW_FIELDS,
    ROW_INFO,
    ChronologyRow,
    ReturnField,
)

__all__ = [
    "ACTION_CHAIR_SAVE",
    "ACTION_MEETING_PROPOSE",
    "ACTION_REPORT_SENT",
    "ACTION_RETURN_ADD_ROW",
    "ACTION_RETURN_SAVE",
    "ACTION_RETURN_SUBMIT",
    "RETURN_STATUSES",
    "ROWS_SHOWN",
    "chair_notes_card",
    "demo_chronology_rows",
    "information_request_card",
    "meeting_notice_card",
    "meeting_proposal_card",
    "report_ready_card",
    "returns_status_card",
]

ACTION_RETURN_ADD_ROW = "return.add_row"
ACTION_RETURN_SAVE = "return.save"
ACTION_RETURN_SUBMIT = "return.submit"
ACTION_MEETING_PROPOSE = "meeting.propose"
ACTION_CHAIR_SAVE = "chair.save"
ACTION_REPORT_SENT = "report.sent"

RETURN_STATUSES: dict[str, str] = {
    "received": "Received",
    "not involved": "Not involved",
    "awaited": "Awaited",
    "overdue": "Overdue",
}
"""The statuses of an agency's return: value -> what the channel shows."""

ROWS_SHOWN = 10
"""How many chronology rows the information request lists (the latest ones)."""
_ROW_TEXT_SHOWN = 200
_KEPT = 1000
_DEFAULT_DURATION = 90


# --- small pieces ---------------------------------------------------------------------------


def _error_text(message: str) -> Element:
    """An error message shown directly under its field."""
    return text_block(escape_markdown(message), color="Attention", spacing="Small")


def _error_banner(errors: Mapping[str, str]) -> Element:
    """The banner at the top of a form shown again with errors."""
    count = len(errors)
    answers = "answer" if count == 1 else "answers"
    return container(
        [text_block(f"Please check {count} {answers} below", weight="Bolder", color="Attention")],
        style="attention",
    )


def _value(values: Mapping[str, Any], key: str, limit: int | None) -> str | None:
    """A value to put back in its input, cut short so the card stays small enough to send."""
    found = values.get(key)
    if not isinstance(found, str) or not found:
        return None
    return found[: (limit or 200) + _KEPT]


def _subheading(text: str) -> Element:
    return text_block(text, weight="Bolder", style="heading", spacing="Large", separator=True)


def _help(text: str) -> Element:
    return text_block(escape_markdown(text), is_subtle=True, size="Small", spacing="Small")


def _show_card(title: str, body: Sequence[Element], actions: Sequence[Action]) -> Action:
    """An Action.ShowCard: a sub-form opened under the card (not a separate message)."""
    card: dict[str, Any] = {"type": "AdaptiveCard", "body": list(body)}
    if actions:
        card["actions"] = list(actions)
    return {"type": "Action.ShowCard", "title": title, "card": card}


def _time_input(input_id: str, label: str, *, value: str | None, required: bool) -> Element:
    element: Element = {"type": "Input.Time", "id": input_id, "label": label}
    if value:
        element["value"] = value
    if required:
        element["isRequired"] = True
        element["errorMessage"] = "Choose a time."
    return element


def _number_input(input_id: str, label: str, *, value: int, minimum: int, maximum: int) -> Element:
    return {
        "type": "Input.Number",
        "id": input_id,
        "label": label,
        "min": minimum,
        "max": maximum,
        "value": value,
    }


def _text_field(info: ReturnField, values: Mapping[str, Any]) -> Element:
    """An Input.Text for one question of the return or of a row."""
    return text_input(
        info.id,
        info.label,
        max_length=info.max_length,
        is_multiline=True if info.kind == "multiline" else None,
        value=_value(values, info.id, info.max_length),
    )


def _with_error(element: Element, field_id: str, errors: Mapping[str, str]) -> list[Element]:
    return [element, _error_text(errors[field_id])] if field_id in errors else [element]


# --- the information request (Appendix D) ---------------------------------------------------

_GUIDANCE = (
    "Each agency completes this form to summarise the information it holds. If your agency "
    "has had no contact with the child or family, say so below and submit: nothing else is "
    "needed. Please give regard to any and all relevant and significant events from your "
    "history of involvement, and reflect on how they may have impacted on the child, young "
    "person, family and your own practice."
)
_CSV_NOTE = (
    "You can upload your chronology as a spreadsheet in this chat instead of typing rows: "
    "save it as CSV with the columns Date from, Date to, Time, Involvement with, Event and "
    "outcome, Child seen, Review and analysis."
)


def _seen_text(seen: bool | None) -> str:
    return "Child seen" if seen else "Child not seen" if seen is False else "Child seen: not known"


def _row_summary(row: ChronologyRow) -> Element:
    """One chronology row, briefly: dates, who, whether the child was seen, the event."""
    when = row.date_from.strftime("%d/%m/%Y")
    if row.time_from:
        when += f" {row.time_from}"
    if row.date_to is not None and row.date_to != row.date_from:
        when += f" to {row.date_to.strftime('%d/%m/%Y')}"
    event = row.event_and_outcome
    if len(event) > _ROW_TEXT_SHOWN:
        event = event[:_ROW_TEXT_SHOWN].rstrip() + "…"
    return container(
        [
            rich_text(
                [
                    text_run(when, weight="Bolder"),
                    text_run(" · "),
                    text_run(row.involvement_with),
                    text_run(f" · {_seen_text(row.child_seen)}", is_subtle=True),
                ]
            ),
            user_text(event, spacing="None"),
        ],
        spacing="Small",
        separator=True,
    )


def _row_form(values: Mapping[str, Any], errors: Mapping[str, str]) -> list[Element]:
    """The inputs of one chronology row (in the "Add chronology row" sub-form)."""
    body: list[Element] = []
    for field_id in ROW_FIELDS:
        info = ROW_INFO[field_id]
        element: Element
        if info.kind == "date":
            required = info.missing is not None
            element = date_input(
                field_id,
                info.label,
                is_required=required,
                error_message=info.missing if required else None,
                value=parse_iso_date(values.get(field_id)),
            )
        elif info.kind == "time":
            found = values.get(field_id)
            element = _time_input(
                field_id,
                info.label,
                value=found if isinstance(found, str) and len(found) == 5 else None,
                required=False,
            )
        elif info.kind == "choice":
            found = values.get(field_id)
            element = choice_set(
                field_id,
                info.label,
                [(label, value) for value, label in CHILD_SEEN.items()],
                is_required=True,
                error_message=info.missing,
                style="expanded",
                value=found if isinstance(found, str) and found in CHILD_SEEN else None,
            )
        else:
            element = text_input(
                field_id,
                info.label,
                is_required=info.missing is not None,
                error_message=info.missing,
                max_length=info.max_length,
                is_multiline=True if info.kind == "multiline" else None,
                value=_value(values, field_id, info.max_length),
            )
        body.extend(_with_error(element, field_id, errors))
        if info.help and field_id not in errors:
            body.append(_help(info.help))
    return body


def information_request_card(
    *,
    reference: str,
    agency_name: str,
    due: date,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    chronology_rows: Sequence[ChronologyRow],
    token: str,
) -> Card:
    """To an agency's safeguarding lead in 1:1: the Appendix D form and its chronology."""
    data = {"reference": reference, "token": token}
    body: list[Element] = [
        heading(f"Rapid Review information request — {escape_markdown(reference)}"),
        rich_text(
            [
                text_run("For "),
                text_run(agency_name, weight="Bolder"),
                text_run(f". Please return it by {format_date(due)}."),
            ]
        ),
        text_block("CONFIDENTIAL WHEN COMPLETED", weight="Bolder", color="Attention", size="Small"),
        text_block(_GUIDANCE, is_subtle=True, spacing="Small"),
    ]
    if errors:
        body.append(_error_banner(errors))
    # A. Involvement and records
    involved = values.get("involved")
    body.append(_subheading("A. Your agency's involvement"))
    body.extend(
        _with_error(
            choice_set(
                "involved",
                FIELD_INFO["involved"].label,
                [("Yes", "yes"), ("No", "no")],
                style="expanded",
                value=involved if involved in ("yes", "no") else None,
            ),
            "involved",
            errors,
        )
    )
    body.extend(
        _with_error(
            toggle_input(
                "records_secured",
                FIELD_INFO["records_secured"].help or "Records secured",
                label=FIELD_INFO["records_secured"].label,
                value=values.get("records_secured") == "true",
            ),
            "records_secured",
            errors,
        )
    )
    body.append(_subheading("Agency Report Provided by"))
    for field_id in ("author_name", "author_role", "practitioners"):
        body.extend(_with_error(_text_field(FIELD_INFO[field_id], values), field_id, errors))
    body.append(
        text_block(
            "If your agency had contact with the child or family, please complete the "
            "rest of the form.",
            is_subtle=True,
            spacing="Large",
        )
    )
    body.append(_subheading(FIELD_INFO["family_members"].label))
    info = FIELD_INFO["family_members"]
    body.append(_help(info.help or ""))
    body.extend(_with_error(_text_field(info, values), info.id, errors))
    body.append(_subheading("Analysis of your agency's involvement"))
    for field_id in INVOLVEMENT_FIELDS:
        body.extend(_with_error(_text_field(FIELD_INFO[field_id], values), field_id, errors))
    for field_id in (
        "actions_identified",
        "issues_for_panel",
        "views_of_child_family",
        "other_information",
    ):
        info = FIELD_INFO[field_id]
        body.append(_subheading(info.label))
        if info.help:
            body.append(_help(info.help))
        body.extend(_with_error(_text_field(info, values), field_id, errors))
    # The chronology
    body.append(_subheading("Single Agency Chronology of Significant Events"))
    count = len(chronology_rows)
    if count:
        noun = "row" if count == 1 else "rows"
        shown = list(chronology_rows)[-ROWS_SHOWN:]
        intro = f"{count} {noun} so far."
        if count > len(shown):
            intro += f" The latest {len(shown)} are shown."
        body.append(text_block(intro, spacing="Small"))
        body.extend(_row_summary(row) for row in shown)
    else:
        body.append(text_block("No rows yet.", is_subtle=True, spacing="Small"))
    body.append(text_block(_CSV_NOTE, is_subtle=True, size="Small", spacing="Medium"))
    row_errors = {key: value for key, value in errors.items() if key in ROW_FIELDS}
    if row_errors:
        body.append(_error_text("The chronology row was not added: open Add chronology row."))
    actions: list[Action] = [
        _show_card(
            "Add chronology row",
            _row_form(values, row_errors),
            [submit_action("Add row", {"action": ACTION_RETURN_ADD_ROW, **data}, style="positive")],
        ),
        submit_action("Save draft", {"action": ACTION_RETURN_SAVE, **data}),
        submit_action("Submit return", {"action": ACTION_RETURN_SUBMIT, **data}, style="positive"),
    ]
    return adaptive_card(
        body, actions, fallback_text=f"Rapid Review information request {reference}."
    )


# --- thread posts in the channel ------------------------------------------------------------


def returns_status_card(*, reference: str, rows: Sequence[tuple[str, str, str | None]]) -> Card:
    """Thread post: each agency's return status (and when); never anything from a return."""
    for _, status, _ in rows:
        if status not in RETURN_STATUSES:
            raise ValueError(f"unknown return status {status!r}; one of {tuple(RETURN_STATUSES)}")
    replied = sum(1 for _, status, _ in rows if status in ("received", "not involved"))
    overdue = sum(1 for _, status, _ in rows if status == "overdue")
    summary = f"{replied} of {len(rows)} agencies have replied"
    if overdue:
        summary += f"; {overdue} overdue"
    facts = [
        (name, RETURN_STATUSES[status] + (f" · {when}" if when else ""))
        for name, status, when in rows
    ]
    body: list[Element] = [
        text_block(
            f"{escape_markdown(reference)}: agency returns", weight="Bolder", style="heading"
        ),
        text_block(summary, color="Attention" if overdue else None, spacing="Small"),
    ]
    if facts:
        body.append(fact_set(facts))
    body.append(
        text_block(
            "The returns themselves are seen only by the managers and the chair.",
            is_subtle=True,
            size="Small",
        )
    )
    return adaptive_card(body, fallback_text=f"{reference}: {summary}.")


def meeting_notice_card(*, reference: str, start_text: str, location: str, papers_by: date) -> Card:
    """Thread post: the Rapid Review meeting's date, time and place, and when papers go out."""
    return adaptive_card(
        [
            text_block(
                f"{escape_markdown(reference)}: Rapid Review meeting booked",
                weight="Bolder",
                style="heading",
            ),
            fact_set([("When", start_text), ("Where", location)]),
            text_block(
                f"The agency returns are circulated to the panel by {format_date(papers_by)}. "
                "An invitation has been sent to the attendees.",
                spacing="Small",
            ),
        ],
        fallback_text=f"{reference}: Rapid Review meeting {start_text}.",
    )


# --- to managers and the chair in 1:1 -------------------------------------------------------


def meeting_proposal_card(
    *,
    reference: str,
    window: tuple[date, date] | None,
    error: str | None,
    values: Mapping[str, Any],
) -> Card:
    """For a manager: propose the meeting's date, time, place and length."""
    body: list[Element] = [
        heading(f"Propose the Rapid Review meeting — {escape_markdown(reference)}")
    ]
    if window is not None:
        earliest, latest = window
        body.append(
            text_block(
                f"Hold it between **{format_date(earliest)}** and **{format_date(latest)}** "
                "(working days only)."
            )
        )
    else:
        body.append(text_block("Choose a working day for the meeting."))
    if error:
        body.append(
            container([text_block(escape_markdown(error), color="Attention")], style="attention")
        )
    duration_raw = values.get("duration_minutes")
    try:
        duration = int(str(duration_raw)) if duration_raw not in (None, "") else _DEFAULT_DURATION
    except ValueError:
        duration = _DEFAULT_DURATION
    duration = min(max(duration, MIN_DURATION_MINUTES), MAX_DURATION_MINUTES)
    meeting_time = values.get("meeting_time")
    body += [
        date_input(
            "meeting_date",
            "Date",
            is_required=True,
            error_message="Choose the date of the meeting.",
            value=parse_iso_date(values.get("meeting_date")),
            min_date=window[0] if window is not None else None,
        ),
        _time_input(
            "meeting_time",
            "Start time",
            value=meeting_time
            if isinstance(meeting_time, str) and len(meeting_time) == 5
            else None,
            required=True,
        ),
        text_input(
            "location",
            "Where",
            is_required=True,
            error_message="Say where the meeting is, or that it is on Teams.",
            max_length=200,
            placeholder="For example: Teams, or Room 2, Town Hall",
            value=_value(values, "location", 200),
        ),
        _number_input(
            "duration_minutes",
            "Length in minutes",
            value=duration,
            minimum=MIN_DURATION_MINUTES,
            maximum=MAX_DURATION_MINUTES,
        ),
        text_block(
            "The invitation names the case by its reference only.",
            is_subtle=True,
            size="Small",
        ),
    ]
    return adaptive_card(
        body,
        [
            submit_action(
                "Propose",
                {"action": ACTION_MEETING_PROPOSE, "reference": reference},
                style="positive",
            )
        ],
        fallback_text=f"Propose the Rapid Review meeting for {reference}.",
    )


def chair_notes_card(
    *, reference: str, values: Mapping[str, Any], errors: Mapping[str, str]
) -> Card:
    """For the chair: the overview, questions 4.1–4.7, the conclusion, reasons and actions."""
    body: list[Element] = [
        heading(f"Chair's notes — {escape_markdown(reference)}"),
        text_block("CONFIDENTIAL WHEN COMPLETED", weight="Bolder", color="Attention", size="Small"),
    ]
    if errors:
        body.append(_error_banner(errors))
    body.append(_subheading("2. Overview of the case"))
    body.extend(
        _with_error(
            text_input(
                "overview",
                "Brief summary of the case from the referral and the returned reports",
                is_multiline=True,
                max_length=NOTES_MAX,
                value=_value(values, "overview", NOTES_MAX),
            ),
            "overview",
            errors,
        )
    )
    body.append(_subheading("4. Assessment of Need by Core Panel"))
    for question in CHAIR_QUESTIONS:
        body.append(
            text_block(
                f"**{question.number}** {escape_markdown(question.question)}", spacing="Medium"
            )
        )
        body.append(_help(question.prompt))
        body.extend(
            _with_error(
                text_input(
                    question.id,
                    f"{question.number} notes & views",
                    is_multiline=True,
                    max_length=NOTES_MAX,
                    value=_value(values, question.id, NOTES_MAX),
                ),
                question.id,
                errors,
            )
        )
    body.append(_subheading("5. Conclusion & Proposal to panel"))
    conclusion = values.get("conclusion")
    body.extend(
        _with_error(
            choice_set(
                "conclusion",
                "The conclusion of the panel is that…",
                [(label, value) for value, label in CONCLUSIONS.items()],
                style="expanded",
                value=conclusion
                if isinstance(conclusion, str) and conclusion in CONCLUSIONS
                else None,
            ),
            "conclusion",
            errors,
        )
    )
    body.extend(
        _with_error(
            text_input(
                "conclusion_reasons",
                "The reasons a review is / is not proposed",
                is_multiline=True,
                max_length=NOTES_MAX,
                placeholder="Include the areas for focus from the criteria, and why this might "
                "be a nationally relevant case or not",
                value=_value(values, "conclusion_reasons", NOTES_MAX),
            ),
            "conclusion_reasons",
            errors,
        )
    )
    body.append(_subheading("6. Actions"))
    for n in range(1, ACTION_ROWS + 1):
        ids = (f"action_{n}", f"owner_{n}", f"due_{n}")
        body.append(
            column_set(
                [
                    column(
                        [
                            text_input(
                                ids[0],
                                f"Action {n}",
                                max_length=500,
                                value=_value(values, ids[0], 500),
                            )
                        ],
                        width=5,
                    ),
                    column(
                        [
                            text_input(
                                ids[1], "Owner", max_length=100, value=_value(values, ids[1], 100)
                            )
                        ],
                        width=3,
                    ),
                    column(
                        [date_input(ids[2], "Due", value=parse_iso_date(values.get(ids[2])))],
                        width=3,
                    ),
                ],
                spacing="Small",
            )
        )
        body.extend(_error_text(errors[key]) for key in ids if key in errors)
    return adaptive_card(
        body,
        [
            submit_action(
                "Save conclusion",
                {"action": ACTION_CHAIR_SAVE, "reference": reference},
                style="positive",
            )
        ],
        fallback_text=f"Chair's notes for {reference}.",
    )


def report_ready_card(*, reference: str, sent_recorded: date | None) -> Card:
    """To managers and the chair in 1:1: the report is ready; record the date it was sent."""
    body: list[Element] = [
        heading("The Rapid Review report is ready"),
        rich_text([text_run("Case "), text_run(reference, weight="Bolder")]),
    ]
    if sent_recorded is not None:
        body.append(
            text_block(
                f"Recorded as sent to the National Panel on **{format_date(sent_recorded)}**.",
                color="Good",
            )
        )
    else:
        body.append(
            text_block(
                "Check it, sign it off and send it to the National Panel, then record the date "
                "it was sent here."
            )
        )
    sub_form = _show_card(
        "Record date sent to the National Panel",
        [
            date_input(
                "sent_on",
                "Date sent to the National Panel",
                is_required=True,
                error_message="Choose the date the report was sent.",
                value=sent_recorded,
            )
        ],
        [
            submit_action(
                "Record",
                {"action": ACTION_REPORT_SENT, "reference": reference},
                style="positive",
            )
        ],
    )
    return adaptive_card(
        body, [sub_form], fallback_text=f"The Rapid Review report for {reference} is ready."
    )


# --- fictional demo data (gallery and tests) ------------------------------------------------


def demo_chronology_rows() -> tuple[ChronologyRow, ...]:
    """Fictional chronology rows for the gallery."""
    return (
        ChronologyRow(
            date(2026, 9, 14),
            None,
            "10:30",
            "Child",
            "Health visitor home visit. Weight below expected centile; referred to the GP.",
            True,
            "Appropriate referral; no follow-up date was set.",
        ),
        ChronologyRow(
            date(2026, 10, 2),
            date(2026, 10, 3),
            None,
            "Mother",
            "Missed two appointments at the clinic.",
            False,
            "Was not brought policy not followed.",
        ),
    )
