"""An agency's return to the information request (Appendix D), and its chronology.

After the virtual panel decides to hold a Rapid Review, every agency's safeguarding lead is
asked to confirm whether the agency was involved with the child or family, to secure its
records and, if it was involved, to complete the Appendix D form: who wrote the return, the
practitioners, other family and household members, the analysis of its involvement, its own
actions, the issues for the panel, the views of the child and family, anything else, and a
single-agency chronology of significant events.

The field ids in `RETURN_FIELDS` and `ROW_FIELDS` are the Adaptive Card input ids; `FIELD_INFO`
and `ROW_INFO` describe each once (wording from Appendix D, whether required, length limit)
for the cards and the checks alike.

Checking never raises on what a person, a client or a spreadsheet sends: errors come back in
plain English keyed by input id (or, for an uploaded chronology, by line number). Text is
stripped, line breaks are normalised and control characters dropped; an answer of only spaces
counts as no answer.

Required answers depend on the involvement question: an agency that had no involvement
(``involved = "no"``) only confirms that and that its records are secured, and says who is
replying; an involved agency also gives the four analyses of its involvement and the issues
for the panel.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from review.answers import UNREADABLE, clean_text, too_long
from review.referral import parse_iso_date

__all__ = [
    "CHILD_SEEN",
    "CSV_COLUMNS",
    "DATE_FORMAT_ERROR",
    "FIELD_INFO",
    "INVOLVEMENT_FIELDS",
    "LONG_TEXT_MAX",
    "MAX_CHRONOLOGY_ROWS",
    "NAME_MAX",
    "RETURN_FIELDS",
    "ROW_FIELDS",
    "ROW_INFO",
    "ChronologyRow",
    "ReturnData",
    "ReturnField",
    "check_review_period",
    "clean_return_values",
    "parse_chronology_csv",
    "validate_chronology_row",
    "validate_return",
]

LONG_TEXT_MAX = 4000
"""The longest answer to a long question, in characters."""
NAME_MAX = 100
"""The longest name or role, in characters."""
MAX_CHRONOLOGY_ROWS = 500
"""The most chronology rows one spreadsheet upload may hold."""
_MAX_CSV_CHARACTERS = 2_000_000
_KEPT_BEYOND_LIMIT = 1000

CHILD_SEEN: dict[str, str] = {"yes": "Yes", "no": "No", "not_known": "Not known"}
"""The answers to "Child seen?": value sent by the card -> what a person sees."""
_SEEN_VALUE: dict[str, bool | None] = {"yes": True, "no": False, "not_known": None}


@dataclass(frozen=True, slots=True)
class ReturnField:
    """One question of the return or of a chronology row: id, wording, limits and help text."""

    id: str
    label: str
    kind: str  # "choice", "toggle", "text", "multiline", "date", "time"
    max_length: int | None = None
    missing: str | None = None
    help: str | None = None


def _index(*fields: ReturnField) -> dict[str, ReturnField]:
    return {f.id: f for f in fields}


FIELD_INFO: dict[str, ReturnField] = _index(
    ReturnField(
        "involved",
        "Has your agency had any contact with the child, family or close associate as listed "
        "in the referral form?",
        "choice",
        missing="Say whether your agency has had any contact with the child or family: Yes or No.",
    ),
    ReturnField(
        "records_secured",
        "Records secured",
        "toggle",
        missing="Confirm that your agency has secured all records and files about this case.",
        help="All records and files in relation to the case are secured",
    ),
    ReturnField(
        "author_name",
        "Name of Author",
        "text",
        NAME_MAX,
        missing="Enter the name of the person completing this return.",
    ),
    ReturnField(
        "author_role", "Role", "text", NAME_MAX, missing="Enter the author's role in the agency."
    ),
    ReturnField(
        "practitioners",
        "Name of Practitioners involved",
        "multiline",
        LONG_TEXT_MAX,
        help="With their contact details.",
    ),
    ReturnField(
        "quality_assured_by",
        "Name of Senior Agency manager that has Quality Assured the Report",
        "text",
        NAME_MAX,
        missing="Enter the name of the senior manager in your agency who has quality assured "
        "this return.",
    ),
    ReturnField(
        "family_members",
        "B. Other Significant Family & Household Members",
        "multiline",
        LONG_TEXT_MAX,
        help="Full name, date of birth, relationship and full address of each.",
    ),
    ReturnField(
        "involvement_child",
        "The Child",
        "multiline",
        LONG_TEXT_MAX,
        missing="Give your analysis of your agency's involvement with the child.",
    ),
    ReturnField(
        "involvement_parental_capacity",
        "Parental Capacity – including provision of care, substance misuse, mental health, "
        "domestic abuse and attachment issues",
        "multiline",
        LONG_TEXT_MAX,
        missing="Give your analysis of parental capacity.",
    ),
    ReturnField(
        "involvement_family_environment",
        "Family & Environment – including housing, wider family support, employment & income "
        "and diversity",
        "multiline",
        LONG_TEXT_MAX,
        missing="Give your analysis of the family and environment.",
    ),
    ReturnField(
        "involvement_multi_agency",
        "Multi-Agency working – including how agencies worked together and any barriers to this",
        "multiline",
        LONG_TEXT_MAX,
        missing="Give your analysis of multi-agency working.",
    ),
    ReturnField(
        "actions_identified",
        "G. Agency Actions Identified",
        "multiline",
        LONG_TEXT_MAX,
        help="Include any key actions identified from your review of your agency's involvement "
        "in the case i.e. policy or procedure change for the agency",
    ),
    ReturnField(
        "issues_for_panel",
        "H. Issues for discussion at the Case Review Panel",
        "multiline",
        LONG_TEXT_MAX,
        missing="Give the issues your agency wants the panel to discuss.",
        help="Include any learning that you think needs to come out of the review, including: "
        "issues for process and practice; issues for multi-agency working; what worked well, "
        "what worked less well, anything you were concerned about etc.",
    ),
    ReturnField(
        "views_of_child_family",
        "I. Views of the Child, Young Person and / or their Family",
        "multiline",
        LONG_TEXT_MAX,
        help="Please provide any information that your agency holds in relation to the child's "
        "views, wishes or feelings? Or their family.",
    ),
    ReturnField(
        "other_information",
        "J. Any other Information",
        "multiline",
        LONG_TEXT_MAX,
        help="Please record anything here that you have not referenced above or in your "
        "chronology that you believe relevant to the panels' consideration of the case.",
    ),
)
"""Every question of the return, by input id, in the order of the form."""

RETURN_FIELDS: tuple[str, ...] = tuple(FIELD_INFO)
"""The return's input ids, in the order of the form."""

