"""The virtual panel's rules (Appendix A section 2, Appendix C): votes, positions, the decision.

The panel is the three statutory partners, the Local Authority, Police and Health (`PARTNERS`),
each represented by its panel members or their deputies: whoever of them votes, the vote is
the partner's. Every partner picks one of the five outcomes of section 2.1 (`OUTCOMES`) and
gives its rationale (section 2.2); a partner choosing a Rapid Review says how the serious
harm criteria were determined, and a partner choosing queries writes its questions for the
referrer.

Rules, exactly as `panel_state` applies them:

- Only the votes of the current round count. A round ends when the panel sends queries back
  to the referrer; their answer opens the next round, in which every partner votes afresh.
- A partner's position is its latest vote of the round: the one with the latest ``cast_at``,
  and of votes cast at the same instant the one given last. Earlier votes are history only.
- ``awaiting``: at least one partner has no position yet.
  ``agreed``: the three positions are the same outcome, other than queries.
  ``queries``: the three positions are all queries (questions go back to the referrer).
  ``disagreement``: all three have voted and they are not unanimous.
- ``decided_at`` (agreed or queries) is the latest ``cast_at`` of the three current
  positions: the moment the third agreeing position was taken. A partner who changes its
  vote to the agreed outcome later than the others is that moment; a partner who votes the
  same outcome again before the decision is sealed moves it to that later vote.

Nothing here reads the clock: every time is a vote's ``cast_at``. `validate_vote` never
raises on what a client sends; it returns plain-English errors keyed by the card's input ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from review.answers import MAX_READ, UNREADABLE, clean_text

__all__ = [
    "MAX_TEXT",
    "NOTIFIABLE_ANSWERS",
    "OUTCOMES",
    "PARTNERS",
    "PARTNER_LABELS",
    "STARTS",
    "STATUSES",
    "DecisionRecord",
    "Decider",
    "OutcomeInfo",
    "PanelState",
    "Vote",
    "VoteInput",
    "combined_queries",
    "decision_record",
    "panel_state",
    "validate_vote",
    "visible_positions",
]


STARTS: tuple[str, ...] = ("rapid_review", "learning_review", "escalation", "nothing", "queries")
"""What a decision starts: a Rapid Review (the statutory clock, the agencies asked, the
meeting, the report), a local learning review, an escalation of a professional disagreement,
nothing (no partnership response: another process fits), or queries back to the referrer
first (the panel votes again on their answer)."""


@dataclass(frozen=True, slots=True)
class OutcomeInfo:
    """One decision of the panel: its id, the form's wording, a short name and what it starts
    (one of `STARTS`)."""

    id: str
    label: str
    short_label: str
    starts: str = "nothing"
    notifiable: bool | None = None
    """What the decision itself says about the incident (Halton's "notifiable: Rapid
    Review"); None when it says nothing (the panel may answer that on its own)."""


OUTCOMES: dict[str, OutcomeInfo] = {
    info.id: info
    for info in (
        OutcomeInfo(
            "rapid_review", "Meets threshold for Rapid Review", "Rapid Review", "rapid_review"
        ),
        OutcomeInfo(
            "practice_review",
            "Meets threshold for a case practice review, but not a Rapid Review",
            "Case practice review",
            "learning_review",
        ),
        OutcomeInfo("escalation", "Meets criteria for Escalation", "Escalation", "escalation"),
        OutcomeInfo(
            "no_response",
            "Does not require a partnership response (an alternative process such as "
            "SAR / DHR is more appropriate)",
            "No partnership response",
            "nothing",
        ),
        OutcomeInfo(
            "queries",
            "Queries back to referrer before a decision can be made",
            "Queries to the referrer",
            "queries",
        ),
    )
}
"""The five decisions of section 2.1, in the form's order."""

PARTNERS: tuple[str, ...] = ("la", "police", "health")
"""The three statutory partners, in the order the panel shows them."""

PARTNER_LABELS: dict[str, str] = {"la": "Local Authority", "police": "Police", "health": "Health"}

STATUSES: tuple[str, ...] = ("awaiting", "agreed", "queries", "disagreement")
"""Every `PanelState.status`."""

MAX_TEXT = 4000
"""The longest rationale, serious harm basis or set of questions, in characters."""

# Characters of one answer read at most; Teams messages are far smaller than this.


@dataclass(frozen=True)
class Vote:
    """One vote as stored: who cast it for which partner, what they chose, when, in which round."""

    partner: str
    member_id: int
    member_name: str
    outcome: str
    rationale: str
    serious_harm_basis: str | None
    queries: str | None
    cast_at: datetime
    round: int
    notifiable: bool | None = None
    """The member's answer to "is the incident notifiable?" (None: not asked, or queries)."""


@dataclass(frozen=True)
class VoteInput:
    """A vote as checked from the card: the outcome and its texts, cleaned."""

    outcome: str
    rationale: str
    serious_harm_basis: str | None
    queries: str | None
    notifiable: bool | None = None


@dataclass(frozen=True)
class PanelState:
    """Where the panel stands in one round: each partner's position and what they add up to."""

    round: int
    positions: dict[str, Vote | None]
    status: str
    outcome: str | None
    decided_at: datetime | None
    notifiable: bool | None = None
    """Agreed: the three positions' answer to "notifiable?" (None: not asked)."""


class Decider(TypedDict):
    """The member whose vote made a partner's position."""

    member_id: int
    name: str


class DecisionRecord(TypedDict):
    """Section 2 of the form for an agreed decision: what, when, why and by whom."""

    outcome: str
    decided_at: str
    rationales: dict[str, str]
    serious_harm_basis: dict[str, str | None]
    deciders: dict[str, Decider]
    notifiable: bool | None


# -- checking a vote --------------------------------------------------------------------


def _too_long(length: int) -> str:
    """The message for a text over `MAX_TEXT`."""
    return f"Keep this to {MAX_TEXT:,} characters or fewer (it is {length:,})."


def _text(
    raw: Mapping[str, object], field_id: str, missing: str, errors: dict[str, str]
) -> str | None:
    """A required multi-line text, cleaned; None with the error recorded when unusable."""
    value = raw.get(field_id)
    if value is not None and not isinstance(value, str):
        errors[field_id] = UNREADABLE
        return None
    if value is not None and len(value) > MAX_READ:
        errors[field_id] = (
            f"Keep this to {MAX_TEXT:,} characters or fewer (it is over {MAX_READ:,})."
        )
        return None
    text = clean_text(value or "")
    if not text:
        errors[field_id] = missing
        return None
    if len(text) > MAX_TEXT:
        errors[field_id] = _too_long(len(text))
        return None
    return text


NOTIFIABLE_ANSWERS: dict[str, bool] = {"yes": True, "no": False}
"""The card's answers to "is the incident notifiable?"."""


def validate_vote(
    raw: Mapping[str, object],
    outcomes: Mapping[str, OutcomeInfo] | None = None,
    *,
    asks_notifiable: bool = False,
) -> tuple[VoteInput | None, dict[str, str]]:
    """Check a vote from the card: (the vote, {}) or (None, errors keyed by input id).
    `outcomes` are the partnership's decisions (default: section 2.1's five); with
    `asks_notifiable`, every decision but queries also answers "is it notifiable?"."""
    allowed = OUTCOMES if outcomes is None else outcomes
    errors: dict[str, str] = {}
    outcome_raw = raw.get("outcome")
    outcome: str | None = None
    if outcome_raw is not None and not isinstance(outcome_raw, str):
        errors["outcome"] = UNREADABLE
    elif not outcome_raw or not outcome_raw.strip():
        errors["outcome"] = "Choose one of the decisions."
    elif outcome_raw.strip() not in allowed:
        errors["outcome"] = "Choose one of the decisions from the list."
    else:
        outcome = outcome_raw.strip()
    rationale = _text(raw, "rationale", "Give the rationale for the decision.", errors)
    basis = None
    if outcome is not None and allowed[outcome].starts == "rapid_review":
        basis = _text(
            raw,
            "serious_harm_basis",
            "For a Rapid Review, say how the serious harm criteria were determined.",
            errors,
        )
    queries = None
    if outcome == "queries":
        queries = _text(raw, "queries", "Write the questions the referrer needs to answer.", errors)
    notifiable = None
    if asks_notifiable and outcome != "queries":
        answer = raw.get("notifiable")
        if answer is not None and not isinstance(answer, str):
            errors["notifiable"] = UNREADABLE
        elif not answer or answer.strip() not in NOTIFIABLE_ANSWERS:
            errors["notifiable"] = "Say whether the incident is notifiable to the National Panel."
        else:
            notifiable = NOTIFIABLE_ANSWERS[answer.strip()]
    if errors or outcome is None or rationale is None:
        return None, errors
    return VoteInput(outcome, rationale, basis, queries, notifiable), {}


# -- the panel's state ------------------------------------------------------------------


def panel_state(votes: Sequence[Vote], *, round: int) -> PanelState:
    """The panel in ``round``: each partner's latest vote and the status they add up to."""
    positions: dict[str, Vote | None] = dict.fromkeys(PARTNERS)
    for vote in votes:
        if vote.partner not in positions:
            raise ValueError(
                f"vote for unknown partner {vote.partner!r}; expected one of {PARTNERS}"
            )
        if not vote.outcome:
            raise ValueError("vote without an outcome")
        if vote.round != round:
            continue
        current = positions[vote.partner]
        if current is None or vote.cast_at >= current.cast_at:
            positions[vote.partner] = vote
    taken = [vote for vote in positions.values() if vote is not None]
    if len(taken) < len(PARTNERS):
        return PanelState(round, positions, "awaiting", None, None)
    outcomes = {vote.outcome for vote in taken}
    if len(outcomes) > 1:
        return PanelState(round, positions, "disagreement", None, None)
    outcome = outcomes.pop()
    if outcome == "queries":
        return PanelState(round, positions, "queries", outcome, max(vote.cast_at for vote in taken))
    # The same decision with different answers to "notifiable?" is not yet agreement.
    answers = {vote.notifiable for vote in taken}
    if len(answers) > 1:
        return PanelState(round, positions, "disagreement", None, None)
    return PanelState(
        round, positions, "agreed", outcome, max(vote.cast_at for vote in taken), answers.pop()
    )


def visible_positions(
    state: PanelState, *, viewer_partner: str | None, hide_until_all_voted: bool
) -> dict[str, Vote | None]:
    """The positions a viewer may see: only their own partner's while others are hidden."""
    if hide_until_all_voted and state.status == "awaiting":
        return {
            partner: vote if partner == viewer_partner else None
            for partner, vote in state.positions.items()
        }
    return dict(state.positions)


def _agreed_positions(state: PanelState, wanted: str) -> list[tuple[str, Vote]]:
    """The three positions of a state with status ``wanted``, or ValueError."""
    if state.status != wanted:
        raise ValueError(f"the panel's status is {state.status!r}, not {wanted!r}")
    found = [(partner, state.positions.get(partner)) for partner in PARTNERS]
    return [(partner, vote) for partner, vote in found if vote is not None]


def decision_record(state: PanelState) -> DecisionRecord:
    """Section 2.2 for an agreed panel: outcome, time, rationales, bases and deciders."""
    positions = _agreed_positions(state, "agreed")
    if state.outcome is None or state.decided_at is None:
        raise ValueError("an agreed panel state needs an outcome and decided_at")
    return {
        "outcome": state.outcome,
        "decided_at": state.decided_at.isoformat(),
        "rationales": {partner: vote.rationale for partner, vote in positions},
        "serious_harm_basis": {partner: vote.serious_harm_basis for partner, vote in positions},
        "deciders": {
            partner: {"member_id": vote.member_id, "name": vote.member_name}
            for partner, vote in positions
        },
        "notifiable": state.notifiable,
    }


def combined_queries(state: PanelState) -> str:
    """The three partners' questions for the referrer, each under its partner's name."""
    blocks = [
        f"{PARTNER_LABELS[partner]}:\n{vote.queries}"
        for partner, vote in _agreed_positions(state, "queries")
        if vote.queries
    ]
    return "\n\n".join(blocks)
