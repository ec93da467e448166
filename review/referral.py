"""The referral form (Appendix A, section 1) as data, and the checks on each of its answers.

The form is asked in four sections, one card each, in the order of `SECTIONS`:

- ``pathway`` (1.2): the pathway sought, A ``rapid_review``, B ``practice_review`` or
  C ``escalation`` (`PATHWAYS` holds the form's explanation of each).
- ``referrer`` (1.1): who is referring, from which agency, who they have discussed it with,
  and their agency's lead for a possible review.
- ``child`` (1.3): the date of the event prompting the referral and the child's details. The
  age is not asked: it is worked out from the two dates (`age_at`, `derived_age`).
- ``views`` ("why you are making this referral: your views").

The field ids in `FIELDS` are the Adaptive Card input ids. `FIELD_INFO` describes each
question once (wording, whether it is required, its maximum length) for the cards and the
checks alike.

Checking (`validate_section`, `validate_form`) never raises on what a person or a client
sends: answers arrive from Teams as strings or not at all, but anything JSON can hold is
turned into an error message in plain English, keyed by field id. Text is stripped, line
breaks are normalised, control characters are dropped, and an answer of only spaces counts as
no answer. `SectionResult.values` keeps every answer given as text, even one with an error, so
a card shown again loses nothing; text far beyond its limit is cut at its limit plus
`KEPT_BEYOND_LIMIT` characters so that a crafted payload cannot make that card too big to send.

Age rule: the child must be under 18 on the date of the event; an older young person only
if they are a care leaver under 25 then (the death of a care leaver under 25 is notifiable).
Ages are counted in whole years; someone born on 29 February has their birthday on 1 March in
other years, as in England and Wales law.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

from review.answers import UNREADABLE, clean_text, too_long

__all__ = [
    "ALWAYS_REQUIRED",
    "CARE_LEAVER_MAX_AGE",
    "CHILD_FIELDS",
    "CHILD_MAX_AGE",
    "DATE_FORMAT_ERROR",
    "FIELDS",
    "FIELD_INFO",
    "FORM_REQUIRED",
    "FAMILY_SLOTS",
    "FREE_TEXT_FIELDS",
    "IDENTITY_FIELDS",
    "GENDERS",
    "HARM_KINDS",
    "KEPT_BEYOND_LIMIT",
    "NOT_GIVEN",
    "NOT_KNOWN_YET",
    "OTHER_AGENCY",
    "PATHWAYS",
    "SECTIONS",
    "SECTION_TITLES",
    "FieldInfo",
    "FormInvalid",
    "FieldKind",
    "PathwayInfo",
    "SectionResult",
    "SummaryRow",
    "YES_NO",
    "age_at",
    "derived_age",
    "family_people",
    "format_date",
    "may_follow",
    "outstanding",
    "parse_iso_date",
    "summary_facts",
    "summary_rows",
    "validate_form",
    "validate_section",
]

SECTIONS: tuple[str, ...] = ("pathway", "referrer", "child", "family", "views")

SECTION_TITLES: dict[str, str] = {
    "pathway": "The pathway you are asking for",
    "referrer": "About you",
    "child": "About the child",
    "family": "The family and household",
    "views": "Why you are making this referral",
}
"""A heading for each section, for the cards."""


@dataclass(frozen=True, slots=True)
class PathwayInfo:
    """A pathway a referrer can ask for: its letter on the form, its name and what it is for."""

    id: str
    letter: str
    label: str
    explanation: str
    starts: str = "rapid_review"
    """What the referral asks to start (one of `review.panel.STARTS` but queries): a referral
    asking for a Rapid Review goes to the panel at once, the statutory clock running; the
    others wait for a manager to open the panel on them."""

    @property
    def title(self) -> str:
        """The letter and name together, e.g. "A: Rapid review"."""
        return f"{self.letter}: {self.label}"


PATHWAYS: dict[str, PathwayInfo] = {
    "rapid_review": PathwayInfo(
        "rapid_review",
        "A",
        "Rapid review",
        "For a notifiable incident: abuse or neglect of a child is known or suspected and "
        "the child has died or been seriously harmed, in this area or outside it. The death "
        "of a looked-after child is always notifiable. The three statutory partners decide "
        "whether it needs a child safeguarding practice review and tell the National Panel.",
    ),
    "practice_review": PathwayInfo(
        "practice_review",
        "B",
        "Local practice review",
        "For a case that is not a notifiable incident but may hold lessons about how "
        "agencies here work together, such as a complex case where professionals struggled "
        "to manage risk. It can also be a case of very good joint working worth sharing.",
        "learning_review",
    ),
    "escalation": PathwayInfo(
        "escalation",
        "C",
        "Case escalation",
        "For a disagreement between professionals about a case that they and their managers "
        "have tried and failed to resolve. The statutory partners and the independent chair "
        "review the decisions made and may help to settle it.",
        "escalation",
    ),
}
"""The pathways of section 1.2, A, B and C in order."""

HARM_KINDS: dict[str, str] = {
    "death": "The child has died",
    "serious_harm": "The child has been seriously harmed",
}
"""The answers to "has the child died, or been seriously harmed?"."""

YES_NO: dict[str, str] = {"yes": "Yes", "no": "No"}
"""The answers to a yes / no question of the form."""

GENDERS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "not_known": "Not known",
}
"""The answers to the gender question: value sent by the card -> what a person sees."""

CHILD_MAX_AGE = 17
"""The oldest a child can be on the date of the event."""
CARE_LEAVER_MAX_AGE = 24
"""The oldest a care leaver can be on the date of the event."""

DATE_FORMAT_ERROR = "Enter the date as YYYY-MM-DD, for example 2026-11-03."
NOT_GIVEN = "Not given"
"""What a summary shows for an optional question left empty."""
OTHER_AGENCY = "other"
"""The referral form's "another agency (not on this list)" choice; its name is `agency_other`."""
NOT_KNOWN_YET = "Not known yet"
"""What a summary shows for a question the referrer may answer later, not answered yet."""