INVOLVEMENT_FIELDS: tuple[str, ...] = (
    "involvement_child",
    "involvement_parental_capacity",
    "involvement_family_environment",
    "involvement_multi_agency",
)
"""The four analyses of the agency's involvement."""

_ALWAYS_REQUIRED = ("involved", "records_secured", "author_name", "author_role")
_REQUIRED_IF_INVOLVED = (*INVOLVEMENT_FIELDS, "issues_for_panel", "quality_assured_by")

ROW_INFO: dict[str, ReturnField] = _index(
    ReturnField("chrono_date_from", "Date from", "date", missing="Enter the date of the event."),
    ReturnField("chrono_date_to", "Date to", "date", help="If the event lasted more than a day."),
    ReturnField("chrono_time_from", "Time", "time", help="24-hour clock, e.g. 14:30."),
    ReturnField(
        "chrono_involvement_with",
        "Involvement with",
        "text",
        NAME_MAX,
        missing="Say who the event involved, e.g. Child, Mother.",
        help="Subject of event, e.g. Child, Mother",
    ),
    ReturnField(
        "chrono_event_outcome",
        "Description of significant event/activity and outcome of event",
        "multiline",
        LONG_TEXT_MAX,
        missing="Describe the event and its outcome.",
        help="Details of key event and any observation",
    ),
    ReturnField(
        "chrono_child_seen",
        "Child Seen?",
        "choice",
        missing="Say whether the child was seen: Yes, No or Not known.",
    ),
    ReturnField(
        "chrono_analysis",
        "Review and analysis",
        "multiline",
        LONG_TEXT_MAX,
        help="Identify what went well, worried about. Include where statutory requirements "
        "not met.",
    ),
)
"""The questions of one chronology row, by input id."""

