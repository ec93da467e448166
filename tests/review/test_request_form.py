"""The information request as a Word document, for a lead Teams cannot reach: the request the
card makes, every question of the return, the chronology's columns, and no child details."""

from __future__ import annotations

import io
from datetime import date

import docx

from review.request_form import CHRONOLOGY_BLANK_ROWS, request_docx
from review.returns import FIELD_INFO, ROW_INFO


def test_the_word_request_asks_what_the_card_asks() -> None:
    data = request_docx(
        reference="NSCP-2026-0001",
        partnership_name="Northdale Safeguarding Children Partnership",
        agency_name="Northdale Police",
        due=date(2026, 12, 8),
        period=(date(2025, 11, 1), date(2026, 11, 20)),
        day=date(2026, 11, 23),
    )
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Rapid Review information request — NSCP-2026-0001" in text
    assert "For Northdale Police: please return it by Tue 8 Dec 2026." in text
    assert "The period under review: Sat 1 Nov 2025 to Fri 20 Nov 2026." in text
    assert "CONFIDENTIAL WHEN COMPLETED" in text
    for field in FIELD_INFO.values():
        assert field.label in text, field.id
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == [f.label for f in ROW_INFO.values()]
    assert len(table.rows) == 1 + CHRONOLOGY_BLANK_ROWS
    assert document.core_properties.title == "Rapid Review information request — NSCP-2026-0001"


def test_without_a_period_the_request_does_not_invent_one() -> None:
    data = request_docx(
        reference="NSCP-2026-0001",
        partnership_name="Northdale Safeguarding Children Partnership",
        agency_name="Northdale Police",
        due=date(2026, 12, 8),
        period=(None, None),
        day=date(2026, 11, 23),
    )
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "period under review" not in text
