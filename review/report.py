"""The Rapid Review report to the National Panel, and the chair's notes it draws on.

The chair's notes follow Appendix F of the Stockport process: the attendees (1.1), an overview
of the case (2.1), the discussion with invited partners (3.1), the seven questions of the core
panel's assessment of need (4.1–4.7, `CHAIR_QUESTIONS`, in the document's own words), the
conclusion and its reasons (5.1) and the actions (6). Three things the report must say and
Appendix F has no place for are asked with them (`REPORT_NOTES`): the immediate safeguarding
arrangements of any children involved, the immediate learning already established, and the
potential for additional learning.
`validate_chair_notes` checks them as the card sends them and never raises.

`ReportData` is the view model of the report, one field for each thing "a completed Rapid
Review Report should include": the criteria considered, the immediate safeguarding
arrangements, a concise summary of the facts, the decision and its reasons, whether a national
review is recommended and why, immediate learning and its dissemination, potential further
learning, the agencies involved (and any expected agency that was not), who took the decision,
and the identifying details of the child.

The report is CONFIDENTIAL WHEN COMPLETED: it holds the child's details and goes only to the
managers, the chair and the National Panel. `report_markdown` and `report_docx` render the
same sections (`REPORT_SECTIONS`) in the same order. Everything a person typed is escaped in
the Markdown, so no markdown or HTML in it is ever interpreted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import NamedTuple, TypeAlias

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from review.answers import UNREADABLE, clean_text
from review.calendar import LONDON
from review.referral import GENDERS, age_at, format_date, parse_iso_date, summary_rows

__all__ = [
    "ACTION_ROWS",
    "AGENCY_STATUSES",
    "CHAIR_FIELDS",
    "CHAIR_QUESTIONS",
    "CONCLUSIONS",
    "CONFIDENTIAL",
    "NATIONAL_CRITERIA",
    "NOT_RECORDED",
    "NOTES_MAX",
    "conclusion_ids",
    "REPORT_NOTES",
    "REPORT_SECTIONS",
    "AgencyReturn",
    "ChairAction",
    "ChairNotes",
    "ChairQuestion",
    "ChildDetails",
    "Decider",
    "PanelDecision",
    "ReportData",
    "SignOff",
    "child_details",
    "escape_markdown",
    "invited_attendees",
    "report_docx",
    "report_markdown",
    "validate_chair_notes",
    "xml_safe",
]

CONFIDENTIAL = "CONFIDENTIAL WHEN COMPLETED"
NOT_RECORDED = "Not recorded."
NOTES_MAX = 4000
"""The longest note, reason or overview, in characters."""
_ACTION_MAX = 500
_OWNER_MAX = 100
ACTION_ROWS = 5
"""How many action rows the chair's notes hold."""
_KEPT_BEYOND_LIMIT = 1000


# -- the chair's notes (Appendix F) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChairQuestion:
    """One question of the assessment of need: input id, number, question and its prompts."""

    id: str
    number: str
    question: str
    prompt: str