KEPT_BEYOND_LIMIT = 1000
"""How many characters past its limit an over-long answer is kept, to be shown again."""


FieldKind = Literal[
    "pathway",
    "text",
    "multiline",
    "email",
    "phone",
    "agency",
    "date",
    "toggle",
    "choice",
    "harm",
    "yes_no",
]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One question: input id, section, kind, wording, whether required and its length limit.

    ``label`` is the question on the card, ``title`` its short name in summaries, ``missing``
    the message when a required answer is not given; ``max_length`` is None for answers
    picked from a list, dates and the tick box.
    """

    id: str
    section: str
    kind: FieldKind
    label: str
    title: str
    required: bool
    missing: str | None = None
    max_length: int | None = None
    placeholder: str | None = None


def _info(*infos: FieldInfo) -> dict[str, FieldInfo]:
    """Index field descriptions by id."""
    return {info.id: info for info in infos}


FAMILY_SLOTS = 4
"""How many significant family and household members the form asks about (Appendix D section
B: full name, date of birth, relationship, full address), other children harmed in the same
incident among them."""

FIELD_INFO: dict[str, FieldInfo] = _info(
    FieldInfo(
        id="pathway",
        section="pathway",
        kind="pathway",
        label="Which pathway are you asking for?",
        title="Pathway sought",
        required=True,
        missing="Choose the pathway you are asking for: A, B or C.",
    ),
    FieldInfo(
        id="referrer_name",
        section="referrer",
        kind="text",
        label="Your name",
        title="Name",
        required=True,
        missing="Enter your name.",
        max_length=100,
    ),
    FieldInfo(
        id="referrer_email",
        section="referrer",
        kind="email",
        label="Your work email address",
        title="Email",
        required=True,
        missing="Enter your work email address.",
        max_length=254,
        placeholder="name@agency.example.gov.uk",
    ),
    FieldInfo(
        id="job_title",
        section="referrer",
        kind="text",
        label="Your job title",
        title="Job title",
        required=True,
        missing="Enter your job title.",
        max_length=100,
    ),
    FieldInfo(
        id="agency",
        section="referrer",
        kind="agency",
        label="Your agency",
        title="Referring agency",
        required=True,
        missing="Choose your agency.",
        placeholder="Choose your agency",
    ),
    FieldInfo(
        id="agency_other",
        section="referrer",
        kind="text",
        label="If your agency is not on the list: its name",
        title="Agency (not on the list)",
        required=False,
        max_length=200,
    ),
    FieldInfo(
        id="phone",
        section="referrer",
        kind="phone",
        label="Your phone number",
        title="Phone",
        required=True,
        missing="Enter a phone number we can reach you on.",
        max_length=30,
        placeholder="For example 0161 496 0000",
    ),
    FieldInfo(
        id="discussed_with",
        section="referrer",
        kind="multiline",
        label="Who have you discussed this referral with? Include your manager's details and "
        "any discussions with other agencies.",
        title="Discussed with",
        required=True,
        missing="Tell us who you have discussed this referral with, including your manager.",
        max_length=2000,
    ),
    FieldInfo(
        id="lead_name",
        section="referrer",
        kind="text",
        label="Lead's name",
        title="Agency lead",
        required=True,
        missing="Enter the name of your agency's lead for a possible review.",
        max_length=100,
    ),
    FieldInfo(
        id="lead_role",
        section="referrer",
        kind="text",
        label="Lead's role",
        title="Lead's role",
        required=True,
        missing="Enter the lead's role.",
        max_length=100,
    ),
    FieldInfo(
        id="lead_contact",
        section="referrer",
        kind="text",
        label="Lead's email address or phone number",
        title="Lead's contact details",
        required=True,
        missing="Enter an email address or phone number for the lead.",
        max_length=200,
    ),
    FieldInfo(
        id="child_name",
        section="child",
        kind="text",
        label="The child's full name",
        title="Child's name",
        required=True,
        missing="Enter the child's full name.",
        max_length=100,
    ),
    FieldInfo(
        id="child_location",
        section="child",
        kind="multiline",
        label="Where the child is now (the address, hospital or placement)",
        title="Current location",
        required=True,
        missing="Say where the child is now.",
        max_length=500,
    ),
    FieldInfo(
        id="event_date",
        section="child",
        kind="date",
        label="Date of the event that led to this referral",
        title="Date of the event",
        required=True,
        missing="Enter the date of the event that led to this referral.",
    ),
    FieldInfo(
        id="date_of_birth",
        section="child",
        kind="date",
        label="Child's date of birth",
        title="Date of birth",
        required=True,
        missing="Enter the child's date of birth.",
    ),
    FieldInfo(
        id="care_leaver",
        section="child",
        kind="toggle",
        label="Care leaver",
        title="Care leaver",
        required=False,
        placeholder="They are a care leaver (a young person aged 18 to 24 who was in care)",
    ),
    FieldInfo(
        id="gender",
        section="child",
        kind="choice",
        label="Child's gender",
        title="Gender",
        required=True,
        missing="Choose the child's gender, or Not known.",
    ),
    # What the National Panel's notification asks that section 1.3 did not (Appendix A 1.2 A:
    # "abuse or neglect of a child is known or suspected and the child has died or been
    # seriously harmed"; "Notifiable Incidents also include any Looked After Child"; "cases
    # of abuse or neglect leading to serious harm both within and outside of the local area").
    FieldInfo(
        id="harm_kind",
        section="child",
        kind="harm",
        label="Has the child died, or been seriously harmed?",
        title="Death or serious harm",
        required=True,
        missing="Say whether the child has died or been seriously harmed.",
    ),
    FieldInfo(
        id="looked_after",
        section="child",
        kind="yes_no",
        label="Is the child looked after (in the care of a local authority)?",
        title="Looked after",
        required=True,
        missing="Say whether the child is looked after.",
    ),
    FieldInfo(
        id="outside_england",
        section="child",
        kind="yes_no",
        label="Did the death or harm happen outside England?",
        title="Outside England",
        required=True,
        missing="Say whether it happened outside England.",
    ),
    FieldInfo(
        id="disability",
        section="child",
        kind="multiline",
        label="Any disability the child has",
        title="Disability",
        required=False,
        max_length=500,
        placeholder='For example "None known"',
    ),
    *(
        info
        for n in range(1, FAMILY_SLOTS + 1)
        for info in (
            FieldInfo(
                id=f"family_{n}_name",
                section="family",
                kind="text",
                label=f"Person {n}: full name",
                title=f"Person {n}",
                required=False,
                max_length=100,
            ),
            FieldInfo(
                id=f"family_{n}_dob",
                section="family",
                kind="date",
                label=f"Person {n}: date of birth",
                title=f"Person {n}'s date of birth",
                required=False,
            ),
            FieldInfo(
                id=f"family_{n}_relationship",
                section="family",
                kind="text",
                label=f"Person {n}: relationship to the child",
                title=f"Person {n}'s relationship",
                required=False,
                max_length=100,
                placeholder="For example mother, stepfather, brother (also harmed)",
            ),
            FieldInfo(
                id=f"family_{n}_address",
                section="family",
                kind="multiline",
                label=f"Person {n}: full address",
                title=f"Person {n}'s address",
                required=False,
                max_length=300,
            ),
        )
    ),
    FieldInfo(
        id="worked_well",
        section="views",
        kind="multiline",
        label="What worked well?",
        title="What worked well",
        required=False,
        max_length=4000,
    ),
    FieldInfo(
        id="did_not_work_well",
        section="views",
        kind="multiline",
        label="What didn't work well?",
        title="What didn't work well",
        required=False,
        max_length=4000,
    ),
    FieldInfo(
        id="key_issues",
        section="views",
        kind="multiline",
        label="What are the key issues, and what do you think the review needs to look at?",
        title="Key issues",
        required=True,
        missing="Tell us the key issues and what you think the review needs to look at.",
        max_length=4000,
    ),
    # Appendix A, "Top Tips for Referrers" 2: the referrer's views on involving the family.
    FieldInfo(
        id="family_involvement",
        section="views",
        kind="multiline",
        label="How should the child and their family be involved in the review, and who should "
        "help them take part? If involving them is not in the child's best interests, say why.",
        title="Involving the child and family",
        required=False,
        max_length=4000,
    ),
)
"""Every question of the form, by field id, in the order they are asked."""

FIELDS: dict[str, tuple[str, ...]] = {
    section: tuple(info.id for info in FIELD_INFO.values() if info.section == section)
    for section in SECTIONS
}
"""The field ids of each section, in the order they are asked."""

CHILD_FIELDS: frozenset[str] = frozenset(
    {"date_of_birth", "gender", "disability", "care_leaver", "age"}
)
"""The child's details (``age`` is derived): never shown outside the referral itself."""

