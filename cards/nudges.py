"""Deadline cards: the reminders in a case's thread, the daily digest, a case's timeline, the
list of open cases, and the sentence confirming that a milestone is done.

Where each card goes decides what it may hold:

* `nudge_card` and `digest_card` are posted in the partnership's channel. Their view models
  hold only references, milestone titles, dates, working-day counts, roles, agency names, the
  caller's own status words and the people to @mention: no field could carry a child's details
  or anything a person typed, and the cards add nothing but fixed wording.
* `case_timeline_card` (1:1 ``case REF``, or the reply to "Open case") and `cases_card` (1:1
  ``cases``) are seen by one person, but hold the same kinds of facts.

Every row keeps the caller's order: the caller sorts (most urgent first for the digest and the
case list, profile order for a timeline). Colours always come with words (Red, Amber, Green,
Overdue, ...), never alone.

Buttons are ``Action.Execute`` with a verb the bot routes on and ``data`` naming the case
(and the milestone); they send no inputs (``associatedInputs: none``). The server decides who
may use them: snoozing is for managers only, whatever the card shows.

Titles, labels and names are escaped (`escape_markdown`) or put in TextRuns, so a profile's
wording can never turn into markdown; an @mention's ``<at>…</at>`` text is the same string in
the TextBlock and in its entity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cards.base import (
    Action,
    Card,
    Element,
    TextColor,
    action_set,
    adaptive_card,
    column,
    column_set,
    container,
    date_input,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    mentions,
    rich_text,
    text_block,
    text_input,
    text_run,
    user_text,
)
from review.referral import format_date, parse_iso_date
from review.timeline import NUDGE_STAGES

__all__ = [
    "CARD_BYTE_BUDGET",
    "CASES_MAX_ROWS",
    "DIGEST_MAX_ROWS",
    "NUDGE_STAGES",
    "RAGS",
    "TIMELINE_STATES",
    "VERB_CASE_OPEN",
    "VERB_MILESTONE_DONE",
    "VERB_MILESTONE_RECORD",
    "VERB_MILESTONE_RECORD_OPEN",
    "VERB_MILESTONE_SNOOZE",
    "WAITING_FOR_WORDS",
    "CaseListRow",
    "DigestRow",
    "NudgeView",
    "TimelineRow",
    "case_timeline_card",
    "conflict_notices",
    "record_by_hand_card",
    "cases_card",
    "demo_case_list_rows",
    "demo_digest_rows",
    "demo_nudge_view",
    "demo_timeline_rows",
    "digest_card",
    "done_result_text",
    "nudge_card",
    "waiting_for_words",
]

VERB_MILESTONE_DONE = "milestone.done"
VERB_MILESTONE_SNOOZE = "milestone.snooze"
VERB_MILESTONE_RECORD_OPEN = "milestone.record_open"
VERB_MILESTONE_RECORD = "milestone.record"
VERB_CASE_OPEN = "case.open"

RAGS: tuple[str, ...] = ("green", "amber", "red", "none")
"""Every `DigestRow.rag` / `CaseListRow.rag`: see `review.reminders.rag`."""
TIMELINE_STATES: tuple[str, ...] = ("done", "open", "overdue", "waiting")
"""Every `TimelineRow.state`."""

DIGEST_MAX_ROWS = 40
"""The most cases a digest shows; the rest are counted."""
CASES_MAX_ROWS = 25
"""The most cases the ``cases`` list shows (each row has a button, so it is larger)."""
CARD_BYTE_BUDGET = 26 * 1024
"""Longest card JSON these cards allow themselves (Teams refuses messages over 28 KB)."""

WAITING_FOR_WORDS: dict[str, str] = {
    "referral_received": "the referral",
    "virtual_panel_arranged": "the virtual panel being arranged",
    "panel_decision": "the panel decision",
    "decision_notice_sent": "the referrer being told the decision",
    "national_panel_notified": "the National Panel being notified",
    "group_meeting": "the group's meeting date",
    "learning_method_chosen": "the group's choice",
    "learning_review_due": "the learning review's due date",
    "learning_summary_recorded": "the learning summary",
    "mediation_booked": "the mediation being booked",
    "determination_recorded": "the final determination",
    "information_request_sent": "the information request",
    "rapid_review_meeting": "the Rapid Review meeting",
    "rapid_review_report_sent": "the report being sent",
    "local_review_decided": "a local review decision",
    "publication": "publication",
    "complaint_received": "a complaint",
}
"""The anchor events of `review.profiles.ANCHOR_EVENTS` in words, after "waiting for"."""

_STAGE_COLORS: dict[str, TextColor] = {
    "heads_up": "Accent",
    "due_today": "Warning",
    "overdue": "Attention",
    "escalation": "Attention",
}
_RAG_MARKERS: dict[str, tuple[str, TextColor | None]] = {
    "red": ("Red", "Attention"),
    "amber": ("Amber", "Warning"),
    "green": ("Green", "Good"),
    "none": ("No date", None),
}
_STATE_MARKERS: dict[str, tuple[str, TextColor | None]] = {
    "done": ("Done", "Good"),
    "open": ("Open", "Accent"),
    "overdue": ("Overdue", "Attention"),
    "waiting": ("Waiting", None),
}
_RAG_LEGEND = (
    "Red: overdue. Amber: due within 2 working days. Green: more than 2 working days away. "
    "WD: working days."
)
_PLANNED_NOTE = (
    "Planned: counted from another milestone's due date until its event is recorded, so it "
    "may move."
)


# --- view models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeView:
    """One reminder about one milestone of one case, at one stage (see `NUDGE_STAGES`)."""

    reference: str
    milestone_id: str
    milestone_title: str
    stage: str
    due: date
    window_earliest: date | None
    working_days_late: int
    late_delivery_note: str | None
    responsible_label: str
    mentions: tuple[tuple[str, str], ...]
    can_snooze: bool = True
    # The heads-up's lead time; profiles may set it per milestone.
    working_days_left: int = 2


@dataclass(frozen=True)
class DigestRow:
    """One open case in the daily digest: its next milestone, RAG and working days to go."""

    reference: str
    next_title: str | None
    next_due: date | None
    rag: str
    working_days: int | None
    status_label: str


@dataclass(frozen=True)
class TimelineRow:
    """One milestone on a case's timeline, dated, waiting for an event, or done."""

    milestone_id: str
    title: str
    due: date | None
    earliest: date | None
    waiting_for: str | None
    state: str
    done_on: date | None
    responsible_label: str
    provisional: bool
    # Done in the bot itself when it happens (Record by hand instead of Mark done), and the
    # reason a manager gave when it was recorded by hand.
    by_action: bool = False
    done_note: str | None = None
    note_label: str = "Recorded by hand: "
    """What `done_note` is: a manager's reason for recording it by hand, by default."""


