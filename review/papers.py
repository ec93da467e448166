"""The meeting papers: every agency's Appendix D return and chronology in one Word document.

When a manager circulates the papers, the panel, the managers and the chair each get this
document in 1:1 (never the channel): it is CONFIDENTIAL WHEN COMPLETED. One section per
agency asked, in the order they were asked: where its return stands, then each question of
the return with the answer as the lead wrote it, then the chronology as a table.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from docx import Document
from docx.shared import Pt

from review.answers import clean_text
from review.referral import format_date
from review.report import CONFIDENTIAL, NOT_RECORDED, xml_safe
from review.returns import CHILD_SEEN, FIELD_INFO, RETURN_FIELDS, ChronologyRow

__all__ = ["AgencyPapers", "papers_docx"]

_CHRONOLOGY_HEADERS = (
    "Date from",
    "Date to",
    "Time",
    "Involvement with",
    "Event and outcome",
    "Child seen",
    "Analysis",
)
_SEEN_WORDS = {True: CHILD_SEEN["yes"], False: CHILD_SEEN["no"], None: CHILD_SEEN["not_known"]}


@dataclass(frozen=True, slots=True)
class AgencyPapers:
    """One agency's part of the papers: its name, status, answers and chronology."""

    name: str
    status: str  # as the channel shows it: Received, Not involved, Awaited, Overdue
    returned_on: date | None
    answers: Mapping[str, str]
    chronology: Sequence[ChronologyRow]


def _answer(field_id: str, value: str) -> str:
    if field_id == "involved":
        return {"yes": "Yes", "no": "No"}.get(value, NOT_RECORDED)
    if field_id == "records_secured":
        return "Yes" if value == "true" else "Not confirmed"
    return clean_text(value) or NOT_RECORDED


def papers_docx(
    *, reference: str, partnership_name: str, day: date, agencies: Sequence[AgencyPapers]
) -> bytes:
    """The papers for the Rapid Review meeting as a Word document (.docx)."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    header.text = ""
    run = header.add_run(CONFIDENTIAL)
    run.bold = True
    run.font.size = Pt(9)
    doc.add_paragraph().add_run(CONFIDENTIAL).bold = True
    doc.add_heading(xml_safe(f"Rapid Review meeting papers — {reference}"), level=0)
    doc.add_paragraph(xml_safe(f"{partnership_name}. Circulated {format_date(day)}."))
    if not agencies:
        doc.add_paragraph("No agency has been asked for information yet.")
    for agency in agencies:
        doc.add_heading(xml_safe(agency.name), level=1)
        status = agency.status
        if agency.returned_on is not None:
            status += f" on {format_date(agency.returned_on)}"
        doc.add_paragraph().add_run(xml_safe(f"Return: {status}")).bold = True
        if not agency.answers:
            continue
        involved = agency.answers.get("involved") == "yes"
        for field_id in RETURN_FIELDS:
            value = str(agency.answers.get(field_id, ""))
            if not involved and field_id not in (
                "involved",
                "records_secured",
                "author_name",
                "author_role",
            ):
                continue
            paragraph = doc.add_paragraph()
            paragraph.add_run(xml_safe(FIELD_INFO[field_id].label) + "\n").bold = True
            paragraph.add_run(xml_safe(_answer(field_id, value)))
        if agency.chronology:
            doc.add_heading("Chronology", level=2)
            grid = doc.add_table(rows=1, cols=len(_CHRONOLOGY_HEADERS))
            grid.style = "Table Grid"
            for cell, heading in zip(grid.rows[0].cells, _CHRONOLOGY_HEADERS, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(heading).bold = True
            for row in agency.chronology:
                values = (
                    format_date(row.date_from),
                    format_date(row.date_to) if row.date_to else "",
                    row.time_from or "",
                    row.involvement_with,
                    row.event_and_outcome,
                    _SEEN_WORDS[row.child_seen],
                    row.analysis,
                )
                for cell, value in zip(grid.add_row().cells, values, strict=True):
                    cell.text = xml_safe(clean_text(value))
    props = doc.core_properties
    props.title = xml_safe(f"Rapid Review meeting papers — {reference}")
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
