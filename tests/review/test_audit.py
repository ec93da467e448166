"""The audit in plain words: labels, London times, and only the detail that holds no free
text; workbooks that never turn a typed value into a formula."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest

from review.audit import (
    ACTION_WORDS,
    AuditLine,
    action_words,
    audit_table,
    outcome_words,
    shown_detail,
    when_text,
)
from review.workbook import Table, is_formula_like, table_json, workbook_xlsx


def test_actions_and_outcomes_in_plain_words_with_the_id_as_fallback() -> None:
    assert action_words("case.view") == "viewed the referral"
    assert action_words("returns.request") == "sent information requests"
    assert action_words("something.new") == "something.new"
    assert outcome_words("ok") == "done" and outcome_words("refused") == "refused"
    assert outcome_words("odd") == "odd"
    assert all(words and words[0].islower() for words in ACTION_WORDS.values())


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 11, 23, 10, 5, 9, tzinfo=UTC), "Mon 23 Nov 2026 10:05:09"),
        # British Summer Time: an hour ahead of UTC.
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "Thu 2 Jul 2026 00:30:00"),
    ],
)
def test_times_are_london_times(moment: datetime, shown: str) -> None:
    assert when_text(moment) == shown


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        when_text(datetime(2026, 11, 23, 10, 0))  # noqa: DTZ001


def test_only_ids_dates_and_counts_are_shown() -> None:
    detail = {
        "fields": ["lead_name", "gender"],
        "agency": "gmp",
        "part": 2,
        "first": True,
        "period": ["2025-11-01", "2026-11-20"],
        "starts_at": "2026-12-04T10:00:00+00:00",
        # Free text, or keys not known to hold ids: never shown.
        "reference": "POPPY",
        "reason": "MARKER the child's mother asked",
        "tenant": "contoso",
        "outcome": "rapid review, because MARKER",
        "agencies": ["gmp", "MARKER typed agency"],
    }
    assert shown_detail(detail) == (
        ("agency", "gmp"),
        ("fields", "lead_name, gender"),
        ("first", "yes"),
        ("part", "2"),
        ("period", "2025-11-01, 2026-11-20"),
        ("starts_at", "2026-12-04T10:00:00+00:00"),
    )
    assert shown_detail(None) == () and shown_detail({"fields": {"a b": 1}}) == ()


def test_the_audit_as_a_table_newest_first_as_given() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    lines = [
        AuditLine(at, "Morgan Manager", "id-5", "vote", "voted", "done", (("round", "1"),)),
        AuditLine(at, "Rapid Review (automatically)", None, "file.expired", "x", "done", ()),
    ]
    table = audit_table(lines)
    assert table.rows[0] == (at, "Morgan Manager", "id-5", "voted", "vote", "done", "round 1")
    assert table.rows[1][2] == ""
    assert table_json([table])["Audit"][0]["When (London)"] == "2026-11-23T10:00:00+00:00"


TYPED = ("=1+2", "+44 161 496 0000", "-minus", "@SUM(A1)", "\tTab", "\rReturn", "plain")


def test_no_typed_value_becomes_a_formula() -> None:
    assert [is_formula_like(t) for t in TYPED] == [True] * 6 + [False]
    content = workbook_xlsx(
        [
            Table(
                "Typed: [odd]/name*",
                ("Value", "When", "Day", "Count", "Yes"),
                [
                    (t, datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 1), 3, True)
                    for t in TYPED
                ]
                + [("bad\x00char", None, None, None, None)],
            )
        ],
        title="Fictional",
        author="Northdale Safeguarding Children Partnership",
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist())
    assert b"<f>" not in xml and b"<f " not in xml
    book = openpyxl.load_workbook(io.BytesIO(content))
    (sheet,) = book.worksheets
    assert sheet.title == "Typed   odd  name "
    rows = list(sheet.iter_rows(min_row=2))
    for row, typed in zip(rows, TYPED, strict=False):
        assert row[0].value == typed and row[0].data_type == "s"
        assert bool(row[0].quotePrefix) == is_formula_like(typed)
        # Times in London (BST here), dates and numbers as themselves, yes/no in words.
        assert row[1].value == datetime(2026, 7, 2, 0, 30)  # noqa: DTZ001
        assert (row[2].value.date(), row[3].value, row[4].value) == (date(2026, 7, 1), 3, "Yes")
    assert rows[-1][0].value == "badchar"
    assert sheet.freeze_panes == "A2"


def test_a_naive_time_is_refused_in_a_workbook() -> None:
    with pytest.raises(ValueError, match="time zone"):
        workbook_xlsx(
            [Table("T", ("When",), [(datetime(2026, 1, 1),)])],  # noqa: DTZ001
            title="t",
            author="a",
        )