ROW_FIELDS: tuple[str, ...] = tuple(ROW_INFO)
"""A chronology row's input ids, in order."""


@dataclass(frozen=True, slots=True)
class ChronologyRow:
    """One significant event of an agency's chronology."""

    date_from: date
    date_to: date | None
    time_from: str | None
    involvement_with: str
    event_and_outcome: str
    child_seen: bool | None
    analysis: str


@dataclass(frozen=True, slots=True)
class ReturnData:
    """A checked return; the text answers are "" when not given (always so if not involved)."""

    involved: bool
    records_secured: bool
    author_name: str
    author_role: str
    practitioners: str
    family_members: str
    involvement_child: str
    involvement_parental_capacity: str
    involvement_family_environment: str
    involvement_multi_agency: str
    actions_identified: str
    issues_for_panel: str
    views_of_child_family: str
    other_information: str
    date_submitted: date
    quality_assured_by: str = ""


# -- cleaning ---------------------------------------------------------------------------

_HHMM = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])(?::[0-5][0-9])?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
DATE_FORMAT_ERROR = "Enter the date as DD/MM/YYYY or YYYY-MM-DD, for example 03/11/2026."


def _parse_date(text: str) -> date | None:
    """A date written DD/MM/YYYY (or with - or .) or YYYY-MM-DD (a time after it is ignored)."""
    head = text.strip().split(" ")[0].split("T")[0]
    iso = _ISO_DATE.fullmatch(head)
    uk = _UK_DATE.fullmatch(head)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        return None
    return None


def _looks_like_date(text: str) -> bool:
    head = text.strip().split(" ")[0].split("T")[0]
    return bool(_ISO_DATE.fullmatch(head) or _UK_DATE.fullmatch(head))


def _parse_time(text: str) -> str | None:
    """``HH:MM`` from "9:05", "09:05", "09.05" or "09:05:00"; None if not a time."""
    m = _HHMM.fullmatch(text.strip())
    return f"{int(m[1]):02d}:{m[2]}" if m else None


