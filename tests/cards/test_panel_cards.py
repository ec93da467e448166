"""Virtual panel cards: valid for Teams in every state, nothing typed ever reaches the channel,
the automatic refresh stays within Teams' limits, every button names its case, @mentions
match their entities, and the voting view keeps what was typed next to its errors.

All people, agencies and references here are fictional.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from cards.base import escape_markdown, neutralise_text_functions
from cards.gallery import GALLERY
from cards.panel import (
    CAN_OPEN_PANEL,
    CAN_RECORD_OFFLINE,
    CAN_VIEW,
    CAN_VOTE,
    MAX_REFRESH_USERS,
    PANEL_STATUSES,
    VIEWER_ACTIONS,
    PanelView,
    PartnerRow,
    VoteValues,
    VotingView,
    decision_notice_card,
    demo_panel_view,
    demo_voting_view,
    disagreement_notice,
    offline_decision_card,
    panel_card,
    partner_rows,
    queries_answer_card,
    queries_card,
    vote_refused_card,
    vote_time_text,
    vote_values,
    voting_card,
)
from helpers.cards import check_cards, nodes
from review.panel import (
    MAX_TEXT,
    OUTCOMES,
    PARTNER_LABELS,
    PARTNERS,
    PanelState,
    Vote,
    combined_queries,
    panel_state,
    visible_positions,
)

Card = dict[str, Any]
REFERENCE = "SSCP-2026-0001"
MANAGERS = (("29:jo-id", "Jo Sample"), ("29:sam-id", "Sam Manager"))
REFUSAL = "Only the panel members and deputies of an agency can vote for it. Nothing was changed."
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NAMES = {"la": "Alex Demo", "police": "Pat Constable", "health": "Robin Sample"}


def marker(kind: str, partner: str) -> str:
    """A distinctive string that must never appear in a channel card."""
    return f"MARKER-{kind}-{partner}-zq7"


def vote(partner: str, outcome: str, minutes: int, *, round: int = 1) -> Vote:
    """A vote whose free texts are all markers."""
    return Vote(
        partner=partner,
        member_id=PARTNERS.index(partner) + 1,
        member_name=NAMES[partner],
        outcome=outcome,
        rationale=marker("rationale", partner),
        serious_harm_basis=marker("basis", partner),
        queries=marker("queries", partner),
        cast_at=START + timedelta(minutes=minutes),
        round=round,
    )


def view_for(state: PanelState, *, viewer: str | None = None, **changes: Any) -> PanelView:
    """The panel card's view of ``state`` as the bot builds it, hiding votes until all voted."""
    shown = visible_positions(state, viewer_partner=viewer, hide_until_all_voted=True)
    outcome = OUTCOMES[state.outcome].label if state.status == "agreed" and state.outcome else None
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "referring_agency": "Northdale Hospitals NHS Trust",
        "pathway_label": "A: Rapid review",
        "event_date": date(2026, 11, 3),
        "received_date": date(2026, 11, 20),
        "panel_deadline": date(2026, 11, 24),
        "next_deadline": ("Notify the National Panel", date(2026, 11, 27)),
        "status": state.status,
        "outcome_label": outcome,
        "decided_at_text": vote_time_text(state.decided_at) if state.decided_at else None,
        "rows": partner_rows(state.positions, shown),
        "round": state.round,
        "refresh_user_ids": ("29:alex", "29:pat", "29:robin"),
        "manager_mentions": MANAGERS,
    }
    fields.update(changes)
    return PanelView(**fields)


STATES = {
    "awaiting_none": [],
    "awaiting_two": [vote("la", "rapid_review", 0), vote("police", "escalation", 5)],
    "agreed": [vote(p, "rapid_review", i) for i, p in enumerate(PARTNERS)],
    "queries": [vote(p, "queries", i) for i, p in enumerate(PARTNERS)],
    "disagreement": [
        vote("la", "rapid_review", 0),
        vote("police", "practice_review", 5),
        vote("health", "rapid_review", 9),
    ],
}


def state(name: str) -> PanelState:
    """One of the example panels."""
    return panel_state(STATES[name], round=1)


def actions(card: Card) -> list[dict[str, Any]]:
    """Every action of a card: at the bottom, in an ActionSet or in ``refresh``."""
    return [n for n in nodes(card) if str(n.get("type", "")).startswith("Action.")]


