"""An agency's return (Appendix D): what is required when involved or not, limits, chronology
rows from the card, and chronology spreadsheets (CSV) with per-line errors. Nothing a client
or a file sends makes the checks raise.

Every person and agency here is fictional.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.returns import (
    FIELD_INFO,
    INVOLVEMENT_FIELDS,
    MAX_CHRONOLOGY_ROWS,
    RETURN_FIELDS,
    ROW_FIELDS,
    ChronologyRow,
    ReturnData,
    check_review_period,
    clean_return_values,
    parse_chronology_csv,
    validate_chronology_row,
    validate_return,
)

TODAY = date(2026, 12, 1)

NOT_INVOLVED = {
    "involved": "no",
    "records_secured": "true",
    "author_name": "Sam Lead",
    "author_role": "Head of Safeguarding",
}
INVOLVED: dict[str, str] = {
    **NOT_INVOLVED,
    "involved": "yes",
    "practitioners": "Alex Visitor, health visitor",
    "quality_assured_by": "Jo Senior, Head of Safeguarding",
    "family_members": "MARKER-FAMILY Mother, 29",
    "involvement_child": "MARKER-CHILD seen twice",
    "involvement_parental_capacity": "MARKER-PARENT low mood",
    "involvement_family_environment": "MARKER-ENV overcrowded flat",
    "involvement_multi_agency": "MARKER-MULTI no joint visit",
    "actions_identified": "Audit of missed appointments",
    "issues_for_panel": "MARKER-ISSUES was-not-brought policy",
    "views_of_child_family": "",
    "other_information": "",
}
ROW = {
    "chrono_date_from": "2026-10-02",
    "chrono_date_to": "",
    "chrono_time_from": "14:30",
    "chrono_involvement_with": "Child",
    "chrono_event_outcome": "Clinic appointment; weight recorded.",
    "chrono_child_seen": "yes",
    "chrono_analysis": "",
}


# --- the return -----------------------------------------------------------------------------


def test_field_ids_are_the_card_input_ids() -> None:
    assert RETURN_FIELDS == (
        "involved",
        "records_secured",
        "author_name",
        "author_role",
        "practitioners",
        "quality_assured_by",
        "family_members",
        "involvement_child",
        "involvement_parental_capacity",
        "involvement_family_environment",
        "involvement_multi_agency",
        "actions_identified",
        "issues_for_panel",
        "views_of_child_family",
        "other_information",
    )
    assert ROW_FIELDS == (
        "chrono_date_from",
        "chrono_date_to",
        "chrono_time_from",
        "chrono_involvement_with",
        "chrono_event_outcome",
        "chrono_child_seen",
        "chrono_analysis",
    )


def test_not_involved_needs_only_the_confirmations_and_the_author() -> None:
    data, errors = validate_return(NOT_INVOLVED, today=TODAY)
    assert errors == {}
    assert data == ReturnData(
        involved=False,
        records_secured=True,
        author_name="Sam Lead",
        author_role="Head of Safeguarding",
        practitioners="",
        family_members="",
        involvement_child="",
        involvement_parental_capacity="",
        involvement_family_environment="",
        involvement_multi_agency="",
        actions_identified="",
        issues_for_panel="",
        views_of_child_family="",
        other_information="",
        date_submitted=TODAY,
    )


def test_not_involved_drops_anything_else_typed() -> None:
    data, errors = validate_return({**INVOLVED, "involved": "no"}, today=TODAY)
    assert errors == {} and data is not None
    assert data.involvement_child == "" and data.family_members == ""


def test_involved_needs_the_quality_assurance_the_analysis_and_the_issues() -> None:
    data, errors = validate_return({**NOT_INVOLVED, "involved": "yes"}, today=TODAY)
    assert data is None
    # Appendix D: "Name of Senior Agency manager that has Quality Assured the Report".
    assert list(errors) == ["quality_assured_by", *INVOLVEMENT_FIELDS, "issues_for_panel"]
    for field_id, message in errors.items():
        assert message == FIELD_INFO[field_id].missing


def test_a_complete_involved_return() -> None:
    data, errors = validate_return(INVOLVED, today=TODAY)
    assert errors == {} and data is not None
    assert data.involved and data.records_secured
    assert data.involvement_multi_agency == "MARKER-MULTI no joint visit"
    assert data.quality_assured_by == "Jo Senior, Head of Safeguarding"
    assert data.views_of_child_family == ""


@pytest.mark.parametrize(
    ("change", "field_id", "fragment"),
    [
        ({"involved": ""}, "involved", "Yes or No"),
        ({"involved": "maybe"}, "involved", "Choose Yes or No"),
        ({"records_secured": "false"}, "records_secured", "secured"),
        ({"records_secured": None}, "records_secured", "secured"),
        ({"author_name": "   "}, "author_name", "name of the person"),
        ({"author_name": "x" * 101}, "author_name", "under 100"),
        ({"author_role": "x" * 101}, "author_role", "under 100"),
        ({"involvement_child": "x" * 4001}, "involvement_child", "under 4,000"),
        ({"other_information": "x" * 4001}, "other_information", "under 4,000"),
        ({"practitioners": 12}, "practitioners", "could not read"),
        ({"involved": ["yes"]}, "involved", "could not read"),
    ],
)
def test_return_errors(change: dict[str, Any], field_id: str, fragment: str) -> None:
    raw: dict[str, Any] = {**INVOLVED, **change}
    data, errors = validate_return(raw, today=TODAY)
    assert data is None
    assert fragment in errors[field_id]


def test_limits_are_exact() -> None:
    raw = {**INVOLVED, "author_name": "x" * 100, "involvement_child": "y" * 4000}
    data, errors = validate_return(raw, today=TODAY)
    assert errors == {} and data is not None


def test_text_is_cleaned() -> None:
    raw = {**INVOLVED, "author_name": "  Sam \t Lead\x00 ", "issues_for_panel": "a\r\nb  \r c"}
    data, _ = validate_return(raw, today=TODAY)
    assert data is not None
    assert data.author_name == "Sam Lead"
    assert data.issues_for_panel == "a\nb\n c"


def test_clean_values_keep_what_was_typed_for_a_draft() -> None:
    values = clean_return_values({"involved": "yes", "author_name": "x" * 5000})
    assert values["involved"] == "yes"
    assert values["records_secured"] == "false"
    assert len(values["author_name"]) == 1100  # cut at its limit + 1,000
    assert set(values) == set(RETURN_FIELDS)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*RETURN_FIELDS, *ROW_FIELDS, "other"]),
        st.one_of(st.none(), st.text(max_size=50), st.integers(), st.lists(st.text(max_size=3))),
    )
)
def test_checks_never_raise(raw: dict[str, Any]) -> None:
    validate_return(raw, today=TODAY)
    validate_chronology_row(raw, today=TODAY)
    clean_return_values(raw)


def test_not_a_mapping_is_an_empty_return() -> None:
    data, errors = validate_return(None, today=TODAY)  # type: ignore[arg-type]
    assert data is None and "involved" in errors


# --- chronology rows from the card ----------------------------------------------------------


def test_a_row() -> None:
    row, errors = validate_chronology_row(ROW, today=TODAY)
    assert errors == {}
    assert row == ChronologyRow(
        date(2026, 10, 2), None, "14:30", "Child", "Clinic appointment; weight recorded.", True, ""
    )


@pytest.mark.parametrize(("seen", "expected"), [("yes", True), ("no", False), ("not_known", None)])
def test_child_seen(seen: str, expected: bool | None) -> None:
    row, _ = validate_chronology_row({**ROW, "chrono_child_seen": seen}, today=TODAY)
    assert row is not None and row.child_seen is expected


@pytest.mark.parametrize(
    ("change", "field_id", "fragment"),
    [
        ({"chrono_date_from": ""}, "chrono_date_from", "date of the event"),
        ({"chrono_date_from": "2026-02-30"}, "chrono_date_from", "no such date"),
        ({"chrono_date_from": "yesterday"}, "chrono_date_from", "DD/MM/YYYY"),
        ({"chrono_date_from": "2026-12-02"}, "chrono_date_from", "future"),
        ({"chrono_date_to": "2026-10-01"}, "chrono_date_to", "on or after"),
        ({"chrono_time_from": "25:00"}, "chrono_time_from", "HH:MM"),
        ({"chrono_involvement_with": ""}, "chrono_involvement_with", "Child, Mother"),
        ({"chrono_involvement_with": "x" * 101}, "chrono_involvement_with", "under 100"),
        ({"chrono_event_outcome": " "}, "chrono_event_outcome", "Describe"),
        ({"chrono_child_seen": ""}, "chrono_child_seen", "Not known"),
        ({"chrono_child_seen": "Y"}, "chrono_child_seen", "Choose Yes, No or Not known"),
        ({"chrono_analysis": "x" * 4001}, "chrono_analysis", "under 4,000"),
    ],
)
def test_row_errors(change: dict[str, str], field_id: str, fragment: str) -> None:
    row, errors = validate_chronology_row({**ROW, **change}, today=TODAY)
    assert row is None
    assert fragment in errors[field_id]


def test_row_dates_today_and_uk_format() -> None:
    row, errors = validate_chronology_row(
        {**ROW, "chrono_date_from": "01/12/2026", "chrono_time_from": "9:05"}, today=TODAY
    )
    assert errors == {} and row is not None
    assert row.date_from == TODAY and row.time_from == "09:05"


# --- chronology spreadsheets ----------------------------------------------------------------

TEMPLATE_HEADER = (
    "Agency,Involvement with,Date from,Date to,"
    "Description of significant event/activity and outcome of event,"
    "Child Seen? Y/N,Review and analysis"
)


def test_the_appendix_d_template_layout() -> None:
    text = "\n".join(
        [
            TEMPLATE_HEADER,
            # The template's own hint row is skipped.
            "Enter name of agency,Subject of event,dd/mm/yyyy hh:mm,dd/mm/yyyy hh:mm,Details,Y/N,x",
            'Northdale NHS,Child,03/11/2026 14:30,,"Seen at clinic.\nWeight low.",Y - AB,Good',
            "Northdale NHS,Mother,2026-11-04,05/11/2026,Phone call,N,",
            "Northdale NHS,Father,4/11/2026,,Letter sent,,",
        ]
    )
    rows, errors = parse_chronology_csv(text, today=TODAY)
    assert errors == {}
    assert rows == [
        ChronologyRow(
            date(2026, 11, 3), None, "14:30", "Child", "Seen at clinic.\nWeight low.", True, "Good"
        ),
        ChronologyRow(
            date(2026, 11, 4), date(2026, 11, 5), None, "Mother", "Phone call", False, ""
        ),
        ChronologyRow(date(2026, 11, 4), None, None, "Father", "Letter sent", None, ""),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "date_from,date_to,time_from,involvement_with,event_and_outcome,child_seen,analysis",
        "  DATE FROM , Date  To,TIME, Involvement With ,Event and Outcome,CHILD SEEN,Analysis",
        "Date from;Date to;Time;Involvement with;Event;Child seen;Analysis",
    ],
)
def test_headings_are_tolerant(header: str) -> None:
    sep = ";" if ";" in header else ","
    line = sep.join(["2026-11-03", "", "09:00", "Child", "Visit", "yes", "ok"])
    rows, errors = parse_chronology_csv("\ufeff" + header + "\r\n" + line + "\r\n", today=TODAY)
    assert errors == {}
    assert rows == [ChronologyRow(date(2026, 11, 3), None, "09:00", "Child", "Visit", True, "ok")]


def test_errors_name_the_line_of_the_file() -> None:
    text = "\n".join(
        [
            "Date from,Involvement with,Event,Child seen",
            "03/11/2026,Child,Visit,Y",
            '31/02/2026,Child,"two',
            'lines",N',
            "",
            "04/11/2026,,Visit,maybe",
            "05/12/2026,Child,Visit,N",
        ]
    )
    rows, errors = parse_chronology_csv(text, today=TODAY)
    assert len(rows) == 1
    assert sorted(errors) == [3, 6, 7]
    assert "Date from: There is no such date" in errors[3]
    assert "Involvement with:" in errors[6] and "Child Seen?:" in errors[6]
    assert "future" in errors[7]


def test_missing_columns_are_explained() -> None:
    rows, errors = parse_chronology_csv("Agency,Notes\nX,Y\n", today=TODAY)
    assert rows == []
    assert '"Date from"' in errors[1] and '"Involvement with"' in errors[1]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("Date from,Involvement with,Event\n", "no rows"),
        ("x" * 2_000_001, "too big"),
    ],
)
def test_unusable_files(text: str, fragment: str) -> None:
    rows, errors = parse_chronology_csv(text, today=TODAY)
    assert rows == [] and fragment in errors[1]


def test_not_text_does_not_raise() -> None:
    rows, errors = parse_chronology_csv(b"bytes", today=TODAY)  # type: ignore[arg-type]
    assert rows == [] and 1 in errors


def test_at_most_500_rows() -> None:
    line = "03/11/2026,Child,Visit,N"
    text = "Date from,Involvement with,Event,Child seen\n" + "\n".join([line] * 502)
    rows, errors = parse_chronology_csv(text, today=TODAY)
    assert len(rows) == MAX_CHRONOLOGY_ROWS
    assert list(errors) == [MAX_CHRONOLOGY_ROWS + 2]
    assert "at most 500 rows" in errors[502]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,;"\n\r\t/01:-Y ')), max_size=200))
def test_csv_never_raises(text: str) -> None:
    parse_chronology_csv("Date from,Involvement with,Event\n" + text, today=TODAY)
    parse_chronology_csv(text, today=TODAY)


# --- the period under review ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        (None, "2026-11-20", "Give the period under review"),
        ("2025-11-01", "  ", "Give the period under review"),
        (7, "2026-11-20", "Give the period under review"),
        ("01/11/2025", "2026-11-20", "as YYYY-MM-DD"),
        ("2025-02-30", "2026-11-20", "as YYYY-MM-DD"),
        ("2026-11-21", "2026-11-20", "must start before it ends"),
        ("2025-11-01", "2026-12-02", "cannot end after today"),
    ],
)
def test_a_period_under_review_that_cannot_be_used_says_why(
    first: object, last: object, says: str
) -> None:
    period, wrong = check_review_period(first, last, today=TODAY)
    assert period is None and wrong is not None and says in wrong


def test_a_period_under_review_may_be_one_day_and_end_today() -> None:
    assert check_review_period(" 2026-12-01", "2026-12-01", today=TODAY) == (
        (date(2026, 12, 1), date(2026, 12, 1)),
        None,
    )
    assert check_review_period("2025-11-01", "2026-11-20", today=TODAY) == (
        (date(2025, 11, 1), date(2026, 11, 20)),
        None,
    )
