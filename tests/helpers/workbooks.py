"""Excel workbooks for the chronology tests: a real one, and a zip bomb dressed as one."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl


def workbook(rows: list[list[Any]]) -> bytes:
    """An .xlsx workbook (fictional data) with one worksheet holding `rows`."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(unpacked_bytes: int) -> bytes:
    """A small zip whose one workbook part unpacks to `unpacked_bytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * unpacked_bytes)
    return out.getvalue()
