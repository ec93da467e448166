"""Cards for after the decision: the agency information request, where the returns stand, the
meeting proposal and notice, the chair's notes and the report's "sent" record.

Where each card goes decides what it may hold:

* `information_request_card` goes to an agency's safeguarding lead in 1:1; `meeting_proposal_card`,
  `chair_notes_card` and `report_ready_card` go to managers or the chair in 1:1.
* `returns_status_card` and `meeting_notice_card` are posted in the case's thread in the
  channel: agency names, statuses, dates, the time and the place only. Their builders take
  nothing else, so no answer from a return or the chair's notes can reach the channel.

The two long forms are sent in parts, because Teams refuses a card over 28 KB and each form
is far bigger with every answer at its limit: the information request in `RETURN_PARTS`, the
chair's notes in `CHAIR_PARTS`. A part is a card of its own with the same input ids as the
whole form, "Part N of M" at the top, and Back/Next buttons between the parts.

Buttons are ``Action.Submit`` with ``data = {"action": ..., "reference": ...}`` (and the
return's ``token``; on a part, its ``part`` number, and on Back/Next the part to ``go`` to).
Back and Next send the part's answers too. The forms mark no input as required on the client:
the bot checks the answers (`review.returns`, `review.report`) and shows the card again with
the errors, so "Save draft" always works. Only the inputs inside a sub-form (a chronology
row, the date sent) are required, as only that sub-form's button sends them.

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
    action_set,
    adaptive_card,
    choice_set,
    column,
    column_set,
    container,
    date_input,
    error_text,
    escape_markdown,
    execute_action,
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
from cards.nudges import conflict_notices
from cards.referral import identity_action
from review.meeting import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from review.referral import format_date, parse_iso_date
from review.report import (
    ACTION_ROWS,
    CHAIR_QUESTIONS,
    CONCLUSIONS,
    NOTES_MAX,
    REPORT_NOTES,
    conclusion_ids,
)
from review.returns import (
    CHILD_SEEN,
    FIELD_INFO,
    INVOLVEMENT_FIELDS,
    NAME_MAX,
    ROW_FIELDS,
    ROW_INFO,
    ChronologyRow,
    ReturnField,
)

__all__ = [
    "ACTION_CHAIR_CONCLUDE",
    "ACTION_CHAIR_PART",
    "ACTION_CHAIR_SAVE",
    "ACTION_MEETING_PROPOSE",
    "ACTION_REPORT_SENT",
    "ACTION_REPORT_SIGN_OFF",
    "ACTION_RETURN_ADD_ROW",
    "ACTION_RETURN_PART",
    "ACTION_RETURN_SAVE",
    "ACTION_RETURN_SUBMIT",
    "CHAIR_PARTS",
    "RETURN_PARTS",
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
ACTION_RETURN_PART = "return.part"
"""Back/Next between the parts of the information request; ``data["go"]`` is the part to show."""
ACTION_MEETING_PROPOSE = "meeting.propose"
ACTION_CHAIR_SAVE = "chair.save"
ACTION_CHAIR_PART = "chair.part"
"""Back/Next between the parts of the chair's notes; ``data["go"]`` is the part to show."""
ACTION_CHAIR_CONCLUDE = "chair.conclude"
"""Save the chair's notes and record the conclusion (the last part's main button)."""
ACTION_REPORT_SENT = "report.sent"
ACTION_REPORT_SIGN_OFF = "report.sign_off"
"""Sign the report off (Action.Execute: the card is redrawn with the sign-off on it)."""

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


def _error_banner_text(count: int) -> Element:
    """The first line of the banner at the top of a form shown again with errors."""
    answers = "answer" if count == 1 else "answers"
    return text_block(f"Please check {count} {answers} below", weight="Bolder", color="Attention")


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
    return [element, error_text(errors[field_id])] if field_id in errors else [element]


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
_ONLY_PART_ONE = (
    "Your agency had no contact with the child or family, so this part is all that is "
    "needed: answer it, then submit the return."
)
_REST_OF_FORM = (
    "If your agency had contact with the child or family, please complete parts 2 to {count} "
    "as well."
)
_NOT_NEEDED = (
    "Your agency said it had no contact with the child or family, so this part is not needed."
)