def buttons(card: Card) -> list[tuple[str, str | None, Any]]:
    """(title, verb, data) of the card-level buttons."""
    return [(a["title"], a.get("verb"), a.get("data")) for a in card.get("actions", [])]


def inputs(card: Card) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {n["id"]: n for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}


def texts(card: Card) -> str:
    """Every string shown on a card, joined (text, titles, values, labels)."""
    found: list[str] = []
    for node in nodes(card):
        for key in ("text", "title", "value", "label", "placeholder"):
            if isinstance(node.get(key), str):
                found.append(node[key])
    return "\n".join(found)


def text_blocks(card: Card) -> list[str]:
    """The text of every TextBlock."""
    return [n["text"] for n in nodes(card) if n.get("type") == "TextBlock"]


def rich_texts(card: Card) -> list[str]:
    """The text of every RichTextBlock, its runs joined."""
    return [
        "".join(run["text"] for run in n["inlines"])
        for n in nodes(card)
        if n.get("type") == "RichTextBlock"
    ]


def voting(**changes: Any) -> VotingView:
    """Pat Constable's voting view for Police."""
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "round": 1,
        "partner": "police",
        "partner_label": "Police",
        "member_name": "Pat Constable",
        "current": None,
        "errors": {},
        "others": (),
        "hidden_note": None,
    }
    fields.update(changes)
    return VotingView(**fields)