IDENTITY_FIELDS: frozenset[str] = frozenset(
    {"child_name", "child_location", "date_of_birth"}
    | {info.id for info in FIELD_INFO.values() if info.section == "family"}
)
"""Who the child and family are (Appendix D sections A and B): shown only to the people the
process needs, every view audited; never in a channel, a log line or a file name."""

FREE_TEXT_FIELDS: frozenset[str] = frozenset(
    info.id for info in FIELD_INFO.values() if info.kind in ("text", "multiline", "email", "phone")
)
"""Every answer a person types: shown only escaped or as plain text runs, never in a channel."""


@dataclass(frozen=True)
class SectionResult:
    """One section checked: cleaned answers and error messages, both keyed by field id."""

    values: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when the section has no errors."""
        return not self.errors


class SummaryRow(NamedTuple):
    """One line of a summary: the field id (or ``age``), its short title and the value."""

    field: str
    title: str
    value: str


# -- dates and ages ---------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_iso_date(text: object) -> date | None:
    """Return the date in ``YYYY-MM-DD`` text, or None if it is not exactly such a real date."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def format_date(day: date) -> str:
    """A date as people read it on a card, e.g. "Tue 24 Nov 2026" (English in any locale)."""
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def age_at(dob: date, on: date) -> int:
    """Whole years of age on ``on`` (29 Feb birthdays fall on 1 Mar); ValueError before birth."""
    if on < dob:
        raise ValueError(f"{on.isoformat()} is before the date of birth {dob.isoformat()}")
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def derived_age(values: Mapping[str, object]) -> int | None:
    """The child's age on the date of the event from child-section values, or None if unknown."""
    dob = parse_iso_date(values.get("date_of_birth"))
    event = parse_iso_date(values.get("event_date"))
    if dob is None or event is None or event < dob:
        return None
    return age_at(dob, event)


