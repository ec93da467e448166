"""The panel's agreed reasons for the referrer (#25 item 6), over HTTP: the notice says they
will follow; a manager writes them (`reasons REF`); the referrer gets them once in 1:1, and
never a member's own rationale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_stages_http import (
    MONDAY,
    as_person,
    cards_in,
    decide,
    decided_app_settings,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.cards import check_cards
from helpers.connector import FakeConnector
from helpers.panel import Clock, press, settle
from storage.models import AuditEvent, Decision

AGREED = "AGREED-MARKER The partners agreed the serious harm threshold is met."


def _robin_cards(connector: FakeConnector) -> list[dict[str, Any]]:
    return cards_in(sent_to(connector, "a:1robin"))


async def test_the_referrer_gets_the_panels_agreed_reasons_once_and_no_members_text(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        notice = next(c for c in _robin_cards(connector) if "Decision on referral" in json.dumps(c))
        assert "The panel's reasons will follow." in json.dumps(notice)
        assert "RATIONALE-" not in json.dumps(notice)
        # The referrer may not write them.
        await send(app, as_person("robin", f"reasons {ref}", connector))
        assert "Only" in sent_to(connector, "a:1robin")[-1]["text"]
        await send(app, as_person("morgan", f"reasons {ref}", connector))
        form = cards_in(sent_to(connector, "a:1morgan"))[-1]
        assert "agreed" in json.dumps(form)
        empty = await press(app, connector, "reasons.send", "morgan", {"reference": ref})
        assert "Write the panel's agreed rationale." in json.dumps(empty)
        sent = await press(
            app, connector, "reasons.send", "morgan", {"reference": ref, "agreed": AGREED}
        )
        assert "Reasons sent" in json.dumps(sent)
        again = await press(
            app, connector, "reasons.send", "morgan", {"reference": ref, "agreed": "other"}
        )
        assert AGREED in json.dumps(again) and "other" not in json.dumps(again)
        await settle(app)
        told = [c for c in _robin_cards(connector) if AGREED in json.dumps(c)]
        assert len(told) == 1
        assert "RATIONALE-" not in json.dumps(told[0])
        # The notice as it stands now (Back from the referral's details) says them too.
        back = await press(app, connector, "notice.open", "robin", {"reference": ref})
        assert AGREED in json.dumps(back)
        check_cards([notice, form, empty, sent, told[0], back])
    (decision,) = await rows(db_url, Decision)
    assert decision.rationales["agreed"] == AGREED
    assert set(decision.rationales["rationales"]) == {"la", "police", "health"}
    audits = await rows(db_url, AuditEvent, AuditEvent.action == "reasons.send")
    assert all("MARKER" not in json.dumps(a.detail) for a in audits)