def all_cards() -> dict[str, Card]:
    """One of every panel card in every state."""
    cards: dict[str, Card] = {}
    for name in STATES:
        cards[f"panel_{name}"] = panel_card(view_for(state(name)))
    cards["panel_closed"] = panel_card(
        view_for(state("agreed"), status="closed", refresh_user_ids=())
    )
    cards["panel_closed_no_outcome"] = panel_card(
        view_for(state("awaiting_none"), status="closed", outcome_label=None)
    )
    cards["panel_no_deadlines_round_2"] = panel_card(
        view_for(
            panel_state([vote("la", "escalation", 90, round=2)], round=2),
            panel_deadline=None,
            next_deadline=None,
            refresh_user_ids=(),
            manager_mentions=(),
            actions=frozenset({CAN_VOTE, CAN_VIEW}),
        )
    )
    for name in ("awaiting_two", "disagreement", "agreed"):
        cards[f"panel_{name}_for_a_manager"] = panel_card(
            view_for(state(name), actions=frozenset({CAN_VIEW, CAN_RECORD_OFFLINE}))
        )
    cards["panel_disagreement_no_managers"] = panel_card(
        view_for(state("disagreement"), manager_mentions=())
    )
    cards["panel_many_refresh_users"] = panel_card(
        view_for(state("awaiting_two"), refresh_user_ids=tuple(f"29:u{i}" for i in range(100)))
    )
    two = state("awaiting_two")
    police_sees = visible_positions(two, viewer_partner="police", hide_until_all_voted=True)
    others = tuple(
        row for row in partner_rows(two.positions, police_sees) if row.partner != "police"
    )
    cards["voting_fresh"] = voting_card(voting(others=others, hidden_note="Hidden until all vote."))
    cards["voting_current"] = voting_card(voting(current=two.positions["police"], others=others))
    cards["voting_errors"] = voting_card(
        voting(
            current=VoteValues(outcome="rapid_review", rationale="My rationale"),
            errors={
                "serious_harm_basis": "For a Rapid Review, say how the serious harm criteria "
                "were determined.",
                "round": "Voting has moved on.",
            },
        )
    )
    cards["voting_all_errors_round_3"] = voting_card(
        voting(
            round=3,
            current=VoteValues(),
            errors={key: "Check this." for key in ("outcome", "rationale", "queries")},
        )
    )
    cards["voting_at_limits"] = voting_card(
        voting(
            current=VoteValues(
                outcome="queries",
                rationale="word " * (MAX_TEXT // 5),
                serious_harm_basis="x" * MAX_TEXT,
                queries="y" * MAX_TEXT,
            )
        )
    )
    cards["refused_no_panel"] = vote_refused_card(reference=REFERENCE, reason=REFUSAL, panel=None)
    cards["refused_with_panel"] = vote_refused_card(
        reference=REFERENCE, reason=REFUSAL, panel=view_for(state("awaiting_two"))
    )
    cards["refused_disagreement"] = vote_refused_card(
        reference=REFERENCE, reason=REFUSAL, panel=view_for(state("disagreement"))
    )
    cards["offline_empty"] = offline_decision_card(reference=REFERENCE, errors={}, values={})
    cards["offline_errors"] = offline_decision_card(
        reference=REFERENCE,
        errors={
            "outcome": "Choose the decision the partners reached.",
            "rationale": "Give the rationale for the decision.",
            "form": "Something else went wrong.",
        },
        values={"outcome": "nonsense", "decided_how": "Phone call between the three partners"},
    )
    cards["decision_notice"] = decision_notice_card(
        reference=REFERENCE,
        outcome_label=OUTCOMES["rapid_review"].label,
        decided_at_text="14:05 Tue 24 Nov 2026",
        next_steps=(("The National Panel is notified", date(2026, 11, 27)),),
    )
    cards["decision_notice_no_steps"] = decision_notice_card(
        reference=REFERENCE,
        outcome_label=OUTCOMES["no_response"].label,
        decided_at_text="14:05 Tue 24 Nov 2026",
        next_steps=(),
    )
    cards["queries"] = queries_card(
        reference=REFERENCE, round=1, questions=combined_queries(state("queries"))
    )
    cards["queries_again"] = queries_card(
        reference=REFERENCE,
        round=2,
        questions="Who was at the strategy meeting?",
        answer="a" * (MAX_TEXT + 50),
        error="Keep your answer under 4000 characters (it is 4050).",
    )
    cards["queries_answer"] = queries_answer_card(reference=REFERENCE, round=2)
    cards["disagreement_notice"] = disagreement_notice(
        reference=REFERENCE, manager_mentions=MANAGERS
    )
    cards["disagreement_notice_no_managers"] = disagreement_notice(
        reference=REFERENCE, manager_mentions=()
    )
    return cards


# -- valid for Teams --------------------------------------------------------------------


def test_every_panel_card_is_valid() -> None:
    cards = all_cards()
    check_cards(list(cards.values()), labels=list(cards))


def test_the_gallery_has_every_panel_card() -> None:
    assert {
        "panel_awaiting",
        "panel_disagreement",
        "panel_decided",
        "voting_view",
        "voting_view_errors",
        "vote_refused",
        "offline_decision",
        "decision_notice",
        "queries",
        "queries_answer",
        "disagreement_notice",
    } <= set(GALLERY)


@pytest.mark.parametrize("status", PANEL_STATUSES)
def test_every_demo_panel_is_valid(status: str) -> None:
    check_cards([panel_card(demo_panel_view(status))], labels=[status])


def test_an_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown panel status"):
        panel_card(replace(demo_panel_view(), status="sealed"))


# -- nothing typed reaches the channel --------------------------------------------------


def channel_cards() -> dict[str, Card]:
    """Every card posted in the channel or its threads, built from votes full of markers."""
    cards = {
        name: card
        for name, card in all_cards().items()
        if name.startswith(("panel_", "disagreement_notice", "queries_answer"))
    }
    for name in STATES:  # shown to everyone, i.e. as the panel sees it once all have voted
        shown = panel_state(STATES[name], round=1)
        everyone = partner_rows(shown.positions, shown.positions)
        cards[f"panel_{name}_all_visible"] = panel_card(view_for(shown, rows=everyone))
    return cards


def test_channel_cards_hold_no_rationale_basis_or_questions() -> None:
    for name, card in channel_cards().items():
        dumped = json.dumps(card)
        assert "MARKER" not in dumped, name
        assert "zq7" not in dumped, name


def test_the_markers_do_reach_the_voting_view_so_the_scan_is_meaningful() -> None:
    card = all_cards()["voting_current"]
    assert inputs(card)["rationale"]["value"] == marker("rationale", "police")
    assert "MARKER" in json.dumps(all_cards()["queries"])


def test_the_answer_is_not_in_the_thread_card() -> None:
    card = queries_answer_card(reference=REFERENCE, round=2)
    shown = texts(card)
    assert "the referrer has answered the panel's questions; voting is open again" in shown
    assert "View referral" in shown
    assert not inputs(card)


def test_hidden_outcomes_are_not_in_the_panel_card() -> None:
    card = panel_card(view_for(state("awaiting_two")))
    shown = texts(card) + "\n".join(rich_texts(card))
    for info in OUTCOMES.values():
        assert info.short_label not in shown and info.label not in shown
    assert "Voted 09:00 Mon 23 Nov by Alex Demo" in rich_texts(card)
    assert "Voted 09:05 Mon 23 Nov by Pat Constable" in rich_texts(card)
    assert "Awaiting vote" in rich_texts(card)


def test_outcomes_are_shown_when_given() -> None:
    card = panel_card(view_for(state("disagreement")))
    shown = rich_texts(card)
    assert shown.count("Rapid Review") == 2
    assert shown.count("Case practice review") == 1


# -- the live panel card ----------------------------------------------------------------


def test_panel_card_header_facts_and_rows() -> None:
    card = panel_card(view_for(state("awaiting_two")))
    assert card["body"][0]["text"] == f"Virtual panel — {REFERENCE}"
    facts = {f["title"]: f["value"] for n in nodes(card) for f in n.get("facts", [])}
    assert facts == {
        "Referring agency": "Northdale Hospitals NHS Trust",
        "Pathway sought": "A: Rapid review",
        "Date of the event": "Tue 3 Nov 2026",
        "Received": "Fri 20 Nov 2026",
        "Panel deadline": "Tue 24 Nov 2026",
        "Next deadline": "Notify the National Panel: Fri 27 Nov 2026",
    }
    labels = [t for t in text_blocks(card) if t in PARTNER_LABELS.values()]
    assert labels == ["Local Authority", "Police", "Health"]


def test_panel_card_without_deadlines_in_round_two() -> None:
    card = all_cards()["panel_no_deadlines_round_2"]
    facts = {f["title"]: f["value"] for n in nodes(card) for f in n.get("facts", [])}
    assert "Panel deadline" not in facts and "Next deadline" not in facts
    assert facts["Voting round"] == "2 (after the referrer's answers)"


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("awaiting_none", "Waiting for 3 of 3 partners"),
        ("awaiting_two", "Waiting for 1 of 3 partners"),
        ("agreed", "Decided: Meets threshold for Rapid Review at 09:02 Mon 23 Nov"),
        ("queries", "Questions sent back to the referrer at 09:02 Mon 23 Nov."),
        ("disagreement", "The partners disagree — managers: please convene a discussion"),
    ],
)
def test_status_line(name: str, line: str) -> None:
    shown = "\n".join(text_blocks(panel_card(view_for(state(name)))))
    assert line in shown


