"""Virtual panel cards: the live panel in the channel, the voting view, refusals, the off-line
decision form, the referrer's notice and questions and the thread notices (the roster's
cards are cards/roster.py).

Where each card goes decides what it may hold:

* Channel and thread cards (`panel_card`, `queries_answer_card`, `disagreement_notice`) carry
  the reference, agency, pathway, dates, who has voted and when, and the outcomes only when
  the caller passes them. Never a rationale, a question, an answer or any child detail: the
  view models have no field that could hold one.
* The voting view, refusals and the off-line form are invoke responses, seen by one person.
* `decision_notice_card` and `queries_card` go to the referrer in 1:1.

Buttons are ``Action.Execute`` with a verb (the bot routes on it) and ``data`` holding the
reference, except the referrer's "Send answer", an ``Action.Submit`` for the 1:1 chat. Buttons
that only navigate send no inputs (``associatedInputs: none``), so Teams does not insist on
the required answers first.

Names and anything a person typed go in TextRuns (`user_text`, `text_run`) or escaped; an
@mention's ``<at>…</at>`` text is escaped the same way in the TextBlock and in its entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from cards.base import (
    Action,
    Card,
    Element,
    adaptive_card,
    choice_set,
    column,
    column_set,
    container,
    error_text,
    escape_markdown,
    execute_action,
    fact_set,
    heading,
    mentions,
    rich_text,
    submit_action,
    text_block,
    text_input,
    text_run,
    user_text,
)
from cards.nudges import conflict_notices
from cards.welcome import ACTION_REFERRAL_MINE
from review.calendar import LONDON
from review.panel import MAX_TEXT, OUTCOMES, PARTNER_LABELS, PARTNERS, OutcomeInfo, Vote
from review.referral import KEPT_BEYOND_LIMIT, format_date

__all__ = [
    "ACTION_QUERIES_ANSWER",
    "DECIDED_HOW_MAX",
    "MAX_REFRESH_USERS",
    "PANEL_STATUSES",
    "VERB_CASE_VIEW",
    "VERB_OFFLINE_OPEN",
    "VERB_OFFLINE_RECORD",
    "VERB_REFRESH",
    "VERB_VOTE",
    "VERB_VOTE_OPEN",
    "PanelView",
    "PartnerRow",
    "VoteFields",
    "VoteValues",
    "VotingView",
    "decision_notice_card",
    "demo_panel_view",
    "demo_voting_view",
    "disagreement_notice",
    "offline_decision_card",
    "panel_card",
    "partner_rows",
    "queries_answer_card",
    "queries_card",
    "vote_refused_card",
    "vote_time_text",
    "vote_values",
    "voting_card",
]

VERB_VOTE_OPEN = "panel.vote_open"
VERB_VOTE = "panel.vote"
VERB_REFRESH = "panel.refresh"
VERB_OFFLINE_OPEN = "panel.offline_open"
VERB_OFFLINE_RECORD = "panel.offline_record"
VERB_CASE_VIEW = "case.view"
VERB_PANEL_OPEN = "panel.open"
VERB_NOTICE_OPEN = "notice.open"
ACTION_QUERIES_ANSWER = "queries.answer"

# What a viewer may press on the channel's cards (a user-specific view), by name.
CAN_VOTE, CAN_VIEW, CAN_RECORD_OFFLINE, CAN_OPEN_PANEL = "vote", "view", "offline", "open_panel"
VIEWER_ACTIONS = frozenset({CAN_VOTE, CAN_VIEW, CAN_RECORD_OFFLINE, CAN_OPEN_PANEL})
SHOW_MY_OPTIONS = "Show my options"
"""The one button of a channel card as everyone sees it: it answers with the card as the
person who presses it may use it (Teams shows that view by itself to up to 60 people)."""

MAX_REFRESH_USERS = 60
"""Teams refreshes a card automatically for at most 60 users."""

PANEL_STATUSES: tuple[str, ...] = ("awaiting", "agreed", "queries", "disagreement", "closed")
"""Every `PanelView.status`: the rules' four, and ``closed`` for a panel no longer running."""

_OPEN = frozenset({"awaiting", "disagreement"})
"""Statuses in which partners vote: the Vote button and the automatic refresh are shown."""
_UNDECIDED = frozenset({"awaiting", "disagreement", "queries"})
"""Statuses in which a manager may still record a decision taken off-line."""