# -- cleaning ---------------------------------------------------------------------------

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_PHONE_CHARACTERS = frozenset("0123456789 +()-")
_DIGITS = frozenset("0123456789")
_PHONE_DIGITS = (7, 20)
_EMAIL_LOCAL_MAX = 64


class _Checker:
    """Checks one section's raw answers, collecting values and errors."""

    def __init__(
        self,
        raw: Mapping[str, object],
        pathways: Mapping[str, PathwayInfo] | None = None,
        required: Collection[str] | None = None,
    ) -> None:
        self.raw = raw
        self.pathways = PATHWAYS if pathways is None else pathways
        self.required = required
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def needs(self, info: FieldInfo) -> bool:
        """True when the question must be answered to submit (the partnership's list, else
        the form's own)."""
        return info.required if self.required is None else info.id in self.required

    def text(self, field_id: str) -> str | None:
        """The cleaned answer (kept in values), or None with the error recorded if unusable."""
        info = FIELD_INFO[field_id]
        self.values[field_id] = ""
        raw = self.raw.get(field_id)
        if raw is not None and not isinstance(raw, str):
            self.errors[field_id] = UNREADABLE
            return None
        text = clean_text(raw or "", multiline=info.kind == "multiline")
        if not text:
            if self.needs(info):
                self.errors[field_id] = info.missing or UNREADABLE
            return None
        limit = info.max_length
        if limit is not None and len(text) > limit:
            self.values[field_id] = text[: limit + KEPT_BEYOND_LIMIT].strip()
            self.errors[field_id] = too_long(limit, len(text))
            return None
        self.values[field_id] = text
        return text

    def choice(self, field_id: str, choices: Collection[str], wrong: str) -> str | None:
        """An answer picked from ``choices``; anything else is an error and is not kept."""
        info = FIELD_INFO[field_id]
        self.values[field_id] = ""
        raw = self.raw.get(field_id)
        if raw is not None and not isinstance(raw, str):
            self.errors[field_id] = UNREADABLE
            return None
        text = (raw or "")[:200].strip()
        if not text:
            if self.needs(info):
                self.errors[field_id] = info.missing or UNREADABLE
            return None
        if text not in choices:
            self.errors[field_id] = wrong
            return None
        self.values[field_id] = text
        return text

    def date(self, field_id: str) -> date | None:
        """A ``YYYY-MM-DD`` date; text in another form is kept (short) with an error."""
        info = FIELD_INFO[field_id]
        self.values[field_id] = ""
        raw = self.raw.get(field_id)
        if raw is not None and not isinstance(raw, str):
            self.errors[field_id] = UNREADABLE
            return None
        text = clean_text((raw or "")[:200], multiline=False)[:50]
        if not text:
            if self.needs(info):
                self.errors[field_id] = info.missing or UNREADABLE
            return None
        self.values[field_id] = text
        if not _ISO_DATE.fullmatch(text):
            self.errors[field_id] = DATE_FORMAT_ERROR
            return None
        day = parse_iso_date(text)
        if day is None:
            self.errors[field_id] = f"There is no such date. {DATE_FORMAT_ERROR}"
        return day

    def toggle(self, field_id: str) -> bool:
        """A tick box sending "true" or "false"; missing means not ticked."""
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

    def fail(self, field_id: str, message: str) -> None:
        """Record an error, keeping the first one found for the field."""
        self.errors.setdefault(field_id, message)