@dataclass(frozen=True)
class CaseListRow:
    """One open case in the ``cases`` list."""

    reference: str
    status_label: str
    next_title: str | None
    next_due: date | None
    rag: str


# --- small pieces ---------------------------------------------------------------------------


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    """``1 working day``, ``3 working days``."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _mentions(people: Sequence[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    """Each person once as an ``<at>`` mention (unnamed: "Colleague")."""
    return mentions(people, unnamed="Colleague")


def _case_data(reference: str, milestone_id: str | None = None) -> dict[str, str]:
    """A button's data: the case, and the milestone when there is one."""
    data = {"reference": reference}
    if milestone_id is not None:
        data["milestone"] = milestone_id
    return data


def _mark_done(reference: str, milestone_id: str, tooltip: str | None = None) -> Action:
    """The "Mark done" button for one milestone."""
    return execute_action(
        "Mark done",
        VERB_MILESTONE_DONE,
        _case_data(reference, milestone_id),
        style="positive",
        associated_inputs="none",
        tooltip=tooltip,
    )


def _open_case(reference: str, title: str = "Open case", tooltip: str | None = None) -> Action:
    """A button showing the case's timeline."""
    return execute_action(
        title, VERB_CASE_OPEN, _case_data(reference), associated_inputs="none", tooltip=tooltip
    )


