"""A roster sent as a spreadsheet (CSV or an Excel workbook) to replace the roster: every row
checked, the problems said by row and column, and what the replacement would change.

The first row names the columns: `name`, `email`, `agency`, `roles` (several separated by
`;`), and optionally `cover_from` and `cover_to` (a deputy's cover, YYYY-MM-DD or
DD/MM/YYYY). Rows are numbered as the spreadsheet numbers them (the headings are row 1).
A cell a spreadsheet would run as a formula (starting with =, +, - or @) is refused, never
read; so are a file over `MAX_BYTES` or `MAX_ROWS` people, and an email listed twice.
Nothing here raises on what a person sends: problems come back as `RowProblem`s.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from review.roster import RosterEntry, RosterRules, check_person, is_formula, manager_kept
from review.spreadsheet import SpreadsheetError, xlsx_rows

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Listed",
    "RosterChanges",
    "RowProblem",
    "entry_as_json",
    "entry_from_json",
    "parse_roster_rows",
    "read_roster_file",
    "roster_changes",
    "roster_fingerprint",
]

COLUMNS: tuple[str, ...] = ("name", "email", "agency", "roles", "cover_from", "cover_to")
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "email", "agency", "roles")
MAX_BYTES = 1024 * 1024
"""The largest roster file read (1 MB: some 10,000 people, five times the most allowed)."""
MAX_ROWS = 2000
"""The most people one roster file may list."""
_HEADINGS = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "work email": "email",
    "agency": "agency",
    "roles": "roles",
    "role": "roles",
    "cover from": "cover_from",
    "cover to": "cover_to",
}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class RowProblem:
    """One problem of a roster file: its row (1 is the headings; None: the whole file), its
    column (the heading, None: the whole row) and what is wrong, for the person."""

    row: int | None
    column: str | None
    message: str
    letter: str | None = None

    def where(self) -> str:
        """ "Row 3, email (column B)", "Row 1" or "The file"."""
        if self.row is None:
            return "The file"
        if self.column is None:
            return f"Row {self.row}"
        letter = f" (column {self.letter})" if self.letter else ""
        return f"Row {self.row}, {self.column}{letter}"


@dataclass(frozen=True)
class Listed:
    """A person on the roster now (active or not), by member id."""

    member_id: int
    entry: RosterEntry
    active: bool


@dataclass(frozen=True)
class RosterChanges:
    """What replacing the roster with a file's entries does, person by person."""

    added: tuple[RosterEntry, ...]
    changed: tuple[tuple[int, RosterEntry], ...]
    unchanged: tuple[tuple[int, RosterEntry], ...]
    deactivated: tuple[Listed, ...]

    def counts(self) -> dict[str, int]:
        """The counts the preview shows and the audit keeps."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.deactivated),
        }


def _letter(index: int) -> str:
    """A spreadsheet column's letter: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


