"""The virtual panel's rules: every combination of the three partners' positions against rules
written out by hand here, changes of vote, deputies, rounds, the decision time, what a viewer
may see, the checks on a vote, and property tests over arbitrary sequences of votes.

Times are Monday 23 and Tuesday 24 November 2026 (UTC, which is London time in November).
Every person is fictional.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.panel import (
    MAX_TEXT,
    OUTCOMES,
    PARTNER_LABELS,
    PARTNERS,
    STATUSES,
    PanelState,
    Vote,
    VoteInput,
    combined_queries,
    decision_record,
    panel_state,
    validate_vote,
    visible_positions,
)
from review.roster import STATUTORY_PARTNERS

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MEMBERS = {
    "la": (11, "Alex Demo"),
    "police": (21, "Pat Constable"),
    "health": (31, "Robin Sample"),
}
DEPUTIES = {
    "la": (12, "Lee Deputy"),
    "police": (22, "Chris Deputy"),
    "health": (32, "Sam Deputy"),
}
OUTCOME_IDS = tuple(OUTCOMES)


def at(minutes: int) -> datetime:
    """``minutes`` after 09:00 on Monday 23 November 2026."""
    return START + timedelta(minutes=minutes)


def vote(
    partner: str,
    outcome: str,
    minutes: int = 0,
    *,
    round: int = 1,
    deputy: bool = False,
    rationale: str | None = None,
) -> Vote:
    """A vote for ``partner`` by its panel member (or deputy), cast ``minutes`` after 09:00."""
    member_id, name = (DEPUTIES if deputy else MEMBERS)[partner]
    return Vote(
        partner=partner,
        member_id=member_id,
        member_name=name,
        outcome=outcome,
        rationale=rationale or f"{partner} rationale for {outcome}",
        serious_harm_basis=f"{partner} basis" if outcome == "rapid_review" else None,
        queries=f"{partner} question?" if outcome == "queries" else None,
        cast_at=at(minutes),
        round=round,
    )


def hand_rules(positions: Sequence[str | None]) -> tuple[str, str | None]:
    """The status and outcome of three positions, by the rules of section 2.1 written out."""
    if None in positions:
        return "awaiting", None
    first = positions[0]
    if all(position == first for position in positions):
        if first == "queries":
            return "queries", "queries"
        return "agreed", first
    return "disagreement", None


# -- the outcomes and partners ----------------------------------------------------------


def test_outcomes_are_section_2_1_in_order() -> None:
    assert [(info.id, info.label) for info in OUTCOMES.values()] == [
        ("rapid_review", "Meets threshold for Rapid Review"),
        ("practice_review", "Meets threshold for a case practice review, but not a Rapid Review"),
        ("escalation", "Meets criteria for Escalation"),
        (
            "no_response",
            "Does not require a partnership response (an alternative process such as "
            "SAR / DHR is more appropriate)",
        ),
        ("queries", "Queries back to referrer before a decision can be made"),
    ]
    assert all(key == info.id and info.short_label for key, info in OUTCOMES.items())


def test_partners_are_the_statutory_partners() -> None:
    assert PARTNERS == STATUTORY_PARTNERS == ("la", "police", "health")
    assert PARTNER_LABELS == {"la": "Local Authority", "police": "Police", "health": "Health"}


# -- every combination of positions -----------------------------------------------------

COMBINATIONS = list(itertools.product((None, *OUTCOME_IDS), repeat=3))


def test_the_table_covers_every_combination() -> None:
    complete = [c for c in COMBINATIONS if None not in c]
    assert len(complete) == 5**3
    assert len(COMBINATIONS) == 6**3


@pytest.mark.parametrize("positions", COMBINATIONS, ids=lambda c: "-".join(map(str, c)))
def test_status_of_every_combination(positions: tuple[str | None, ...]) -> None:
    votes = [
        vote(partner, outcome, minutes=10 * (index + 1))
        for index, (partner, outcome) in enumerate(zip(PARTNERS, positions, strict=True))
        if outcome is not None
    ]
    state = panel_state(votes, round=1)
    status, outcome = hand_rules(positions)
    assert (state.status, state.outcome) == (status, outcome)
    assert state.round == 1
    assert list(state.positions) == list(PARTNERS)
    for partner, position in zip(PARTNERS, positions, strict=True):
        found = state.positions[partner]
        assert (found.outcome if found else None) == position
    if status in ("agreed", "queries"):
        assert state.decided_at == at(30)
    else:
        assert state.decided_at is None


def test_the_order_the_votes_are_given_in_does_not_matter() -> None:
    votes = [vote("health", "escalation", 30), vote("la", "escalation", 10)]
    votes.append(vote("police", "escalation", 20))
    for ordering in itertools.permutations(votes):
        state = panel_state(ordering, round=1)
        assert (state.status, state.outcome, state.decided_at) == ("agreed", "escalation", at(30))


def test_no_votes_is_awaiting_everyone() -> None:
    state = panel_state([], round=1)
    assert state == PanelState(1, dict.fromkeys(PARTNERS), "awaiting", None, None)


# -- changes, deputies and history ------------------------------------------------------


def test_a_partners_later_vote_replaces_its_earlier_one() -> None:
    votes = [
        vote("la", "rapid_review", 0),
        vote("police", "rapid_review", 5),
        vote("health", "practice_review", 10),
        vote("health", "rapid_review", 20),
    ]
    state = panel_state(votes, round=1)
    assert (state.status, state.outcome, state.decided_at) == ("agreed", "rapid_review", at(20))
    assert state.positions["health"] == votes[3]


def test_history_of_earlier_votes_does_not_count() -> None:
    # The Local Authority agreed at first, then changed its mind: the panel now disagrees.
    votes = [
        vote("la", "rapid_review", 0),
        vote("police", "rapid_review", 5),
        vote("health", "rapid_review", 10),
        vote("la", "practice_review", 15),
    ]
    state = panel_state(votes, round=1)
    assert (state.status, state.outcome, state.decided_at) == ("disagreement", None, None)
    later = panel_state([*votes, vote("la", "rapid_review", 25)], round=1)
    assert (later.status, later.decided_at) == ("agreed", at(25))


def test_a_later_vote_counts_even_when_given_first() -> None:
    votes = [vote("la", "escalation", 30), vote("la", "queries", 10)]
    assert panel_state(votes, round=1).positions["la"] == votes[0]


def test_of_votes_cast_at_the_same_instant_the_one_given_last_counts() -> None:
    first, second = vote("police", "escalation", 10), vote("police", "no_response", 10)
    assert panel_state([first, second], round=1).positions["police"] == second
    assert panel_state([second, first], round=1).positions["police"] == first


def test_a_deputys_vote_counts_for_the_partner() -> None:
    votes = [
        vote("la", "no_response", 0),
        vote("police", "no_response", 5, deputy=True),
        vote("health", "no_response", 10),
    ]
    state = panel_state(votes, round=1)
    assert (state.status, state.outcome) == ("agreed", "no_response")
    assert state.positions["police"] is votes[1]
    assert decision_record(state)["deciders"]["police"] == {"member_id": 22, "name": "Chris Deputy"}


def test_a_deputy_can_change_the_members_vote_and_the_other_way_round() -> None:
    votes = [vote("health", "rapid_review", 0), vote("health", "escalation", 5, deputy=True)]
    assert panel_state(votes, round=1).positions["health"] == votes[1]
    votes.append(vote("health", "practice_review", 9))
    assert panel_state(votes, round=1).positions["health"] == votes[2]


# -- rounds -----------------------------------------------------------------------------


def test_votes_of_an_earlier_round_are_ignored() -> None:
    first_round = [vote(partner, "queries", i, round=1) for i, partner in enumerate(PARTNERS)]
    assert panel_state(first_round, round=1).status == "queries"
    second = panel_state([*first_round, vote("la", "rapid_review", 60, round=2)], round=2)
    assert second.round == 2
    assert second.status == "awaiting"
    assert second.positions == {"la": second.positions["la"], "police": None, "health": None}
    assert second.positions["la"] is not None and second.positions["la"].round == 2


def test_an_earlier_rounds_later_vote_does_not_replace_this_rounds() -> None:
    # A round-1 vote with a later timestamp (clock skew, a replay) still does not count.
    votes = [vote("la", "rapid_review", 10, round=2), vote("la", "escalation", 90, round=1)]
    assert panel_state(votes, round=2).positions["la"] == votes[0]


def test_round_two_agrees_on_its_own_votes() -> None:
    votes = [vote(partner, "queries", i, round=1) for i, partner in enumerate(PARTNERS)]
    votes += [
        vote(partner, "practice_review", 100 + i, round=2) for i, partner in enumerate(PARTNERS)
    ]
    state = panel_state(votes, round=2)
    assert (state.status, state.outcome, state.decided_at) == ("agreed", "practice_review", at(102))


# -- decided_at -------------------------------------------------------------------------


def test_decided_at_is_the_third_agreeing_vote_even_when_it_is_a_change() -> None:
    # Police first voted escalation at 09:05, then changed to Rapid Review at 09:40 — after
    # Health's agreeing vote at 09:30. The third agreeing position was taken at 09:40.
    votes = [
        vote("la", "rapid_review", 0),
        vote("police", "escalation", 5),
        vote("health", "rapid_review", 30),
        vote("police", "rapid_review", 40),
    ]
    assert panel_state(votes, round=1).decided_at == at(40)


def test_decided_at_is_the_latest_of_the_three_current_positions() -> None:
    # The Local Authority voted Rapid Review twice, the second time after the others agreed:
    # the three current positions are 09:20, 09:10 and 09:15, so the decision is at 09:20.
    votes = [
        vote("la", "rapid_review", 0),
        vote("police", "rapid_review", 10),
        vote("health", "rapid_review", 15),
        vote("la", "rapid_review", 20, rationale="Rationale with more detail"),
    ]
    state = panel_state(votes, round=1)
    assert state.decided_at == at(20) == max(v.cast_at for v in state.positions.values() if v)
    assert decision_record(state)["rationales"]["la"] == "Rationale with more detail"


def test_decided_at_keeps_its_time_zone() -> None:
    votes = [vote(partner, "escalation", i) for i, partner in enumerate(PARTNERS)]
    state = panel_state(votes, round=1)
    assert state.decided_at is not None and state.decided_at.tzinfo is UTC
    assert decision_record(state)["decided_at"] == "2026-11-23T09:02:00+00:00"


# -- what a viewer may see --------------------------------------------------------------


def two_voted() -> PanelState:
    """The Local Authority and Police have voted; Health has not."""
    return panel_state([vote("la", "rapid_review", 0), vote("police", "escalation", 5)], round=1)


@pytest.mark.parametrize(
    ("viewer", "seen"),
    [
        ("la", {"la"}),
        ("police", {"police"}),
        ("health", set()),  # Health has not voted: nothing of its own to see
        (None, set()),  # the channel, or someone of no partner
        ("somewhere_else", set()),
    ],
)
def test_while_hidden_a_viewer_sees_only_their_own_partners_position(
    viewer: str | None, seen: set[str]
) -> None:
    state = two_voted()
    shown = visible_positions(state, viewer_partner=viewer, hide_until_all_voted=True)
    assert list(shown) == list(PARTNERS)
    assert {partner for partner, position in shown.items() if position is not None} == seen
    for partner in seen:
        assert shown[partner] is state.positions[partner]


@pytest.mark.parametrize("viewer", [None, "la", "health"])
def test_without_hiding_everyone_sees_every_position(viewer: str | None) -> None:
    state = two_voted()
    shown = visible_positions(state, viewer_partner=viewer, hide_until_all_voted=False)
    assert shown == state.positions
    shown["la"] = None
    assert state.positions["la"] is not None, "the state's positions must not be handed out"


@pytest.mark.parametrize(
    "outcomes",
    [
        ("rapid_review",) * 3,
        ("queries",) * 3,
        ("rapid_review", "escalation", "rapid_review"),
    ],
)
def test_once_all_three_have_voted_everyone_sees_every_position(outcomes: tuple[str, ...]) -> None:
    state = panel_state(
        [vote(p, o, i) for i, (p, o) in enumerate(zip(PARTNERS, outcomes, strict=True))], round=1
    )
    assert state.status != "awaiting"
    for viewer in (None, "la", "police", "health"):
        shown = visible_positions(state, viewer_partner=viewer, hide_until_all_voted=True)
        assert shown == state.positions


# -- the decision record and the questions ----------------------------------------------


def test_decision_record_is_section_2_2() -> None:
    votes = [
        vote("la", "rapid_review", 0),
        vote("police", "rapid_review", 10, deputy=True),
        vote("health", "rapid_review", 20),
    ]
    assert decision_record(panel_state(votes, round=1)) == {
        "outcome": "rapid_review",
        "decided_at": "2026-11-23T09:20:00+00:00",
        "rationales": {
            "la": "la rationale for rapid_review",
            "police": "police rationale for rapid_review",
            "health": "health rationale for rapid_review",
        },
        "serious_harm_basis": {
            "la": "la basis",
            "police": "police basis",
            "health": "health basis",
        },
        "deciders": {
            "la": {"member_id": 11, "name": "Alex Demo"},
            "police": {"member_id": 22, "name": "Chris Deputy"},
            "health": {"member_id": 31, "name": "Robin Sample"},
        },
        "notifiable": None,
    }


def test_decision_record_without_a_rapid_review_has_no_bases() -> None:
    votes = [vote(partner, "escalation", i) for i, partner in enumerate(PARTNERS)]
    record = decision_record(panel_state(votes, round=1))
    assert record["outcome"] == "escalation"
    assert record["serious_harm_basis"] == {"la": None, "police": None, "health": None}


@pytest.mark.parametrize(
    "outcomes",
    [
        ("rapid_review", "rapid_review", None),
        ("rapid_review", "escalation", "rapid_review"),
        ("queries", "queries", "queries"),
    ],
)
def test_decision_record_only_for_an_agreed_panel(outcomes: tuple[str | None, ...]) -> None:
    votes = [vote(p, o, i) for i, (p, o) in enumerate(zip(PARTNERS, outcomes, strict=True)) if o]
    with pytest.raises(ValueError, match="not 'agreed'"):
        decision_record(panel_state(votes, round=1))


def test_combined_queries_names_each_partner() -> None:
    votes = [vote(partner, "queries", i) for i, partner in enumerate(reversed(PARTNERS))]
    votes[0] = replace(votes[0], queries="When was the last health visit?\nWho attended?")
    assert combined_queries(panel_state(votes, round=1)) == (
        "Local Authority:\nla question?\n\n"
        "Police:\npolice question?\n\n"
        "Health:\nWhen was the last health visit?\nWho attended?"
    )


def test_combined_queries_only_when_all_three_asked() -> None:
    votes = [
        vote("la", "queries", 0),
        vote("police", "queries", 1),
        vote("health", "escalation", 2),
    ]
    with pytest.raises(ValueError, match="not 'queries'"):
        combined_queries(panel_state(votes, round=1))


def test_a_vote_for_no_partner_or_without_an_outcome_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown partner"):
        panel_state([replace(vote("la", "escalation"), partner="fire")], round=1)
    with pytest.raises(ValueError, match="without an outcome"):
        panel_state([replace(vote("la", "escalation"), outcome="")], round=1)
    # A partnership's own decision id counts like any other (the profile checks the ids).
    own = [replace(vote(p, "escalation", i), outcome="walk_in") for i, p in enumerate(PARTNERS)]
    assert panel_state(own, round=1).outcome == "walk_in"


def test_the_same_decision_with_different_answers_to_notifiable_is_not_yet_agreed() -> None:
    votes = [
        replace(vote("la", "practice_review", 1), notifiable=True),
        replace(vote("police", "practice_review", 2), notifiable=True),
        replace(vote("health", "practice_review", 3), notifiable=False),
    ]
    assert panel_state(votes, round=1).status == "disagreement"
    votes.append(replace(vote("health", "practice_review", 4), notifiable=True))
    state = panel_state(votes, round=1)
    assert (state.status, state.outcome, state.notifiable) == ("agreed", "practice_review", True)
    assert decision_record(state)["notifiable"] is True
    # Queries say nothing about it.
    asked = [replace(vote(p, "queries", i), queries="Q?") for i, p in enumerate(PARTNERS)]
    assert panel_state(asked, round=1).notifiable is None


def test_where_the_panel_is_asked_notifiable_every_decision_but_queries_answers_it() -> None:
    raw = {"outcome": "practice_review", "rationale": RATIONALE}
    vote_in, errors = validate_vote(raw, asks_notifiable=True)
    assert vote_in is None
    assert errors == {"notifiable": "Say whether the incident is notifiable to the National Panel."}
    vote_in, errors = validate_vote({**raw, "notifiable": "no"}, asks_notifiable=True)
    assert errors == {} and vote_in is not None and vote_in.notifiable is False
    assert validate_vote({**raw, "notifiable": "perhaps"}, asks_notifiable=True)[1]
    assert validate_vote({**raw, "notifiable": ["yes"]}, asks_notifiable=True)[1] == {
        "notifiable": UNREADABLE
    }
    queries = {"outcome": "queries", "rationale": RATIONALE, "queries": "Who?"}
    assert validate_vote(queries, asks_notifiable=True)[1] == {}
    # Not asked: not read.
    assert validate_vote({**raw, "notifiable": "yes"})[0] == VoteInput(
        "practice_review", RATIONALE, None, None
    )


# -- checking a vote from the card ------------------------------------------------------

UNREADABLE = "We could not read this answer. Please give it again."
RATIONALE = "Abuse is suspected and the injury is serious."
BASIS = "Long-term impairment of physical health is likely."
QUESTIONS = "Was the family known to early help?"
TOO_LONG = "Keep this to 4,000 characters or fewer (it is 4,001)."
CHOOSE = "Choose one of the decisions."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"outcome": "rapid_review", "rationale": RATIONALE, "serious_harm_basis": BASIS},
            VoteInput("rapid_review", RATIONALE, BASIS, None),
        ),
        (  # texts not for this outcome are dropped
            {
                "outcome": "practice_review",
                "rationale": RATIONALE,
                "serious_harm_basis": BASIS,
                "queries": QUESTIONS,
            },
            VoteInput("practice_review", RATIONALE, None, None),
        ),
        (
            {"outcome": "queries", "rationale": RATIONALE, "queries": QUESTIONS, "x": 1},
            VoteInput("queries", RATIONALE, None, QUESTIONS),
        ),
        (  # wrong types where the outcome does not need the text are dropped too
            {"outcome": "escalation", "rationale": RATIONALE, "serious_harm_basis": 5},
            VoteInput("escalation", RATIONALE, None, None),
        ),
        (
            {"outcome": " no_response ", "rationale": "  Line one\r\nline two   \r\n"},
            VoteInput("no_response", "Line one\nline two", None, None),
        ),
        (  # control characters dropped; tabs and line breaks kept
            {"outcome": "escalation", "rationale": "a\x00b\tc\u2028d"},
            VoteInput("escalation", "ab\tc\nd", None, None),
        ),
        (
            {"outcome": "escalation", "rationale": "x" * MAX_TEXT},
            VoteInput("escalation", "x" * MAX_TEXT, None, None),
        ),
    ],
)
def test_valid_votes(raw: dict[str, Any], expected: VoteInput) -> None:
    assert validate_vote(raw) == (expected, {})


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ({}, {"outcome": CHOOSE, "rationale": "Give the rationale for the decision."}),
        ({"outcome": "escalation"}, {"rationale": "Give the rationale for the decision."}),
        (
            {"outcome": "escalation", "rationale": " \n\t "},
            {"rationale": "Give the rationale for the decision."},
        ),
        ({"outcome": "escalation", "rationale": "x" * (MAX_TEXT + 1)}, {"rationale": TOO_LONG}),
        ({"outcome": "", "rationale": RATIONALE}, {"outcome": CHOOSE}),
        (
            {"outcome": "maybe", "rationale": RATIONALE},
            {"outcome": "Choose one of the decisions from the list."},
        ),
        (
            {"outcome": "rapid_review", "rationale": RATIONALE},
            {
                "serious_harm_basis": "For a Rapid Review, say how the serious harm criteria "
                "were determined."
            },
        ),
        (
            {"outcome": "rapid_review", "rationale": RATIONALE, "serious_harm_basis": "  "},
            {
                "serious_harm_basis": "For a Rapid Review, say how the serious harm criteria "
                "were determined."
            },
        ),
        (
            {
                "outcome": "rapid_review",
                "rationale": RATIONALE,
                "serious_harm_basis": "y" * (MAX_TEXT + 1),
            },
            {"serious_harm_basis": TOO_LONG},
        ),
        (
            {"outcome": "queries", "rationale": RATIONALE, "serious_harm_basis": BASIS},
            {"queries": "Write the questions the referrer needs to answer."},
        ),
        (
            {"outcome": "queries", "rationale": RATIONALE, "queries": "q" * (MAX_TEXT + 1)},
            {"queries": TOO_LONG},
        ),
        ({"outcome": 5, "rationale": RATIONALE}, {"outcome": UNREADABLE}),
        ({"outcome": ["rapid_review"], "rationale": RATIONALE}, {"outcome": UNREADABLE}),
        ({"outcome": "escalation", "rationale": ["text"]}, {"rationale": UNREADABLE}),
        ({"outcome": "escalation", "rationale": {"a": 1}}, {"rationale": UNREADABLE}),
        (
            {"outcome": "rapid_review", "rationale": RATIONALE, "serious_harm_basis": 3.5},
            {"serious_harm_basis": UNREADABLE},
        ),
        (
            {"outcome": "queries", "rationale": RATIONALE, "queries": True},
            {"queries": UNREADABLE},
        ),
        (
            {"outcome": "escalation", "rationale": "z" * 1_000_000},
            {"rationale": "Keep this to 4,000 characters or fewer (it is over 100,000)."},
        ),
        (
            {"outcome": "q" * 1_000_000, "rationale": None},
            {
                "outcome": "Choose one of the decisions from the list.",
                "rationale": "Give the rationale for the decision.",
            },
        ),
    ],
)
def test_invalid_votes(raw: dict[str, Any], errors: dict[str, str]) -> None:
    assert validate_vote(raw) == (None, errors)


def test_every_limit_message_says_the_limit_in_plain_words() -> None:
    _, errors = validate_vote({"outcome": "escalation", "rationale": "x" * 4321})
    assert errors == {"rationale": "Keep this to 4,000 characters or fewer (it is 4,321)."}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["outcome", "rationale", "serious_harm_basis", "queries", "other"]),
        JSON_VALUES | st.sampled_from([*OUTCOME_IDS, "x" * (MAX_TEXT + 1)]) | st.text(),
    )
)
def test_validate_vote_never_raises(raw: dict[str, Any]) -> None:
    found, errors = validate_vote(raw)
    assert (found is None) == bool(errors)
    if found is not None:
        assert found.outcome in OUTCOMES
        assert 0 < len(found.rationale) <= MAX_TEXT
        assert (found.serious_harm_basis is not None) == (found.outcome == "rapid_review")
        assert (found.queries is not None) == (found.outcome == "queries")
    assert set(errors) <= {"outcome", "rationale", "serious_harm_basis", "queries"}


# -- properties over arbitrary sequences of votes ---------------------------------------

VOTES = st.lists(
    st.builds(
        vote,
        st.sampled_from(PARTNERS),
        st.sampled_from(OUTCOME_IDS),
        st.integers(min_value=0, max_value=6),  # few instants, so ties happen
        round=st.integers(min_value=1, max_value=3),
        deputy=st.booleans(),
    ),
    max_size=14,
)


def latest_by_hand(votes: Sequence[Vote], round: int) -> dict[str, Vote | None]:
    """Each partner's vote of ``round`` with the latest time, the last given on a tie."""
    latest: dict[str, tuple[datetime, int, Vote]] = {}
    for index, each in enumerate(votes):
        if each.round != round:
            continue
        key = (each.cast_at, index, each)
        if each.partner not in latest or key[:2] > latest[each.partner][:2]:
            latest[each.partner] = key
    return {partner: latest[partner][2] if partner in latest else None for partner in PARTNERS}


@settings(max_examples=400, deadline=None)
@given(VOTES, st.integers(min_value=1, max_value=3))
def test_panel_state_follows_the_latest_positions(votes: list[Vote], round: int) -> None:
    state = panel_state(votes, round=round)
    latest = latest_by_hand(votes, round)
    assert state.positions == latest
    assert state.status in STATUSES
    outcomes = [v.outcome if v else None for v in latest.values()]
    equal = None not in outcomes and len(set(outcomes)) == 1
    assert (state.status == "agreed") == (equal and outcomes[0] != "queries")
    assert (state.status == "queries") == (equal and outcomes[0] == "queries")
    assert (state.status, state.outcome) == hand_rules(outcomes)
    if state.status in ("agreed", "queries"):
        assert state.decided_at == max(v.cast_at for v in latest.values() if v)
        assert (
            decision_record(state)["outcome"] == state.outcome
            if state.status == "agreed"
            else combined_queries(state)
        )
    else:
        assert state.decided_at is None
    for viewer in (None, *PARTNERS):
        shown = visible_positions(state, viewer_partner=viewer, hide_until_all_voted=True)
        if state.status == "awaiting":
            assert all(v is None for p, v in shown.items() if p != viewer)
        else:
            assert shown == state.positions