class _Checker:
    """Reads raw answers field by field, collecting cleaned values and errors."""

    def __init__(self, raw: object, info: Mapping[str, ReturnField]) -> None:
        self.raw: Mapping[str, object] = raw if isinstance(raw, Mapping) else {}
        self.info = info
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def _string(self, field_id: str) -> str | None:
        raw = self.raw.get(field_id)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.errors[field_id] = UNREADABLE
            return None
        return raw

    def text(self, field_id: str, *, required: bool) -> str:
        info = self.info[field_id]
        self.values[field_id] = ""
        raw = self._string(field_id)
        if raw is None:
            return ""
        text = clean_text(raw, multiline=info.kind == "multiline")
        if not text:
            if required:
                self.errors[field_id] = info.missing or UNREADABLE
            return ""
        limit = info.max_length or LONG_TEXT_MAX
        if len(text) > limit:
            self.values[field_id] = text[: limit + _KEPT_BEYOND_LIMIT].strip()
            self.errors[field_id] = too_long(limit, len(text))
            return ""
        self.values[field_id] = text
        return text

    def choice(self, field_id: str, choices: Mapping[str, object], wrong: str) -> str | None:
        info = self.info[field_id]
        self.values[field_id] = ""
        raw = self._string(field_id)
        if raw is None:
            return None
        text = raw[:200].strip()
        if not text:
            self.errors[field_id] = info.missing or UNREADABLE
            return None
        if text not in choices:
            self.errors[field_id] = wrong
            return None
        self.values[field_id] = text
        return text

    def toggle(self, field_id: str) -> bool:
        self.values[field_id] = "false"
        raw = self.raw.get(field_id)
        if raw is None:
            return False
        if not isinstance(raw, str) or raw.strip().lower() not in ("true", "false", ""):
            self.errors[field_id] = UNREADABLE
            return False
        ticked = raw.strip().lower() == "true"
        self.values[field_id] = "true" if ticked else "false"
        return ticked

    def day(self, field_id: str, *, required: bool, today: date) -> date | None:
        info = self.info[field_id]
        self.values[field_id] = ""
        raw = self._string(field_id)
        if raw is None:
            return None
        text = clean_text(raw[:200], multiline=False)[:50]
        if not text:
            if required:
                self.errors[field_id] = info.missing or UNREADABLE
            return None
        self.values[field_id] = text
        if not _looks_like_date(text):
            self.errors[field_id] = DATE_FORMAT_ERROR
            return None
        found = _parse_date(text)
        if found is None:
            self.errors[field_id] = f"There is no such date. {DATE_FORMAT_ERROR}"
            return None
        if found > today:
            self.errors[field_id] = "This date is in the future."
            return None
        return found

    def clock(self, field_id: str) -> str | None:
        self.values[field_id] = ""
        raw = self._string(field_id)
        if raw is None:
            return None
        text = clean_text(raw[:50], multiline=False)
        if not text:
            return None
        self.values[field_id] = text
        found = _parse_time(text)
        if found is None:
            self.errors[field_id] = "Enter the time as HH:MM on the 24-hour clock, e.g. 14:30."
        return found


# -- the return -------------------------------------------------------------------------


def _check_return(raw: object) -> tuple[_Checker, bool | None, bool]:
    check = _Checker(raw, FIELD_INFO)
    answer = check.choice("involved", {"yes": True, "no": False}, "Choose Yes or No.")
    involved = None if answer is None else answer == "yes"
    secured = check.toggle("records_secured")
    if not secured and "records_secured" not in check.errors:
        check.errors["records_secured"] = FIELD_INFO["records_secured"].missing or UNREADABLE
    for field_id in RETURN_FIELDS[2:]:
        required = field_id in _ALWAYS_REQUIRED or (
            involved is True and field_id in _REQUIRED_IF_INVOLVED
        )
        check.text(field_id, required=required)
    return check, involved, secured


def clean_return_values(raw: Mapping[str, object]) -> dict[str, str]:
    """The return's answers cleaned and cut short (for a draft or to show again); never raises."""
    check, _, _ = _check_return(raw)
    return check.values


def validate_return(
    raw: Mapping[str, object], *, today: date
) -> tuple[ReturnData | None, dict[str, str]]:
    """Check a return as submitted: (the return, {}) or (None, errors keyed by input id)."""
    check, involved, secured = _check_return(raw)
    errors = {f: check.errors[f] for f in RETURN_FIELDS if f in check.errors}
    if errors or involved is None:
        return None, errors
    v = check.values
    if not involved:
        # Nothing else belongs in a "not involved" return: leave what was typed out of it.
        v = {f: (v[f] if f in ("author_name", "author_role") else "") for f in v}
    return (
        ReturnData(
            involved=involved,
            records_secured=secured,
            author_name=v["author_name"],
            author_role=v["author_role"],
            practitioners=v["practitioners"],
            family_members=v["family_members"],
            involvement_child=v["involvement_child"],
            involvement_parental_capacity=v["involvement_parental_capacity"],
            involvement_family_environment=v["involvement_family_environment"],
            involvement_multi_agency=v["involvement_multi_agency"],
            actions_identified=v["actions_identified"],
            issues_for_panel=v["issues_for_panel"],
            views_of_child_family=v["views_of_child_family"],
            other_information=v["other_information"],
            date_submitted=today,
            quality_assured_by=v["quality_assured_by"],
        ),
        {},
    )


