"""The referral form's checks: a table per field, the age rule with hand-worked ages, and
a property test that nothing a client sends makes the checks raise.

Today is Friday 20 November 2026 throughout; the event is Tuesday 3 November 2026 unless a
row says otherwise. People and addresses are fictional.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.profiles import load_profile
from review.referral import (
    CHILD_FIELDS,
    DATE_FORMAT_ERROR,
    FIELD_INFO,
    FIELDS,
    FREE_TEXT_FIELDS,
    IDENTITY_FIELDS,
    KEPT_BEYOND_LIMIT,
    PATHWAYS,
    SECTIONS,
    SectionResult,
    age_at,
    derived_age,
    format_date,
    parse_iso_date,
    summary_facts,
    summary_rows,
    validate_form,
    validate_section,
)

TODAY = date(2026, 11, 20)
STOCKPORT = load_profile("stockport")
AGENCY_IDS = frozenset(agency.id for agency in STOCKPORT.agencies)
AGENCY_NAMES = {agency.id: agency.name for agency in STOCKPORT.agencies}
UNREADABLE = "We could not read this answer. Please give it again."

VALID: dict[str, dict[str, str]] = {
    "pathway": {"pathway": "rapid_review"},
    "referrer": {
        "referrer_name": "Sam Example",
        "referrer_email": "sam.example@agency.example.gov.uk",
        "job_title": "Named Nurse for Safeguarding",
        "agency": "stockport_nhs_ft",
        "agency_other": "",
        "phone": "0161 496 0000",
        "discussed_with": "My manager, Jo Sample, and the allocated social worker.",
        "lead_name": "Jo Sample",
        "lead_role": "Head of Safeguarding",
        "lead_contact": "jo.sample@agency.example.gov.uk",
    },
    "child": {
        "child_name": "Poppy Example",
        "child_location": "At home, 1 Fictional Row, Northdale",
        "event_date": "2026-11-03",
        "date_of_birth": "2012-06-15",
        "care_leaver": "false",
        "gender": "female",
        "harm_kind": "serious_harm",
        "looked_after": "no",
        "outside_england": "no",
        "disability": "None known",
    },
    "family": {
        "family_1_name": "Jo Example",
        "family_1_dob": "1990-01-20",
        "family_1_relationship": "Mother",
        "family_1_address": "1 Fictional Row, Northdale",
        **{
            f"family_{n}_{p}": ""
            for n in (2, 3, 4)
            for p in ("name", "dob", "relationship", "address")
        },
    },
    "views": {
        "worked_well": "School and health shared information quickly.",
        "did_not_work_well": "Missed appointments were not followed up.",
        "key_issues": "How agencies follow up missed health appointments.",
        "family_involvement": "Mother is willing to talk to the reviewer; the health visitor "
        "could support her.",
    },
}


MISSING = object()
"""Leaves an answer out of what is sent."""


def check(section: str, **answers: object) -> SectionResult:
    """Check a section: the valid answers with ``answers`` laid over them (MISSING removes one)."""
    raw: dict[str, object] = {**VALID[section], **answers}
    raw = {key: value for key, value in raw.items() if value is not MISSING}
    return validate_section(section, raw, today=TODAY, agency_ids=AGENCY_IDS)


def section_of(field_id: str) -> str:
    """The section a field belongs to."""
    return FIELD_INFO[field_id].section


# -- the shape the dialog relies on -----------------------------------------------------


def test_sections_and_field_ids_are_the_card_input_ids() -> None:
    assert SECTIONS == ("pathway", "referrer", "child", "family", "views")
    assert FIELDS == {
        "pathway": ("pathway",),
        "referrer": (
            "referrer_name",
            "referrer_email",
            "job_title",
            "agency",
            "agency_other",
            "phone",
            "discussed_with",
            "lead_name",
            "lead_role",
            "lead_contact",
        ),
        "child": (
            "child_name",
            "child_location",
            "event_date",
            "date_of_birth",
            "care_leaver",
            "gender",
            "harm_kind",
            "looked_after",
            "outside_england",
            "disability",
        ),
        "family": tuple(
            f"family_{n}_{part}"
            for n in range(1, 5)
            for part in ("name", "dob", "relationship", "address")
        ),
        "views": ("worked_well", "did_not_work_well", "key_issues", "family_involvement"),
    }
    assert {"child_name", "child_location", "family_1_name", "family_4_address"} <= (
        IDENTITY_FIELDS
    )
    assert {"date_of_birth", "gender", "disability", "care_leaver", "age"} <= CHILD_FIELDS
    assert {
        "discussed_with",
        "disability",
        "worked_well",
        "did_not_work_well",
        "key_issues",
        "family_involvement",
        "referrer_name",
        "lead_contact",
    } <= FREE_TEXT_FIELDS
    assert "event_date" not in CHILD_FIELDS | FREE_TEXT_FIELDS


def test_pathways_are_a_b_and_c_with_the_forms_explanations() -> None:
    assert [(p.id, p.letter) for p in PATHWAYS.values()] == [
        ("rapid_review", "A"),
        ("practice_review", "B"),
        ("escalation", "C"),
    ]
    assert PATHWAYS["rapid_review"].title == "A: Rapid review"
    assert "seriously harmed" in PATHWAYS["rapid_review"].explanation
    assert "lessons" in PATHWAYS["practice_review"].explanation
    assert "disagreement" in PATHWAYS["escalation"].explanation


def test_limits() -> None:
    limits = {f: info.max_length for f, info in FIELD_INFO.items() if info.max_length}
    assert limits == {
        "referrer_name": 100,
        "referrer_email": 254,
        "job_title": 100,
        "phone": 30,
        "discussed_with": 2000,
        "lead_name": 100,
        "lead_role": 100,
        "lead_contact": 200,
        "disability": 500,
        "agency_other": 200,
        "child_name": 100,
        "child_location": 500,
        **{
            f"family_{n}_{p}": m
            for n in range(1, 5)
            for p, m in (("name", 100), ("relationship", 100), ("address", 300))
        },
        "worked_well": 4000,
        "did_not_work_well": 4000,
        "key_issues": 4000,
        "family_involvement": 4000,
    }


@pytest.mark.parametrize("section", SECTIONS)
def test_valid_sections_pass_and_keep_every_answer(section: str) -> None:
    result = check(section)
    assert result.ok, result.errors
    assert result.errors == {}
    assert result.values == VALID[section]


def test_extra_keys_such_as_the_action_data_are_ignored() -> None:
    raw = {"pathway": "rapid_review", "action": "referral.step", "section": "x", "token": "t"}
    result = validate_section("pathway", raw, today=TODAY, agency_ids=AGENCY_IDS)
    assert result.ok
    assert result.values == {"pathway": "rapid_review"}


def test_unknown_section_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown referral section"):
        validate_section("household", {}, today=TODAY, agency_ids=AGENCY_IDS)


# -- a table per field ------------------------------------------------------------------

ACCEPTED: list[tuple[str, object, str]] = [
    # (field, what is sent, what is kept)
    ("pathway", "practice_review", "practice_review"),
    ("pathway", " escalation ", "escalation"),
    ("referrer_name", "  Sam   Example ", "Sam Example"),
    ("referrer_name", "Siân O'Brien-Ng", "Siân O'Brien-Ng"),
    ("referrer_name", "x" * 100, "x" * 100),
    ("referrer_email", "sam@northdale.example", "sam@northdale.example"),
    ("referrer_email", "first.last+rr@nhs.example.uk", "first.last+rr@nhs.example.uk"),
    ("job_title", "Designated Safeguarding Lead", "Designated Safeguarding Lead"),
    ("agency", "gmp", "gmp"),
    ("phone", "0161 496 0000", "0161 496 0000"),
    ("phone", "+44 (0)161 496-0000", "+44 (0)161 496-0000"),
    ("phone", "4960000", "4960000"),
    ("phone", "0" * 20, "0" * 20),
    ("discussed_with", "Line 1\r\nLine 2  \n\n", "Line 1\nLine 2"),
    ("discussed_with", "d" * 2000, "d" * 2000),
    ("lead_contact", "0161 496 0999", "0161 496 0999"),
    ("lead_contact", "tab\tand\x00 null", "tab and null"),
    ("event_date", "2026-11-20", "2026-11-20"),
    ("event_date", " 2026-02-28 ", "2026-02-28"),
    ("date_of_birth", "2026-11-03", "2026-11-03"),
    ("care_leaver", "true", "true"),
    ("care_leaver", "false", "false"),
    ("care_leaver", "TRUE", "true"),
    ("care_leaver", None, "false"),
    ("care_leaver", "", "false"),
    ("gender", "not_known", "not_known"),
    ("gender", "other", "other"),
    ("disability", "None known", "None known"),
    ("disability", None, ""),
    ("disability", "   ", ""),
    ("disability", "y" * 500, "y" * 500),
    ("worked_well", None, ""),
    ("worked_well", "\n\n  ", ""),
    ("did_not_work_well", "Too slow.\u2028Nobody asked.", "Too slow.\nNobody asked."),
    ("key_issues", "k" * 4000, "k" * 4000),
]


@pytest.mark.parametrize(("field_id", "sent", "kept"), ACCEPTED)
def test_accepted_answers(field_id: str, sent: object, kept: str) -> None:
    section = section_of(field_id)
    result = check(section, **{field_id: sent})
    assert result.errors == {}
    assert result.values[field_id] == kept


REFUSED: list[tuple[str, object, str]] = [
    # (field, what is sent, the error)
    ("pathway", MISSING, "Choose the pathway you are asking for: A, B or C."),
    ("pathway", "   ", "Choose the pathway you are asking for: A, B or C."),
    ("pathway", "rapid review", "Choose A, B or C from the list."),
    ("pathway", "no_response", "Choose A, B or C from the list."),
    ("pathway", "A", "Choose A, B or C from the list."),
    ("referrer_name", MISSING, "Enter your name."),
    ("referrer_name", None, "Enter your name."),
    ("referrer_name", " \t\n ", "Enter your name."),
    ("referrer_name", "x" * 143, "Keep this under 100 characters (it is 143)."),
    ("referrer_email", "sam.example", "Enter a full email address"),
    ("referrer_email", "sam@localhost", "Enter a full email address"),
    ("referrer_email", "sam @northdale.example", "Enter a full email address"),
    ("referrer_email", "sam@@northdale.example", "Enter a full email address"),
    ("referrer_email", ".sam@northdale.example", "Enter a full email address"),
    ("referrer_email", "[click](https://evil.example)", "Enter a full email address"),
    ("referrer_email", "s" * 65 + "@northdale.example", "Enter a full email address"),
    ("referrer_email", MISSING, "Enter your work email address."),
    ("job_title", "", "Enter your job title."),
    ("agency", MISSING, "Choose your agency."),
    ("agency", "northdale_police", "Choose your agency from the list."),
    ("agency", "Greater Manchester Police", "Choose your agency from the list."),
    ("phone", "call me", "Use only numbers, spaces, +, brackets and hyphens"),
    ("phone", "0161 496 0000 ext 12", "Use only numbers, spaces, +, brackets and hyphens"),
    ("phone", "０１６１４９６００００", "Use only numbers, spaces, +, brackets and hyphens"),
    (
        "phone",
        "496 000",
        "A phone number has 7 to 20 digits, for example 0161 496 0000 (this one has 6).",
    ),
    ("phone", "0" * 21, "A phone number has 7 to 20 digits"),
    ("phone", "+" * 31, "Keep this under 30 characters (it is 31)."),
    ("phone", MISSING, "Enter a phone number we can reach you on."),
    ("discussed_with", MISSING, "Tell us who you have discussed this referral with"),
    ("discussed_with", "d" * 2001, "Keep this under 2,000 characters (it is 2,001)."),
    ("lead_name", "", "Enter the name of your agency's lead for a possible review."),
    ("lead_role", "   ", "Enter the lead's role."),
    ("lead_contact", MISSING, "Enter an email address or phone number for the lead."),
    ("lead_contact", "c" * 201, "Keep this under 200 characters (it is 201)."),
    ("event_date", MISSING, "Enter the date of the event that led to this referral."),
    ("event_date", "03/11/2026", DATE_FORMAT_ERROR),
    ("event_date", "3 November 2026", DATE_FORMAT_ERROR),
    ("event_date", "20261103", DATE_FORMAT_ERROR),
    ("event_date", "2026-W45-2", DATE_FORMAT_ERROR),
    ("event_date", "2026-11-03T10:00:00", DATE_FORMAT_ERROR),
    ("event_date", "٢٠٢٦-١١-٠٣", DATE_FORMAT_ERROR),
    ("event_date", "2026-02-29", f"There is no such date. {DATE_FORMAT_ERROR}"),
    ("event_date", "2026-13-01", f"There is no such date. {DATE_FORMAT_ERROR}"),
    ("event_date", "0000-01-01", f"There is no such date. {DATE_FORMAT_ERROR}"),
    ("event_date", "2026-11-21", "The date of the event cannot be in the future."),
    ("date_of_birth", MISSING, "Enter the child's date of birth."),
    ("date_of_birth", "15/06/2012", DATE_FORMAT_ERROR),
    (
        "date_of_birth",
        "2026-11-04",
        "The date of birth must be on or before the date of the event.",
    ),
    ("date_of_birth", "2026-11-21", "The date of birth cannot be in the future."),
    ("care_leaver", "yes", UNREADABLE),
    ("care_leaver", "on", UNREADABLE),
    ("gender", MISSING, "Choose the child's gender, or Not known."),
    ("gender", "Female", "Choose one of the options: Female, Male, Other or Not known."),
    ("gender", "unknown", "Choose one of the options: Female, Male, Other or Not known."),
    ("disability", "y" * 501, "Keep this under 500 characters (it is 501)."),
    ("worked_well", "w" * 4001, "Keep this under 4,000 characters (it is 4,001)."),
    ("did_not_work_well", "w" * 4001, "Keep this under 4,000 characters (it is 4,001)."),
    ("key_issues", MISSING, "Tell us the key issues and what you think the review needs"),
    ("key_issues", "\n \n", "Tell us the key issues and what you think the review needs"),
]


@pytest.mark.parametrize(("field_id", "sent", "error"), REFUSED)
def test_refused_answers(field_id: str, sent: object, error: str) -> None:
    section = section_of(field_id)
    result = check(section, **{field_id: sent})
    assert not result.ok
    assert list(result.errors) == [field_id]
    assert result.errors[field_id].startswith(error)
    assert set(result.values) == set(FIELDS[section])


WRONG_TYPES: list[object] = [0, 7700900123, 1.5, float("nan"), True, False, [], ["a"], {}, {"a": 1}]


@pytest.mark.parametrize("sent", WRONG_TYPES, ids=repr)
@pytest.mark.parametrize("field_id", list(FIELD_INFO))
def test_answers_of_the_wrong_json_type_are_errors_not_crashes(field_id: str, sent: object) -> None:
    result = check(section_of(field_id), **{field_id: sent})
    assert result.errors == {field_id: UNREADABLE}
    assert result.values[field_id] in ("", "false")


@pytest.mark.parametrize(
    "field_id", [f for f, info in FIELD_INFO.items() if info.required and f != "pathway"]
)
def test_required_answers_missing_null_or_blank(field_id: str) -> None:
    for sent in (MISSING, None, "", "   ", "\n\t\r\n"):
        result = check(section_of(field_id), **{field_id: sent})
        assert result.errors == {field_id: FIELD_INFO[field_id].missing}, repr(sent)
        assert result.values[field_id] == ""


@pytest.mark.parametrize("field_id", list(FIELD_INFO))
def test_ten_thousand_characters(field_id: str) -> None:
    result = check(section_of(field_id), **{field_id: "z" * 10_000})
    info = FIELD_INFO[field_id]
    assert list(result.errors) == [field_id]
    if info.max_length is not None:
        assert result.errors[field_id] == (
            f"Keep this under {info.max_length:,} characters (it is 10,000)."
        )
        # Kept to be shown again, but only so far past the limit.
        assert result.values[field_id] == "z" * (info.max_length + KEPT_BEYOND_LIMIT)
    else:
        assert len(result.values[field_id]) <= 50


def test_surrogates_and_control_characters_are_dropped() -> None:
    result = check("views", key_issues="a\ud800b\x07c\x1bd")
    assert result.ok
    assert result.values["key_issues"] == "abcd"


def test_every_error_message_is_a_plain_sentence() -> None:
    messages = [info.missing for info in FIELD_INFO.values() if info.missing]
    for field_id, sent, _ in REFUSED:
        result = check(section_of(field_id), **{field_id: sent})
        messages.extend(result.errors.values())
    messages.append(UNREADABLE)
    for message in messages:
        assert message[0].isupper() and message.endswith("."), message
        for jargon in ("invalid", "null", "None", "regex", "str", "type", "field", "ISO"):
            assert jargon not in message, message


# -- the age rule -----------------------------------------------------------------------

AGES: list[tuple[str, str, str, int, str | None]] = [
    # (event, date of birth, care leaver, age at the event, error or None)
    ("2026-11-03", "2026-11-03", "false", 0, None),
    ("2026-11-03", "2009-11-03", "false", 17, None),  # 17 on the day
    ("2026-11-03", "2008-11-04", "false", 17, None),  # 18 tomorrow
    ("2026-11-03", "2008-11-03", "false", 18, "By these dates the child was 18"),
    ("2026-11-03", "2008-11-03", "true", 18, None),
    ("2026-11-03", "2007-06-01", "true", 19, None),
    ("2026-11-03", "2007-06-01", "false", 19, "By these dates the child was 19"),
    ("2026-11-03", "2001-11-04", "true", 24, None),  # 25 tomorrow
    ("2026-11-03", "2001-11-03", "true", 25, "By these dates the young person was 25"),
    ("2026-11-03", "1990-01-01", "true", 36, "By these dates the young person was 36"),
    ("2026-11-03", "2011-01-01", "true", 15, None),  # ticked for a child: not an error
    ("2026-02-28", "2008-02-29", "false", 17, None),  # leapling: 18 on 1 March 2026
    ("2026-03-01", "2008-02-29", "false", 18, "By these dates the child was 18"),
]


@pytest.mark.parametrize(("event", "dob", "care_leaver", "age", "error"), AGES)
def test_age_rule(event: str, dob: str, care_leaver: str, age: int, error: str | None) -> None:
    result = check("child", event_date=event, date_of_birth=dob, care_leaver=care_leaver)
    assert derived_age(result.values) == age
    if error is None:
        assert result.errors == {}
    else:
        assert list(result.errors) == ["date_of_birth"]
        assert result.errors["date_of_birth"].startswith(error)


def test_age_rule_tells_a_non_care_leaver_what_to_do() -> None:
    result = check("child", date_of_birth="2008-11-03")
    assert result.errors["date_of_birth"] == (
        "By these dates the child was 18 on the date of the event. Referrals are for "
        "children under 18, or care leavers under 25: if they are a care leaver, tick the "
        "box below."
    )


def test_age_is_not_judged_against_a_bad_event_date() -> None:
    result = check("child", event_date="2026-12-01", date_of_birth="1980-01-01")
    assert list(result.errors) == ["event_date"]


@pytest.mark.parametrize(
    ("dob", "on", "age"),
    [
        (date(2008, 2, 29), date(2008, 2, 29), 0),
        (date(2008, 2, 29), date(2009, 2, 28), 0),
        (date(2008, 2, 29), date(2009, 3, 1), 1),
        (date(2008, 2, 29), date(2012, 2, 28), 3),
        (date(2008, 2, 29), date(2012, 2, 29), 4),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2032, 2, 29), 24),
        (date(2008, 11, 3), date(2026, 11, 2), 17),
        (date(2008, 11, 3), date(2026, 11, 3), 18),
        (date(2008, 12, 31), date(2026, 1, 1), 17),
        (date(2009, 1, 1), date(2026, 12, 31), 17),
    ],
)
def test_age_at(dob: date, on: date, age: int) -> None:
    assert age_at(dob, on) == age


def test_age_at_refuses_a_date_before_birth() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_at(date(2026, 11, 3), date(2026, 11, 2))


def test_derived_age_needs_both_dates_in_order() -> None:
    assert derived_age({"event_date": "2026-11-03", "date_of_birth": "2012-06-15"}) == 14
    assert derived_age({"event_date": "2026-11-03"}) is None
    assert derived_age({"event_date": "2026-11-03", "date_of_birth": "2026-11-04"}) is None
    assert derived_age({"event_date": "03/11/2026", "date_of_birth": "2012-06-15"}) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-03", date(2026, 11, 3)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2026-02-29", None),
        ("20261103", None),
        (" 2026-11-03", None),
        (20261103, None),
        (None, None),
    ],
)
def test_parse_iso_date(text: object, day: date | None) -> None:
    assert parse_iso_date(text) == day


def test_format_date() -> None:
    assert format_date(date(2026, 11, 24)) == "Tue 24 Nov 2026"
    assert format_date(date(2026, 11, 27)) == "Fri 27 Nov 2026"
    assert format_date(date(2027, 1, 3)) == "Sun 3 Jan 2027"


# -- whole form and summaries -----------------------------------------------------------


def test_validate_form_checks_every_section() -> None:
    results = validate_form(VALID, today=TODAY, agency_ids=AGENCY_IDS)
    assert list(results) == list(SECTIONS)
    assert all(result.ok for result in results.values())
    assert {section: result.values for section, result in results.items()} == VALID


def test_validate_form_reports_missing_and_broken_sections() -> None:
    form: dict[str, Any] = {"pathway": {"pathway": "escalation"}, "child": ["not", "a", "dict"]}
    results = validate_form(form, today=TODAY, agency_ids=AGENCY_IDS)
    assert results["pathway"].ok
    assert set(results["referrer"].errors) == {
        f for f in FIELDS["referrer"] if FIELD_INFO[f].required
    }
    assert set(results["child"].errors) == {
        "child_name",
        "child_location",
        "event_date",
        "date_of_birth",
        "gender",
        "harm_kind",
        "looked_after",
        "outside_england",
    }
    assert results["family"].ok  # every person is "if known"
    assert list(results["views"].errors) == ["key_issues"]


def test_summary_facts() -> None:
    assert summary_facts("pathway", VALID["pathway"], agency_names=AGENCY_NAMES) == [
        ("Pathway sought", "A: Rapid review")
    ]
    referrer = summary_facts("referrer", VALID["referrer"], agency_names=AGENCY_NAMES)
    assert ("Referring agency", "Stockport NHS Foundation Trust") in referrer
    assert ("Name", "Sam Example") in referrer
    assert len(referrer) == len(FIELDS["referrer"]) - 1  # "another agency" only when chosen
    assert summary_facts("child", VALID["child"], agency_names=AGENCY_NAMES) == [
        ("Child's name", "Poppy Example"),
        ("Current location", "At home, 1 Fictional Row, Northdale"),
        ("Date of the event", "Tue 3 Nov 2026"),
        ("Date of birth", "Fri 15 Jun 2012"),
        ("Age", "14 on the date of the event"),
        ("Care leaver", "No"),
        ("Gender", "Female"),
        ("Death or serious harm", "The child has been seriously harmed"),
        ("Looked after", "No"),
        ("Outside England", "No"),
        ("Disability", "None known"),
    ]
    views = summary_facts("views", {"key_issues": "Follow-up."}, agency_names=AGENCY_NAMES)
    assert views == [
        ("What worked well", "Not given"),
        ("What didn't work well", "Not given"),
        ("Key issues", "Follow-up."),
        ("Involving the child and family", "Not given"),
    ]


def test_summary_rows_name_their_fields() -> None:
    rows = summary_rows("child", VALID["child"], agency_names=AGENCY_NAMES)
    assert [row.field for row in rows] == [
        "child_name",
        "child_location",
        "event_date",
        "date_of_birth",
        "age",
        "care_leaver",
        "gender",
        "harm_kind",
        "looked_after",
        "outside_england",
        "disability",
    ]


def test_summary_of_an_unknown_agency_shows_its_id() -> None:
    facts = summary_facts("referrer", {"agency": "gone"}, agency_names=AGENCY_NAMES)
    assert ("Referring agency", "gone") in facts


# -- never raises -----------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["true", "false", "2026-11-03", "2008-02-29", "gmp", "rapid_review", " "]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(list(FIELD_INFO)) | st.text(max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    section=st.sampled_from(SECTIONS),
    raw=st.dictionaries(KEYS, JSON, max_size=12),
    today=st.dates(),
    agency_ids=st.frozensets(st.text(max_size=12), max_size=4),
)
def test_validate_section_never_raises(
    section: str, raw: dict[str, object], today: date, agency_ids: frozenset[str]
) -> None:
    result = validate_section(section, raw, today=today, agency_ids=agency_ids)
    assert set(result.values) == set(FIELDS[section])
    assert all(isinstance(value, str) for value in result.values.values())
    assert set(result.errors) <= set(FIELDS[section])
    assert all(isinstance(m, str) and m for m in result.errors.values())
    summary_facts(section, result.values, agency_names={})


@settings(max_examples=50, deadline=None)
@given(form=JSON, today=st.dates())
def test_validate_form_never_raises(form: Any, today: date) -> None:
    results = validate_form(
        form if isinstance(form, dict) else {}, today=today, agency_ids=AGENCY_IDS
    )
    assert list(results) == list(SECTIONS)


def test_a_section_that_is_not_a_mapping_is_all_errors() -> None:
    bad: Any = ["pathway", "rapid_review"]
    result = validate_section("pathway", bad, today=TODAY, agency_ids=AGENCY_IDS)
    assert list(result.errors) == ["pathway"]


def test_a_partnership_may_let_questions_be_sent_not_known_yet() -> None:
    from review.referral import ALWAYS_REQUIRED, NOT_KNOWN_YET, outstanding, summary_rows

    raw = {"event_date": "2026-11-20", "date_of_birth": "", "gender": ""}
    strict = validate_section("child", raw, today=date(2026, 11, 23), agency_ids=[])
    assert set(strict.errors) == {
        "child_name",
        "child_location",
        "date_of_birth",
        "gender",
        "harm_kind",
        "looked_after",
        "outside_england",
    }
    lenient = validate_section(
        "child", raw, today=date(2026, 11, 23), agency_ids=[], required=ALWAYS_REQUIRED
    )
    assert lenient.ok
    # The checks follow the list they are given (a profile's always holds ALWAYS_REQUIRED).
    gone = validate_section("child", {}, today=date(2026, 11, 23), agency_ids=[], required=())
    assert gone.ok and gone.values["event_date"] == ""
    needed = validate_section(
        "child", {}, today=date(2026, 11, 23), agency_ids=[], required=ALWAYS_REQUIRED
    )
    assert set(needed.errors) == {"event_date"}
    form = {"child": lenient.values, "referrer": {"phone": "0161 496 0000"}}
    assert outstanding(form, ALWAYS_REQUIRED) == (
        "job_title",
        "discussed_with",
        "lead_name",
        "lead_role",
        "lead_contact",
        "child_name",
        "child_location",
        "date_of_birth",
        "gender",
        "harm_kind",
        "looked_after",
        "outside_england",
    )
    rows = summary_rows(
        "child", lenient.values, agency_names={}, may_follow={"gender", "date_of_birth"}
    )
    assert [(r.field, r.value) for r in rows if r.field in ("gender", "age")] == [
        ("age", NOT_KNOWN_YET),
        ("gender", NOT_KNOWN_YET),
    ]


def test_family_members_are_each_named_and_born_in_the_past() -> None:
    today = date(2026, 11, 23)
    raw = {
        "family_1_name": "Jo Example",
        "family_1_dob": "1994-05-02",
        "family_1_relationship": "Mother",
        "family_2_relationship": "Brother",
        "family_3_name": "Sam Example",
        "family_3_dob": "2027-01-01",
    }
    result = validate_section("family", raw, today=today, agency_ids=[])
    assert result.errors == {
        "family_2_name": "Give person 2's name, or leave their row empty.",
        "family_3_dob": "A date of birth cannot be in the future.",
    }
    fine = validate_section("family", {}, today=today, agency_ids=[])
    assert fine.ok  # every person is "if known"
    from review.referral import summary_rows

    rows = summary_rows("family", raw, agency_names={})
    assert [(r.title, r.value) for r in rows][0] == (
        "Person 1",
        "Jo Example (Mother), born Mon 2 May 1994",
    )
    assert summary_rows("family", {}, agency_names={})[0].value == "Not given"
