"""The monthly register's month and rows: text only, nothing about the child."""

from __future__ import annotations

from datetime import date

import pytest

from review.register import RegisterRow, parse_month, register_table


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-11", date(2026, 11, 1)),
        (" 2027-01 ", date(2027, 1, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-1", None),
        ("november", None),
        ("=1+1", None),
    ],
)
def test_a_month_is_yyyy_mm(text: str, month: date | None) -> None:
    assert parse_month(text) == month


def test_rows_are_words_and_an_undecided_case_says_so() -> None:
    table = register_table(
        [
            RegisterRow(
                "SSCP-2026-0001",
                date(2026, 11, 23),
                "A",
                "Rapid Review",
                date(2026, 11, 24),
                None,
                "Decided",
            ),
            RegisterRow("SSCP-2026-0002", date(2026, 11, 30), "B", None, None, None, "Received"),
        ],
        date(2026, 11, 1),
    )
    assert table.title == "Register 2026-11"
    assert table.rows[0] == (
        "SSCP-2026-0001",
        "Mon 23 Nov 2026",
        "A",
        "Rapid Review",
        "Tue 24 Nov 2026",
        "Not answered",
        "Decided",
    )
    assert table.rows[1][3:6] == ("Not decided yet", "", "")
    assert all(isinstance(cell, str) for row in table.rows for cell in row)