CHAIR_QUESTIONS: tuple[ChairQuestion, ...] = (
    ChairQuestion(
        "q4_1",
        "4.1",
        "What potential improvements may be needed to safeguard and promote the welfare of "
        "children?",
        "i.e. were there gaps in responses due to lack of training / understanding or service? "
        "Were there any issues in local processes or policy? Or was this an extraordinary "
        "incident that could not have been predicted or planned for?",
    ),
    ChairQuestion(
        "q4_2",
        "4.2",
        "What evidence was there that the case highlights recurrent themes in the safeguarding "
        "and promotion of the welfare of children?",
        "i.e. have these issues been identified before? Has action been taken and is this "
        "evidence of a lack of impact? Are these concerns already known and actions not yet "
        "implemented?",
    ),
    ChairQuestion(
        "q4_3",
        "4.3",
        "Were there concerns regarding two or more organisations or agencies working together "
        "effectively to safeguard and promote the welfare of children? Or the notable absence "
        "of agency involvement?",
        "i.e. were there challenges in agencies working collaboratively to address the needs of "
        "the child / family? Were there gaps in information sharing? Were these issues so "
        "serious and endemic they raise concerns for local practice? Were the family / child / "
        "young person invisible to services when they should have been clearly identified as "
        "needing support?",
    ),
    ChairQuestion(
        "q4_4",
        "4.4",
        "Are we being asked to consider a review by the Child Safeguarding Practice Review "
        "Panel who have considered and concluded a local review may be more appropriate?",
        "i.e. the case has been previously reviewed and notified as not for a review but we "
        "have been challenged by the panel?",
    ),
    ChairQuestion(
        "q4_5",
        "4.5",
        "Are the panel concerned about the actions of a single agency?",
        "i.e. there are significant failures to act that raise concerns about safeguarding "
        "decision making? Are there other processes that should have happened and don't appear "
        "not be in place e.g. 72 Hour Incident review? Mental Health Death review? Is there an "
        "agency absent from the case that should have been involved?",
    ),
    ChairQuestion(
        "q4_6",
        "4.6",
        "Are more than one local authority, police area or clinical commissioning group "
        "involved, including in cases where families have moved around?",
        "i.e. do there appear to be challenges with working across borders in terms of "
        "accessing services and developing a collaborative support approach?",
    ),
    ChairQuestion(
        "q4_7",
        "4.7",
        "Does the case raise issues relating to safeguarding or promoting the welfare of "
        "children in institutional settings (i.e. child minders homes / adoption services / "
        "residential placements / secure homes etc.)?",
        "i.e. has there been a death in a secure children's home or mental health secure "
        "setting? Are there processes to provide scrutiny and assurance around this incident? "
        "Do partners have concerns regarding how the incident has happened or the settings "
        "ability to manage such cases?",
    ),
)
"""Appendix F 4.1–4.7, in the document's words."""

CONCLUSIONS: dict[str, str] = {
    "local_review": "A local child safeguarding practice review is proposed",
    "national_review_recommended": "A national review is recommended to the National Panel",
    "no_review": "No review is proposed",
}
"""The conclusions of the panel (Appendix F 5.1): value sent by the card -> wording. A
profile adds its own (`[report] conclusions`); the chair may choose more than one (a local
and a national review), stored as the card sends them: ids separated by commas."""


def conclusion_ids(value: str) -> tuple[str, ...]:
    """The conclusions chosen, in order, each once ("local_review" or "a,b" as the card
    sends a multi-select)."""
    return tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


REPORT_NOTES: dict[str, tuple[str, str]] = {
    "safeguarding_arrangements": (
        "Immediate safeguarding arrangements of any children involved",
        "Record the immediate safeguarding arrangements of any children involved.",
    ),
    "immediate_learning": (
        "Any immediate learning already established",
        'Record the immediate learning already established (write "None yet" if there is none).',
    ),
    "further_learning": (
        "Potential for additional learning",
        'Record the potential for additional learning (write "None" if there is none).',
    ),
}
"""What the report must say that Appendix F does not ask: input id -> (question, if missing)."""

CHAIR_FIELDS: tuple[str, ...] = (
    "attendees",
    "overview",
    "partner_discussion",
    *(q.id for q in CHAIR_QUESTIONS),
    *REPORT_NOTES,
    "conclusion",
    "conclusion_reasons",
    *(f"{part}_{n}" for n in range(1, ACTION_ROWS + 1) for part in ("action", "owner", "due")),
)
"""Every input id of the chair's notes card, in order."""


class ChairAction(NamedTuple):
    """One agreed action: what, who, and by when (if set)."""

    action: str
    owner: str
    due: date | None


