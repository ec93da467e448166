"""The monthly register (#25 item 6), over HTTP: `register YYYY-MM` gives a manager, and the
profile's group (Stockport's PIP), an Excel workbook of the month's referrals and decisions,
with no child details and every cell text."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from test_stages_http import (
    MONDAY,
    accept,
    as_person,
    consents_in,
    decide,
    decided_app_settings,
    rows,
    send,
    sent_to,
)

from helpers.app import running_app
from helpers.connector import FakeConnector
from helpers.panel import Clock, settle
from helpers.referral import FORM
from storage.models import AuditEvent, SharedFile

PIP_MEMBER = """
[[members]]
name = "Piper Group"
email = "piper.group@example.org"
agency = "stockport_council"
roles = ["pip"]
aad_object_id = "00000000-0000-4000-8000-000000000021"
"""


def _last_text(connector: FakeConnector, prefix: str) -> str:
    return next(b["text"] for b in reversed(sent_to(connector, prefix)) if b.get("text"))


def _child_markers() -> list[str]:
    return [v for v in _values(FORM) if isinstance(v, str) and v.startswith("MARKER-")]


def _values(tree: object) -> list[object]:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _values(v)]
    if isinstance(tree, list | tuple):
        return [x for v in tree for x in _values(v)]
    return [tree]


async def test_the_register_lists_the_months_referrals_and_decisions_for_the_pip(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport", PIP_MEMBER)
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        ref = await decide(app, connector, clock, "stockport")
        # Robin, not a manager, is refused.
        await send(app, as_person("robin", "register 2026-11", connector))
        assert "Only a partnership manager" in _last_text(connector, "a:1robin")
        await send(app, as_person("morgan", "register 2026-13", connector))
        assert "YYYY-MM" in _last_text(connector, "a:1morgan")
        await send(app, as_person("morgan", "register 2026-11", connector))
        said = next(b["text"] for b in reversed(sent_to(connector, "a:1morgan")) if b.get("text"))
        assert "SSCP-register-2026-11.xlsx" in said and "1 of" in said
        await settle(app)
        consent = next(
            c
            for c in consents_in(sent_to(connector, "a:1morgan"))
            if c["name"] == "SSCP-register-2026-11.xlsx"
        )
        content = await accept(app, connector, "morgan", consent)
    files = await rows(db_url, SharedFile, SharedFile.name == "SSCP-register-2026-11.xlsx")
    assert sorted(f.recipient_aad_object_id for f in files) == [
        "00000000-0000-4000-8000-000000000005",
        "00000000-0000-4000-8000-000000000021",
    ]
    assert all(f.case_id is None for f in files)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == [
        "Reference",
        "Received",
        "Pathway sought",
        "Decision",
        "Decided on",
        "Notifiable",
        "Status",
    ]
    assert len(table) == 2
    reference, received, pathway, decision, decided_on, _, status = table[1]
    assert reference == ref and received == "Mon 23 Nov 2026" and decided_on == "Mon 23 Nov 2026"
    assert decision == "Meets threshold for Rapid Review" and status == "Decided"
    assert pathway
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.value is None or cell.data_type == "s"
    text = repr(table)
    for marker in _child_markers():
        assert marker not in text, marker
    audited = await rows(db_url, AuditEvent, AuditEvent.action == "register")
    assert {a.outcome for a in audited} == {"ok", "refused"}


async def test_a_month_with_nothing_gives_an_empty_register(
    db_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    settings = await decided_app_settings(db_url, tmp_path, "stockport")
    clock = Clock(MONDAY)
    async with running_app(settings, clock=clock) as app:
        await decide(app, connector, clock, "stockport")
        await send(app, as_person("morgan", "register 2026-10", connector))
        assert "(0 referrals and decisions)" in _last_text(connector, "a:1morgan")
        await send(app, as_person("morgan", "register 2027-01", connector))
        assert "has not started yet" in _last_text(connector, "a:1morgan")