# -- chronology rows --------------------------------------------------------------------


def _check_row(check: _Checker, today: date) -> ChronologyRow | None:
    start = check.day("chrono_date_from", required=True, today=today)
    end = check.day("chrono_date_to", required=False, today=today)
    if start is not None and end is not None and end < start:
        check.errors["chrono_date_to"] = "The date to must be on or after the date from."
    clock = check.clock("chrono_time_from")
    who = check.text("chrono_involvement_with", required=True)
    what = check.text("chrono_event_outcome", required=True)
    seen = check.choice(
        "chrono_child_seen",
        CHILD_SEEN,
        "Choose Yes, No or Not known for whether the child was seen.",
    )
    analysis = check.text("chrono_analysis", required=False)
    if check.errors or start is None or seen is None:
        return None
    return ChronologyRow(start, end, clock, who, what, _SEEN_VALUE[seen], analysis)


def validate_chronology_row(
    raw: Mapping[str, object], *, today: date
) -> tuple[ChronologyRow | None, dict[str, str]]:
    """Check one chronology row from the card: (the row, {}) or (None, errors by input id)."""
    check = _Checker(raw, ROW_INFO)
    row = _check_row(check, today)
    errors = {f: check.errors[f] for f in ROW_FIELDS if f in check.errors}
    return (row, {}) if row is not None and not errors else (None, errors)


# -- a spreadsheet upload ---------------------------------------------------------------

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "chrono_date_from": ("date from", "from", "date", "start date", "date started"),
    "chrono_date_to": ("date to", "to", "end date", "date ended"),
    "chrono_time_from": ("time", "time from", "start time"),
    "chrono_involvement_with": ("involvement with", "involvement", "subject", "subject of event"),
    "chrono_event_outcome": (
        "description of significant event activity and outcome of event",
        "description of significant event and outcome",
        "event and outcome",
        "event outcome",
        "event",
        "description",
        "significant event",
    ),
    "chrono_child_seen": ("child seen", "child seen y n", "seen", "child seen yes no"),
    "chrono_analysis": ("review and analysis", "analysis", "review"),
}
"""The column headings a chronology spreadsheet may use for each row field (any case, any
spacing or punctuation); other columns, such as Agency, are ignored. A blank "Child seen" cell
reads as not known, and "Y - AB" (seen, with initials) as yes."""

_REQUIRED_COLUMNS = ("chrono_date_from", "chrono_involvement_with", "chrono_event_outcome")
_HEADING = re.compile(r"[^a-z0-9]+")
_SEEN_WORDS = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "": "not_known",
    "nk": "not_known",
    "not known": "not_known",
    "unknown": "not_known",
    "n/k": "not_known",
    "not_known": "not_known",
}


def _heading_key(text: str) -> str:
    return _HEADING.sub(" ", text.replace("\ufeff", "").lower()).strip()


_HEADINGS: dict[str, str] = {
    _heading_key(name): field_id for field_id, names in CSV_COLUMNS.items() for name in names
} | {_heading_key(field_id.removeprefix("chrono_")): field_id for field_id in ROW_FIELDS}


def _seen_value(cell: str) -> str:
    text = " ".join(cell.strip().lower().split())
    if text in _SEEN_WORDS:
        return _SEEN_WORDS[text]
    # "Y - AB": seen, with the initials of the children seen (the template asks for them).
    first = re.split(r"[^a-z]+", text, maxsplit=1)[0]
    return _SEEN_WORDS.get(first, text)