# -- the sections -----------------------------------------------------------------------


def _check_pathway(check: _Checker, today: date, agency_ids: Collection[str]) -> None:
    """Section 1.2: one of the partnership's pathways (Stockport's A, B or C)."""
    letters = [p.letter for p in check.pathways.values()]
    listed = ", ".join(letters[:-1]) + f" or {letters[-1]}" if len(letters) > 1 else letters[0]
    check.choice("pathway", check.pathways, f"Choose {listed} from the list.")


def _check_referrer(check: _Checker, today: date, agency_ids: Collection[str]) -> None:
    """Section 1.1: the referrer, their agency, who they spoke to and their agency's lead."""
    check.text("referrer_name")
    email = check.text("referrer_email")
    if email is not None:
        local = email.rpartition("@")[0]
        if not _EMAIL.fullmatch(email) or len(local) > _EMAIL_LOCAL_MAX:
            check.fail(
                "referrer_email",
                "Enter a full email address, like name@agency.example.gov.uk, with no spaces.",
            )
    check.text("job_title")
    agency = check.choice("agency", agency_ids, "Choose your agency from the list.")
    other = check.text("agency_other")
    if agency == OTHER_AGENCY and other is None and "agency_other" not in check.errors:
        check.fail("agency_other", "Enter the name of your agency.")
    phone = check.text("phone")
    if phone is not None:
        digits = sum(char in _DIGITS for char in phone)
        low, high = _PHONE_DIGITS
        if any(char not in _PHONE_CHARACTERS for char in phone):
            check.fail(
                "phone",
                "Use only numbers, spaces, +, brackets and hyphens in the phone number, "
                "for example 0161 496 0000.",
            )
        elif not low <= digits <= high:
            check.fail(
                "phone",
                f"A phone number has {low} to {high} digits, for example 0161 496 0000 "
                f"(this one has {digits}).",
            )
    for field_id in ("discussed_with", "lead_name", "lead_role", "lead_contact"):
        check.text(field_id)