def _check_rag(rag: str) -> None:
    """ValueError for a RAG the cards do not know."""
    if rag not in _RAG_MARKERS:
        raise ValueError(f"unknown rag {rag!r}; expected one of {RAGS}")


def _rag_run(rag: str) -> Element:
    """The RAG word, coloured and bold: the word carries the meaning, the colour helps."""
    word, color = _RAG_MARKERS[rag]
    return text_run(word, weight="Bolder", color=color, is_subtle=None if color else True)


def _next_text(title: str | None, due: date | None) -> str:
    """The next milestone and its date, or that there is none with a date."""
    if title is None:
        return "no dated milestone"
    if due is None:
        return f"{title} — not dated yet"
    return f"{title} — due {format_date(due)}"


def _days_text(working_days: int | None) -> str | None:
    """Working days to go in the digest's short form: "overdue by 2 WD", "due today"."""
    if working_days is None:
        return None
    if working_days < 0:
        return f"overdue by {-working_days} WD"
    if working_days == 0:
        return "due today"
    return f"{working_days} WD left"


def _size(card: Card) -> int:
    """The card's size as Teams' limit counts it (ASCII-escaped JSON, the longest form)."""
    return len(json.dumps(card).encode("utf-8"))


def _capped(build: Callable[[int], Card], count: int, most: int) -> Card:
    """``build(shown)`` with as many rows as fit `CARD_BYTE_BUDGET`, at most ``most``."""
    shown = min(count, most)
    card = build(shown)
    while shown > 0 and _size(card) > CARD_BYTE_BUDGET:
        shown -= 1
        card = build(shown)
    return card


def waiting_for_words(event: str | None) -> str:
    """An anchor event in words after "Waiting for", e.g. "the panel decision"."""
    if event is None:
        return "an earlier step"
    return WAITING_FOR_WORDS.get(event, "an earlier step")


# --- the reminder in a case's thread --------------------------------------------------------


def _headline(view: NudgeView, title: str) -> str:
    """The stage in words with ``title`` (the milestone's, escaped or not) and its date."""
    due = format_date(view.due)
    if view.stage == "heads_up":
        left = _plural(view.working_days_left, "working day")
        return f"Due in {left}: {title} — by {due}"
    if view.stage == "due_today":
        return f"Due today: {title}"
    late = _plural(view.working_days_late, "working day")
    if view.stage == "overdue":
        return f"Overdue by {late}: {title} — it was due {due}"
    return f"Escalated to the partnership managers: {title} is {late} overdue"


def _check_nudge(view: NudgeView) -> None:
    """ValueError for a stage or a count the nudge card cannot say."""
    if view.stage not in NUDGE_STAGES:
        raise ValueError(f"unknown nudge stage {view.stage!r}; expected one of {NUDGE_STAGES}")
    if view.stage in ("overdue", "escalation") and view.working_days_late < 1:
        raise ValueError(f"a {view.stage} nudge needs working_days_late >= 1")
    if view.stage == "heads_up" and view.working_days_left < 1:
        raise ValueError("a heads_up nudge needs working_days_left >= 1")


