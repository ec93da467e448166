"""Chronology workbooks (.xlsx) read as CSV text, with the zip checked before parsing."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest

from helpers.workbooks import workbook, zip_bomb
from review.returns import parse_chronology_csv
from review.spreadsheet import MAX_ROWS, SpreadsheetError, xlsx_as_csv


def test_dates_times_and_numbers_come_out_as_a_person_typed_them() -> None:
    text = xlsx_as_csv(
        workbook(
            [
                ["Date from", "Time", "Involvement with", "Event and outcome", "Seen", "Count"],
                [date(2026, 10, 2), time(10, 30), "Mother", "Missed clinic", "No", 3.0],
                # Excel holds local times without a zone.
                [datetime(2026, 10, 3, 14, 5), None, "Child", "Seen at home", "Yes", 2.5],  # noqa: DTZ001
            ]
        )
    )
    lines = text.splitlines()
    assert lines[1] == "02/10/2026,10:30,Mother,Missed clinic,No,3"
    assert lines[2] == "03/10/2026 14:05,,Child,Seen at home,Yes,2.5"
    rows, problems = parse_chronology_csv("\n".join(lines[:2]), today=date(2026, 11, 23))
    assert problems == {}
    assert rows[0].date_from == date(2026, 10, 2) and rows[0].time_from == "10:30"
    assert rows[0].child_seen is False


def test_formulas_give_their_values_never_the_formula() -> None:
    book = openpyxl.Workbook()
    book.active.append(["Event and outcome"])
    book.active.append(['=HYPERLINK("https://evil.example","click")'])
    out = io.BytesIO()
    book.save(out)
    text = xlsx_as_csv(out.getvalue())
    assert "HYPERLINK" not in text and "evil.example" not in text


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a zip at all", "not an Excel workbook"),
        (b"PK\x03\x04broken", "not an Excel workbook"),
    ],
)
def test_what_is_not_a_workbook_is_refused_with_a_reason(content: bytes, says: str) -> None:
    with pytest.raises(SpreadsheetError, match=says):
        xlsx_as_csv(content)


def test_a_zip_that_unpacks_to_far_more_is_refused_before_parsing() -> None:
    bomb = zip_bomb(30_000_000)
    assert len(bomb) < 100_000
    with pytest.raises(SpreadsheetError, match="too large once unpacked"):
        xlsx_as_csv(bomb)


def test_a_zip_that_is_no_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", b"hello")
    with pytest.raises(SpreadsheetError, match="could not read that workbook"):
        xlsx_as_csv(out.getvalue())


def test_a_sheet_longer_than_any_chronology_is_refused() -> None:
    content = workbook([["Event"]] + [[f"row {n}"] for n in range(MAX_ROWS + 1)])
    with pytest.raises(SpreadsheetError, match="more than 1,000 rows"):
        xlsx_as_csv(content)