def test_status_line_waiting_for_two() -> None:
    one = panel_state([vote("health", "escalation", 3)], round=1)
    assert "Waiting for 2 of 3 partners" in text_blocks(panel_card(view_for(one)))


def test_closed_status_line() -> None:
    shown = text_blocks(all_cards()["panel_closed"])
    assert "The virtual panel is closed: Meets threshold for Rapid Review at 09:02 Mon 23 Nov" in (
        shown
    )


OPEN_BUTTONS = [
    ("Vote", "panel.vote_open", {"reference": REFERENCE, "round": 1}),
    ("View referral", "case.view", {"reference": REFERENCE}),
    ("Record an off-line decision", "panel.offline_open", {"reference": REFERENCE}),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("awaiting_none", OPEN_BUTTONS),
        ("awaiting_two", OPEN_BUTTONS),
        ("disagreement", OPEN_BUTTONS),
        ("queries", OPEN_BUTTONS[1:]),
        ("agreed", OPEN_BUTTONS[1:2]),
    ],
)
def test_panel_buttons(name: str, expected: list[tuple[str, str, Any]]) -> None:
    """Drawn for someone who may press everything (a manager who is a panel member too)."""
    card = panel_card(view_for(state(name), actions=VIEWER_ACTIONS))
    assert buttons(card) == expected
    assert all(a["type"] == "Action.Execute" for a in card["actions"])


MY_OPTIONS = [("Show my options", "panel.refresh", {"reference": REFERENCE})]


