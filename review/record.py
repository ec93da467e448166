"""A case's whole record as one zip, for a subject access request or the National Panel: the
referral as a Word document (and its JSON beside it), workbooks and JSON for the rest, the
report and the papers as the bot makes them, and a contents page.

Every name inside the zip is the case's reference and a fixed word: never the child's name.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.shared import Pt

from review.answers import clean_text
from review.referral import format_date
from review.report import CONFIDENTIAL, xml_safe

__all__ = [
    "AddedAnswer",
    "RecordPart",
    "ReferralSection",
    "contents_text",
    "json_bytes",
    "record_zip",
    "referral_docx",
]

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class ReferralSection:
    """One section of the referral as it stands: its heading and (question, answer) rows."""

    title: str
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class AddedAnswer:
    """An answer added after the referral was sent: the question, the answer, when, who."""

    title: str
    value: str
    when: str
    who: str


@dataclass(frozen=True, slots=True)
class RecordPart:
    """One file of the record: its name in the zip, what it holds, and its bytes."""

    name: str
    description: str
    content: bytes


def referral_docx(
    *,
    reference: str,
    partnership_name: str,
    received: datetime,
    day: date,
    sections: Sequence[ReferralSection],
    added: Sequence[AddedAnswer],
) -> bytes:
    """The referral as it stands (answers added since in their place, and listed after it)
    as a Word document headed CONFIDENTIAL WHEN COMPLETED."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    header.text = ""
    run = header.add_run(CONFIDENTIAL)
    run.bold = True
    run.font.size = Pt(9)
    doc.add_paragraph().add_run(CONFIDENTIAL).bold = True
    doc.add_heading(xml_safe(f"Referral — {reference}"), level=0)
    local = received.astimezone(LONDON)
    doc.add_paragraph(
        xml_safe(
            f"{partnership_name}. Received {format_date(local.date())} at {local:%H:%M}. "
            f"As it stands on {format_date(day)}."
        )
    )
    for section in sections:
        doc.add_heading(xml_safe(section.title), level=1)
        _table(doc, ("Question", "Answer"), section.rows)
    if added:
        doc.add_heading("Added after the referral was sent", level=1)
        _table(
            doc,
            ("Question", "Answer", "When", "Added by"),
            [(a.title, a.value, a.when, a.who) for a in added],
        )
    props = doc.core_properties
    props.title = xml_safe(f"Referral — {reference}")
    props.author = xml_safe(partnership_name)
    props.last_modified_by = xml_safe(partnership_name)
    props.keywords = CONFIDENTIAL
    props.comments = ""
    props.revision = 1
    stamp = datetime.combine(day, time(12, 0), tzinfo=UTC)
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, heading in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for row in rows:
        for cell, value in zip(grid.add_row().cells, row, strict=True):
            cell.text = xml_safe(clean_text(value))


def json_bytes(data: Any) -> bytes:
    """Data as UTF-8 JSON, indented, keys in the order given; dates as ISO 8601."""
    return (json.dumps(data, ensure_ascii=False, indent=2, default=_iso) + "\n").encode("utf-8")


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def contents_text(
    *,
    reference: str,
    partnership_name: str,
    made: datetime,
    made_for: str,
    parts: Sequence[RecordPart],
    notes: Sequence[str],
) -> str:
    """The zip's contents page: what the record is, for whom, and each file's description."""
    local = made.astimezone(LONDON)
    lines = [
        CONFIDENTIAL,
        "",
        f"The record of {reference}, {partnership_name}.",
        f"Made by Rapid Review on {format_date(local.date())} at {local:%H:%M} (London) "
        f"for {made_for}.",
        "",
        "Contents:",
        *(f"- {part.name}: {part.description}" for part in parts),
    ]
    if notes:
        lines += ["", *notes]
    return "\n".join(xml_safe(line) for line in lines) + "\n"


def record_zip(folder: str, parts: Sequence[RecordPart], made: datetime) -> bytes:
    """The parts in one zip under `folder/`, each stamped with the time it was made."""
    local = made.astimezone(LONDON)
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            info = zipfile.ZipInfo(f"{folder}/{part.name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o640 << 16
            archive.writestr(info, part.content)
    return out.getvalue()