@dataclass(frozen=True, slots=True)
class ChairNotes:
    """The chair's notes: the seven answers, the conclusion, its reasons and the actions; who
    attended (1.1), the overview (2.1) and the discussion with invited partners (3.1)."""

    q4_1: str
    q4_2: str
    q4_3: str
    q4_4: str
    q4_5: str
    q4_6: str
    q4_7: str
    conclusion: str
    conclusion_reasons: str
    actions: tuple[ChairAction, ...] = ()
    overview: str = ""
    attendees: str = ""
    partner_discussion: str = ""
    safeguarding_arrangements: str = ""
    immediate_learning: str = ""
    further_learning: str = ""
    conclusion_words: tuple[str, ...] = ()
    """Each conclusion in words (the profile's own among them), as validated."""

    def answers(self) -> tuple[tuple[ChairQuestion, str], ...]:
        """Each question of 4.1–4.7 with its notes."""
        return tuple((q, str(getattr(self, q.id))) for q in CHAIR_QUESTIONS)

    @property
    def conclusion_label(self) -> str:
        """The conclusion in words (several: separated by semicolons)."""
        words = self.conclusion_words or tuple(CONCLUSIONS.get(c, c) for c in self.conclusions)
        return "; ".join(words)

    @property
    def conclusions(self) -> tuple[str, ...]:
        """The conclusions chosen, by id."""
        return conclusion_ids(self.conclusion)


_ROLE_WORDS: dict[str, str] = {
    "panel": "panel member",
    "deputy": "deputy panel member",
    "manager": "business unit manager",
    "chair": "chair",
    "agency_lead": "agency lead",
}