def _row_from_cells(cells: Mapping[str, str]) -> dict[str, str]:
    raw = dict(cells)
    start = raw.get("chrono_date_from", "").strip()
    # Appendix D's template asks for "dd/mm/yyyy hh:mm": split a time off the date if need be.
    parts = start.split()
    if len(parts) == 2 and not raw.get("chrono_time_from", "").strip():
        raw["chrono_date_from"], raw["chrono_time_from"] = parts
    for key in ("chrono_date_from", "chrono_date_to"):
        value = raw.get(key, "").strip()
        if " " in value and _looks_like_date(value):
            raw[key] = value.split()[0]
    raw["chrono_child_seen"] = _seen_value(raw.get("chrono_child_seen", ""))
    return raw


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _is_template_hint(cells: Mapping[str, str]) -> bool:
    """The template's own example row ("dd/mm/yyyy hh:mm") left in the spreadsheet."""
    return cells.get("chrono_date_from", "").strip().lower().startswith("dd/mm/yyyy")


def parse_chronology_csv(text: str, *, today: date) -> tuple[list[ChronologyRow], dict[int, str]]:
    """Read a chronology spreadsheet saved as CSV: (rows, errors by line number); never raises."""
    if not isinstance(text, str):
        return [], {1: "We could not read this file. Save the spreadsheet as CSV and try again."}
    if len(text) > _MAX_CSV_CHARACTERS:
        return [], {1: "This file is too big. Split the chronology into smaller files."}
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], {1: "The file is empty."}
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(first_line))
    errors: dict[int, str] = {}
    rows: list[ChronologyRow] = []
    try:
        header = next(reader)
        columns: dict[int, str] = {}
        for index, heading in enumerate(header):
            field_id = _HEADINGS.get(_heading_key(heading))
            if field_id is not None and field_id not in columns.values():
                columns[index] = field_id
        missing = [f for f in _REQUIRED_COLUMNS if f not in columns.values()]
        if missing:
            names = ", ".join(f'"{ROW_INFO[f].label}"' for f in missing)
            return [], {
                1: f"The first line must name the columns; we could not find {names}. "
                "Use headings like Date from, Date to, Time, Involvement with, Event and "
                "outcome, Child seen, Analysis."
            }
        data_rows = 0
        line = reader.line_num + 1
        for record in reader:
            start_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            cells = {
                field_id: record[index] if index < len(record) else ""
                for index, field_id in columns.items()
            }
            if _is_template_hint(cells):
                continue
            data_rows += 1
            if data_rows > MAX_CHRONOLOGY_ROWS:
                errors[start_line] = (
                    f"A spreadsheet can hold at most {MAX_CHRONOLOGY_ROWS} rows; this line and "
                    "the ones after it were not read. Upload the rest in another file."
                )
                break
            check = _Checker(_row_from_cells(cells), ROW_INFO)
            row = _check_row(check, today)
            if row is None:
                errors[start_line] = " ".join(
                    f"{ROW_INFO[f].label}: {check.errors[f]}"
                    for f in ROW_FIELDS
                    if f in check.errors
                )
            else:
                rows.append(row)
    except (csv.Error, StopIteration) as exc:
        line = reader.line_num or 1
        errors[line] = f"We could not read this line of the file ({exc or 'no data'})."
    if not rows and not errors:
        errors[1] = "The file has column headings but no rows."
    return rows, errors


# -- the period under review ---------------------------------------------------------------


def check_review_period(
    raw_from: object, raw_to: object, *, today: date
) -> tuple[tuple[date, date] | None, str | None]:
    """The period under review a manager gave with the requests (as Input.Date sends it,
    YYYY-MM-DD): ((first day, last day), None), or (None, what to put right). Never raises.

    Halton's request asks each agency about its involvement "within the time period"; Stockport's
    form speaks of "the period under review". Agencies search their records for it.
    """
    given = [r for r in (raw_from, raw_to) if isinstance(r, str) and r.strip()]
    if len(given) < 2:
        return None, (
            "Give the period under review: the first and the last day the agencies should "
            "search their records for."
        )
    first, last = (parse_iso_date(str(r).strip()) for r in (raw_from, raw_to))
    if first is None or last is None:
        return None, "Enter each date of the period under review as YYYY-MM-DD."
    if first > last:
        return None, "The period under review must start before it ends."
    if last > today:
        return None, "The period under review cannot end after today."
    return (first, last), None
