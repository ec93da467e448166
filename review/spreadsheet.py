"""A chronology sent as an Excel workbook (.xlsx), read as the CSV text `parse_chronology_csv`
reads: Halton sends agencies an Excel chronology template, so that is what comes back.

A workbook is a zip of XML written by someone else. Before anything is parsed the zip's
directory is checked: at most `MAX_UNPACKED` bytes once unpacked and `MAX_MEMBERS` parts (a
small file that unpacks to gigabytes is refused). openpyxl parses with defusedxml when it is
installed (it is a dependency), so entity tricks are refused too. Only the first worksheet's
values are read (never formulas), at most `MAX_ROWS` rows and `MAX_COLUMNS` columns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time

__all__ = ["MAX_UNPACKED", "SpreadsheetError", "xlsx_as_csv", "xlsx_rows"]

MAX_UNPACKED = 20_000_000
MAX_MEMBERS = 200
MAX_ROWS = 1_000
MAX_COLUMNS = 20


class SpreadsheetError(ValueError):
    """The workbook cannot be read; the message says why, for the person who sent it."""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_zip(content: bytes, what: str = "the chronology") -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise SpreadsheetError(
            "That file is not an Excel workbook I can read. Save it as .xlsx or CSV and send "
            "it again."
        ) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
        raise SpreadsheetError(
            f"That workbook is too large once unpacked. Send {what} on its own, or as CSV."
        )


def xlsx_as_csv(content: bytes) -> str:
    """The first worksheet of an .xlsx workbook as CSV text (dates as DD/MM/YYYY)."""
    _check_zip(content)
    import openpyxl  # imported here: only an upload needs it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise SpreadsheetError(
            "I could not read that workbook. Save it as .xlsx or CSV and send it again."
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SpreadsheetError("That workbook has no worksheet.")
        out = io.StringIO()
        writer = csv.writer(out)
        for number, row in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if number > MAX_ROWS:
                raise SpreadsheetError(
                    f"That worksheet has more than {MAX_ROWS:,} rows; a chronology has fewer."
                )
            cells = [_cell_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            writer.writerow(cells)
        return out.getvalue()
    finally:
        workbook.close()


def xlsx_rows(content: bytes, *, max_rows: int, max_columns: int, what: str) -> list[list[str]]:
    """The first worksheet's cells as text, formulas as their text (`=...`), never run.

    For a file whose every cell is checked (the roster): a formula is shown to the person as
    the formula it is, so it can be refused. `what` names the file in the messages ("the
    roster"); more than `max_rows` rows is a SpreadsheetError.
    """
    _check_zip(content, what)
    import openpyxl  # imported here: only an upload needs it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise SpreadsheetError(
            "I could not read that workbook. Save it as .xlsx or CSV and send it again."
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SpreadsheetError("That workbook has no worksheet.")
        rows: list[list[str]] = []
        for number, row in enumerate(
            sheet.iter_rows(max_col=max_columns, values_only=True), start=1
        ):
            if number > max_rows:
                raise SpreadsheetError(
                    f"That worksheet has more than {max_rows:,} rows, more than {what} can hold."
                )
            cells = [_cell_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
        return rows
    finally:
        workbook.close()