@pytest.mark.parametrize("name", ["awaiting_none", "disagreement", "queries", "agreed"])
def test_the_card_everyone_sees_has_only_the_button_everyone_may_press(name: str) -> None:
    assert buttons(panel_card(view_for(state(name)))) == MY_OPTIONS


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (frozenset({CAN_VOTE, CAN_VIEW}), OPEN_BUTTONS[:2]),  # a panel member or deputy
        (frozenset({CAN_VIEW, CAN_RECORD_OFFLINE, CAN_OPEN_PANEL}), OPEN_BUTTONS[1:]),  # manager
        (frozenset({CAN_VIEW}), OPEN_BUTTONS[1:2]),  # the chair, the referrer
        (frozenset(), [("Refresh", "panel.refresh", {"reference": REFERENCE})]),  # no one
    ],
)
def test_each_viewer_sees_the_buttons_they_may_press(
    actions: frozenset[str], expected: list[tuple[str, str, Any]]
) -> None:
    assert buttons(panel_card(view_for(state("awaiting_none"), actions=actions))) == expected


def test_closed_panel_only_views_the_referral() -> None:
    card = panel_card(replace(view_for(state("agreed"), actions=VIEWER_ACTIONS), status="closed"))
    assert buttons(card) == OPEN_BUTTONS[1:2]


def test_the_vote_button_names_the_round() -> None:
    card = all_cards()["panel_no_deadlines_round_2"]
    assert buttons(card)[0] == ("Vote", "panel.vote_open", {"reference": REFERENCE, "round": 2})


# -- refresh ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["awaiting_none", "awaiting_two", "disagreement"])
def test_an_open_panel_refreshes_for_its_members(name: str) -> None:
    card = panel_card(view_for(state(name)))
    assert card["refresh"] == {
        "action": {
            "type": "Action.Execute",
            "verb": "panel.refresh",
            "data": {"reference": REFERENCE},
        },
        "userIds": ["29:alex", "29:pat", "29:robin"],
    }


def test_refresh_is_for_at_most_60_users() -> None:
    card = all_cards()["panel_many_refresh_users"]
    assert card["refresh"]["userIds"] == [f"29:u{i}" for i in range(MAX_REFRESH_USERS)]
    assert MAX_REFRESH_USERS == 60


def test_refresh_users_are_listed_once() -> None:
    view = view_for(state("awaiting_two"), refresh_user_ids=("29:a", "29:b", "29:a", ""))
    assert panel_card(view)["refresh"]["userIds"] == ["29:a", "29:b"]


@pytest.mark.parametrize("name", ["agreed", "queries"])
def test_a_decided_panel_still_refreshes_for_those_who_may_read_the_referral(name: str) -> None:
    assert panel_card(view_for(state(name)))["refresh"]["userIds"] == [
        "29:alex",
        "29:pat",
        "29:robin",
    ]


def test_no_refresh_without_users() -> None:
    assert "refresh" not in panel_card(view_for(state("awaiting_two"), refresh_user_ids=()))


def test_refused_card_does_not_refresh() -> None:
    assert "refresh" not in all_cards()["refused_with_panel"]


# -- every action names its case --------------------------------------------------------


def test_every_execute_action_has_a_verb_and_the_reference() -> None:
    for name, card in all_cards().items():
        found = actions(card)
        assert found, name
        for action in found:
            if action["type"] == "Action.Execute":
                assert action["verb"], (name, action)
                assert action["data"]["reference"] == REFERENCE, (name, action)
            else:
                assert action["type"] == "Action.Submit", (name, action)
                if action["data"]["action"] == "queries.answer":
                    assert action["data"]["reference"] == REFERENCE, (name, action)
                else:
                    assert action["data"] == {"action": "referral.mine"}, (name, action)


def test_my_referrals_is_the_only_action_without_a_reference() -> None:
    notice = all_cards()["decision_notice"]
    assert buttons(notice) == [
        ("View referral", "case.view", {"reference": REFERENCE, "back": "notice"}),
        ("My referrals", None, {"action": "referral.mine"}),
    ]


# -- mentions ---------------------------------------------------------------------------

AT = re.compile(r"<at>.*?</at>")


def mentions_match(card: Card) -> list[dict[str, Any]]:
    """Assert every ``<at>`` text has its entity and back; return the entities."""
    entities = card.get("msteams", {}).get("entities", [])
    at_texts = [found for text in text_blocks(card) for found in AT.findall(text)]
    assert sorted(e["text"] for e in entities) == sorted(at_texts)
    for entity in entities:
        assert entity["type"] == "mention"
        assert set(entity["mentioned"]) == {"id", "name"}
    return list(entities)