def _check_child(check: _Checker, today: date, agency_ids: Collection[str]) -> None:
    """Section 1.3: the event date and the child's details, with the age rule."""
    event = check.date("event_date")
    if event is not None and event > today:
        check.fail("event_date", "The date of the event cannot be in the future.")
        event = None
    dob = check.date("date_of_birth")
    care_leaver = check.toggle("care_leaver")
    check.choice("gender", GENDERS, "Choose one of the options: Female, Male, Other or Not known.")
    check.choice("harm_kind", HARM_KINDS, "Choose one of the two answers.")
    check.choice("looked_after", YES_NO, "Choose Yes or No.")
    check.choice("outside_england", YES_NO, "Choose Yes or No.")
    check.text("disability")
    check.text("child_name")
    check.text("child_location")
    if dob is None:
        return
    if dob > today:
        check.fail("date_of_birth", "The date of birth cannot be in the future.")
    elif event is not None:
        if dob > event:
            check.fail(
                "date_of_birth", "The date of birth must be on or before the date of the event."
            )
            return
        age = age_at(dob, event)
        if care_leaver and age > CARE_LEAVER_MAX_AGE:
            check.fail(
                "date_of_birth",
                f"By these dates the young person was {age} on the date of the event. "
                f"Care leavers can be referred up to the age of {CARE_LEAVER_MAX_AGE}.",
            )
        elif not care_leaver and age > CHILD_MAX_AGE:
            check.fail(
                "date_of_birth",
                f"By these dates the child was {age} on the date of the event. Referrals are "
                f"for children under {CHILD_MAX_AGE + 1}, or care leavers under "
                f"{CARE_LEAVER_MAX_AGE + 1}: if they are a care leaver, tick the box below.",
            )


def _check_family(check: _Checker, today: date, agency_ids: Collection[str]) -> None:
    """Section B of Appendix D: each person given with a name, a date of birth in the past."""
    for n in range(1, FAMILY_SLOTS + 1):
        name = check.text(f"family_{n}_name")
        born = check.date(f"family_{n}_dob")
        if born is not None and born > today:
            check.fail(f"family_{n}_dob", "A date of birth cannot be in the future.")
        relationship = check.text(f"family_{n}_relationship")
        address = check.text(f"family_{n}_address")
        given = born is not None or relationship is not None or address is not None
        if name is None and given and f"family_{n}_name" not in check.errors:
            check.fail(f"family_{n}_name", f"Give person {n}'s name, or leave their row empty.")