def nudge_card(view: NudgeView) -> Card:
    """A reminder in the case's thread: the stage, milestone, dates, who to act, the buttons."""
    _check_nudge(view)
    mentions = _mentions(view.mentions)
    body: list[Element] = [
        text_block(
            _headline(view, escape_markdown(view.milestone_title)),
            style="heading",
            size="Medium",
            weight="Bolder",
            color=_STAGE_COLORS[view.stage],
        )
    ]
    if view.late_delivery_note:
        body.append(
            text_block(
                escape_markdown(view.late_delivery_note),
                is_subtle=True,
                size="Small",
                spacing="Small",
            )
        )
    facts = [("Case", view.reference)]
    if view.window_earliest is not None:
        window = f"between {format_date(view.window_earliest)} and {format_date(view.due)}"
        facts.append(("Window", window))
    else:
        facts.append(("Due", format_date(view.due)))
    facts.append(("Responsible", view.responsible_label))
    body.append(fact_set(facts))
    if mentions:
        prefix = "Partnership managers: " if view.stage == "escalation" else "Reminder for "
        body.append(text_block(prefix + ", ".join(at for at, _ in mentions), spacing="Medium"))
    footer = "Mark it done once it has happened: its reminders then stop."
    if view.can_snooze:
        footer += " Only partnership managers can snooze a reminder."
    body.append(text_block(footer, is_subtle=True, size="Small", spacing="Medium"))
    actions = [_mark_done(view.reference, view.milestone_id)]
    if view.can_snooze:
        actions.append(
            execute_action(
                "Snooze 1 working day",
                VERB_MILESTONE_SNOOZE,
                _case_data(view.reference, view.milestone_id),
                associated_inputs="none",
            )
        )
    actions.append(_open_case(view.reference))
    card = adaptive_card(
        body,
        actions,
        fallback_text=f"{view.reference}: {_headline(view, view.milestone_title)}.",
    )
    if mentions:
        card["msteams"] = {"entities": [entity for _, entity in mentions]}
    return card


# --- the daily digest in the channel --------------------------------------------------------


def _counts_text(rows: Sequence[DigestRow]) -> str:
    """The counts line, e.g. "3 open cases: 1 red, 1 amber, 1 green" (and any undated)."""
    by_rag = {rag: sum(1 for row in rows if row.rag == rag) for rag in RAGS}
    text = (
        f"{_plural(len(rows), 'open case')}: {by_rag['red']} red, {by_rag['amber']} amber, "
        f"{by_rag['green']} green"
    )
    if by_rag["none"]:
        text += f", {by_rag['none']} with no dated milestone"
    return text


def _reminder_problems(
    failed: int, uncertain: int, resent: int = 0, undeliverable: int = 0
) -> str | None:
    """What went wrong with the reminders, for a manager to check; None if nothing did."""
    parts: list[str] = []
    if failed > 0:
        parts.append(f"{_plural(failed, 'reminder')} could not be delivered")
    if uncertain > 0:
        counted = str(uncertain) if parts else _plural(uncertain, "reminder")
        parts.append(f"{counted} may or may not have been posted")
    if resent > 0:
        counted = str(resent) if parts else _plural(resent, "message")
        parts.append(f"{counted} sent again after an interruption may be repeats")
    if undeliverable > 0:
        counted = str(undeliverable) if parts else _plural(undeliverable, "message")
        parts.append(
            f"{counted} could not reach their person in Teams (the managers were sent copies "
            "for secure email)"
        )
    if not parts:
        return None
    return "; ".join(parts) + " — a manager should check the channel."


def _digest_row(row: DigestRow) -> Element:
    """One case: RAG word, reference and status; then its next milestone and days to go."""
    second = [text_run(_next_text(row.next_title, row.next_due))]
    days = _days_text(row.working_days)
    if days is not None:
        second.append(text_run(f" ({days})", weight="Bolder" if row.rag == "red" else None))
    return container(
        [
            rich_text(
                [
                    _rag_run(row.rag),
                    text_run(" · "),
                    text_run(row.reference, weight="Bolder"),
                    text_run(f" · {row.status_label}", is_subtle=True),
                ]
            ),
            rich_text(second, spacing="None"),
        ],
        spacing="Small",
        separator=True,
    )