@pytest.mark.parametrize(
    "name", ["panel_disagreement", "disagreement_notice", "refused_disagreement"]
)
def test_managers_are_mentioned(name: str) -> None:
    entities = mentions_match(all_cards()[name])
    assert [(e["mentioned"]["id"], e["mentioned"]["name"]) for e in entities] == list(MANAGERS)
    assert [e["text"] for e in entities] == ["<at>Jo Sample</at>", "<at>Sam Manager</at>"]


def test_no_mentions_outside_a_disagreement() -> None:
    for name, card in all_cards().items():
        if "disagreement" not in name or name.endswith("no_managers"):
            assert "msteams" not in card, name
            assert not AT.findall(json.dumps(card)), name


def test_a_mention_is_made_once_per_person_and_its_name_is_inert() -> None:
    hostile = "**Jo**  [x](https://evil.example)\n<at>all</at>"
    card = disagreement_notice(
        reference=REFERENCE,
        manager_mentions=(("29:jo", hostile), ("29:jo", "Jo again"), ("", "No id")),
    )
    entities = mentions_match(card)
    assert len(entities) == 1
    name = "**Jo** [x](https://evil.example) at all /at"
    assert entities[0]["mentioned"] == {"id": "29:jo", "name": name}
    assert entities[0]["text"] == f"<at>{escape_markdown(name)}</at>"
    check_cards([card])


def test_disagreement_notice_says_what_to_do() -> None:
    shown = texts(all_cards()["disagreement_notice"])
    assert (
        f"The partners disagree on {REFERENCE}: please convene a discussion. Members can change "
        "their votes until a decision is sealed." in shown
    )
    assert "Managers: <at>Jo Sample</at>, <at>Sam Manager</at>" in shown


# -- the voting view --------------------------------------------------------------------


def test_voting_view_says_who_is_voting_for_whom() -> None:
    card = voting_card(voting())
    assert "You are voting for Police (Pat Constable)" in rich_texts(card)


def test_voting_view_inputs() -> None:
    found = inputs(voting_card(voting()))
    assert list(found) == ["outcome", "rationale", "serious_harm_basis", "queries"]
    outcome = found["outcome"]
    assert outcome["style"] == "expanded"
    assert outcome["isRequired"] is True
    assert [(c["title"], c["value"]) for c in outcome["choices"]] == [
        (info.label, info.id) for info in OUTCOMES.values()
    ]
    assert found["rationale"]["label"] == "Rationale for the decision"
    assert found["rationale"]["isRequired"] is True
    assert found["serious_harm_basis"]["label"] == (
        "If Rapid Review: how the serious harm criteria were determined"
    )
    assert found["queries"]["label"] == "If queries: the questions for the referrer"
    for key in ("rationale", "serious_harm_basis", "queries"):
        assert found[key]["isMultiline"] is True
        assert found[key]["maxLength"] == MAX_TEXT
        assert "value" not in found[key]
    assert "isRequired" not in found["serious_harm_basis"]
    assert "value" not in outcome


def test_voting_view_buttons() -> None:
    card = voting_card(voting(round=2))
    assert buttons(card) == [
        ("Cast vote", "panel.vote", {"reference": REFERENCE, "round": 2}),
        ("View referral", "case.view", {"reference": REFERENCE}),
        ("Back to the panel", "panel.refresh", {"reference": REFERENCE}),
    ]
    by_title = {a["title"]: a for a in card["actions"]}
    assert by_title["Back to the panel"]["associatedInputs"] == "none"
    assert by_title["View referral"]["associatedInputs"] == "none"
    assert "associatedInputs" not in by_title["Cast vote"]


def test_voting_view_prefills_an_existing_vote() -> None:
    existing = state("awaiting_two").positions["police"]
    found = inputs(voting_card(voting(current=existing)))
    assert found["outcome"]["value"] == "escalation"
    assert found["rationale"]["value"] == marker("rationale", "police")
    assert found["serious_harm_basis"]["value"] == marker("basis", "police")
    assert found["queries"]["value"] == marker("queries", "police")