DECIDED_HOW_MAX = 1000
"""The longest "how the partners decided" the off-line form takes."""
_KEPT = MAX_TEXT + KEPT_BEYOND_LIMIT
_VOTE_FIELDS = ("outcome", "notifiable", "rationale", "serious_harm_basis", "queries")
_OFFLINE_FIELDS = ("outcome", "notifiable", "rationale", "decided_how")
_NOTIFIABLE_QUESTION = (
    "Is this a notifiable incident (to be reported to the National Panel)? Answer for every "
    "decision but queries: a notifiable incident can take another route."
)
_NOTIFIABLE_MISSING = "Say whether the incident is notifiable to the National Panel."


def _notifiable_choice(value: bool | None) -> Element:
    """Yes / No: the panel's own answer to "notifiable?", beside its decision."""
    return choice_set(
        "notifiable",
        _NOTIFIABLE_QUESTION,
        [("Yes, it is notifiable", "yes"), ("No, it is not notifiable", "no")],
        style="expanded",
        value=None if value is None else ("yes" if value else "no"),
    )


_OUTCOME_MISSING = "Choose one of the decisions."
_RATIONALE_MISSING = "Give the rationale for the decision."
_ANSWER_MISSING = "Please write your answer before sending it."
_SERIOUS_HARM_NOTE = (
    "Serious harm includes serious and/or long-term impairment of a child's mental health or "
    "intellectual, emotional, social or behavioural development, or of their physical health. "
    "Even if a child recovers, serious harm may still have occurred. Consider what makes this "
    "case distinct from other child protection cases."
)
_CHANNEL_NOTE = (
    "Panel members vote and read the referral from here. Rationales, questions and the "
    "referral's details are never shown in this channel."
)


# --- view models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    """One statutory partner on a card: whether and when it voted, and its outcome if shown."""

    partner: str
    label: str
    voted_at_text: str | None
    outcome_label: str | None
    voter_name: str | None


@dataclass(frozen=True)
class PanelView:
    """What the live panel card shows: facts of the case, the partners' rows and the status."""

    reference: str
    referring_agency: str
    pathway_label: str
    event_date: date
    received_date: date
    panel_deadline: date | None
    next_deadline: tuple[str, date] | None
    status: str
    outcome_label: str | None
    decided_at_text: str | None
    rows: tuple[PartnerRow, ...]
    round: int
    refresh_user_ids: tuple[str, ...] = ()
    manager_mentions: tuple[tuple[str, str], ...] = ()
    # The buttons the card is drawn for (`VIEWER_ACTIONS`); None: the card everyone sees.
    actions: frozenset[str] | None = None
    # What `panel_deadline` is the deadline of, in the profile's words.
    panel_deadline_label: str = "Panel deadline"
    # Where the case's plan contradicts itself, in words with the dates (no free text).
    conflicts: tuple[str, ...] = ()
    # Why the panel reopened a sealed decision and what that decision was (fixed words and
    # labels only: no free text in the channel), when it did.
    reopened_note: str | None = None


class VoteFields(Protocol):
    """Anything with a vote's four answers: `Vote`, `VoteInput` or `VoteValues`."""

    @property
    def outcome(self) -> str | None:
        """The outcome id."""

    @property
    def rationale(self) -> str | None:
        """The rationale."""

    @property
    def serious_harm_basis(self) -> str | None:
        """How the serious harm criteria were determined."""

    @property
    def queries(self) -> str | None:
        """The questions for the referrer."""

    @property
    def notifiable(self) -> bool | None:
        """The answer to "is the incident notifiable?" (None: not given)."""


@dataclass(frozen=True)
class VoteValues:
    """A vote's answers as sent, to show again with their errors (see `vote_values`)."""

    outcome: str | None = None
    rationale: str | None = None
    serious_harm_basis: str | None = None
    queries: str | None = None
    notifiable: bool | None = None


@dataclass(frozen=True)
class VotingView:
    """The voting view for one member: their partner, their answers, errors, the others' rows."""

    reference: str
    round: int
    partner: str
    partner_label: str
    member_name: str
    current: VoteFields | None
    errors: Mapping[str, str] = field(default_factory=dict)
    others: tuple[PartnerRow, ...] = ()
    hidden_note: str | None = None
    # The decisions the partnership's panel chooses from (section 2.1's five by default).
    outcomes: Mapping[str, OutcomeInfo] = field(default_factory=lambda: OUTCOMES)
    # True where the panel also answers "is the incident notifiable?" on its own.
    asks_notifiable: bool = False


# --- building view models -------------------------------------------------------------------