def read_roster_file(name: str, content: bytes) -> tuple[list[list[str]], list[RowProblem]]:
    """A roster file's rows as text (CSV or .xlsx), or the problem that stops reading it."""
    if len(content) > MAX_BYTES:
        return [], [_file_problem(f"It is larger than {MAX_BYTES // (1024 * 1024)} MB.")]
    if name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        try:
            return (
                xlsx_rows(
                    content,
                    max_rows=MAX_ROWS + 1,
                    max_columns=len(COLUMNS) + 10,
                    what="the roster",
                ),
                [],
            )
        except SpreadsheetError as why:
            return [], [_file_problem(str(why))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        return [], [_file_problem("It is not a CSV file: save the roster as CSV or .xlsx.")]
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    rows: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(record)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        return [], [_file_problem(f"Row {len(rows) + 1} could not be read ({exc}).")]
    return rows, []


def _file_problem(message: str) -> RowProblem:
    return RowProblem(row=None, column=None, message=message)


def parse_roster_rows(
    rows: Sequence[Sequence[str]], rules: RosterRules
) -> tuple[list[RosterEntry], list[RowProblem]]:
    """Every row checked: `(entries, [])` when all are valid, else `([], problems)`."""
    if not rows or not any(cell.strip() for cell in rows[0]):
        return [], [
            RowProblem(1, None, "The first row must name the columns: name, email, agency, roles.")
        ]
    problems: list[RowProblem] = []
    columns: dict[int, str] = {}
    for index, heading in enumerate(rows[0]):
        key = " ".join(heading.replace("_", " ").split()).lower()
        if not key:
            continue
        field = _HEADINGS.get(key)
        if field is None:
            problems.append(
                RowProblem(
                    1,
                    heading.strip()[:40],
                    f"Not a roster column (the columns are {', '.join(COLUMNS)}).",
                    _letter(index),
                )
            )
        elif field in columns.values():
            problems.append(RowProblem(1, field, "This column is named twice.", _letter(index)))
        else:
            columns[index] = field
    missing = [c for c in REQUIRED_COLUMNS if c not in columns.values()]
    if missing:
        problems.append(RowProblem(1, None, f"No {', '.join(missing)} column."))
    if problems:
        return [], problems
    letters = {field: _letter(index) for index, field in columns.items()}
    entries: list[RosterEntry] = []
    first_row: dict[str, int] = {}
    people = 0
    for number, record in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        people += 1
        if people > MAX_ROWS:
            problems.append(
                RowProblem(
                    number,
                    None,
                    f"A roster file can list at most {MAX_ROWS:,} people; this row and the "
                    "ones after it were not read.",
                )
            )
            break
        cells = {field: record[i] if i < len(record) else "" for i, field in columns.items()}
        row_problems = [
            RowProblem(
                number,
                field,
                "Starts with =, +, - or @, which a spreadsheet runs as a formula: type the "
                "value itself.",
                letters[field],
            )
            for field in COLUMNS
            if field in cells and is_formula(cells[field])
        ]
        if row_problems:
            problems.extend(row_problems)
            continue
        entry, errors = check_person(
            name=cells["name"],
            email=cells["email"],
            agency=cells["agency"],
            roles=cells["roles"],
            rules=rules,
            cover_from=cells.get("cover_from"),
            cover_to=cells.get("cover_to"),
        )
        if entry is not None and entry.email in first_row:
            errors = {"email": f"{entry.email} is also on row {first_row[entry.email]}."}
            entry = None
        problems.extend(
            RowProblem(number, field, why, letters.get(field))
            for field, why in sorted(errors.items(), key=lambda e: COLUMNS.index(e[0]))
        )
        if entry is not None:
            first_row[entry.email] = number
            entries.append(entry)
    if not problems and not entries:
        problems.append(_file_problem("It lists no one: a row per person under the headings."))
    if not problems:
        kept = manager_kept(sum("manager" in e.roles for e in entries))
        if kept is not None:
            problems.append(_file_problem(f"No one in it is a manager. {kept}"))
    return ([], problems) if problems else (entries, [])


def _same(a: RosterEntry, b: RosterEntry) -> bool:
    return (a.name, a.agency, tuple(sorted(a.roles)), a.cover_from, a.cover_to) == (
        b.name,
        b.agency,
        tuple(sorted(b.roles)),
        b.cover_from,
        b.cover_to,
    )


def roster_changes(current: Iterable[Listed], entries: Sequence[RosterEntry]) -> RosterChanges:
    """What replacing `current` with `entries` does: a person is matched by email, so a
    member keeps their id (and their votes and history); those not in the file are
    deactivated, never deleted."""
    by_email = {listed.entry.email: listed for listed in current}
    in_file = {e.email for e in entries}
    added: list[RosterEntry] = []
    changed: list[tuple[int, RosterEntry]] = []
    unchanged: list[tuple[int, RosterEntry]] = []
    for entry in entries:
        listed = by_email.get(entry.email)
        if listed is None or not listed.active:
            added.append(entry)
        elif _same(listed.entry, entry):
            unchanged.append((listed.member_id, entry))
        else:
            changed.append((listed.member_id, entry))
    deactivated = [
        listed
        for listed in by_email.values()
        if listed.active and listed.entry.email not in in_file
    ]
    return RosterChanges(
        added=tuple(added),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        deactivated=tuple(sorted(deactivated, key=lambda d: d.entry.name)),
    )


def roster_fingerprint(current: Iterable[Listed]) -> str:
    """A digest of the active roster: a preview is applied only to the roster it was made of."""
    rows = sorted(
        [
            listed.member_id,
            listed.entry.email,
            listed.entry.name,
            listed.entry.agency,
            sorted(listed.entry.roles),
            str(listed.entry.cover_from),
            str(listed.entry.cover_to),
        ]
        for listed in current
        if listed.active
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def entry_as_json(entry: RosterEntry) -> dict[str, object]:
    """A checked entry as stored with a pending replacement."""
    return {
        "name": entry.name,
        "email": entry.email,
        "agency": entry.agency,
        "roles": list(entry.roles),
        "cover_from": entry.cover_from.isoformat() if entry.cover_from else None,
        "cover_to": entry.cover_to.isoformat() if entry.cover_to else None,
    }


def entry_from_json(data: dict[str, object]) -> RosterEntry:
    """`entry_as_json`'s value back as an entry (stored by us, checked when it was made)."""

    def day(value: object) -> date | None:
        return date.fromisoformat(value) if isinstance(value, str) else None

    roles = data.get("roles")
    return RosterEntry(
        name=str(data["name"]),
        email=str(data["email"]),
        agency=str(data["agency"]),
        roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
        cover_from=day(data.get("cover_from")),
        cover_to=day(data.get("cover_to")),
    )
