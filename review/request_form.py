"""The information request (Appendix D) as a Word document, for a lead Teams cannot reach.

When a safeguarding lead cannot be reached in Teams (no Entra id yet, or Teams refuses the
chat), the manager who asked gets this document to send through the partnership's secure
email: the same request the card makes — the case reference, the agency, the date to reply
by, the period under review — and every question of the return with room for the answer,
then the chronology's columns. It holds no child details: the lead reads those in the
agency's own records, and the answers come back by the same secure email.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

from docx import Document
from docx.shared import Pt

from review.referral import format_date
from review.report import CONFIDENTIAL, xml_safe
from review.returns import FIELD_INFO, RETURN_FIELDS, ROW_FIELDS, ROW_INFO

__all__ = ["CHRONOLOGY_BLANK_ROWS", "request_docx"]

CHRONOLOGY_BLANK_ROWS = 8
"""Empty rows in the chronology table for the lead to fill in (Word adds more)."""

_INTRO = (
    "Teams could not deliver this request to you, so it comes by secure email. Each agency "
    "completes this form to summarise the information it holds. If your agency has had no "
    "contact with the child or family, answer the first question, confirm your records are "
    "secured and give your name and role: nothing else is needed. Reply by the partnership's "
    "secure email, or in Teams: message the Rapid Review bot and the request is waiting there."
)


def request_docx(
    *,
    reference: str,
    partnership_name: str,
    agency_name: str,
    due: date,
    period: tuple[date | None, date | None],
    day: date,
) -> bytes:
    """The information request for one agency on a case, as a blank Word form (.docx)."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    header.text = ""
    run = header.add_run(CONFIDENTIAL)
    run.bold = True
    run.font.size = Pt(9)
    doc.add_paragraph().add_run(CONFIDENTIAL).bold = True
    title = f"Rapid Review information request — {reference}"
    doc.add_heading(xml_safe(title), level=0)
    doc.add_paragraph(
        xml_safe(f"{partnership_name}. For {agency_name}: please return it by {format_date(due)}.")
    )
    start, end = period
    if start is not None and end is not None:
        doc.add_paragraph(
            f"The period under review: {format_date(start)} to {format_date(end)}. Say whether "
            "your agency had any involvement with the child and family in it."
        )
    doc.add_paragraph(_INTRO)
    doc.add_heading("The return", level=1)
    for field_id in RETURN_FIELDS:
        info = FIELD_INFO[field_id]
        paragraph = doc.add_paragraph()
        paragraph.add_run(xml_safe(info.label)).bold = True
        if info.help:
            paragraph.add_run(xml_safe(f"\n{info.help}")).italic = True
        doc.add_paragraph("Yes / No" if info.kind in ("choice", "toggle") else "")
    doc.add_heading("Chronology of significant events", level=1)
    grid = doc.add_table(rows=1 + CHRONOLOGY_BLANK_ROWS, cols=len(ROW_FIELDS))
    grid.style = "Table Grid"
    for cell, field_id in zip(grid.rows[0].cells, ROW_FIELDS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_safe(ROW_INFO[field_id].label)).bold = True
    props = doc.core_properties
    props.title = xml_safe(title)
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
