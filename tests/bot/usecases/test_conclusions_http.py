"""The chair's conclusion, over real HTTP on both profiles: a local and a national review
recommended together, and each profile's own conclusions (Halton's Local Reflective Review,
Stockport's independent chair or author) offered, recorded and printed in the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_stages_http import (
    CHAIR,
    MONDAY,
    as_person,
    cards_in,
    decide,
    decided_app_settings,
    offered_document,
    report_sections,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock
from review.report import REPORT_SECTIONS
from storage.models import CaseEvent, ChairNote

OWN = {
    "stockport": ("independent_reviewer", "An independent chair or author to be commissioned"),
    "halton": ("local_reflective_review", "A Local Reflective Review"),
}


@pytest.mark.parametrize("profile", ["stockport", "halton"])
async def test_a_local_and_a_national_review_together_and_the_profiles_own_conclusion(
    db_url: str, connector: FakeConnector, tmp_path: Path, profile: str
) -> None:
    own_id, own_words = OWN[profile]
    other_id = next(i for p, (i, _) in OWN.items() if p != profile)
    settings = await decided_app_settings(db_url, tmp_path, profile)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, profile)
        clock.now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
        # The card offers the profile's own conclusion beside the shipped ones, several at once.
        await send(
            app, as_person("morgan", "", connector, {"action": "chair.open", "reference": ref})
        )
        await send(
            app,
            as_person(
                "morgan",
                "",
                connector,
                {"action": "chair.part", "reference": ref, "part": 1, "go": 5},
            ),
        )
        card = cards_in(sent_to(connector, "a:1morgan"))[-1]
        (choices,) = [
            n
            for n in _nodes(card)
            if n.get("id") == "conclusion" and n.get("type") == "Input.ChoiceSet"
        ]
        assert choices["isMultiSelect"] is True
        assert {c["value"] for c in choices["choices"]} == {
            "local_review",
            "national_review_recommended",
            "no_review",
            own_id,
        }
        check_cards([card])
        # "No review" with another is refused; another profile's own is not on the list.
        for bad, said in (
            ("no_review,local_review", "cannot be chosen with another"),
            (other_id, "Choose one of the conclusions from the list."),
        ):
            value = {
                "action": "chair.conclude",
                "reference": ref,
                "part": 1,
                **CHAIR,
                "conclusion": bad,
            }
            await send(app, as_person("morgan", "", connector, value))
            assert said in json.dumps(cards_in(sent_to(connector, "a:1morgan"))[-1])
            assert (await rows(db_url, ChairNote))[0].conclusion is None
        value = {
            "action": "chair.conclude",
            "reference": ref,
            "part": 1,
            **CHAIR,
            "conclusion": f"local_review,national_review_recommended,{own_id}",
        }
        await send(app, as_person("morgan", "", connector, value))
        said = [b.get("text") or "" for b in sent_to(connector, "a:1morgan")]
        assert any(
            "Recorded: A local child safeguarding practice review is proposed; A national review "
            f"is recommended to the National Panel; {own_words}." in t
            for t in said
        ), said[-2:]
        assert await rows(db_url, CaseEvent, CaseEvent.event == "local_review_decided")
        # The referrer's update names every conclusion, not only the first.
        updates = json.dumps(sent_to(connector, "a:1robin"))
        assert "A national review is recommended to the National Panel" in updates
        document = await offered_document(app, connector, "morgan", "report.docx")
    sections = report_sections(document)
    decision = sections[REPORT_SECTIONS[3]]
    assert "A local child safeguarding practice review is proposed" in decision
    assert own_words in decision
    assert "A national review is recommended." in sections[REPORT_SECTIONS[4]]


def _nodes(card: object) -> list[dict[str, object]]:
    from helpers.cards import nodes

    return list(nodes(card))