def invited_attendees(invited: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """The attendees (1.1) as the chair's notes start them: one line per person invited,
    "name — agency (roles)", from (name, agency name, roles)."""
    lines = []
    for name, agency, roles in invited:
        words = ", ".join(_ROLE_WORDS.get(r, r) for r in roles)
        lines.append(f"{name} — {agency}" + (f" ({words})" if words else ""))
    return "\n".join(lines)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _text(
    raw: Mapping[str, object],
    field_id: str,
    limit: int,
    errors: dict[str, str],
    missing: str | None,
    *,
    multiline: bool = True,
) -> str:
    """A text answer, cleaned; "" with the error recorded if unusable or missing."""
    value = raw.get(field_id)
    if value is not None and not isinstance(value, str):
        errors[field_id] = UNREADABLE
        return ""
    text = clean_text(value or "", multiline=multiline)
    if not text:
        if missing is not None:
            errors[field_id] = missing
        return ""
    if len(text) > limit:
        errors[field_id] = f"Keep this under {limit:,} characters (it is {len(text):,})."
        return ""
    return text


def validate_chair_notes(
    raw: Mapping[str, object],
    *,
    complete: bool = True,
    own_conclusions: Mapping[str, str] | None = None,
) -> tuple[ChairNotes | None, dict[str, str]]:
    """Check the chair's notes from the card: (the notes, {}) or (None, errors by input id).

    With ``complete=False``, notes whose conclusion is already recorded, read back as they
    were recorded: an answer missing is no error (a question may have been added since the
    conclusion), but the conclusion, lengths and dates are checked as ever.
    """
    source: Mapping[str, object] = raw if isinstance(raw, Mapping) else {}
    errors: dict[str, str] = {}

    def needed(message: str) -> str | None:
        return message if complete else None

    attendees = _text(
        source,
        "attendees",
        NOTES_MAX,
        errors,
        needed("List who attended the meeting: name, role and agency."),
    )
    overview = _text(source, "overview", NOTES_MAX, errors, None)
    partner_discussion = _text(source, "partner_discussion", NOTES_MAX, errors, None)
    for_report = {
        field_id: _text(source, field_id, NOTES_MAX, errors, needed(missing))
        for field_id, (_, missing) in REPORT_NOTES.items()
    }
    notes = {
        q.id: _text(
            source,
            q.id,
            NOTES_MAX,
            errors,
            needed(
                f'Record the panel\'s notes and views on question {q.number} (write "None" if '
                "there are none)."
            ),
        )
        for q in CHAIR_QUESTIONS
    }
    conclusion_raw = source.get("conclusion")
    known = {**CONCLUSIONS, **(own_conclusions or {})}
    chosen = conclusion_ids(conclusion_raw) if isinstance(conclusion_raw, str) else ()
    conclusion = ",".join(chosen)
    if conclusion_raw is not None and not isinstance(conclusion_raw, str):
        errors["conclusion"] = UNREADABLE
    elif not chosen:
        errors["conclusion"] = "Choose the conclusion of the panel."
    elif any(c not in known for c in chosen):
        errors["conclusion"] = "Choose one of the conclusions from the list."
    elif "no_review" in chosen and len(chosen) > 1:
        errors["conclusion"] = (
            f'"{CONCLUSIONS["no_review"]}" cannot be chosen with another conclusion.'
        )
    reasons = _text(
        source,
        "conclusion_reasons",
        NOTES_MAX,
        errors,
        needed("Give the reasons a review is or is not proposed."),
    )
    actions: list[ChairAction] = []
    for n in range(1, ACTION_ROWS + 1):
        row_errors: dict[str, str] = {}
        what = _text(source, f"action_{n}", _ACTION_MAX, row_errors, None, multiline=False)
        who = _text(source, f"owner_{n}", _OWNER_MAX, row_errors, None, multiline=False)
        due_raw = source.get(f"due_{n}")
        due: date | None = None
        if due_raw is not None and not isinstance(due_raw, str):
            row_errors[f"due_{n}"] = UNREADABLE
        elif isinstance(due_raw, str) and due_raw.strip():
            due = parse_iso_date(due_raw.strip())
            if due is None:
                row_errors[f"due_{n}"] = "Enter the date as YYYY-MM-DD, for example 2026-12-18."
        given = bool(what or who or due) or bool(row_errors)
        if given and not what and f"action_{n}" not in row_errors:
            row_errors[f"action_{n}"] = f"Say what action {n} is, or clear its owner and date."
        if given and not who and f"owner_{n}" not in row_errors:
            row_errors[f"owner_{n}"] = f"Say who owns action {n}."
        errors.update(row_errors)
        if given and not row_errors:
            actions.append(ChairAction(what, who, due))
    ordered = {f: errors[f] for f in CHAIR_FIELDS if f in errors}
    if ordered:
        return None, ordered
    return (
        ChairNotes(
            **notes,
            conclusion=conclusion,
            conclusion_reasons=reasons,
            conclusion_words=tuple(known[c] for c in chosen),
            actions=tuple(actions),
            overview=overview,
            attendees=attendees,
            partner_discussion=partner_discussion,
            **for_report,
        ),
        {},
    )


# -- the report's view model ------------------------------------------------------------

NATIONAL_CRITERIA: tuple[str, ...] = (
    "Abuse or neglect of the child is known or suspected.",
    "The child has died or been seriously harmed in the local authority's area, or, while "
    "normally resident in the area, outside England.",
)
"""A serious child safeguarding case (Working Together 2018; Children Act 2004 s.16C(1))."""

AGENCY_STATUSES: tuple[str, ...] = ("received", "not involved", "awaited", "overdue")
"""Where an agency's return stands."""

REPORT_SECTIONS: tuple[str, ...] = (
    "1. Criteria considered",
    "2. Immediate safeguarding arrangements",
    "3. Summary of the facts",
    "4. The decision and its reasons",
    "5. National review",
    "6. Immediate learning and its dissemination",
    "7. Potential for further learning",
    "8. Agencies involved",
    "9. Who took the decision",
    "10. Identifying details of the child",
    "11. Sign-off",
)
"""The report's section headings, in order (the same in Markdown and Word)."""


@dataclass(frozen=True, slots=True)
class PanelDecision:
    """The virtual panel's decision: outcome, date, and each partner's rationale and basis."""

    outcome_label: str
    decided_on: date
    rationales: tuple[tuple[str, str], ...]
    serious_harm_basis: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AgencyReturn:
    """An agency asked for information: its name, where its return stands and any note."""

    name: str
    status: str
    received_on: date | None = None
    expected: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if self.status not in AGENCY_STATUSES:
            raise ValueError(f"unknown agency status {self.status!r}; one of {AGENCY_STATUSES}")


@dataclass(frozen=True, slots=True)
class Decider:
    """Someone who took the decision: their partner (e.g. Police), name and agency."""

    partner_label: str
    name: str
    agency: str


@dataclass(frozen=True, slots=True)
class ChildDetails:
    """The identifying details of the child the report includes."""

    date_of_birth: date | None
    age_at_event: int | None
    gender: str
    disability: str
    care_leaver: bool = False
    name: str = ""
    location: str = ""
    family: tuple[tuple[str, str], ...] = ()
    """Each family and household member recorded: ("Person N", "name (relationship), born …,
    address")."""


@dataclass(frozen=True, slots=True)
class SignOff:
    """A sign-off of the report: who, as which role (in the profile's words), and when."""

    name: str
    role: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the Rapid Review report says (see the module docstring)."""

    reference: str
    partnership_name: str
    report_date: date
    immediate_safeguarding: str
    event_date: date
    pathway_sought: str
    decision: PanelDecision
    chair_notes: ChairNotes
    immediate_learning: str
    dissemination: str
    further_learning: str
    agencies: tuple[AgencyReturn, ...]
    deciders: tuple[Decider, ...]
    child: ChildDetails
    local_criteria: tuple[str, ...]
    """The partnership's criteria for a local review (its profile's `local_criteria`)."""
    referral_received: date | None = None
    meeting_date: date | None = None
    meeting_chair: str = ""
    # Why the meeting was held after its window or after the report was due, as given.
    meeting_late_reason: str = ""
    national_criteria: tuple[str, ...] = NATIONAL_CRITERIA
    earlier_decisions: tuple[tuple[str, date, str], ...] = ()
    """Decisions the panel reconsidered: (the decision, decided on, why it reopened)."""
    sign_offs: tuple[SignOff, ...] = ()
    """The report's sign-offs standing now, oldest first."""
    sign_off_waiting: tuple[str, ...] = ()
    """The roles (in the profile's words) whose sign-off the report still waits for."""

    @property
    def national_review_recommended(self) -> bool:
        """True when the panel's conclusion recommends a national review."""
        return "national_review_recommended" in self.chair_notes.conclusions


