"""The chair's notes (Appendix F) and the Rapid Review report: the notes' checks, then the Word
document opened with python-docx and read section by section, and the Markdown with the same
sections and every typed text escaped.

Every person, agency and child here is fictional.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from review.report import (
    CHAIR_FIELDS,
    CHAIR_QUESTIONS,
    CONCLUSIONS,
    CONFIDENTIAL,
    NATIONAL_CRITERIA,
    REPORT_NOTES,
    REPORT_SECTIONS,
    AgencyReturn,
    ChairAction,
    ChairNotes,
    ChildDetails,
    Decider,
    PanelDecision,
    ReportData,
    child_details,
    escape_markdown,
    invited_attendees,
    report_docx,
    report_markdown,
    validate_chair_notes,
)

# Fictional criteria (a profile's own wording is tested with the profiles and over HTTP).
LOCAL_CRITERIA = ("MARKER-CRITERION-1 improvements needed.", "MARKER-CRITERION-2 a single agency.")
HOSTILE = "**bold** _it_ [click](https://evil.example) <script>alert(1)</script> # x | y"

RAW_NOTES: dict[str, str] = {
    "attendees": "MARKER-ATTENDEES Alex Demo — Northdale Council\nPat Constable — Northdale Police",
    "overview": "MARKER-OVERVIEW Infant admitted with injuries.\n- not a list",
    "partner_discussion": "MARKER-PARTNERS the school nurse described missed checks",
    **{f"q4_{n}": f"MARKER-Q4{n} notes for {n}" for n in range(1, 8)},
    "safeguarding_arrangements": "MARKER-SAFEARR sibling placed with grandparent",
    "immediate_learning": "MARKER-IMMEDIATE bruising in non-mobile babies",
    "further_learning": "MARKER-ADDITIONAL working with fathers",
    "conclusion": "local_review",
    "conclusion_reasons": "MARKER-REASONS joint working gaps",
    "action_1": "Share the learning brief",
    "owner_1": "Jo Sample",
    "due_1": "2026-12-18",
    "action_2": "Audit was-not-brought cases",
    "owner_2": "Northdale ICB",
}


def _notes(**changes: str) -> ChairNotes:
    notes, errors = validate_chair_notes({**RAW_NOTES, **changes})
    assert errors == {} and notes is not None
    return notes


def _data(notes: ChairNotes | None = None, **changes: Any) -> ReportData:
    data: dict[str, Any] = {
        "reference": "SSCP-2026-0001",
        "partnership_name": "Northdale Safeguarding Children Partnership",
        "report_date": date(2026, 12, 14),
        "immediate_safeguarding": "MARKER-SAFE sibling placed with grandparent",
        "event_date": date(2026, 11, 3),
        "pathway_sought": "A: Rapid review",
        "decision": PanelDecision(
            "Meets threshold for Rapid Review",
            date(2026, 11, 24),
            (
                ("Local Authority", "MARKER-RAT-LA injuries unexplained"),
                ("Police", "MARKER-RAT-POLICE investigation open"),
                ("Health", "MARKER-RAT-HEALTH fractures of differing ages"),
            ),
            (
                ("Local Authority", "MARKER-SH-LA serious physical harm"),
                ("Police", "MARKER-SH-POLICE serious physical harm"),
                ("Health", "MARKER-SH-HEALTH long-term impairment likely"),
            ),
        ),
        "chair_notes": notes or _notes(),
        "local_criteria": LOCAL_CRITERIA,
        "immediate_learning": "MARKER-LEARN bruising protocol",
        "dissemination": "MARKER-DISSEM 7-minute briefing",
        "further_learning": "MARKER-FURTHER working with fathers",
        "agencies": (
            AgencyReturn("Northdale Council", "received", date(2026, 12, 2)),
            AgencyReturn("Northdale Police", "received", date(2026, 12, 3)),
            AgencyReturn("Northdale ICB", "received", date(2026, 12, 3)),
            AgencyReturn(
                "Northdale Housing", "not involved", date(2026, 12, 1), note="No tenancy held"
            ),
            AgencyReturn("Northdale Schools", "overdue"),
            AgencyReturn("Private nursery", "not involved", expected=False),
        ),
        "deciders": (
            Decider("Local Authority", "Alex Demo", "Northdale Council"),
            Decider("Police", "Pat Constable", "Northdale Police"),
            Decider("Health", "Robin Sample", "Northdale ICB"),
        ),
        "child": ChildDetails(
            date(2026, 6, 1),
            0,
            "Male",
            "None known",
            name="MARKER-NAME Alfie Example",
            location="MARKER-PLACE Northdale General, ward 3",
            family=(("Person 1", "Jo Example (Mother), born Mon 2 May 1994"),),
        ),
        "referral_received": date(2026, 11, 20),
        "meeting_date": date(2026, 12, 10),
        "meeting_chair": "Robin Sample",
    }
    data.update(changes)
    return ReportData(**data)


# --- the chair's notes ----------------------------------------------------------------------


def test_the_seven_questions_in_the_documents_words() -> None:
    assert [q.id for q in CHAIR_QUESTIONS] == [f"q4_{n}" for n in range(1, 8)]
    assert [q.number for q in CHAIR_QUESTIONS] == [f"4.{n}" for n in range(1, 8)]
    wording = [q.question for q in CHAIR_QUESTIONS]
    assert wording[0] == (
        "What potential improvements may be needed to safeguard and promote the welfare of "
        "children?"
    )
    assert wording[4] == "Are the panel concerned about the actions of a single agency?"
    assert wording[6].startswith("Does the case raise issues relating to safeguarding")
    assert CHAIR_QUESTIONS[3].prompt == (
        "i.e. the case has been previously reviewed and notified as not for a review but we "
        "have been challenged by the panel?"
    )


def test_valid_notes() -> None:
    notes = _notes()
    assert notes.q4_3 == "MARKER-Q43 notes for 3"
    assert notes.conclusion == "local_review"
    assert notes.actions == (
        ChairAction("Share the learning brief", "Jo Sample", date(2026, 12, 18)),
        ChairAction("Audit was-not-brought cases", "Northdale ICB", None),
    )
    assert [q.id for q, _ in notes.answers()] == [q.id for q in CHAIR_QUESTIONS]
    assert notes.conclusion_label == CONCLUSIONS["local_review"]
    assert notes.attendees == RAW_NOTES["attendees"]
    assert notes.partner_discussion == "MARKER-PARTNERS the school nurse described missed checks"


@pytest.mark.parametrize(
    ("change", "field_id", "fragment"),
    [
        ({"q4_5": ""}, "q4_5", "question 4.5"),
        ({"attendees": " \n "}, "attendees", "who attended"),
        ({"safeguarding_arrangements": ""}, "safeguarding_arrangements", "safeguarding"),
        ({"immediate_learning": " "}, "immediate_learning", "immediate learning"),
        ({"further_learning": "x" * 4001}, "further_learning", "under 4,000"),
        ({"attendees": "x" * 4001}, "attendees", "under 4,000"),
        ({"partner_discussion": "x" * 4001}, "partner_discussion", "under 4,000"),
        ({"q4_1": "x" * 4001}, "q4_1", "under 4,000"),
        ({"conclusion": ""}, "conclusion", "Choose the conclusion"),
        ({"conclusion": "maybe"}, "conclusion", "from the list"),
        ({"conclusion_reasons": " "}, "conclusion_reasons", "reasons"),
        ({"owner_1": ""}, "owner_1", "who owns action 1"),
        ({"action_2": ""}, "action_2", "what action 2 is"),
        ({"due_3": "18/12/2026"}, "due_3", "YYYY-MM-DD"),
        ({"owner_4": "x" * 101}, "owner_4", "under 100"),
        ({"q4_2": 7}, "q4_2", "could not read"),  # type: ignore[dict-item]
    ],
)
def test_note_errors(change: dict[str, Any], field_id: str, fragment: str) -> None:
    notes, errors = validate_chair_notes({**RAW_NOTES, **change})
    assert notes is None
    assert fragment in errors[field_id]
    assert list(errors) == [f for f in CHAIR_FIELDS if f in errors]


def test_no_actions_is_fine_and_the_overview_and_partners_discussion_are_optional() -> None:
    raw = {k: v for k, v in RAW_NOTES.items() if not k.startswith(("action", "owner", "due"))}
    raw.pop("overview")
    raw.pop("partner_discussion")
    notes, errors = validate_chair_notes(raw)
    assert errors == {} and notes is not None
    assert notes.actions == () and notes.overview == "" and notes.partner_discussion == ""


def test_concluded_notes_are_read_back_as_they_were_recorded() -> None:
    # Concluded before the attendees and the report's three answers were asked.
    recorded = {
        k: v
        for k, v in RAW_NOTES.items()
        if k not in ("attendees", "partner_discussion", *REPORT_NOTES)
    }
    assert validate_chair_notes(recorded)[0] is None  # as a new conclusion: incomplete
    notes, errors = validate_chair_notes(recorded, complete=False)
    assert errors == {} and notes is not None
    assert notes.attendees == "" and notes.safeguarding_arrangements == ""
    assert notes.q4_2 == "MARKER-Q42 notes for 2"
    # The conclusion and the limits still hold.
    assert "conclusion" in validate_chair_notes({**recorded, "conclusion": ""}, complete=False)[1]
    too_long = {**recorded, "q4_1": "x" * 4001}
    assert "q4_1" in validate_chair_notes(too_long, complete=False)[1]


def test_the_attendees_start_as_who_was_invited() -> None:
    text = invited_attendees(
        [
            ("Alex Demo", "Northdale Council", ["panel", "chair"]),
            ("Jo Sample", "Northdale Council", ["manager"]),
            ("Sam Lead", "Northdale Schools", ["agency_lead", "new_role"]),
            ("Kim Guest", "Northdale ICB", []),
        ]
    )
    assert text.splitlines() == [
        "Alex Demo — Northdale Council (panel member, chair)",
        "Jo Sample — Northdale Council (business unit manager)",
        "Sam Lead — Northdale Schools (agency lead, new_role)",
        "Kim Guest — Northdale ICB",
    ]
    assert invited_attendees([]) == ""


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*CHAIR_FIELDS, "other"]),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans()),
    )
)
def test_notes_check_never_raises(raw: dict[str, Any]) -> None:
    validate_chair_notes(raw)


# --- the child's details --------------------------------------------------------------------


def test_child_details_from_the_referral() -> None:
    details = child_details(
        {
            "event_date": "2026-11-20",
            "date_of_birth": "2019-03-14",
            "care_leaver": "false",
            "gender": "female",
            "disability": "",
        }
    )
    assert details == ChildDetails(date(2019, 3, 14), 7, "Female", "", False)
    assert child_details({}).age_at_event is None


# --- the Word document ----------------------------------------------------------------------


def _document(data: ReportData) -> Any:
    return docx.Document(io.BytesIO(report_docx(data)))


def _sections(document: Any) -> dict[str, list[Paragraph | Table]]:
    """The blocks under each level-1 heading (tables included), by heading text."""
    found: dict[str, list[Paragraph | Table]] = {}
    current: list[Paragraph | Table] | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph) and block.style.name == "Heading 1":
            current = found.setdefault(block.text, [])
        elif current is not None:
            current.append(block)
    return found


def _text(blocks: list[Paragraph | Table]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            lines.extend(" | ".join(cell.text for cell in row.cells) for row in block.rows)
    return "\n".join(lines)


def _tables(blocks: list[Paragraph | Table]) -> list[list[list[str]]]:
    return [
        [[cell.text for cell in row.cells] for row in block.rows]
        for block in blocks
        if isinstance(block, Table)
    ]


def test_docx_header_title_and_sections_in_order() -> None:
    document = _document(_data())
    assert document.sections[0].header.paragraphs[0].text == CONFIDENTIAL
    paragraphs = document.paragraphs
    assert paragraphs[0].text == CONFIDENTIAL
    assert paragraphs[1].style.name == "Title"
    assert paragraphs[1].text == "Rapid Review report — SSCP-2026-0001"
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == list(REPORT_SECTIONS)
    assert document.core_properties.title == "Rapid Review report — SSCP-2026-0001"


def test_docx_section_by_section() -> None:
    data = _data()
    sections = _sections(_document(data))
    s = {title: _text(blocks) for title, blocks in sections.items()}

    criteria = s["1. Criteria considered"]
    assert "Working Together to Safeguard Children (2018)" in criteria
    for criterion in (*NATIONAL_CRITERIA, *LOCAL_CRITERIA):
        assert criterion in criteria
    for question in CHAIR_QUESTIONS:
        assert f"{question.number} {question.question}" in criteria
        assert f"MARKER-Q4{question.number[-1]} notes" in criteria

    assert (
        s["2. Immediate safeguarding arrangements"] == "MARKER-SAFE sibling placed with grandparent"
    )

    facts = s["3. Summary of the facts"]
    assert "Date of the event: Tue 3 Nov 2026" in facts
    assert "Pathway sought by the referrer: A: Rapid review" in facts
    assert "Referral received: Fri 20 Nov 2026" in facts
    assert "MARKER-OVERVIEW Infant admitted with injuries.\n- not a list" in facts
    assert (
        "Discussion with invited partners: MARKER-PARTNERS the school nurse described missed "
        "checks" in facts
    )

    decision = s["4. The decision and its reasons"]
    assert "Decision: Meets threshold for Rapid Review" in decision
    assert "Decided on: Tue 24 Nov 2026" in decision
    for partner in ("LA", "POLICE", "HEALTH"):
        assert f"MARKER-RAT-{partner}" in decision and f"MARKER-SH-{partner}" in decision
    assert "Rationale — Police: MARKER-RAT-POLICE investigation open" in decision
    assert f"Conclusion: {CONCLUSIONS['local_review']}" in decision
    assert "Reasons: MARKER-REASONS joint working gaps" in decision

    assert s["5. National review"] == "A national review is not recommended."

    learning = s["6. Immediate learning and its dissemination"]
    assert "Immediate learning: MARKER-LEARN bruising protocol" in learning
    assert "Dissemination: MARKER-DISSEM 7-minute briefing" in learning
    assert _tables(sections["6. Immediate learning and its dissemination"]) == [
        [
            ["Action", "Owner", "Due"],
            ["Share the learning brief", "Jo Sample", "Fri 18 Dec 2026"],
            ["Audit was-not-brought cases", "Northdale ICB", "No date set"],
        ]
    ]

    assert s["7. Potential for further learning"] == "MARKER-FURTHER working with fathers"

    agencies = sections["8. Agencies involved"]
    assert _tables(agencies) == [
        [
            ["Agency", "Involvement", "Return"],
            ["Northdale Council", "Involved", "Received on Wed 2 Dec 2026"],
            ["Northdale Police", "Involved", "Received on Thu 3 Dec 2026"],
            ["Northdale ICB", "Involved", "Received on Thu 3 Dec 2026"],
            ["Northdale Housing", "Not involved", "Confirmed on Tue 1 Dec 2026"],
            ["Northdale Schools", "Not yet known", "Overdue"],
            ["Private nursery", "Not involved", "Confirmed"],
        ]
    ]
    agencies_text = _text(agencies)
    assert "Expected agencies not involved in the Rapid Review" in agencies_text
    assert "Northdale Housing — not involved: No tenancy held" in agencies_text
    assert "Northdale Schools — not yet known" in agencies_text
    assert "Private nursery —" not in agencies_text

    deciders = sections["9. Who took the decision"]
    assert _tables(deciders) == [
        [
            ["Partner", "Name", "Agency"],
            ["Local Authority", "Alex Demo", "Northdale Council"],
            ["Police", "Pat Constable", "Northdale Police"],
            ["Health", "Robin Sample", "Northdale ICB"],
        ]
    ]
    assert "Virtual panel decision: Tue 24 Nov 2026" in _text(deciders)
    assert "Rapid Review meeting: Thu 10 Dec 2026" in _text(deciders)
    assert "Chair: Robin Sample" in _text(deciders)
    assert (
        "Attendees of the Rapid Review meeting: MARKER-ATTENDEES Alex Demo — Northdale Council\n"
        "Pat Constable — Northdale Police" in _text(deciders)
    )

    child = s["10. Identifying details of the child"]
    assert child == (
        "Name: MARKER-NAME Alfie Example\n"
        "Date of birth: Mon 1 Jun 2026\n"
        "Age at the date of the event: 0\n"
        "Gender: Male\n"
        "Disability: None known\n"
        "Current location: MARKER-PLACE Northdale General, ward 3\n"
        "Person 1: Jo Example (Mother), born Mon 2 May 1994"
    )


def test_national_review_recommended_says_why() -> None:
    notes = _notes(conclusion="national_review_recommended")
    data = _data(notes)
    assert data.national_review_recommended
    section = _text(_sections(_document(data))["5. National review"])
    assert section == "A national review is recommended.\nWhy: MARKER-REASONS joint working gaps"
    assert "A national review is recommended." in report_markdown(data)


def test_no_review_explains_no_further_learning() -> None:
    data = _data(_notes(conclusion="no_review"))
    decision = _text(_sections(_document(data))["4. The decision and its reasons"])
    assert "no further learning" in decision


def test_empty_answers_say_not_recorded() -> None:
    data = _data(immediate_safeguarding=" ", further_learning="", agencies=(), deciders=())
    s = {title: _text(blocks) for title, blocks in _sections(_document(data)).items()}
    assert s["2. Immediate safeguarding arrangements"] == "Not recorded."
    assert s["7. Potential for further learning"] == "Not recorded."
    assert "No agencies were asked" in s["8. Agencies involved"]


def test_control_characters_do_not_break_the_document() -> None:
    data = _data(immediate_safeguarding="a\x00b\x1bc\ud800d\r\ne")
    s = {title: _text(blocks) for title, blocks in _sections(_document(data)).items()}
    assert s["2. Immediate safeguarding arrangements"] == "abcd\ne"


# --- the Markdown ---------------------------------------------------------------------------


def test_markdown_has_the_same_sections() -> None:
    text = report_markdown(_data())
    assert text.startswith(f"**{CONFIDENTIAL}**\n\n# Rapid Review report — SSCP-2026-0001\n")
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == list(REPORT_SECTIONS)
    for marker in (
        "MARKER\\-SAFE",
        "MARKER\\-OVERVIEW",
        "MARKER\\-PARTNERS",
        "MARKER\\-ATTENDEES",
        "MARKER\\-RAT\\-POLICE",
        "MARKER\\-SH\\-HEALTH",
        "MARKER\\-REASONS",
        "MARKER\\-LEARN",
        "MARKER\\-FURTHER",
        "| Northdale Schools | Not yet known | Overdue |",
        "| Police | Pat Constable | Northdale Police |",
        "**Date of birth:** Mon 1 Jun 2026",
        "**Gender:** Male",
    ):
        assert marker in text, marker


def test_no_partners_discussion_leaves_its_line_out() -> None:
    data = _data(_notes(partner_discussion=""))
    assert "Discussion with invited partners" not in report_markdown(data)
    assert "Discussion with invited partners" in report_markdown(_data())


def test_markdown_escapes_typed_text() -> None:
    notes = _notes(
        q4_1=HOSTILE,
        overview="# Heading\n1. list\n> quote",
        attendees=HOSTILE,
        partner_discussion=HOSTILE,
    )
    data = _data(
        notes,
        immediate_safeguarding=HOSTILE,
        deciders=(Decider("Police", "Pat | <b>Constable</b>", "Northdale *Police*"),),
    )
    text = report_markdown(data)
    for raw in ("**bold**", "[click](", "<script>", "<b>", "\n# Heading", "\n1. list", "\n> quote"):
        assert raw not in text
    # 4.1, the immediate safeguarding, the attendees (1.1) and the partners' discussion (3.1).
    assert text.count(escape_markdown(HOSTILE)) == 4
    assert "\\# Heading  \n1\\. list  \n&gt; quote" in text
    assert "| Police | Pat \\| &lt;b&gt;Constable&lt;/b&gt; | Northdale \\*Police\\* |" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words", "plain words"),
        ("**b** _i_ `c` ~s~", r"\*\*b\*\* \_i\_ \`c\` \~s\~"),
        ("[x](http://e)", r"\[x\]\(http\://e\)"),
        ("<img src=x>", "&lt;img src=x&gt;"),
        ("a & b", "a &amp; b"),
        ("# h", r"\# h"),
        ("1. one", r"1\. one"),
        ("a | b", r"a \| b"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_the_report_quotes_why_the_meeting_was_held_late() -> None:
    reason = "LATE REASON the police lead returned from leave on 15 Dec"
    document = _document(_data(meeting_late_reason=reason))
    for rendered in (
        report_markdown(_data(meeting_late_reason=reason)),
        "\n".join(p.text for p in document.paragraphs),
    ):
        assert "Why the meeting was held when it was" in rendered and reason in rendered
    assert "Why the meeting was held" not in report_markdown(_data())


def test_a_reconsidered_decision_is_in_the_report_beside_the_new_one() -> None:
    data = _data(
        earlier_decisions=(
            (
                "Meets threshold for Rapid Review",
                date(2026, 11, 23),
                "The National Panel asked the partnership to reconsider",
            ),
        )
    )
    decision = _text(_sections(_document(data))["4. The decision and its reasons"])
    assert (
        "Earlier decision, reconsidered: Meets threshold for Rapid Review, decided on "
        "Mon 23 Nov 2026; reopened: The National Panel asked the partnership to reconsider."
    ) in decision
    assert "Earlier decision" not in _text(
        _sections(_document(_data()))["4. The decision and its reasons"]
    )