def _check_views(check: _Checker, today: date, agency_ids: Collection[str]) -> None:
    """Your views: what worked, what didn't and the key issues."""
    for field_id in FIELDS["views"]:
        check.text(field_id)


_CHECKS: dict[str, Callable[[_Checker, date, Collection[str]], None]] = {
    "pathway": _check_pathway,
    "referrer": _check_referrer,
    "child": _check_child,
    "family": _check_family,
    "views": _check_views,
}


def _require_section(section: str) -> None:
    """Raise ValueError for a section name that is not one of SECTIONS (a programming error)."""
    if section not in _CHECKS:
        raise ValueError(f"unknown referral section {section!r}; expected one of {SECTIONS}")


def validate_section(
    section: str,
    raw: Mapping[str, object],
    *,
    today: date,
    agency_ids: Collection[str],
    pathways: Mapping[str, PathwayInfo] | None = None,
    required: Collection[str] | None = None,
) -> SectionResult:
    """Check one section's answers as sent by the card; never raises on what was sent.
    `pathways` are the partnership's (default: `PATHWAYS`); `required` the questions it
    needs answered to submit (default: the form's own, `FieldInfo.required`)."""
    _require_section(section)
    check = _Checker(raw if isinstance(raw, Mapping) else {}, pathways, required)
    _CHECKS[section](check, today, agency_ids)
    errors = {f: check.errors[f] for f in FIELDS[section] if f in check.errors}
    return SectionResult(values=check.values, errors=errors)


class FormInvalid(Exception):
    """The form failed validation at submit; `results` has the errors by section."""

    def __init__(self, results: Mapping[str, SectionResult]) -> None:
        super().__init__("referral form has errors")
        self.results = dict(results)

    @property
    def first_section(self) -> str:
        """The first section with an error."""
        return next(s for s, r in self.results.items() if not r.ok)


def validate_form(
    form: Mapping[str, Mapping[str, str]],
    *,
    today: date,
    agency_ids: Collection[str],
    pathways: Mapping[str, PathwayInfo] | None = None,
    required: Collection[str] | None = None,
) -> dict[str, SectionResult]:
    """Check every section of a whole form, as at submission; a missing section is empty."""
    results: dict[str, SectionResult] = {}
    for section in SECTIONS:
        raw = form.get(section) if isinstance(form, Mapping) else None
        results[section] = validate_section(
            section,
            raw if isinstance(raw, Mapping) else {},
            today=today,
            agency_ids=agency_ids,
            pathways=pathways,
            required=required,
        )
    return results


# -- what is known, and what may follow ------------------------------------------------

ALWAYS_REQUIRED: frozenset[str] = frozenset(
    {"pathway", "referrer_name", "referrer_email", "agency", "event_date", "key_issues"}
)
"""What no referral can be sent without: the pathway, who refers and from where (to reach
them), the date of the event and why they refer. A partnership's profile requires these and
any others it wants answered before a referral is sent."""

FORM_REQUIRED: frozenset[str] = frozenset(i.id for i in FIELD_INFO.values() if i.required)
"""The questions the form itself marks as needed (a profile with no list of its own)."""


def may_follow(required: Collection[str]) -> frozenset[str]:
    """The questions the form asks for that may be sent "not known yet" and added later,
    where `required` are the ones a partnership needs at once."""
    return frozenset(f for f in FORM_REQUIRED if f not in required)


def outstanding(
    form: Mapping[str, Mapping[str, object]], required: Collection[str]
) -> tuple[str, ...]:
    """The questions sent "not known yet" and still unanswered, in the form's order."""
    later = may_follow(required)
    missing: list[str] = []
    for info in FIELD_INFO.values():
        if info.id not in later:
            continue
        section = form.get(info.section)
        value = section.get(info.id) if isinstance(section, Mapping) else None
        if not (isinstance(value, str) and value.strip()):
            missing.append(info.id)
    return tuple(missing)