def child_details(
    child_values: Mapping[str, str], family_values: Mapping[str, str] | None = None
) -> ChildDetails:
    """The child's details from the referral's child (and family) section values as they
    stand ("Relevant identifying details of the child and family")."""
    dob = parse_iso_date(child_values.get("date_of_birth"))
    event = parse_iso_date(child_values.get("event_date"))
    age = age_at(dob, event) if dob is not None and event is not None and dob <= event else None
    gender = child_values.get("gender", "")
    return ChildDetails(
        date_of_birth=dob,
        age_at_event=age,
        gender=GENDERS.get(gender, gender or "Not given"),
        disability=child_values.get("disability", "") or "",
        care_leaver=child_values.get("care_leaver") == "true",
        name=str(child_values.get("child_name", "") or ""),
        location=str(child_values.get("child_location", "") or ""),
        family=tuple(
            (row.title, row.value)
            for row in summary_rows("family", family_values or {}, agency_names={})
            if row.field != "family"
        ),
    )


# -- the content, shared by both renderings ---------------------------------------------
#
# A report is a list of blocks: ("heading", text), ("para", text, typed), ("label", text),
# ("bullets", items, typed), ("table", headers, rows). `typed` marks text a person wrote.


class _Para(NamedTuple):
    text: str
    typed: bool = True
    bold_label: str = ""


class _Bullets(NamedTuple):
    items: tuple[str, ...]
    typed: bool = False


class _Table(NamedTuple):
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class _Heading(NamedTuple):
    text: str
    level: int


_Block: TypeAlias = _Para | _Bullets | _Table | _Heading


def _or_not_recorded(text: str) -> str:
    return text if text.strip() else NOT_RECORDED