def digest_card(
    *,
    partnership_name: str,
    day: date,
    rows: Sequence[DigestRow],
    failed_reminders: int,
    uncertain_reminders: int,
    resent_messages: int = 0,
    undeliverable_messages: int = 0,
) -> Card:
    """The 09:00 digest in the channel: counts, reminder problems, a line per open case.

    The card keeps the caller's order, so the caller sorts (most urgent first). At most
    `DIGEST_MAX_ROWS` rows are shown, fewer if they would not fit `CARD_BYTE_BUDGET`; the
    counts at the top cover every row given.
    """
    for row in rows:
        _check_rag(row.rag)
    title = f"Rapid review digest — {format_date(day)}"
    problems = _reminder_problems(
        failed_reminders, uncertain_reminders, resent_messages, undeliverable_messages
    )

    def build(shown: int) -> Card:
        body: list[Element] = [
            heading(title),
            rich_text([text_run(partnership_name, is_subtle=True)], spacing="None"),
        ]
        if problems is not None:
            body.append(
                container(
                    [
                        text_block("Reminders to check", weight="Bolder", color="Warning"),
                        text_block(problems, spacing="Small"),
                    ],
                    style="warning",
                )
            )
        if not rows:
            body.append(text_block("No open cases.", weight="Bolder"))
            return adaptive_card(body, fallback_text=f"{title}: no open cases.")
        counts = _counts_text(rows)
        body.append(text_block(counts, weight="Bolder"))
        body.extend(_digest_row(row) for row in rows[:shown])
        if shown < len(rows):
            body.append(
                text_block(
                    f"and {len(rows) - shown} more — type `cases` in a 1:1 chat with me",
                    spacing="Medium",
                )
            )
        body.append(text_block(_RAG_LEGEND, is_subtle=True, size="Small", spacing="Medium"))
        return adaptive_card(body, fallback_text=f"{title}: {counts}.")

    return _capped(build, len(rows), DIGEST_MAX_ROWS)


# --- a case's timeline ----------------------------------------------------------------------


def _when_text(row: TimelineRow) -> str:
    """When the milestone is due, was done, or what it waits for."""
    if row.state == "done":
        done = f"Done {format_date(row.done_on)}" if row.done_on is not None else "Done"
        return done + (f" · was due {format_date(row.due)}" if row.due is not None else "")
    if row.due is None:
        return f"Waiting for {waiting_for_words(row.waiting_for)}"
    if row.earliest is not None:
        return f"Between {format_date(row.earliest)} and {format_date(row.due)}"
    return f"Due {format_date(row.due)}"


def _timeline_row(reference: str, row: TimelineRow, can_mark_done: bool) -> Element:
    """One milestone: title, when, planned marker, who; its state in words; Mark done."""
    word, color = _STATE_MARKERS[row.state]
    when = [text_run(_when_text(row))]
    if row.provisional and row.state != "done":
        when.append(text_run(" · planned", italic=True, is_subtle=True))
    when.append(text_run(f" · {row.responsible_label}", is_subtle=True))
    items: list[Element] = [
        column_set(
            [
                column(
                    [
                        rich_text([text_run(row.title, weight="Bolder")]),
                        rich_text(when, spacing="None"),
                    ],
                    width="stretch",
                ),
                column(
                    [
                        rich_text(
                            [
                                text_run(
                                    word,
                                    weight="Bolder",
                                    color=color,
                                    is_subtle=None if color else True,
                                )
                            ]
                        )
                    ],
                    width="auto",
                ),
            ]
        )
    ]
    if row.done_note:
        items.append(
            rich_text(
                [
                    text_run(row.note_label, weight="Bolder", is_subtle=True),
                    text_run(row.done_note, is_subtle=True),
                ],
                spacing="None",
            )
        )
    if can_mark_done and row.state in ("open", "overdue", "waiting"):
        if row.by_action:
            action = execute_action(
                "Record by hand",
                VERB_MILESTONE_RECORD_OPEN,
                {"reference": reference, "milestone": row.milestone_id},
                associated_inputs="none",
                tooltip=f"Record by hand: {row.title} (managers)",
            )
            items.append(action_set([action], spacing="Small"))
        elif row.state != "waiting":
            action = _mark_done(reference, row.milestone_id, tooltip=f"Mark done: {row.title}")
            items.append(action_set([action], spacing="Small"))
    return container(items, separator=True, spacing="Medium")