def _seen_text(seen: bool | None) -> str:
    return "Child seen" if seen else "Child not seen" if seen is False else "Child seen: not known"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _row_summary(row: ChronologyRow) -> Element:
    """One chronology row, briefly: dates, who, whether the child was seen, the event."""
    when = row.date_from.strftime("%d/%m/%Y")
    if row.time_from:
        when += f" {row.time_from}"
    if row.date_to is not None and row.date_to != row.date_from:
        when += f" to {row.date_to.strftime('%d/%m/%Y')}"
    event = _shortened(row.event_and_outcome, _ROW_TEXT_SHOWN)
    return container(
        [
            rich_text(
                [
                    text_run(when, weight="Bolder"),
                    text_run(" · "),
                    text_run(_shortened(row.involvement_with, NAME_MAX)),
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


_ABOUT_FIELDS: tuple[str, ...] = (
    "involved",
    "records_secured",
    "author_name",
    "author_role",
    "practitioners",
    "quality_assured_by",
    "family_members",
)
_ISSUES_FIELDS: tuple[str, ...] = (
    "actions_identified",
    "issues_for_panel",
    "views_of_child_family",
    "other_information",
)

RETURN_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("About this return", _ABOUT_FIELDS),
    ("Your agency's involvement", INVOLVEMENT_FIELDS),
    ("Issues, actions and views", _ISSUES_FIELDS),
    ("Chronology", ()),
)
"""The parts of the information request: (title, the return's input ids on that part), in order.

Every id of `review.returns.RETURN_FIELDS` is on exactly one part. The last part holds the
chronology: the latest rows and the "Add chronology row" sub-form, whose inputs are
`review.returns.ROW_FIELDS` (not answers of the return itself, so not listed here).

Why this split: Teams refuses a card over 28 KB, and one long answer can be 5,000 characters
(`LONG_TEXT_MAX` and the 1,000 characters kept beyond it to show an answer that is too long).
No part has more than four long answers, so each part stays under the limit with every answer
at that length and an error under every field, editable or read-only (the tests measure it).
"""

_YES_NO = {"yes": "Yes", "no": "No"}
_FACT_TITLES = {
    "involved": "Contact with the child or family",
    "records_secured": "Records secured",
}
_SECTION_BEFORE = {
    "author_name": "Agency Report Provided by",
    "involvement_child": "Analysis of your agency's involvement",
}
_OWN_SECTION = frozenset({"family_members", *_ISSUES_FIELDS})
"""Questions shown under their own heading (their label), with their help above the answer."""


def _part_number(part: int, count: int) -> int:
    """The part to show: ``part`` kept within 1..count, so a stale button cannot break a card."""
    return min(max(int(part), 1), count)


def _part_of(
    parts: Sequence[tuple[str, tuple[str, ...]]], extra_last: Sequence[str] = ()
) -> dict[str, int]:
    """Input id -> the number of the part it is on (``extra_last`` ids are on the last part)."""
    found = {field_id: n for n, (_, ids) in enumerate(parts, start=1) for field_id in ids}
    found.update((field_id, len(parts)) for field_id in extra_last)
    return found


def _other_parts_note(numbers: Sequence[int]) -> str:
    """The note naming the other parts with errors, e.g. "Parts 1, 2 and 4 have answers…"."""
    if len(numbers) == 1:
        return f"Part {numbers[0]} has answers to check."
    names = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    return f"Parts {names} have answers to check."


def _errors_summary(
    errors: Mapping[str, str], part_of: Mapping[str, int], part: int
) -> Element | None:
    """The banner of a part: its own errors counted, other parts with errors named.

    An error keyed by no input of any part cannot be shown under a field, so its message is
    shown in the banner itself, on every part.
    """
    own = [key for key in errors if part_of.get(key) == part]
    stray = [message for key, message in errors.items() if key not in part_of]
    others = sorted({part_of[key] for key in errors if part_of.get(key, part) != part})
    items: list[Element] = []
    if own:
        items.append(_error_banner_text(len(own)))
    items.extend(error_text(message) for message in stray)
    if others:
        items.append(text_block(_other_parts_note(others), color="Attention", spacing="Small"))
    return container(items, style="attention") if items else None


def _part_heading(part: int, count: int, title: str) -> Element:
    return text_block(
        f"Part {part} of {count}: {escape_markdown(title)}",
        weight="Bolder",
        color="Accent",
        spacing="Medium",
    )


def _navigation(action: str, data: Mapping[str, Any], part: int, count: int) -> list[Action]:
    """Back and Next (only to parts that exist); they send this part's answers as well."""
    found: list[Action] = []
    if part > 1:
        found.append(submit_action("Back", {"action": action, **data, "go": part - 1}))
    if part < count:
        found.append(submit_action("Next", {"action": action, **data, "go": part + 1}))
    return found


def _return_input(field_id: str, values: Mapping[str, Any]) -> Element:
    """The input of one question of the return."""
    info = FIELD_INFO[field_id]
    if field_id == "involved":
        involved = values.get("involved")
        return choice_set(
            "involved",
            info.label,
            [("Yes", "yes"), ("No", "no")],
            style="expanded",
            value=involved if involved in _YES_NO else None,
        )
    if info.kind == "toggle":
        return toggle_input(
            field_id,
            info.help or info.label,
            label=info.label,
            value=values.get(field_id) == "true",
        )
    return _text_field(info, values)


def _return_question(
    field_id: str, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Element]:
    """One question of the return to answer: heading if it has one, input, error, help."""
    info = FIELD_INFO[field_id]
    body: list[Element] = []
    if field_id in _SECTION_BEFORE:
        body.append(_subheading(_SECTION_BEFORE[field_id]))
    if field_id in _OWN_SECTION:
        body.append(_subheading(info.label))
        if info.help:
            body.append(_help(info.help))
    body.extend(_with_error(_return_input(field_id, values), field_id, errors))
    if info.kind in ("text", "multiline") and info.help and field_id not in _OWN_SECTION:
        body.append(_help(info.help))
    return body


def _answer_text(values: Mapping[str, Any], field_id: str) -> str:
    """An answer as read-only text ("" if none), cut like an input's value."""
    info = FIELD_INFO[field_id]
    if info.kind == "choice":
        return _YES_NO.get(str(values.get(field_id)), "")
    if info.kind == "toggle":
        return "Yes" if values.get(field_id) == "true" else "No"
    return _value(values, field_id, info.max_length) or ""


def _return_answers(ids: Sequence[str], values: Mapping[str, Any]) -> list[Element]:
    """Read-only: short answers in fact sets, long ones as literal text under their question."""
    body: list[Element] = []
    facts: list[tuple[str, str]] = []

    def flush() -> None:
        if facts:
            body.append(fact_set(facts, spacing="Small"))
            facts.clear()

    for field_id in ids:
        info = FIELD_INFO[field_id]
        answer = _answer_text(values, field_id)
        if field_id in _SECTION_BEFORE or field_id in _OWN_SECTION:
            flush()
            body.append(_subheading(_SECTION_BEFORE.get(field_id, info.label)))
        if info.kind != "multiline":
            facts.append((_FACT_TITLES.get(field_id, info.label), answer or "Not answered"))
            continue
        flush()
        if field_id not in _OWN_SECTION:
            body.append(text_block(escape_markdown(info.label), weight="Bolder", spacing="Medium"))
        if answer:
            body.append(user_text(answer, spacing="Small"))
        else:
            body.append(text_block("Not answered.", is_subtle=True, spacing="Small"))
    flush()
    return body


def _chronology(
    chronology_rows: Sequence[ChronologyRow], errors: Mapping[str, str], *, editable: bool
) -> list[Element]:
    """The chronology part's body: the latest rows and, to edit, how to add more."""
    body: list[Element] = [_subheading("Single Agency Chronology of Significant Events")]
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
    if editable:
        body.append(text_block(_CSV_NOTE, is_subtle=True, size="Small", spacing="Medium"))
        if any(key in ROW_FIELDS for key in errors):
            body.append(error_text("The chronology row was not added: open Add chronology row."))
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
    part: int = 1,
    returned: bool = False,
    editable: bool = True,
    period: tuple[date | None, date | None] = (None, None),
) -> Card:
    """To an agency's safeguarding lead in 1:1: one part of the Appendix D form (`RETURN_PARTS`).

    `period` is the period under review the agency is asked about (first and last day; shown
    when both are known).

    Every part has the same input ids as the whole form had. Each button sends
    ``{"action", "reference", "token", "part"}`` (the part it is on): "Save draft", "Back" and
    "Next" (`ACTION_RETURN_PART`, with ``"go"``: the part to show next; only to a part that
    exists) and "Submit return" (or "Update return" once ``returned``) on every part; the last
    part also has the "Add chronology row" sub-form. Only the part's own errors are shown under
    its fields; other parts with errors are named in the banner.

    When not ``editable`` (the papers have been circulated) the part shows the answers as text
    and has only Back and Next. ``part`` out of range shows the nearest part.
    """
    count = len(RETURN_PARTS)
    part = _part_number(part, count)
    title, ids = RETURN_PARTS[part - 1]
    last = part == count
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
    ]
    period_start, period_end = period
    if period_start is not None and period_end is not None:
        body.append(
            text_block(
                f"The period under review: {format_date(period_start)} to "
                f"{format_date(period_end)}. Say "
                "whether your agency had any involvement with the child and family in it.",
                spacing="Small",
            )
        )
    # Sections A and B as recorded, so the lead can search their agency's records (sent to
    # their own 1:1 chat, each view audited).
    body.append(action_set([identity_action(reference)]))
    if not editable:
        body.append(
            text_block(
                "The papers have been circulated, so this return can no longer be changed.",
                color="Warning",
                spacing="Small",
            )
        )
    elif returned:
        body.append(
            text_block(
                "Submitted — you can still change it until the papers are circulated.",
                color="Good",
                spacing="Small",
            )
        )
    if editable and part == 1:
        body.append(text_block(_GUIDANCE, is_subtle=True, spacing="Small"))
    if editable:
        summary = _errors_summary(errors, _part_of(RETURN_PARTS, ROW_FIELDS), part)
        if summary is not None:
            body.append(summary)
    body.append(_part_heading(part, count, title))
    not_involved = values.get("involved") == "no"
    if editable:
        if not_involved and part != 1:
            body.append(_help(_NOT_NEEDED))
        for field_id in ids:
            body.extend(_return_question(field_id, values, errors))
        if part == 1:
            body.append(
                text_block(
                    _ONLY_PART_ONE if not_involved else _REST_OF_FORM.format(count=count),
                    is_subtle=None if not_involved else True,
                    weight="Bolder" if not_involved else None,
                    spacing="Large",
                )
            )
    else:
        body.extend(_return_answers(ids, values))
    if last:
        body.extend(_chronology(chronology_rows, errors, editable=editable))
    data = {"reference": reference, "token": token, "part": part}
    actions: list[Action] = []
    if editable and last:
        row_errors = {key: value for key, value in errors.items() if key in ROW_FIELDS}
        actions.append(
            _show_card(
                "Add chronology row",
                _row_form(values, row_errors),
                [
                    submit_action(
                        "Add row", {"action": ACTION_RETURN_ADD_ROW, **data}, style="positive"
                    )
                ],
            )
        )
    actions.extend(_navigation(ACTION_RETURN_PART, data, part, count))
    if editable:
        actions.append(submit_action("Save draft", {"action": ACTION_RETURN_SAVE, **data}))
        actions.append(
            submit_action(
                "Update return" if returned else "Submit return",
                {"action": ACTION_RETURN_SUBMIT, **data},
                style="positive",
            )
        )
    return adaptive_card(
        body,
        actions,
        fallback_text=f"Rapid Review information request {reference}, part {part} of {count}.",
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
    conflicts: Sequence[str] = (),
) -> Card:
    """For a manager: propose the meeting's date, time, place and length (with any conflict
    of the plan's dates said first)."""
    body: list[Element] = [
        heading(f"Propose the Rapid Review meeting — {escape_markdown(reference)}"),
        *conflict_notices(conflicts),
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
        text_input(
            "late_reason",
            "If it is after its window or after the report is due: why (the report quotes it)",
            is_multiline=True,
            max_length=1000,
            value=_value(values, "late_reason", 1000),
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


_ACTION_FIELDS: tuple[str, ...] = tuple(
    f"{kind}_{n}" for n in range(1, ACTION_ROWS + 1) for kind in ("action", "owner", "due")
)
_FIRST_QUESTIONS = 3

CHAIR_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Attendees, overview and invited partners", ("attendees", "overview", "partner_discussion")),
    ("Questions 4.1–4.3", tuple(q.id for q in CHAIR_QUESTIONS[:_FIRST_QUESTIONS])),
    ("Questions 4.4–4.7", tuple(q.id for q in CHAIR_QUESTIONS[_FIRST_QUESTIONS:])),
    ("For the report", tuple(REPORT_NOTES)),
    ("Conclusion and actions", ("conclusion", "conclusion_reasons", *_ACTION_FIELDS)),
)
"""The parts of the chair's notes: (title, the input ids on that part), in order.

Every id of `review.report.CHAIR_FIELDS` is on exactly one part. No part has more than four
notes of up to 5,000 characters (`NOTES_MAX` and the 1,000 characters kept beyond it), so each
stays under Teams' 28 KB with every answer at that length and an error under every field.
"""

_QUESTIONS = {q.id: q for q in CHAIR_QUESTIONS}
_ACTION_MAX = 500
_OWNER_MAX = 100


_CHAIR_NOTES: dict[str, tuple[str, str, str | None]] = {
    "attendees": (
        "1.1 Attendees",
        "Who attended: name, role and agency, one a line (filled in with who was invited; "
        "remove anyone who did not come, add anyone else)",
        None,
    ),
    "overview": (
        "2. Overview of the case",
        "Brief summary of the case from the referral and the returned reports",
        None,
    ),
    "partner_discussion": (
        "3. Discussion with invited Partners",
        "Key questions and discussion points with the wider partners",
        "Leave empty if no wider partners were invited",
    ),
    **{
        field_id: (question, "Notes for the Rapid Review report", None)
        for field_id, (question, _) in REPORT_NOTES.items()
    },
}
"""Appendix F 1.1, 2.1 and 3.1, and what the report must also say (`REPORT_NOTES`): input id ->
(heading, label, placeholder)."""


def _chair_question(
    field_id: str, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Element]:
    """The attendees, the overview, the partners' discussion or one of questions 4.1-4.7,
    with its prompt and error."""
    if field_id in _CHAIR_NOTES:
        title, label, placeholder = _CHAIR_NOTES[field_id]
        element = text_input(
            field_id,
            label,
            is_multiline=True,
            max_length=NOTES_MAX,
            placeholder=placeholder,
            value=_value(values, field_id, NOTES_MAX),
        )
        return [_subheading(title), *_with_error(element, field_id, errors)]
    question = _QUESTIONS[field_id]
    return [
        text_block(f"**{question.number}** {escape_markdown(question.question)}", spacing="Medium"),
        _help(question.prompt),
        *_with_error(
            text_input(
                question.id,
                f"{question.number} notes & views",
                is_multiline=True,
                max_length=NOTES_MAX,
                value=_value(values, question.id, NOTES_MAX),
            ),
            question.id,
            errors,
        ),
    ]


def _chair_conclusion(
    values: Mapping[str, Any], errors: Mapping[str, str], own: Mapping[str, str]
) -> list[Element]:
    """Appendix F 5 and 6: the conclusion (one or more: a local and a national review
    together; the profile's own beside the shipped ones), its reasons and the actions."""
    conclusion = values.get("conclusion")
    known = {**CONCLUSIONS, **own}
    chosen = conclusion_ids(conclusion) if isinstance(conclusion, str) else ()
    body: list[Element] = [_subheading("5. Conclusion & Proposal to panel")]
    body.extend(
        _with_error(
            choice_set(
                "conclusion",
                "The conclusion of the panel is that… (choose all that apply)",
                [(label, value) for value, label in known.items()],
                style="expanded",
                is_multi_select=True,
                value=",".join(chosen) if chosen and all(c in known for c in chosen) else None,
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
        action = text_input(
            ids[0], f"Action {n}", max_length=_ACTION_MAX, value=_value(values, ids[0], _ACTION_MAX)
        )
        owner = text_input(
            ids[1], "Owner", max_length=_OWNER_MAX, value=_value(values, ids[1], _OWNER_MAX)
        )
        due = date_input(ids[2], "Due", value=parse_iso_date(values.get(ids[2])))
        body.append(
            column_set(
                [column([action], width=5), column([owner], width=3), column([due], width=3)],
                spacing="Small",
            )
        )
        body.extend(error_text(errors[key]) for key in ids if key in errors)
    return body


def chair_notes_card(
    *,
    reference: str,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    part: int = 1,
    conclusions: Mapping[str, str] | None = None,
) -> Card:
    """For the chair: one part of the notes (`CHAIR_PARTS`), same input ids as ever.

    Each button sends ``{"action", "reference", "part"}`` (the part it is on): "Save"
    (`ACTION_CHAIR_SAVE`), "Back" and "Next" (`ACTION_CHAIR_PART`, with ``"go"``: the part to
    show next; only to a part that exists) and, on the last part, "Save and record the
    conclusion" (`ACTION_CHAIR_CONCLUDE`). Only the part's own errors are shown under its
    fields; other parts with errors are named. ``part`` out of range shows the nearest part.
    """
    count = len(CHAIR_PARTS)
    part = _part_number(part, count)
    title, ids = CHAIR_PARTS[part - 1]
    body: list[Element] = [
        heading(f"Chair's notes — {escape_markdown(reference)}"),
        text_block("CONFIDENTIAL WHEN COMPLETED", weight="Bolder", color="Attention", size="Small"),
    ]
    summary = _errors_summary(errors, _part_of(CHAIR_PARTS), part)
    if summary is not None:
        body.append(summary)
    body.append(_part_heading(part, count, title))
    questions = [field_id for field_id in ids if field_id in _QUESTIONS]
    for field_id in ids:
        if questions and field_id == questions[0]:
            continued = "" if questions[0] == CHAIR_QUESTIONS[0].id else " (continued)"
            body.append(_subheading(f"4. Assessment of Need by Core Panel{continued}"))
        if field_id in _CHAIR_NOTES or field_id in _QUESTIONS:
            body.extend(_chair_question(field_id, values, errors))
    if "conclusion" in ids:
        body.extend(_chair_conclusion(values, errors, conclusions or {}))
    data = {"reference": reference, "part": part}
    actions = [
        *_navigation(ACTION_CHAIR_PART, data, part, count),
        submit_action("Save", {"action": ACTION_CHAIR_SAVE, **data}),
    ]
    if part == count:
        actions.append(
            submit_action(
                "Save and record the conclusion",
                {"action": ACTION_CHAIR_CONCLUDE, **data},
                style="positive",
            )
        )
    return adaptive_card(
        body, actions, fallback_text=f"Chair's notes for {reference}, part {part} of {count}."
    )


def report_ready_card(
    *,
    reference: str,
    sent_recorded: date | None,
    sign_offs: Sequence[tuple[str, str, str]] = (),
    waiting: Sequence[str] = (),
    can_sign: bool = False,
    notice: str = "",
) -> Card:
    """To managers, the chair and those who sign it off, in 1:1: the report is ready; its
    sign-offs ((role, name, London time)) and who it waits for; sign it off; record the date
    it was sent."""
    body: list[Element] = [
        heading("The Rapid Review report is ready"),
        rich_text([text_run("Case "), text_run(reference, weight="Bolder")]),
    ]
    if notice:
        body.append(text_block(escape_markdown(notice), color="Attention"))
    if sign_offs:
        body.append(text_block("Signed off", weight="Bolder"))
        body.append(fact_set((role, f"{name}, {at}") for role, name, at in sign_offs))
    if waiting:
        body.append(
            text_block(escape_markdown("Waiting for sign-off by: " + "; ".join(waiting) + "."))
        )
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
    actions: list[Action] = []
    if can_sign and sent_recorded is None:
        actions.append(
            execute_action(
                "Sign off the report",
                ACTION_REPORT_SIGN_OFF,
                {"reference": reference},
                style="positive",
            )
        )
    actions.append(sub_form)
    return adaptive_card(
        body, actions, fallback_text=f"The Rapid Review report for {reference} is ready."
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