def _status_words(agency: AgencyReturn) -> tuple[str, str]:
    """(involvement, return) for the agencies table."""
    on = f" on {format_date(agency.received_on)}" if agency.received_on else ""
    if agency.status == "received":
        return "Involved", f"Received{on}"
    if agency.status == "not involved":
        return "Not involved", f"Confirmed{on}"
    return "Not yet known", "Overdue" if agency.status == "overdue" else "Awaited"


def _blocks(data: ReportData) -> list[_Block]:
    notes = data.chair_notes
    s = REPORT_SECTIONS
    out: list[_Block] = [
        _Heading(f"Rapid Review report — {data.reference}", 0),
        _Para(data.partnership_name, typed=False, bold_label="Partnership: "),
        _Para(data.reference, typed=False, bold_label="Reference: "),
        _Para(format_date(data.report_date), typed=False, bold_label="Date of report: "),
    ]
    # 1. Criteria
    out += [
        _Heading(s[0], 1),
        _Para(
            "The case has been considered against the criteria for a serious child "
            "safeguarding case in Working Together to Safeguard Children (2018):",
            typed=False,
        ),
        _Bullets(data.national_criteria),
        _Para(
            "and against the criteria for a local child safeguarding practice review, and "
            "the circumstances the safeguarding partners should have regard to:",
            typed=False,
        ),
        _Bullets(data.local_criteria),
        _Heading("The panel's assessment against the criteria", 2),
    ]
    for question, answer in notes.answers():
        out.append(_Para(question.question, typed=False, bold_label=f"{question.number} "))
        out.append(_Para(_or_not_recorded(answer)))
    # 2. Immediate safeguarding
    out += [_Heading(s[1], 1), _Para(_or_not_recorded(data.immediate_safeguarding))]
    # 3. Facts
    out += [
        _Heading(s[2], 1),
        _Para(format_date(data.event_date), typed=False, bold_label="Date of the event: "),
        _Para(data.pathway_sought, bold_label="Pathway sought by the referrer: "),
    ]
    if data.referral_received is not None:
        out.append(
            _Para(
                format_date(data.referral_received), typed=False, bold_label="Referral received: "
            )
        )
    if data.meeting_date is not None:
        out.append(
            _Para(format_date(data.meeting_date), typed=False, bold_label="Rapid Review meeting: ")
        )
    if data.meeting_late_reason.strip():
        out.append(
            _Para(data.meeting_late_reason, bold_label="Why the meeting was held when it was: ")
        )
    out.append(_Para(_or_not_recorded(notes.overview), bold_label="Overview of the case: "))
    if notes.partner_discussion.strip():
        out.append(_Para(notes.partner_discussion, bold_label="Discussion with invited partners: "))
    # 4. Decision
    out += [
        _Heading(s[3], 1),
        _Heading("The virtual panel", 2),
        _Para(data.decision.outcome_label, bold_label="Decision: "),
        _Para(format_date(data.decision.decided_on), typed=False, bold_label="Decided on: "),
    ]
    for partner, rationale in data.decision.rationales:
        out.append(_Para(_or_not_recorded(rationale), bold_label=f"Rationale — {partner}: "))
    for partner, basis in data.decision.serious_harm_basis:
        out.append(
            _Para(
                _or_not_recorded(basis), bold_label=f"How serious harm was determined — {partner}: "
            )
        )
    for label, decided_on, why in data.earlier_decisions:
        out.append(
            _Para(
                f"{label}, decided on {format_date(decided_on)}; reopened: {why}.",
                typed=False,
                bold_label="Earlier decision, reconsidered: ",
            )
        )
    out += [
        _Heading("The Rapid Review", 2),
        _Para(notes.conclusion_label, typed=False, bold_label="Conclusion: "),
        _Para(_or_not_recorded(notes.conclusion_reasons), bold_label="Reasons: "),
    ]
    if notes.conclusions == ("no_review",):
        out.append(
            _Para(
                "No review is proposed: the reasons above say why no further learning is "
                "thought to be gained.",
                typed=False,
            )
        )
    # 5. National review
    if data.national_review_recommended:
        national = [
            _Para("A national review is recommended.", typed=False),
            _Para(_or_not_recorded(notes.conclusion_reasons), bold_label="Why: "),
        ]
    else:
        national = [_Para("A national review is not recommended.", typed=False)]
    out += [_Heading(s[4], 1), *national]
    # 6. Immediate learning
    out += [
        _Heading(s[5], 1),
        _Para(_or_not_recorded(data.immediate_learning), bold_label="Immediate learning: "),
        _Para(_or_not_recorded(data.dissemination), bold_label="Dissemination: "),
        _Heading("Actions agreed", 2),
    ]
    if notes.actions:
        out.append(
            _Table(
                ("Action", "Owner", "Due"),
                tuple(
                    (a.action, a.owner, format_date(a.due) if a.due else "No date set")
                    for a in notes.actions
                ),
            )
        )
    else:
        out.append(_Para("No actions were recorded.", typed=False))
    # 7. Further learning
    out += [_Heading(s[6], 1), _Para(_or_not_recorded(data.further_learning))]
    # 8. Agencies
    out.append(_Heading(s[7], 1))
    if data.agencies:
        out.append(
            _Table(
                ("Agency", "Involvement", "Return"),
                tuple((a.name, *_status_words(a)) for a in data.agencies),
            )
        )
    else:
        out.append(_Para("No agencies were asked for information.", typed=False))
    missing = [a for a in data.agencies if a.expected and a.status != "received"]
    if missing:
        out.append(_Heading("Expected agencies not involved in the Rapid Review", 2))
        out.append(
            _Bullets(
                tuple(
                    f"{a.name} — {_status_words(a)[0].lower()}"
                    + (f": {a.note}" if a.note.strip() else "")
                    for a in missing
                ),
                typed=True,
            )
        )
    # 9. Deciders
    out += [
        _Heading(s[8], 1),
        _Para(
            format_date(data.decision.decided_on),
            typed=False,
            bold_label="Virtual panel decision: ",
        ),
    ]
    if data.meeting_date is not None:
        out.append(
            _Para(format_date(data.meeting_date), typed=False, bold_label="Rapid Review meeting: ")
        )
    if data.meeting_chair.strip():
        out.append(_Para(data.meeting_chair, bold_label="Chair: "))
    out.append(
        _Para(
            _or_not_recorded(notes.attendees), bold_label="Attendees of the Rapid Review meeting: "
        )
    )
    if data.deciders:
        out.append(
            _Table(
                ("Partner", "Name", "Agency"),
                tuple((d.partner_label, d.name, d.agency) for d in data.deciders),
            )
        )
    else:
        out.append(_Para(NOT_RECORDED, typed=False))
    # 10. Child
    child = data.child
    age = NOT_RECORDED if child.age_at_event is None else str(child.age_at_event)
    dob = format_date(child.date_of_birth) if child.date_of_birth else NOT_RECORDED
    out += [
        _Heading(s[9], 1),
        _Para(child.name.strip() or NOT_RECORDED, bold_label="Name: "),
        _Para(dob, typed=False, bold_label="Date of birth: "),
        _Para(age, typed=False, bold_label="Age at the date of the event: "),
        _Para(child.gender, bold_label="Gender: "),
        _Para(child.disability.strip() or "None recorded", bold_label="Disability: "),
    ]
    if child.care_leaver:
        out.append(_Para("Yes", typed=False, bold_label="Care leaver: "))
    out.append(_Para(child.location.strip() or NOT_RECORDED, bold_label="Current location: "))
    for title, value in child.family:
        out.append(_Para(value, bold_label=f"{title}: "))
    # 11. Sign-off
    out.append(_Heading(s[10], 1))
    if data.sign_offs:
        out.append(
            _Table(
                ("Role", "Name", "Signed off (London time)"),
                tuple((o.role, o.name, _london_time(o.signed_at)) for o in data.sign_offs),
            )
        )
    else:
        out.append(_Para("Not signed off yet.", typed=False))
    if data.sign_off_waiting:
        out.append(
            _Para(
                "; ".join(data.sign_off_waiting),
                typed=False,
                bold_label="Waiting for sign-off by: ",
            )
        )
    return out


