"""Excel workbooks the bot writes (the audit, a case's record): tables of plain values.

A cell a person typed may start with `=`, `+`, `-` or `@` (or a tab or carriage return):
a spreadsheet can take such a value for a formula (`=HYPERLINK(...)`, `=cmd|...`) when the
file is opened, or when its cells are copied or saved as CSV. Every text cell is written as
text, never as a formula, and one starting with those characters also carries Excel's
"quote prefix" (the leading apostrophe), so Excel shows it as typed and keeps it text when it
is edited or exported. Characters XML 1.0 forbids are dropped. Times are shown in London.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["FORMULA_STARTS", "Cell", "Table", "is_formula_like", "table_json", "workbook_xlsx"]

LONDON = ZoneInfo("Europe/London")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a cell must not start with to be safe from formula injection (OWASP's list)."""
MAX_CELL = 32_767  # Excel's limit on the characters of one cell
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Cell = str | int | float | bool | date | datetime | None


@dataclass(frozen=True, slots=True)
class Table:
    """One worksheet: its title (at most 31 characters), column headings and rows."""

    title: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    return text.startswith(FORMULA_STARTS)


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)[:MAX_CELL]


def _write(sheet: Any, row: int, column: int, value: Cell) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: a time zone is required")
        cell.value = value.astimezone(LONDON).replace(tzinfo=None)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, int | float):
        cell.value = value
    elif value is None:
        return
    else:
        text = _text(str(value))
        cell.value = text
        # openpyxl takes a string starting with "=" for a formula: say it is a string.
        cell.data_type = "s"
        if is_formula_like(text):
            cell.quotePrefix = True


def workbook_xlsx(tables: Sequence[Table], *, title: str, author: str) -> bytes:
    """The tables as an .xlsx workbook, one worksheet each, headings bold and frozen."""
    import openpyxl  # imported here: only a workbook asked for needs it
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables or (Table("Empty", ("Nothing recorded",), ()),):
        sheet = book.create_sheet(_sheet_title(table.title))
        for column, header in enumerate(table.headers, start=1):
            _write(sheet, 1, column, header)
            sheet.cell(row=1, column=column).font = bold
        for number, values in enumerate(table.rows, start=2):
            for column, value in enumerate(values, start=1):
                _write(sheet, number, column, value)
        sheet.freeze_panes = "A2"
        for column in range(1, len(table.headers) + 1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = 24
    book.properties.title = _text(title)
    book.properties.creator = _text(author)
    book.properties.lastModifiedBy = _text(author)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(text: str) -> str:
    # Excel's rules: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31] or "Sheet"


def _json_value(value: Cell) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(LONDON).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def table_json(tables: Sequence[Table]) -> dict[str, list[dict[str, Any]]]:
    """The tables as JSON-ready data: each title to its rows, each row keyed by heading;
    times in ISO 8601 at London's offset, as the workbook shows them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        out[table.title] = [
            {h: _json_value(v) for h, v in zip(table.headers, row, strict=True)}
            for row in table.rows
        ]
    return out