def record_by_hand_card(
    *,
    reference: str,
    milestone_id: str,
    title: str,
    today: date,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Card:
    """A manager records by hand a milestone the bot completes when it is done in the bot:
    the date it was done (`Input.Date`) and why it is recorded this way."""
    values = values or {}
    body: list[Element] = [
        heading(f"{escape_markdown(reference)}: record “{escape_markdown(title)}” by hand"),
        text_block(
            "This is marked done by the bot when it is done in the bot. Record it here only "
            "when it was done another way: the date and your reason are audited and shown on "
            "the case."
        ),
        date_input(
            "on",
            "The date it was done",
            is_required=True,
            error_message="Choose the date it was done.",
            value=parse_iso_date(values.get("on")),
            max_date=today,
        ),
        text_input(
            "reason",
            "Why it is recorded by hand",
            is_required=True,
            error_message="Say why it is recorded by hand.",
            is_multiline=True,
            max_length=1000,
            value=values.get("reason") or None,
        ),
    ]
    if error:
        body.append(text_block(escape_markdown(error), color="Attention", weight="Bolder"))
    return adaptive_card(
        body,
        [
            execute_action(
                "Record",
                VERB_MILESTONE_RECORD,
                {"reference": reference, "milestone": milestone_id},
                style="positive",
            )
        ],
        fallback_text=f"{reference}: record {title} by hand.",
    )


def conflict_notices(conflicts: Sequence[str]) -> list[Element]:
    """The plan's contradictions said aloud, with their dates (none: nothing)."""
    if not conflicts:
        return []
    return [
        container(
            [
                text_block("The plan's dates conflict", weight="Bolder", color="Attention"),
                *(text_block(escape_markdown(c), spacing="Small") for c in conflicts),
            ],
            style="attention",
            spacing="Medium",
        )
    ]


def case_timeline_card(
    *,
    reference: str,
    status_label: str,
    received: date,
    pathway_label: str,
    rows: Sequence[TimelineRow],
    can_mark_done: bool,
    conflicts: Sequence[str] = (),
    not_known_yet: Sequence[str] = (),
    not_delivered: Sequence[str] = (),
) -> Card:
    """A case's milestones in the caller's order, each with its date and state in words;
    `not_known_yet`: the titles of the referral's questions sent "not known yet";
    `not_delivered`: a line for each person a message of the case could not reach in Teams."""
    for row in rows:
        if row.state not in _STATE_MARKERS:
            raise ValueError(f"unknown timeline state {row.state!r}; expected {TIMELINE_STATES}")
    body: list[Element] = [
        heading(f"Timeline — {escape_markdown(reference)}"),
        fact_set(
            [
                ("Reference", reference),
                ("Status", status_label),
                ("Pathway", pathway_label),
                ("Received", format_date(received)),
            ]
        ),
    ]
    if not_known_yet:
        body.append(
            text_block(
                "Not known yet on the referral: "
                + escape_markdown(", ".join(not_known_yet))
                + f". The referrer or a manager adds them with **add information "
                f"{escape_markdown(reference)}**.",
                is_subtle=True,
                wrap=True,
            )
        )
    body.extend(conflict_notices(conflicts))
    if not_delivered:
        body.append(
            container(
                [
                    text_block("Not delivered in Teams", weight="Bolder", color="Warning"),
                    *(user_text(line, spacing="Small") for line in not_delivered),
                    text_block(
                        "The managers were sent a copy to send by secure email; it goes out in "
                        "Teams when the person messages me.",
                        is_subtle=True,
                        size="Small",
                        spacing="Small",
                    ),
                ],
                style="warning",
                spacing="Medium",
            )
        )
    if not rows:
        body.append(text_block("No milestones on this case's timeline.", spacing="Medium"))
    body.extend(_timeline_row(reference, row, can_mark_done) for row in rows)
    if any(row.provisional and row.state != "done" for row in rows):
        body.append(text_block(_PLANNED_NOTE, is_subtle=True, size="Small", spacing="Medium"))
    return adaptive_card(body, fallback_text=f"Timeline of {reference}: {status_label}.")


# --- the open cases, in 1:1 -----------------------------------------------------------------


def _case_list_row(row: CaseListRow) -> Element:
    """One case: reference and status; RAG word and next milestone; the Open button."""
    lines = column(
        [
            rich_text(
                [
                    text_run(row.reference, weight="Bolder"),
                    text_run(f" · {row.status_label}", is_subtle=True),
                ]
            ),
            rich_text(
                [_rag_run(row.rag), text_run(f" · {_next_text(row.next_title, row.next_due)}")],
                spacing="None",
            ),
        ],
        width="stretch",
    )
    button = _open_case(row.reference, "Open", f"Open {row.reference}")
    # A separated ColumnSet rather than a Container around it: every byte counts in a list.
    return {
        **column_set([lines, column([action_set([button])], width="auto")], spacing="Small"),
        "separator": True,
    }


def cases_card(*, rows: Sequence[CaseListRow]) -> Card:
    """The open cases with their next deadlines, each with an Open button (caller's order).

    At most `CASES_MAX_ROWS` rows are shown, fewer if they would not fit `CARD_BYTE_BUDGET`.
    """
    for row in rows:
        _check_rag(row.rag)

    def build(shown: int) -> Card:
        body: list[Element] = [heading("Open cases")]
        if not rows:
            body.append(text_block("No open cases."))
            return adaptive_card(body, fallback_text="No open cases.")
        body.append(text_block(_plural(len(rows), "open case"), weight="Bolder"))
        body.extend(_case_list_row(row) for row in rows[:shown])
        if shown < len(rows):
            body.append(
                text_block(
                    f"and {len(rows) - shown} more — type `case` and a reference to open one",
                    spacing="Medium",
                )
            )
        body.append(text_block(_RAG_LEGEND, is_subtle=True, size="Small", spacing="Medium"))
        return adaptive_card(body, fallback_text=f"{_plural(len(rows), 'open case')}.")

    return _capped(build, len(rows), CASES_MAX_ROWS)


def done_result_text(*, reference: str, milestone_title: str, done_on: date) -> str:
    """The markdown-safe sentence after "Mark done": what was marked, when, reminders stopped."""
    return (
        f"Marked done: {escape_markdown(milestone_title)} for {escape_markdown(reference)} "
        f"on {format_date(done_on)}. Its reminders have stopped."
    )


# --- fictional demo data (gallery and tests) ------------------------------------------------

_DEMO_REFERENCE = "NSCP-2026-0001"
_DEMO_JO = ("29:demo-jo", "Jo Sample")
_DEMO_SAM = ("29:demo-sam", "Sam Manager")
_DEMO_ALEX = ("29:demo-alex", "Alex Demo")


def demo_nudge_view(stage: str = "heads_up") -> NudgeView:
    """A fictional reminder at ``stage`` (any of `NUDGE_STAGES`)."""
    if stage == "heads_up":
        return NudgeView(
            reference=_DEMO_REFERENCE,
            milestone_id="rapid_review_meeting",
            milestone_title="Hold the Rapid Review Panel meeting",
            stage="heads_up",
            due=date(2026, 12, 9),
            window_earliest=date(2026, 12, 1),
            working_days_late=0,
            late_delivery_note=None,
            responsible_label="Partnership manager",
            mentions=(_DEMO_JO,),
        )
    if stage == "due_today":
        return NudgeView(
            reference=_DEMO_REFERENCE,
            milestone_id="national_panel_notification",
            milestone_title="Notify the National Panel of the serious incident",
            stage="due_today",
            due=date(2026, 11, 25),
            window_earliest=None,
            working_days_late=0,
            late_delivery_note=None,
            responsible_label="Local Authority",
            mentions=(_DEMO_ALEX,),
            can_snooze=False,
        )
    if stage == "overdue":
        return NudgeView(
            reference=_DEMO_REFERENCE,
            milestone_id="national_panel_notification",
            milestone_title="Notify the National Panel of the serious incident",
            stage="overdue",
            due=date(2026, 11, 25),
            window_earliest=None,
            working_days_late=3,
            late_delivery_note="Sent late: the reminder service was unavailable on Fri 27 Nov "
            "2026.",
            responsible_label="Local Authority",
            mentions=(_DEMO_ALEX,),
        )
    if stage == "escalation":
        return NudgeView(
            reference=_DEMO_REFERENCE,
            milestone_id="agency_returns",
            milestone_title="Agencies return the completed information request",
            stage="escalation",
            due=date(2026, 12, 4),
            window_earliest=None,
            working_days_late=2,
            late_delivery_note=None,
            responsible_label="Agency leads",
            mentions=(_DEMO_JO, _DEMO_SAM),
        )
    raise ValueError(f"unknown nudge stage {stage!r}; expected one of {NUDGE_STAGES}")


def demo_digest_rows() -> tuple[DigestRow, ...]:
    """Fictional open cases for the digest of Mon 30 Nov 2026, most urgent first."""
    return (
        DigestRow(
            _DEMO_REFERENCE,
            "Notify the National Panel of the serious incident",
            date(2026, 11, 25),
            "red",
            -3,
            "Rapid review",
        ),
        DigestRow(
            "NSCP-2026-0002",
            "Send the information request (Appendix D) to agency safeguarding leads",
            date(2026, 12, 2),
            "amber",
            2,
            "Rapid review",
        ),
        DigestRow(
            "NSCP-2026-0003",
            "Send the Rapid Review report to the National Panel",
            date(2026, 12, 14),
            "green",
            10,
            "Rapid review",
        ),
        DigestRow("NSCP-2026-0004", None, None, "none", None, "Waiting for the virtual panel"),
    )


def demo_timeline_rows() -> tuple[TimelineRow, ...]:
    """A fictional case's timeline with a row in every state, one window and planned dates."""
    return (
        TimelineRow(
            "national_panel_notification",
            "Notify the National Panel of the serious incident",
            date(2026, 11, 25),
            None,
            None,
            "done",
            date(2026, 11, 24),
            "Local Authority",
            False,
        ),
        TimelineRow(
            "information_request",
            "Send the information request (Appendix D) to agency safeguarding leads",
            date(2026, 11, 24),
            None,
            None,
            "overdue",
            None,
            "Partnership manager",
            False,
        ),
        TimelineRow(
            "agency_returns",
            "Agencies return the completed information request",
            date(2026, 12, 4),
            None,
            None,
            "open",
            None,
            "Agency leads",
            True,
        ),
        TimelineRow(
            "rapid_review_meeting",
            "Hold the Rapid Review Panel meeting",
            date(2026, 12, 9),
            date(2026, 12, 1),
            None,
            "open",
            None,
            "Partnership manager",
            False,
        ),
        TimelineRow(
            "rapid_review_report",
            "Send the Rapid Review report to the National Panel",
            date(2026, 12, 9),
            None,
            None,
            "open",
            None,
            "Chair",
            False,
        ),
        TimelineRow(
            "desktop_review_6m",
            "Desk-top review of the Rapid Review decision (6 months)",
            None,
            None,
            "rapid_review_report_sent",
            "waiting",
            None,
            "Partnership manager",
            False,
        ),
    )


def demo_case_list_rows() -> tuple[CaseListRow, ...]:
    """Fictional open cases for the ``cases`` list, most urgent first."""
    return tuple(
        CaseListRow(row.reference, row.status_label, row.next_title, row.next_due, row.rag)
        for row in demo_digest_rows()
    )
