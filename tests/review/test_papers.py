"""The meeting papers (review/papers.py): every return and chronology, opened with python-docx."""

from __future__ import annotations

import io
from datetime import date

import docx

from review.papers import AgencyPapers, papers_docx
from review.report import CONFIDENTIAL
from review.returns import FIELD_INFO, ChronologyRow

ANSWERS = {
    "involved": "yes",
    "records_secured": "true",
    "author_name": "Sam Sample",
    "author_role": "Named Nurse",
    "practitioners": "Health visitor",
    "quality_assured_by": "Jo Senior",
    "involvement_child": "Weight checks\nmissed twice",
    "issues_for_panel": "Supervision <b>of</b> visits \x0b",
}
ROW = ChronologyRow(
    date(2026, 10, 2), None, "10:30", "Mother", "Missed clinic", False, "Not followed up"
)


def _document(agencies: list[AgencyPapers]) -> docx.document.Document:
    content = papers_docx(
        reference="NSCP-2026-0001",
        partnership_name="Northdale Partnership",
        day=date(2026, 12, 3),
        agencies=agencies,
    )
    return docx.Document(io.BytesIO(content))


def test_each_agency_has_its_answers_and_chronology_and_the_papers_are_confidential() -> None:
    document = _document(
        [
            AgencyPapers("Northdale Health", "Received", date(2026, 12, 1), ANSWERS, [ROW]),
            AgencyPapers(
                "Northdale Police",
                "Not involved",
                date(2026, 12, 2),
                {
                    "involved": "no",
                    "records_secured": "true",
                    "author_name": "Alex Sample",
                    "author_role": "DS",
                    "practitioners": "typed before changing the answer to no",
                },
                [],
            ),
            AgencyPapers("Northdale Housing", "Overdue", None, {}, []),
        ]
    )
    assert document.sections[0].header.paragraphs[0].text == CONFIDENTIAL
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Northdale Health", "Northdale Police", "Northdale Housing"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Return: Received on Tue 1 Dec 2026" in text
    assert f"{FIELD_INFO['involvement_child'].label}\nWeight checks\nmissed twice" in text
    assert f"{FIELD_INFO['quality_assured_by'].label}\nJo Senior" in text
    assert "Supervision <b>of</b> visits" in text  # as typed, never markup; \x0b dropped
    assert "Return: Overdue" in text
    # A "not involved" return shows only what such a return holds.
    assert "typed before changing" not in text
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][0] == "Date from"
    assert cells[1] == [
        "Fri 2 Oct 2026",
        "",
        "10:30",
        "Mother",
        "Missed clinic",
        "No",
        "Not followed up",
    ]


def test_papers_with_no_agency_asked_say_so() -> None:
    document = _document([])
    assert "No agency has been asked" in "\n".join(p.text for p in document.paragraphs)