# -- summaries --------------------------------------------------------------------------


def _shown(
    value: str,
    field_id: str,
    agency_names: Mapping[str, str],
    pathways: Mapping[str, PathwayInfo] | None = None,
    may_follow: Collection[str] = (),
) -> str:
    """How one answer reads in a summary."""
    kind = FIELD_INFO[field_id].kind
    if kind == "toggle":
        return "Yes" if value == "true" else "No"
    if not value:
        return NOT_KNOWN_YET if field_id in may_follow else NOT_GIVEN
    if kind == "pathway":
        # The partnership's wording; a pathway it no longer offers, in the shipped one.
        pathway = (pathways or PATHWAYS).get(value) or PATHWAYS.get(value)
        return pathway.title if pathway else value
    if kind == "agency":
        return agency_names.get(value, value)
    if kind == "choice":
        return GENDERS.get(value, value)
    if kind == "harm":
        return HARM_KINDS.get(value, value)
    if kind == "yes_no":
        return YES_NO.get(value, value)
    if kind == "date":
        day = parse_iso_date(value)
        return format_date(day) if day else value
    return value


def summary_rows(
    section: str,
    values: Mapping[str, str],
    *,
    agency_names: Mapping[str, str],
    pathways: Mapping[str, PathwayInfo] | None = None,
    may_follow: Collection[str] = (),
) -> list[SummaryRow]:
    """The summary of a section as rows; the child section includes the derived age.
    An empty answer to a question in `may_follow` reads "Not known yet"."""
    _require_section(section)
    if section == "family":
        return _family_rows(values)
    rows: list[SummaryRow] = []
    for field_id in FIELDS[section]:
        raw = values.get(field_id)
        value = raw if isinstance(raw, str) else ""
        if field_id == "agency_other" and not value:
            continue  # only said when the agency is not on the list
        rows.append(
            SummaryRow(
                field_id,
                FIELD_INFO[field_id].title,
                _shown(value, field_id, agency_names, pathways, may_follow),
            )
        )
        if field_id == "date_of_birth":
            age = derived_age(values)
            unknown = NOT_KNOWN_YET if "date_of_birth" in may_follow else NOT_GIVEN
            shown = unknown if age is None else f"{age} on the date of the event"
            rows.append(SummaryRow("age", "Age", shown))
    return rows


def family_people(values: Mapping[str, object]) -> list[tuple[int, dict[str, str]]]:
    """The family members given, by slot: (n, {"name", "dob", "relationship", "address"})."""
    people: list[tuple[int, dict[str, str]]] = []
    for n in range(1, FAMILY_SLOTS + 1):
        person = {}
        for part in ("name", "dob", "relationship", "address"):
            value = values.get(f"family_{n}_{part}")
            person[part] = value.strip() if isinstance(value, str) else ""
        if any(person.values()):
            people.append((n, person))
    return people


def _family_rows(values: Mapping[str, object]) -> list[SummaryRow]:
    """One row per family member given: name (relationship), born date, address."""
    rows: list[SummaryRow] = []
    for n, person in family_people(values):
        parts = [person["name"] or NOT_GIVEN]
        if person["relationship"]:
            parts[0] += f" ({person['relationship']})"
        born = parse_iso_date(person["dob"])
        if born is not None:
            parts.append(f"born {format_date(born)}")
        if person["address"]:
            parts.append(person["address"])
        rows.append(SummaryRow(f"family_{n}", f"Person {n}", ", ".join(parts)))
    if not rows:
        rows.append(SummaryRow("family", "Family and household", NOT_GIVEN))
    return rows


def summary_facts(
    section: str,
    values: Mapping[str, str],
    *,
    agency_names: Mapping[str, str],
    pathways: Mapping[str, PathwayInfo] | None = None,
    may_follow: Collection[str] = (),
) -> list[tuple[str, str]]:
    """Label/value pairs summarising a section for the review card (with the derived age)."""
    rows = summary_rows(
        section, values, agency_names=agency_names, pathways=pathways, may_follow=may_follow
    )
    return [(row.title, row.value) for row in rows]