def _london_time(at: datetime) -> str:
    """A moment as London wall-clock time and date: "14:05, 4 Dec 2026"."""
    local = at.astimezone(LONDON)
    return f"{local:%H:%M}, {format_date(local.date())}"


# -- Markdown ---------------------------------------------------------------------------

_MD_SPECIALS = frozenset("\\`*_{}[]()#+-.!|~:")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_markdown(text: str) -> str:
    """Escape ``text`` so Markdown shows it literally: no formatting, links or HTML."""
    out: list[str] = []
    for char in text:
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _MD_SPECIALS:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


_LIGHT_SPECIALS = frozenset("\\`*_[]|~")


def _light(text: str) -> str:
    """Escape our own wording lightly (it holds no markdown, but may hold names or * or _)."""
    out: list[str] = []
    for char in text:
        out.append(_HTML.get(char, "\\" + char if char in _LIGHT_SPECIALS else char))
    return "".join(out)


def _md_text(text: str, typed: bool) -> str:
    """A paragraph's text: typed text escaped, each line ending in a hard break."""
    if not typed:
        return _light(text)
    return "  \n".join(escape_markdown(line) for line in clean_text(text).split("\n"))


def _md_cell(text: str) -> str:
    return escape_markdown(" ".join(clean_text(text).split())) or " "