def test_errors_sit_under_their_fields_and_values_are_kept() -> None:
    errors = {
        "outcome": "Choose one of the decisions.",
        "rationale": "Keep this to 4,000 characters or fewer (it is 4,001).",
        "queries": "Write the questions the referrer needs to answer.",
        "round": "Voting has moved on.",
    }
    current = VoteValues(outcome="queries", rationale="r" * 4001, queries=None)
    body = voting_card(voting(current=current, errors=errors))["body"]
    for field_id in ("outcome", "rationale", "queries"):
        index = next(i for i, e in enumerate(body) if e.get("id") == field_id)
        after = body[index + 1]
        assert after["type"] == "TextBlock" and after["color"] == "Attention", field_id
        assert after["text"] == escape_markdown(errors[field_id])
    index = next(i for i, e in enumerate(body) if e.get("id") == "serious_harm_basis")
    assert body[index + 1].get("id") == "queries"
    banner = next(e for e in body if e.get("style") == "attention")
    assert "Please check 4 answers below" in texts(banner)
    assert "Voting has moved on." in texts(banner)
    found = {e["id"]: e for e in body if "id" in e}
    assert found["outcome"]["value"] == "queries"
    assert found["rationale"]["value"] == "r" * 4001


def test_the_others_rows_and_the_hidden_note() -> None:
    card = all_cards()["voting_fresh"]
    shown = rich_texts(card)
    assert "Voted 09:00 Mon 23 Nov by Alex Demo" in shown
    assert "Awaiting vote" in shown
    assert "Rapid Review" not in shown, "the Local Authority's outcome is hidden from Police"
    assert "Hidden until all vote." in texts(card)
    assert "The other partners" in texts(card)


def test_an_unknown_outcome_is_not_prefilled() -> None:
    found = inputs(voting_card(voting(current=VoteValues(outcome="maybe"))))
    assert "value" not in found["outcome"]


def test_vote_values_keeps_text_only_and_cuts_it_short() -> None:
    raw: dict[str, Any] = {
        "outcome": "maybe",
        "rationale": "z" * 100_000,
        "serious_harm_basis": ["list"],
        "queries": "",
    }
    values = vote_values(raw)
    # Any id is kept to show again; the card pre-selects it only if the panel offers it.
    assert values.outcome == "maybe"
    assert values.rationale is not None and len(values.rationale) == MAX_TEXT + 1000
    assert values.serious_harm_basis is None and values.queries is None
    assert vote_values({"outcome": "escalation"}).outcome == "escalation"
    check_cards([voting_card(voting(current=values, errors={"rationale": "Too long."}))])


def test_user_text_in_the_voting_view_stays_inert() -> None:
    hostile = "**Pat** [x](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}}"
    card = voting_card(voting(member_name=hostile, hidden_note=hostile))
    assert f"You are voting for Police ({neutralise_text_functions(hostile)})" in rich_texts(card)
    assert hostile not in "\n".join(text_blocks(card))


# -- refusals, the off-line form, the referrer's cards ----------------------------------


def test_refusal_says_nothing_changed() -> None:
    card = all_cards()["refused_no_panel"]
    assert escape_markdown(REFUSAL) in text_blocks(card)
    assert buttons(card) == [
        ("View referral", "case.view", {"reference": REFERENCE}),
        ("Back to the panel", "panel.refresh", {"reference": REFERENCE}),
    ]


def test_refusal_shows_the_panel_when_given() -> None:
    card = all_cards()["refused_with_panel"]
    shown = "\n".join(text_blocks(card))
    assert escape_markdown(REFUSAL) in shown
    assert f"Virtual panel — {REFERENCE}" in shown
    assert "Waiting for 1 of 3 partners" in shown
    assert buttons(card) == MY_OPTIONS  # the person refused gets their own view from there
    assert "MARKER" not in json.dumps(card)


def test_offline_decision_form() -> None:
    card = all_cards()["offline_empty"]
    found = inputs(card)
    assert list(found) == ["outcome", "rationale", "decided_how"]
    # Queries go to the referrer through the votes, never as an off-line decision.
    assert [c["value"] for c in found["outcome"]["choices"]] == [
        o for o in OUTCOMES if o != "queries"
    ]
    assert found["rationale"]["isRequired"] is True
    assert found["rationale"]["maxLength"] == MAX_TEXT
    assert "phone call between the three partners" in found["decided_how"]["placeholder"]
    assert buttons(card) == [
        ("Record decision", "panel.offline_record", {"reference": REFERENCE}),
        ("Back", "panel.refresh", {"reference": REFERENCE}),
    ]
    assert card["actions"][1]["associatedInputs"] == "none"


