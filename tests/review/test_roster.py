"""The roster's rules, pure: a person checked, a deputy's cover, the last manager, and a roster
file read row by row (every bad input said by row and column) and compared with the roster."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from helpers.workbooks import workbook, zip_bomb
from review.roster import (
    BASE_ROLES,
    RosterEntry,
    RosterRules,
    check_cover,
    check_person,
    is_formula,
    manager_kept,
    on_cover,
    roles_in_force,
)
from review.roster_file import (
    MAX_BYTES,
    MAX_ROWS,
    Listed,
    parse_roster_rows,
    read_roster_file,
    roster_changes,
    roster_fingerprint,
)

RULES = RosterRules.of(
    [
        ("northdale_council", "Northdale Council", "la"),
        ("northdale_police", "Northdale Police", "police"),
        ("northdale_icb", "Northdale ICB", "health"),
        ("northdale_schools", "Northdale Schools", None),
    ],
    ["notifier"],
)
HEADER = ["name", "email", "agency", "roles", "cover_from", "cover_to"]
MANAGER = ["Jo Sample", "jo.sample@example.org", "northdale_council", "manager", "", ""]


def rows_of(*people: list[str]) -> list[list[str]]:
    return [HEADER, MANAGER, *people]


def problems_of(rows: list[list[str]]) -> list[tuple[int | None, str | None, str]]:
    entries, problems = parse_roster_rows(rows, RULES)
    assert entries == []  # nothing is taken from a file with any problem
    return [(p.row, p.column, p.message) for p in problems]


def test_the_rules_know_the_base_roles_and_the_profiles_own() -> None:
    assert RULES.roles[: len(BASE_ROLES)] == BASE_ROLES
    assert "notifier" in RULES.roles
    assert RULES.agency_id("la") == "northdale_council"
    assert RULES.agency_id("  northdale   POLICE ") == "northdale_police"
    assert RULES.agency_id("northdale_zoo") is None


def test_a_person_is_cleaned_and_checked() -> None:
    entry, errors = check_person(
        name="  Casey\u0000  Example\t",
        email=" Casey.Example@Example.org ",
        agency="Northdale Police",
        roles="deputy; panel;deputy",
        rules=RULES,
        cover_from="01/12/2026",
        cover_to="2026-12-24",
    )
    assert errors == {}
    assert entry == RosterEntry(
        name="Casey Example",
        email="casey.example@example.org",
        agency="northdale_police",
        roles=("deputy", "panel"),
        cover_from=date(2026, 12, 1),
        cover_to=date(2026, 12, 24),
    )


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"name": "  "}, "name", "Give the person's name."),
        ({"name": '=HYPERLINK("https://evil.example")'}, "name", "cannot start with ="),
        ({"email": "casey@"}, "email", "is not an email address"),
        ({"email": "casey example@example.org"}, "email", "is not an email address"),
        ({"email": "jo.sample@example.org"}, "email", "on the roster already"),
        ({"agency": "Northdale Zoo"}, "agency", "is not an agency of this partnership"),
        ({"roles": "panel; wizard"}, "roles", "'wizard' is not a role here"),
        ({"cover_from": "31/02/2026"}, "cover_from", "is not a date"),
        ({"cover_from": "2026-12-24", "cover_to": "2026-12-01"}, "cover_to", "cannot end before"),
        ({"roles": "panel", "cover_from": "2026-12-01"}, "cover_from", "Only a deputy"),
    ],
)
def test_each_bad_detail_is_said_by_field(changes: dict[str, str], field: str, says: str) -> None:
    raw = {
        "name": "Casey Example",
        "email": "casey@example.org",
        "agency": "northdale_police",
        "roles": "deputy",
        "cover_from": "",
        "cover_to": "",
        **changes,
    }
    entry, errors = check_person(**raw, rules=RULES, taken={"jo.sample@example.org"})
    assert entry is None
    assert says in errors[field], errors


def test_a_deputy_votes_only_within_their_cover() -> None:
    start, end = date(2026, 12, 1), date(2026, 12, 24)
    assert not on_cover(start, end, date(2026, 11, 30))
    assert on_cover(start, end, date(2026, 12, 1)) and on_cover(start, end, date(2026, 12, 24))
    assert not on_cover(start, end, date(2026, 12, 25))
    assert on_cover(None, None, date(2026, 1, 1)) and on_cover(start, None, date(2030, 1, 1))
    roles = ("deputy", "agency_lead")
    assert roles_in_force(roles, start, end, date(2026, 11, 30)) == ("agency_lead",)
    assert roles_in_force(roles, start, end, date(2026, 12, 2)) == roles
    assert roles_in_force(("panel",), start, end, date(2020, 1, 1)) == ("panel",)
    assert check_cover("", "", roles=("panel",)) == (None, None, {})


def test_the_last_manager_is_kept() -> None:
    assert manager_kept(1) is None
    assert "no manager" in (manager_kept(0) or "")


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ('=HYPERLINK("https://evil.example","x")', True),
        ("+44 161", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("  =1+1", True),
        ("\t=1", True),
        ("Casey Example", False),
        ("", False),
        ("panel; chair", False),
    ],
)
def test_formulas_are_recognised(text: str, formula: bool) -> None:
    assert is_formula(text) is formula


def test_a_valid_file_gives_every_person() -> None:
    rows = rows_of(
        ["Casey Example", "casey@example.org", "police", "deputy", "2026-12-01", "24/12/2026"],
        ["", "", "", "", "", ""],  # a blank row is skipped
        ["Robin Sample", "robin@example.org", "Northdale ICB", "", "", ""],
    )
    entries, problems = parse_roster_rows(rows, RULES)
    assert problems == []
    assert [e.email for e in entries] == [
        "jo.sample@example.org",
        "casey@example.org",
        "robin@example.org",
    ]
    assert entries[1].cover_to == date(2026, 12, 24) and entries[2].roles == ()


def test_headings_are_forgiving_in_case_and_spaces_but_strict_in_names() -> None:
    rows = [["Name", "Work email", "Agency", "Roles", "Cover from"], MANAGER[:5]]
    entries, problems = parse_roster_rows(rows, RULES)
    assert problems == [] and len(entries) == 1
    assert problems_of([["name", "email", "agency", "phone"], MANAGER[:4]]) == [
        (
            1,
            "phone",
            "Not a roster column (the columns are name, email, agency, roles, "
            "cover_from, cover_to).",
        ),
        (1, None, "No roles column."),
    ]
    assert problems_of([]) == [
        (1, None, "The first row must name the columns: name, email, agency, roles.")
    ]


def test_each_bad_input_is_said_by_row_and_column() -> None:
    rows = rows_of(
        ["Casey Example", "casey@", "police", "deputy", "", ""],
        ["Robin Sample", "robin@example.org", "Northdale Zoo", "panel", "", ""],
        ["Pat Sample", "pat@example.org", "police", "panel; wizard", "", ""],
        ["Jo Again", "JO.SAMPLE@example.org", "la", "panel", "", ""],
        ['=HYPERLINK("https://evil.example","click")', "evil@example.org", "la", "panel", "", ""],
        ["Sam Sample", "@sam", "+la", "-panel", "", ""],
    )
    found = parse_roster_rows(rows, RULES)[1]
    assert [p.where() for p in found] == [
        "Row 3, email (column B)",
        "Row 4, agency (column C)",
        "Row 5, roles (column D)",
        "Row 6, email (column B)",
        "Row 7, name (column A)",
        "Row 8, email (column B)",
        "Row 8, agency (column C)",
        "Row 8, roles (column D)",
    ]
    messages = [p.message for p in found]
    assert "'casey@' is not an email address." in messages[0]
    assert "is not an agency of this partnership" in messages[1]
    assert "'wizard' is not a role here" in messages[2]
    assert messages[3] == "jo.sample@example.org is also on row 2."
    assert "formula" in messages[4]


def test_a_file_without_a_manager_is_refused() -> None:
    rows = [HEADER, ["Casey Example", "casey@example.org", "police", "deputy", "", ""]]
    ((row, column, message),) = problems_of(rows)
    assert row is None and column is None and "No one in it is a manager" in message


def test_more_rows_than_allowed_are_refused_at_the_first_too_many() -> None:
    people = [
        [f"Person {n}", f"person.{n}@example.org", "la", "panel", "", ""] for n in range(MAX_ROWS)
    ]
    found = problems_of(rows_of(*people))
    assert found == [
        (
            MAX_ROWS + 2,
            None,
            f"A roster file can list at most {MAX_ROWS:,} people; this row and the ones after "
            "it were not read.",
        )
    ]


def test_a_file_over_the_size_limit_is_not_read() -> None:
    rows, problems = read_roster_file("roster.csv", b"name,email\n" + b"x" * MAX_BYTES)
    assert rows == [] and problems[0].where() == "The file"
    assert "larger than 1 MB" in problems[0].message


def test_csv_and_workbooks_are_read_alike_and_formulas_in_a_workbook_stay_formulas() -> None:
    csv_rows, problems = read_roster_file(
        "roster.csv",
        "\ufeffname,email,agency,roles\r\nJo Sample,jo@example.org,la,manager\r\n".encode(),
    )
    assert problems == [] and csv_rows[1] == ["Jo Sample", "jo@example.org", "la", "manager"]
    book = openpyxl.Workbook()
    book.active.append(["name", "email", "agency", "roles", "cover_from"])
    book.active.append(["Jo Sample", "jo@example.org", "la", "manager; deputy", date(2026, 12, 1)])
    book.active.append(['=HYPERLINK("https://evil.example","x")', "x@example.org", "la", "", None])
    out = io.BytesIO()
    book.save(out)
    rows, problems = read_roster_file("roster.xlsx", out.getvalue())
    assert problems == []
    assert rows[1] == ["Jo Sample", "jo@example.org", "la", "manager; deputy", "01/12/2026"]
    assert rows[2][0].startswith("=HYPERLINK")
    assert [p.where() for p in parse_roster_rows(rows, RULES)[1]] == ["Row 3, name (column A)"]


def test_broken_workbooks_are_refused_with_a_reason() -> None:
    assert "not an Excel workbook" in read_roster_file("r.xlsx", b"PK\x03\x04broken")[1][0].message
    assert (
        "too large once unpacked" in read_roster_file("r.xlsx", zip_bomb(30_000_000))[1][0].message
    )
    many = workbook([["name"]] + [["x"]] * (MAX_ROWS + 5))
    assert "more than 2,001 rows" in read_roster_file("r.xlsx", many)[1][0].message


def _listed(member_id: int, email: str, roles: tuple[str, ...], active: bool = True) -> Listed:
    entry = RosterEntry(name=email.split("@")[0], email=email, agency="la", roles=roles)
    return Listed(member_id=member_id, entry=entry, active=active)


def test_the_changes_match_people_by_email_and_deactivate_the_rest() -> None:
    current = [
        _listed(1, "jo@example.org", ("manager",)),
        _listed(2, "pat@example.org", ("panel",)),
        _listed(3, "gone@example.org", ("panel",)),
        _listed(4, "back@example.org", ("panel",), active=False),
    ]
    entries = [
        RosterEntry(name="jo", email="jo@example.org", agency="la", roles=("manager",)),
        RosterEntry(name="pat", email="pat@example.org", agency="la", roles=("deputy",)),
        RosterEntry(name="back", email="back@example.org", agency="la", roles=("panel",)),
        RosterEntry(name="new", email="new@example.org", agency="la", roles=()),
    ]
    changes = roster_changes(current, entries)
    assert changes.counts() == {"added": 2, "changed": 1, "unchanged": 1, "deactivated": 1}
    assert [e.email for e in changes.added] == ["back@example.org", "new@example.org"]
    assert [member_id for member_id, _ in changes.changed] == [2]
    assert [d.member_id for d in changes.deactivated] == [3]


def test_the_fingerprint_follows_the_active_roster_only() -> None:
    current = [_listed(1, "jo@example.org", ("manager",)), _listed(2, "x@example.org", (), False)]
    same = [
        _listed(1, "jo@example.org", ("manager",)),
        _listed(2, "x@example.org", ("panel",), False),
    ]
    changed = [_listed(1, "jo@example.org", ("manager", "chair"))]
    assert roster_fingerprint(current) == roster_fingerprint(same)
    assert roster_fingerprint(current) != roster_fingerprint(changed)