def vote_time_text(moment: datetime) -> str:
    """A vote's time as people read it in London, e.g. "10:42 Mon 23 Nov"; naive is ValueError."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: a time zone is required")
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} {format_date(local.date()).rsplit(' ', 1)[0]}"


def partner_rows(
    positions: Mapping[str, Vote | None],
    visible: Mapping[str, Vote | None],
    *,
    time_text: Callable[[datetime], str] = vote_time_text,
    show_names: bool = True,
    outcomes: Mapping[str, OutcomeInfo] = OUTCOMES,
) -> tuple[PartnerRow, ...]:
    """A row per partner: voted or not from ``positions``, the outcome only from ``visible``
    (in the partnership's words, `outcomes`)."""
    rows: list[PartnerRow] = []
    for partner in PARTNERS:
        vote = positions.get(partner)
        shown = visible.get(partner)
        outcome = outcomes.get(shown.outcome) if shown is not None else None
        rows.append(
            PartnerRow(
                partner=partner,
                label=PARTNER_LABELS[partner],
                voted_at_text=time_text(vote.cast_at) if vote is not None else None,
                outcome_label=outcome.short_label if outcome is not None else None,
                voter_name=(vote.member_name or None) if vote is not None and show_names else None,
            )
        )
    return tuple(rows)


def vote_values(raw: Mapping[str, Any]) -> VoteValues:
    """A vote's answers from a card's raw data, text only and cut short, to show them again."""

    def kept(key: str) -> str | None:
        value = raw.get(key)
        return value[:_KEPT] if isinstance(value, str) and value else None

    outcome = raw.get("outcome")
    return VoteValues(
        # Any id: the card pre-selects it only if it is one of the partnership's decisions.
        outcome=outcome[:64] if isinstance(outcome, str) and outcome else None,
        rationale=kept("rationale"),
        serious_harm_basis=kept("serious_harm_basis"),
        queries=kept("queries"),
    )


# --- small pieces ---------------------------------------------------------------------------


def _error_banner(errors: Mapping[str, str], fields: Sequence[str]) -> list[Element]:
    """The banner at the top of a form shown again with errors, with errors of no field."""
    count = len(errors)
    answers = "answer" if count == 1 else "answers"
    items: list[Element] = [
        text_block(f"Please check {count} {answers} below", weight="Bolder", color="Attention")
    ]
    items.extend(error_text(message) for key, message in errors.items() if key not in fields)
    return [container(items, style="attention")]


def _prefill(value: str | None) -> str | None:
    """A text to put back in its input, cut short so that the card stays small enough."""
    return value[:_KEPT] if value else None


def _outcome_choices(
    outcomes: Mapping[str, OutcomeInfo], *, final_only: bool = False
) -> list[tuple[str, str]]:
    """The partnership's decisions (section 2.1's five by default) as (title, value) pairs,
    without queries if final_only."""
    return [
        (info.label, info.id)
        for info in outcomes.values()
        if not (final_only and info.id == "queries")
    ]


def _view_referral(reference: str, *, from_notice: bool = False) -> Action:
    """The "View referral" button: the confidential details, for those who may see them
    (their card's Back button returns to the decision notice when pressed on one)."""
    data: dict[str, Any] = {"reference": reference}
    if from_notice:
        data["back"] = "notice"
    return execute_action("View referral", VERB_CASE_VIEW, data, associated_inputs="none")


def back_to_panel(reference: str, title: str = "Back to the panel") -> Action:
    """A button showing the panel again, sending nothing typed."""
    return execute_action(title, VERB_REFRESH, {"reference": reference}, associated_inputs="none")


def show_my_options(reference: str) -> Action:
    """The button everyone may press on a channel card: the card as they may use it."""
    return back_to_panel(reference, SHOW_MY_OPTIONS)


def open_panel_action(reference: str) -> Action:
    """A manager opens the virtual panel on a referral that did not seek a Rapid Review."""
    return execute_action(
        "Open the virtual panel",
        VERB_PANEL_OPEN,
        {"reference": reference},
        associated_inputs="none",
    )


def refresh_for(reference: str, user_ids: Sequence[str]) -> dict[str, Any] | None:
    """The card's `refresh`: Teams asks for each listed person's own view (at most 60)."""
    ids = list(dict.fromkeys(uid for uid in user_ids if uid))[:MAX_REFRESH_USERS]
    if not ids:
        return None
    return {
        "action": {
            "type": "Action.Execute",
            "verb": VERB_REFRESH,
            "data": {"reference": reference},
        },
        "userIds": ids,
    }


def _row(row: PartnerRow) -> Element:
    """One partner: its name, then "Awaiting vote" or when (and by whom) it voted, and how."""
    if row.voted_at_text is None:
        runs = [text_run("Awaiting vote", is_subtle=True)]
    else:
        runs = [text_run(f"Voted {row.voted_at_text}")]
        if row.voter_name:
            runs.append(text_run(f" by {row.voter_name}"))
    status: list[Element] = [rich_text(runs)]
    if row.outcome_label is not None:
        status.append(rich_text([text_run(row.outcome_label, weight="Bolder")], spacing="None"))
    return column_set(
        [
            column([text_block(escape_markdown(row.label), weight="Bolder")], width=2),
            column(status, width=5),
        ],
        spacing="Small",
    )


def _rows(rows: Sequence[PartnerRow]) -> list[Element]:
    """Every partner's row."""
    return [_row(row) for row in rows]


def _mentions(people: Sequence[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    """Each person once as an ``<at>`` mention (unnamed: "Manager")."""
    return mentions(people, unnamed="Manager")


def _with_mentions(card: Card, entities: Sequence[dict[str, Any]]) -> Card:
    """Add Teams mention entities to a card (kept beside any other ``msteams`` settings)."""
    if entities:
        card.setdefault("msteams", {})["entities"] = list(entities)
    return card


def _mention_line(prefix: str, mentions: Sequence[tuple[str, dict[str, Any]]]) -> Element:
    """A TextBlock naming the people with their ``<at>`` texts."""
    return text_block(prefix + ", ".join(at for at, _ in mentions), spacing="Small")


def _next_steps(next_steps: Sequence[tuple[str, date]]) -> Element:
    """What happens next as a list with dates, or a plain promise when none are known."""
    if not next_steps:
        return text_block("The partnership team will be in touch.")
    return text_block(
        "\n".join(f"- {escape_markdown(text)} by {format_date(day)}" for text, day in next_steps)
    )


# --- the live panel in the channel ----------------------------------------------------------


def _status_line(view: PanelView) -> tuple[list[Element], list[tuple[str, dict[str, Any]]]]:
    """The status of the panel in words, and the mentions it makes."""
    decided = f" at {escape_markdown(view.decided_at_text)}" if view.decided_at_text else ""
    if view.status == "awaiting":
        waiting = sum(1 for row in view.rows if row.voted_at_text is None)
        text = f"Waiting for {waiting} of {len(view.rows)} partners"
        return [text_block(text, weight="Bolder", color="Accent")], []
    if view.status == "agreed":
        label = view.outcome_label or "the partners agree"
        text = f"Decided: {escape_markdown(label)}{decided}"
        return [text_block(text, weight="Bolder", color="Good")], []
    if view.status == "queries":
        text = f"Questions sent back to the referrer{decided}. Voting opens again when they answer."
        return [text_block(text, weight="Bolder", color="Warning")], []
    if view.status == "disagreement":
        mentions = _mentions(view.manager_mentions)
        shown = [
            text_block(
                "The partners disagree — managers: please convene a discussion",
                weight="Bolder",
                color="Attention",
            )
        ]
        if mentions:
            shown.append(_mention_line("", mentions))
        return shown, mentions
    closed = "The virtual panel is closed"
    if view.outcome_label:
        closed += f": {escape_markdown(view.outcome_label)}"
    return [text_block(closed + decided, weight="Bolder")], []


def _panel_body(view: PanelView) -> tuple[list[Element], list[tuple[str, dict[str, Any]]]]:
    """The panel card's body and its mentions."""
    facts = [
        ("Referring agency", view.referring_agency),
        ("Pathway sought", view.pathway_label),
        ("Date of the event", format_date(view.event_date)),
        ("Received", format_date(view.received_date)),
    ]
    if view.panel_deadline is not None:
        facts.append((view.panel_deadline_label, format_date(view.panel_deadline)))
    if view.next_deadline is not None:
        label, day = view.next_deadline
        facts.append(("Next deadline", f"{label}: {format_date(day)}"))
    if view.round > 1:
        why = "reopened" if view.reopened_note else "after the referrer's answers"
        facts.append(("Voting round", f"{view.round} ({why})"))
    status, mentions = _status_line(view)
    body: list[Element] = [
        heading(f"Virtual panel — {escape_markdown(view.reference)}"),
        fact_set(facts),
        *(
            [text_block(escape_markdown(view.reopened_note), color="Warning", spacing="Small")]
            if view.reopened_note
            else []
        ),
        *conflict_notices(view.conflicts),
        container(_rows(view.rows), separator=True, spacing="Medium"),
        container(status, spacing="Medium"),
        text_block(_CHANNEL_NOTE, is_subtle=True, size="Small", spacing="Medium"),
    ]
    return body, mentions


def _panel_actions(view: PanelView) -> list[Action]:
    """The buttons of the viewer the card is drawn for: Vote while open (a panel member or
    deputy), View referral (those who may see it), the off-line decision until decided (a
    manager). The card everyone sees has only "Show my options"."""
    reference = view.reference
    if view.actions is None:
        return [show_my_options(reference)]
    allowed = view.actions
    actions: list[Action] = []
    if view.status in _OPEN and CAN_VOTE in allowed:
        actions.append(
            execute_action(
                "Vote",
                VERB_VOTE_OPEN,
                {"reference": reference, "round": view.round},
                style="positive",
            )
        )
    if CAN_VIEW in allowed:
        actions.append(_view_referral(reference))
    if view.status in _UNDECIDED and CAN_RECORD_OFFLINE in allowed:
        actions.append(
            execute_action(
                "Record an off-line decision", VERB_OFFLINE_OPEN, {"reference": reference}
            )
        )
    if not actions:
        actions.append(back_to_panel(reference, "Refresh"))
    return actions


def _status_words(view: PanelView) -> str:
    """The status for a card's fallback text."""
    return {
        "awaiting": "waiting for votes",
        "agreed": "decided",
        "queries": "questions sent to the referrer",
        "disagreement": "the partners disagree",
        "closed": "closed",
    }[view.status]


def _check_view(view: PanelView) -> None:
    """ValueError for a status the panel card does not know."""
    if view.status not in PANEL_STATUSES:
        raise ValueError(f"unknown panel status {view.status!r}; expected one of {PANEL_STATUSES}")


def panel_card(view: PanelView) -> Card:
    """The live panel card in the channel: facts, who has voted, the status; no free text."""
    _check_view(view)
    body, mentions = _panel_body(view)
    card = adaptive_card(
        body,
        _panel_actions(view),
        fallback_text=f"Virtual panel for {view.reference}: {_status_words(view)}.",
    )
    refresh = refresh_for(view.reference, view.refresh_user_ids)
    if refresh is not None:
        card["refresh"] = refresh
    return _with_mentions(card, [entity for _, entity in mentions])


# --- the voting view ------------------------------------------------------------------------


def voting_card(view: VotingView) -> Card:
    """The voting view for one member: the five decisions, rationale, basis, questions."""
    current = view.current
    errors = view.errors
    body: list[Element] = [
        heading(f"Your vote on {escape_markdown(view.reference)}"),
        rich_text(
            [
                text_run("You are voting for "),
                text_run(view.partner_label, weight="Bolder"),
                text_run(f" ({view.member_name})"),
            ]
        ),
    ]
    if view.round > 1:
        body.append(
            text_block(
                f"Voting round {view.round}: the referrer has answered the panel's questions, "
                "so every partner votes again.",
                is_subtle=True,
            )
        )
    if errors:
        body.extend(_error_banner(errors, _VOTE_FIELDS))
    elif current is not None:
        body.append(
            text_block(
                "Your agency's vote is shown below. Cast it again to change it: the latest "
                "vote counts until the decision is sealed.",
                is_subtle=True,
            )
        )
    body.append(text_block(_SERIOUS_HARM_NOTE, is_subtle=True, size="Small"))
    outcome = current.outcome if current is not None else None
    fields: list[tuple[str, Element]] = [
        (
            "outcome",
            choice_set(
                "outcome",
                "Your decision on this referral",
                _outcome_choices(view.outcomes),
                is_required=True,
                error_message=_OUTCOME_MISSING,
                style="expanded",
                value=outcome if outcome in view.outcomes else None,
            ),
        ),
        *(
            [("notifiable", _notifiable_choice(current.notifiable if current else None))]
            if view.asks_notifiable
            else []
        ),
        (
            "rationale",
            text_input(
                "rationale",
                "Rationale for the decision",
                is_required=True,
                error_message=_RATIONALE_MISSING,
                is_multiline=True,
                max_length=MAX_TEXT,
                value=_prefill(current.rationale if current is not None else None),
            ),
        ),
        (
            "serious_harm_basis",
            text_input(
                "serious_harm_basis",
                "If Rapid Review: how the serious harm criteria were determined",
                is_multiline=True,
                max_length=MAX_TEXT,
                value=_prefill(current.serious_harm_basis if current is not None else None),
            ),
        ),
        (
            "queries",
            text_input(
                "queries",
                "If queries: the questions for the referrer",
                is_multiline=True,
                max_length=MAX_TEXT,
                value=_prefill(current.queries if current is not None else None),
            ),
        ),
    ]
    for field_id, element in fields:
        body.append(element)
        if field_id in errors:
            body.append(error_text(errors[field_id]))
    if view.others:
        body.append(
            text_block("The other partners", weight="Bolder", style="heading", spacing="Large")
        )
        body.extend(_rows(view.others))
    if view.hidden_note:
        body.append(text_block(escape_markdown(view.hidden_note), is_subtle=True, size="Small"))
    return adaptive_card(
        body,
        [
            execute_action(
                "Cast vote",
                VERB_VOTE,
                {"reference": view.reference, "round": view.round},
                style="positive",
            ),
            _view_referral(view.reference),
            back_to_panel(view.reference),
        ],
        fallback_text=f"Your vote on {view.reference}.",
    )


def vote_refused_card(*, reference: str, reason: str, panel: PanelView | None) -> Card:
    """A clear refusal that says nothing changed, then the panel as it is when given."""
    body: list[Element] = [
        container(
            [
                text_block("Not done", weight="Bolder", color="Attention", style="heading"),
                text_block(escape_markdown(reason), spacing="Small"),
            ],
            style="attention",
        )
    ]
    entities: list[dict[str, Any]] = []
    if panel is not None:
        _check_view(panel)
        panel_body, mentions = _panel_body(panel)
        body.extend(panel_body)
        entities = [entity for _, entity in mentions]
        actions = _panel_actions(panel)
    else:
        actions = [_view_referral(reference), back_to_panel(reference)]
    card = adaptive_card(body, actions, fallback_text=f"{reference}: {reason}")
    return _with_mentions(card, entities)


def offline_decision_card(
    *,
    reference: str,
    errors: Mapping[str, str],
    values: Mapping[str, str],
    outcomes: Mapping[str, OutcomeInfo] = OUTCOMES,
    asks_notifiable: bool = False,
) -> Card:
    """For managers: record a decision the partners took off-line (phone, meeting, email);
    with `asks_notifiable`, also the partners' answer to "is the incident notifiable?"."""

    def value(key: str, limit: int) -> str | None:
        found = values.get(key)
        return found[: limit + KEPT_BEYOND_LIMIT] if isinstance(found, str) and found else None

    outcome = values.get("outcome")
    body: list[Element] = [
        heading(f"Record an off-line decision — {escape_markdown(reference)}"),
        text_block(
            "Use this when the three partners decided outside Teams, by phone, email or in "
            "a meeting. The decision is sealed in your name and the referrer is told."
        ),
    ]
    if errors:
        body.extend(_error_banner(errors, _OFFLINE_FIELDS))
    fields: list[tuple[str, Element]] = [
        (
            "outcome",
            choice_set(
                "outcome",
                "The partners' decision",
                _outcome_choices(outcomes, final_only=True),
                is_required=True,
                error_message=_OUTCOME_MISSING,
                style="expanded",
                value=outcome if isinstance(outcome, str) and outcome in outcomes else None,
            ),
        ),
        *(
            [
                (
                    "notifiable",
                    _notifiable_choice(
                        {"yes": True, "no": False}.get(str(values.get("notifiable")))
                    ),
                )
            ]
            if asks_notifiable
            else []
        ),
        (
            "rationale",
            text_input(
                "rationale",
                "Rationale for the decision",
                is_required=True,
                error_message=_RATIONALE_MISSING,
                is_multiline=True,
                max_length=MAX_TEXT,
                value=value("rationale", MAX_TEXT),
            ),
        ),
        (
            "decided_how",
            text_input(
                "decided_how",
                "How the partners decided",
                placeholder="For example: phone call between the three partners",
                max_length=DECIDED_HOW_MAX,
                value=value("decided_how", DECIDED_HOW_MAX),
            ),
        ),
    ]
    for field_id, element in fields:
        body.append(element)
        if field_id in errors:
            body.append(error_text(errors[field_id]))
    return adaptive_card(
        body,
        [
            execute_action(
                "Record decision",
                VERB_OFFLINE_RECORD,
                {"reference": reference},
                style="positive",
            ),
            back_to_panel(reference, "Back"),
        ],
        fallback_text=f"Record an off-line decision on {reference}.",
    )


# --- to the referrer ------------------------------------------------------------------------


def decision_notice_card(
    *,
    reference: str,
    outcome_label: str,
    decided_at_text: str,
    next_steps: Sequence[tuple[str, date]],
    closes: bool = False,
    reasons: str | None = None,
) -> Card:
    """To the referrer in 1:1: the direction of their referral and what happens next (with
    `closes`, that the partnership takes no further step: the case closes with this notice)."""
    after: list[Element] = (
        [
            text_block("What happens next", weight="Bolder", spacing="Medium"),
            text_block(
                "The partnership takes no further step under this process: another process is "
                "more appropriate, and the case is closed with this notice."
            ),
        ]
        if closes
        else [
            text_block("What happens next", weight="Bolder", spacing="Medium"),
            _next_steps(next_steps),
        ]
    )
    return adaptive_card(
        [
            heading(f"Decision on referral {escape_markdown(reference)}"),
            text_block("The virtual panel has decided on your referral."),
            fact_set(
                [
                    ("Reference", reference),
                    ("Decision", outcome_label),
                    ("Decided", decided_at_text),
                ]
            ),
            text_block("The panel's reasons", weight="Bolder", spacing="Medium"),
            user_text(reasons) if reasons else text_block("The panel's reasons will follow."),
            *after,
            text_block(
                "Quote the reference in any emails about this referral.",
                is_subtle=True,
                size="Small",
            ),
        ],
        [
            _view_referral(reference, from_notice=True),
            submit_action("My referrals", {"action": ACTION_REFERRAL_MINE}),
        ],
        fallback_text=f"Decision on referral {reference}: {outcome_label}.",
    )


def queries_card(
    *,
    reference: str,
    round: int,
    questions: str,
    answer: str | None = None,
    error: str | None = None,
) -> Card:
    """To the referrer in 1:1: the panel's questions and a box for the answer."""
    body: list[Element] = [
        heading(f"The panel has questions about referral {escape_markdown(reference)}"),
        text_block(
            "Before the virtual panel can decide, it needs more from you. Only the panel "
            "members will see your answer."
        ),
        text_block("The panel's questions", weight="Bolder", spacing="Medium"),
        user_text(questions, spacing="Small"),
        text_input(
            "answer",
            "Your answer",
            is_required=True,
            error_message=_ANSWER_MISSING,
            is_multiline=True,
            max_length=MAX_TEXT,
            value=_prefill(answer),
        ),
    ]
    if error:
        body.append(error_text(error))
    return adaptive_card(
        body,
        [
            submit_action(
                "Send answer",
                {"action": ACTION_QUERIES_ANSWER, "reference": reference, "round": round},
                style="positive",
            )
        ],
        fallback_text=f"The panel has questions about referral {reference}.",
    )


# --- thread notices in the channel ----------------------------------------------------------


def queries_answer_card(*, reference: str, round: int) -> Card:
    """Thread notice: the referrer answered, voting round ``round`` is open; not the answer."""
    return adaptive_card(
        [
            text_block(
                f"{escape_markdown(reference)}: the referrer has answered the panel's "
                "questions; voting is open again",
                weight="Bolder",
            ),
            text_block(
                f"Voting round {round} is open: every partner votes again. Panel members can "
                "read the answer with View referral.",
                spacing="Small",
            ),
        ],
        [_view_referral(reference)],
        fallback_text=f"{reference}: the referrer has answered; voting is open again.",
    )


def disagreement_notice(*, reference: str, manager_mentions: Sequence[tuple[str, str]]) -> Card:
    """Thread notice @mentioning the managers: the partners disagree, convene a discussion."""
    mentions = _mentions(manager_mentions)
    body: list[Element] = [
        text_block(
            f"The partners disagree on {escape_markdown(reference)}: please convene a "
            "discussion. Members can change their votes until a decision is sealed.",
            weight="Bolder",
            color="Attention",
        )
    ]
    if mentions:
        body.append(_mention_line("Managers: ", mentions))
    card = adaptive_card(
        body,
        [_view_referral(reference)],
        fallback_text=f"The partners disagree on {reference}: please convene a discussion.",
    )
    return _with_mentions(card, [entity for _, entity in mentions])


def disagreement_resolved_notice(*, reference: str, outcome_label: str) -> Card:
    """The disagreement notice once the panel has decided: updated in place, no longer a call
    to convene anyone."""
    return adaptive_card(
        [
            text_block(
                f"Resolved: the partners disagreed on {escape_markdown(reference)}, and have "
                f"since decided: {escape_markdown(outcome_label)}.",
                weight="Bolder",
                color="Good",
            ),
            text_block("No discussion needs convening now.", is_subtle=True, size="Small"),
        ],
        fallback_text=f"Resolved: the partners have decided on {reference}.",
    )


def queries_answered_card(*, reference: str, questions: str, answer: str) -> Card:
    """The panel's questions once answered: the card that carried the answer box, updated in
    place (no box, no button: the answer is with the panel)."""
    return adaptive_card(
        [
            heading(f"Your answer on referral {escape_markdown(reference)} is with the panel"),
            text_block("The panel's questions", weight="Bolder", spacing="Medium"),
            user_text(questions, spacing="Small"),
            text_block("Your answer", weight="Bolder", spacing="Medium"),
            user_text(answer, spacing="Small"),
            text_block(
                "Voting has reopened. You will hear the decision here.",
                is_subtle=True,
                size="Small",
            ),
        ],
        [submit_action("My referrals", {"action": ACTION_REFERRAL_MINE})],
        fallback_text=f"Your answer on referral {reference} is with the panel.",
    )


def open_panel_offer_card(*, reference: str, pathway_label: str) -> Card:
    """To a manager, in 1:1 (`case REF`): a referral that did not seek a Rapid Review waits
    for a manager to open the virtual panel."""
    return adaptive_card(
        [
            heading(f"{escape_markdown(reference)}: the virtual panel is not open"),
            text_block(
                f"The referral sought {escape_markdown(pathway_label)}, not a Rapid Review, so "
                "the panel was not opened by itself. Open it when the partners are to decide "
                "the pathway: the case card in the channel becomes the panel card, and the "
                "panel's members are asked to vote."
            ),
        ],
        [open_panel_action(reference)],
        fallback_text=f"{reference}: a manager can open the virtual panel.",
    )


# --- fictional demo data (gallery and tests) ------------------------------------------------

_DEMO_ROWS = {
    "la": PartnerRow("la", "Local Authority", "09:15 Mon 23 Nov", None, "Alex Demo"),
    "police": PartnerRow("police", "Police", "10:42 Mon 23 Nov", None, "Pat Constable"),
    "health": PartnerRow("health", "Health", None, None, None),
}


def demo_panel_view(status: str = "awaiting") -> PanelView:
    """A fictional panel in ``status`` (any of `PANEL_STATUSES`)."""
    rows = tuple(_DEMO_ROWS.values())
    outcome_label = None
    decided_at_text = None
    if status != "awaiting":
        voted = PartnerRow("health", "Health", "14:05 Tue 24 Nov", None, "Robin Sample")
        outcomes = {
            "agreed": ("rapid_review", "rapid_review", "rapid_review"),
            "queries": ("queries", "queries", "queries"),
            "disagreement": ("rapid_review", "practice_review", "rapid_review"),
            "closed": ("rapid_review", "rapid_review", "rapid_review"),
        }[status]
        rows = tuple(
            PartnerRow(
                row.partner,
                row.label,
                row.voted_at_text,
                OUTCOMES[outcome].short_label,
                row.voter_name,
            )
            for row, outcome in zip((*rows[:2], voted), outcomes, strict=True)
        )
        if status in ("agreed", "closed"):
            outcome_label = OUTCOMES["rapid_review"].label
            decided_at_text = "14:05 Tue 24 Nov"
        elif status == "queries":
            decided_at_text = "14:05 Tue 24 Nov"
    return PanelView(
        reference="NSCP-2026-0001",
        referring_agency="Northdale Hospitals NHS Trust",
        pathway_label="A: Rapid review",
        event_date=date(2026, 11, 3),
        received_date=date(2026, 11, 20),
        panel_deadline=date(2026, 11, 24),
        next_deadline=("Notify the National Panel", date(2026, 11, 27)),
        status=status,
        outcome_label=outcome_label,
        decided_at_text=decided_at_text,
        rows=rows,
        round=1,
        refresh_user_ids=("29:demo-alex", "29:demo-pat", "29:demo-robin"),
        manager_mentions=(("29:demo-jo", "Jo Sample"), ("29:demo-sam", "Sam Manager")),
    )


def demo_voting_view(*, with_errors: bool = False) -> VotingView:
    """A fictional member's voting view, fresh or shown again with errors."""
    others = (_DEMO_ROWS["la"], _DEMO_ROWS["health"])
    hidden = "The other partners' decisions are hidden until all three have voted."
    if with_errors:
        return VotingView(
            reference="NSCP-2026-0001",
            round=1,
            partner="police",
            partner_label="Police",
            member_name="Pat Constable",
            current=VoteValues(outcome="rapid_review", rationale="Serious injury; neglect known."),
            errors={
                "serious_harm_basis": "For a Rapid Review, say how the serious harm criteria "
                "were determined."
            },
            others=others,
            hidden_note=hidden,
        )
    return VotingView(
        reference="NSCP-2026-0001",
        round=1,
        partner="police",
        partner_label="Police",
        member_name="Pat Constable",
        current=None,
        others=others,
        hidden_note=hidden,
    )