def test_offline_decision_form_shown_again() -> None:
    card = all_cards()["offline_errors"]
    found = inputs(card)
    assert "value" not in found["outcome"], "an outcome not on the list is not prefilled"
    assert found["decided_how"]["value"] == "Phone call between the three partners"
    body = card["body"]
    index = next(i for i, e in enumerate(body) if e.get("id") == "rationale")
    assert body[index + 1]["text"] == "Give the rationale for the decision."
    assert "Something else went wrong." in texts(card)
    kept = offline_decision_card(
        reference=REFERENCE, errors={}, values={"outcome": "escalation", "rationale": "Agreed."}
    )
    assert inputs(kept)["outcome"]["value"] == "escalation"
    assert inputs(kept)["rationale"]["value"] == "Agreed."


def test_decision_notice_tells_the_referrer_what_happens_next() -> None:
    card = all_cards()["decision_notice"]
    facts = {f["title"]: f["value"] for n in nodes(card) for f in n.get("facts", [])}
    assert facts == {
        "Reference": REFERENCE,
        "Decision": "Meets threshold for Rapid Review",
        "Decided": "14:05 Tue 24 Nov 2026",
    }
    assert "- The National Panel is notified by Fri 27 Nov 2026" in text_blocks(card)
    assert "The partnership team will be in touch." in texts(
        all_cards()["decision_notice_no_steps"]
    )
    assert "MARKER" not in json.dumps(card)


def test_queries_card_shows_the_questions_literally_and_asks_for_an_answer() -> None:
    questions = "Police:\n**Was** the [family](https://evil.example) known?"
    card = queries_card(reference=REFERENCE, round=2, questions=questions)
    assert questions in rich_texts(card)
    assert questions not in "\n".join(text_blocks(card))
    answer = inputs(card)["answer"]
    assert answer["isMultiline"] is True and answer["isRequired"] is True
    assert answer["maxLength"] == MAX_TEXT and answer["errorMessage"]
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Send answer",
            "data": {"action": "queries.answer", "reference": REFERENCE, "round": 2},
            "style": "positive",
        }
    ]


def test_queries_card_shown_again_keeps_the_answer_and_the_error() -> None:
    card = all_cards()["queries_again"]
    assert inputs(card)["answer"]["value"] == "a" * (MAX_TEXT + 50)
    body = card["body"]
    assert body[-1]["color"] == "Attention"
    assert body[-2]["id"] == "answer"


def test_queries_card_holds_all_three_partners_questions() -> None:
    shown = "\n".join(rich_texts(all_cards()["queries"]))
    for partner in PARTNERS:
        assert f"{PARTNER_LABELS[partner]}:\n{marker('queries', partner)}" in shown


# -- building the views -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 23, 10, 42, tzinfo=UTC), "10:42 Mon 23 Nov"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "00:30 Wed 1 Jul"),  # BST
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "00:59 Sun 29 Mar"),  # before the change
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "02:00 Sun 29 Mar"),  # after it
        (datetime(2026, 11, 23, 5, 0, tzinfo=timezone(timedelta(hours=-5))), "10:00 Mon 23 Nov"),
    ],
)
def test_vote_time_text_is_london_time(moment: datetime, text: str) -> None:
    assert vote_time_text(moment) == text


def test_vote_time_text_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        vote_time_text(datetime(2026, 11, 23, 10, 42))  # noqa: DTZ001


def test_partner_rows_take_whether_and_when_from_the_state_and_how_from_visible() -> None:
    two = state("awaiting_two")
    hidden = visible_positions(two, viewer_partner=None, hide_until_all_voted=True)
    assert partner_rows(two.positions, hidden) == (
        PartnerRow("la", "Local Authority", "09:00 Mon 23 Nov", None, "Alex Demo"),
        PartnerRow("police", "Police", "09:05 Mon 23 Nov", None, "Pat Constable"),
        PartnerRow("health", "Health", None, None, None),
    )
    rows = partner_rows(two.positions, two.positions, show_names=False, time_text=lambda _: "t")
    assert rows[0] == PartnerRow("la", "Local Authority", "t", "Rapid Review", None)
    assert rows[1].outcome_label == "Escalation"


def test_demo_views_cover_the_gallery() -> None:
    assert demo_voting_view(with_errors=True).errors
    assert demo_voting_view().current is None
    for status in PANEL_STATUSES:
        assert demo_panel_view(status).status == status