def report_markdown(data: ReportData) -> str:
    """The report as Markdown, with the same sections as the Word document."""
    parts: list[str] = [f"**{CONFIDENTIAL}**"]
    for block in _blocks(data):
        if isinstance(block, _Heading):
            parts.append("#" * (block.level + 1) + " " + _light(block.text))
        elif isinstance(block, _Para):
            label = f"**{_light(block.bold_label.strip())}** " if block.bold_label else ""
            parts.append(label + _md_text(block.text, block.typed))
        elif isinstance(block, _Bullets):
            escape = _md_cell if block.typed else _light
            parts.append("\n".join(f"- {escape(item)}" for item in block.items))
        else:
            header = "| " + " | ".join(_light(h) for h in block.headers) + " |"
            rule = "|" + "|".join("---" for _ in block.headers) + "|"
            rows = ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            parts.append("\n".join([header, rule, *rows]))
    return "\n\n".join(parts) + "\n"


# -- Word -------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text Word can hold: no characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _add_table(doc: DocxDocument, table: _Table) -> None:
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(header).bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = xml_safe(value)


def report_docx(data: ReportData) -> bytes:
    """The report as a Word document (.docx), headed CONFIDENTIAL WHEN COMPLETED."""
    doc = Document()
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = ""
    header_run = header.add_run(CONFIDENTIAL)
    header_run.bold = True
    header_run.font.size = Pt(9)
    first = doc.add_paragraph()
    first.add_run(CONFIDENTIAL).bold = True
    for block in _blocks(data):
        if isinstance(block, _Heading):
            doc.add_heading(xml_safe(block.text), level=block.level)
        elif isinstance(block, _Para):
            paragraph = doc.add_paragraph()
            if block.bold_label:
                paragraph.add_run(xml_safe(block.bold_label)).bold = True
            text = clean_text(block.text) if block.typed else block.text
            paragraph.add_run(xml_safe(text))
        elif isinstance(block, _Bullets):
            for item in block.items:
                doc.add_paragraph(xml_safe(clean_text(item)), style="List Bullet")
        else:
            _add_table(doc, block)
    props = doc.core_properties
    props.title = xml_safe(f"Rapid Review report — {data.reference}")
    props.subject = "Rapid Review report to the National Panel"
    props.author = xml_safe(data.partnership_name)
    props.last_modified_by = xml_safe(data.partnership_name)
    props.keywords = CONFIDENTIAL
    props.comments = ""
    props.revision = 1
    stamp = datetime.combine(data.report_date, time(12, 0), tzinfo=UTC)
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
