"""Partnership profiles: a partnership's agencies, milestones and nudges, declared in TOML.

A profile is a data file (`review/profiles/<name>.toml`) checked when it is loaded: unknown
keys, unknown anchor events, pathways or roles, and malformed offsets are all errors, and the
error names the file and the bad key, e.g. ``stockport.toml: milestones[3].offset: ...``
(array indices count from 0).

Vocabulary shared with the rest of the project:

- `PATHWAYS` — where a referral goes. The pathway sought on the referral form is
  A ``rapid_review``, B ``practice_review`` or C ``escalation``; the virtual panel may also
  decide ``no_response`` (no partnership response: another process such as a SAR or DHR fits
  better) or send ``queries`` back to the referrer before it can decide.
- `ANCHOR_EVENTS` — the events a milestone counts from or is completed by.
- `ROLES` — who is responsible for a milestone; `STATUTORY_PARTNERS` — the three partners.

The schema (every key required unless marked optional; no other keys allowed):

    [partnership]
    name = "..."; reference_prefix = "SSCP"          # 2-12 capital letters
    retention_years = 7; closures = [2026-12-29]     # TOML dates, may be empty
    hide_positions_until_all_voted = true
    local_criteria = ["...", "..."]                  # the report quotes them, in the
                                                     # partnership's own words
    panel_records_notifiable = true                  # optional (false): the panel answers
                                                     # "notifiable?" beside its decision

    [[agencies]]                                     # la, police and health once each
    id = "gmp"; name = "..."
    statutory_partner = "police"                     # optional: "la", "police", "health"
    contact = "..."                                  # optional

    [nudges]                                         # each stage a table, or false for none
    heads_up = { working_days_before = 2, at = "09:00" }
    due_today = { at = "09:00" }
    overdue = { at = "09:00" }
    escalation = { after_overdue_working_days = 2, at = "09:00", to = "manager" }

    [[pathways]]                                     # optional: the referral form's pathways
    id = "rapid_review"; letter = "A"                # (default: Stockport's A, B and C), each
    label = "..."; explanation = "..."               # its own id; what it asks to start, one
    starts = "rapid_review"                          # of review.panel.STARTS but queries (a
                                                     # Rapid Review goes to the panel at once)

    [[outcomes]]                                     # optional: the panel's decisions (default:
    id = "rapid_review"; label = "..."               # section 2.1's five), each its own id;
    short_label = "..."; starts = "rapid_review"     # what it starts (review.panel.STARTS);
    notifiable = true                                # optional: what the decision says about
                                                     # the incident; id = "queries" is required

    [referral]                                       # optional: the questions that must be
    required = ["pathway", "referrer_name", ...]     # answered to send a referral (default:
                                                     # all the form marks needed); the form's
                                                     # others may be sent "not known yet".
                                                     # review.referral.ALWAYS_REQUIRED always

    [roles]                                          # optional: the process's roles beyond
    notifier = "Head of Safeguarding"                # the base ones (`ROLES`), by id, each in
                                                     # the document's words

    [report]                                         # optional: the Rapid Review report
    sign_off = ["chair", "manager"]                  # who signs it off before it is sent, by
                                                     # role (default: the chair and managers)
    [[report.conclusions]]                           # optional: the partnership's own
    id = "reflective_review"; label = "..."          # conclusions beside the shipped three

    [[milestones]]
    id = "agency_returns"; title = "..."; anchor = "information_request_sent"
    offset = { working_days_after = 8 }   # or working_days_before, calendar_days_after,
                                          # months_after, or earliest_working_days_after +
                                          # latest_working_days_after (a window)
    pathways = ["rapid_review"]; responsible = "agency_lead"
    completed_by = "..."                  # optional; an event completes one milestone at most
    before = ["rapid_review_report"]      # optional; milestones it must be done before: a
                                          # plan whose dates say otherwise is a conflict,
                                          # said aloud with its dates
    may_complete = ["manager"]            # optional; who may mark it done (default: its
                                          # responsible role and managers). A milestone an
                                          # action of the bot completes (`completed_by`, or
                                          # one of `ACTION_MILESTONES`) is completed by that
                                          # action; a manager may record it by hand, with a
                                          # date and a reason
    only_if_notifiable = true             # optional; once the panel has said, on the case
                                          # if and only if the incident is notifiable
    nudges = { escalation = false }       # optional; replaces the stages it names
    basis = "..."                         # optional; the sentence in the process document
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

from review.panel import OUTCOMES as DEFAULT_OUTCOMES
from review.panel import STARTS, OutcomeInfo
from review.referral import ALWAYS_REQUIRED, FIELD_INFO, FORM_REQUIRED, PathwayInfo
from review.referral import PATHWAYS as DEFAULT_PATHWAYS
from review.referral import may_follow as _may_follow

__all__ = [
    "ACTION_MILESTONES",
    "ANCHOR_EVENTS",
    "PATHWAYS",
    "PROFILES_DIR",
    "ROLES",
    "STATUTORY_PARTNERS",
    "Agency",
    "CalendarDaysAfter",
    "DueToday",
    "Escalation",
    "LEARNING_METHODS",
    "LearningReview",
    "HeadsUp",
    "Milestone",
    "MonthsAfter",
    "NudgePlan",
    "Offset",
    "Overdue",
    "Partnership",
    "Profile",
    "ProfileError",
    "ReportPlan",
    "WorkingDayWindow",
    "WorkingDaysAfter",
    "WorkingDaysBefore",
    "available_profiles",
    "load_profile",
    "profile_problems",
]

PROFILES_DIR = Path(__file__).with_name("profiles")

PATHWAYS: tuple[str, ...] = (
    "rapid_review",
    "practice_review",
    "escalation",
    "no_response",
    "queries",
)

ANCHOR_EVENTS: tuple[str, ...] = (
    "referral_received",
    "virtual_panel_arranged",
    "panel_decision",
    "national_panel_notified",
    "decision_notice_sent",
    "information_request_sent",
    "rapid_review_meeting",
    "rapid_review_report_sent",
    "local_review_decided",
    "group_meeting",
    "learning_method_chosen",
    "learning_review_due",
    "learning_summary_recorded",
    "mediation_booked",
    "determination_recorded",
    "publication",
    "complaint_received",
)

ROLES: tuple[str, ...] = ("manager", "la", "agency_lead", "chair", "panel")
"""The roles every profile knows: a roster role (`manager`, `agency_lead`, `chair`), `panel`
(the statutory partners' panel members and deputies) or `la` (the Local Authority's); a
profile adds its own in `[roles]`."""

ACTION_MILESTONES: tuple[str, ...] = ("agency_returns", "papers_circulated")
"""Milestones an action of the bot completes without an event of their own: every agency
asked has replied (`agency_returns`), the papers were circulated (`papers_circulated`)."""

STATUTORY_PARTNERS: tuple[str, ...] = ("la", "police", "health")

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_ID_RULE = (_ID, "an id of lower-case letters, digits and _ (starting with a letter)")
_PREFIX_RULE = (re.compile(r"[A-Z]{2,12}\Z"), '2 to 12 capital letters, like "SSCP"')
_LETTER_RULE = (re.compile(r"[A-Z0-9]\Z"), "one capital letter or digit, as the form numbers it")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])\Z")


class ProfileError(ValueError):
    """A profile file that cannot be used; `file` and `key` say where the problem is."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        """Record where the problem is and what it is."""
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}" if key else f"{file}: {problem}")


# -- the data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partnership:
    """The `[partnership]` table."""

    name: str
    reference_prefix: str
    retention_years: int
    closures: tuple[date, ...]
    hide_positions_until_all_voted: bool
    local_criteria: tuple[str, ...]
    """The criteria for a local review and the circumstances to have regard to, as the
    partnership's own process words them (the Rapid Review report quotes them)."""
    panel_records_notifiable: bool = False
    """True when the panel answers "is the incident notifiable?" on its own, beside its
    decision; otherwise the decision itself says so (`OutcomeInfo.notifiable`) or nothing
    does."""


@dataclass(frozen=True, slots=True)
class Agency:
    """One `[[agencies]]` entry; `statutory_partner` is "la", "police", "health" or None."""

    id: str
    name: str
    statutory_partner: str | None = None
    contact: str | None = None
    added: bool = False
    """True for an agency added at run time (on a case, or named by a referrer), not one of
    the profile's file."""


@dataclass(frozen=True, slots=True)
class WorkingDaysAfter:
    """Due within N working days of the anchor."""

    working_days: int

    def describe(self) -> str:
        """Say the offset in words."""
        return f"{_plural(self.working_days, 'working day')} after"


@dataclass(frozen=True, slots=True)
class WorkingDaysBefore:
    """Due N working days before the anchor."""

    working_days: int

    def describe(self) -> str:
        """Say the offset in words."""
        return f"{_plural(self.working_days, 'working day')} before"


@dataclass(frozen=True, slots=True)
class CalendarDaysAfter:
    """Due N calendar days after the anchor (moved back to a working day)."""

    days: int

    def describe(self) -> str:
        """Say the offset in words."""
        if self.days == 0:
            return "on the day of"
        return f"{_plural(self.days, 'calendar day')} after"


@dataclass(frozen=True, slots=True)
class MonthsAfter:
    """Due N months after the anchor (moved back to a working day)."""

    months: int

    def describe(self) -> str:
        """Say the offset in words."""
        return f"{_plural(self.months, 'month')} after"


@dataclass(frozen=True, slots=True)
class WorkingDayWindow:
    """Due between A and B working days after the anchor."""

    earliest: int
    latest: int

    def describe(self) -> str:
        """Say the offset in words."""
        return f"between {self.earliest} and {self.latest} working days after"


Offset: TypeAlias = (
    WorkingDaysAfter | WorkingDaysBefore | CalendarDaysAfter | MonthsAfter | WorkingDayWindow
)


@dataclass(frozen=True, slots=True)
class HeadsUp:
    """A reminder `working_days_before` working days before the due date, at `at`."""

    working_days_before: int
    at: time


@dataclass(frozen=True, slots=True)
class DueToday:
    """A reminder on the due date at `at`."""

    at: time


@dataclass(frozen=True, slots=True)
class Overdue:
    """A reminder at `at` on every working day after the due date until the milestone is done."""

    at: time


@dataclass(frozen=True, slots=True)
class Escalation:
    """A message to `to` at `at` on the Nth working day after the due date, if still not done."""

    after_overdue_working_days: int
    at: time
    to: str


@dataclass(frozen=True, slots=True)
class NudgePlan:
    """The reminder stages for a milestone; None switches a stage off."""

    heads_up: HeadsUp | None
    due_today: DueToday | None
    overdue: Overdue | None
    escalation: Escalation | None


@dataclass(frozen=True, slots=True)
class Milestone:
    """One `[[milestones]]` entry, with its nudge stages resolved against the defaults."""

    id: str
    title: str
    anchor: str
    offset: Offset
    pathways: tuple[str, ...]
    responsible: str
    nudges: NudgePlan
    completed_by: str | None = None
    basis: str | None = None
    may_complete: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    """The milestones this one must be done before (the meeting before the report)."""
    only_if_notifiable: bool = False
    """Once the panel has said whether the incident is notifiable, the milestone belongs to
    the case if and only if it is (whatever the pathway): the National Panel's notice."""

    @property
    def by_action(self) -> bool:
        """True when an action of the bot completes it (its event, or one of
        `ACTION_MILESTONES`): marking it done by hand is a manager's, with a date and reason."""
        return self.completed_by is not None or self.id in ACTION_MILESTONES

    def applies_to(self, pathway: str | None, notifiable: bool | None = None) -> bool:
        """Return True if the milestone belongs to `pathway` (None: any pathway), given what
        the panel said about the incident being notifiable (None: not said)."""
        if self.only_if_notifiable and notifiable is not None:
            return notifiable
        return pathway is None or pathway in self.pathways


LEARNING_METHODS: tuple[str, ...] = (
    "Desk-top review",
    "Debrief",
    "Learning Together",
    "72-hour review",
    "Root-cause analysis",
)
"""A learning review's methods when a profile names none (both documents' own)."""


@dataclass(frozen=True, slots=True)
class LearningReview:
    """The `[learning_review]` table: the group that agrees a learning review (a role: the
    PIP, the Executive Group) and the methods it chooses from."""

    group: str | None = None
    methods: tuple[str, ...] = LEARNING_METHODS
    decision_starts_local_review: bool = False
    """True where the panel's decision itself starts the local review's clock (a profile
    whose learning review always runs to its own deadline); otherwise the group decides."""


DEFAULT_SIGN_OFF: tuple[str, ...] = ("chair", "manager")
"""Who signs the Rapid Review report off when the profile does not say."""

_BUILT_IN_CONCLUSIONS = ("local_review", "national_review_recommended", "no_review")


@dataclass(frozen=True, slots=True)
class ReportPlan:
    """The `[report]` table: the roles that sign the Rapid Review report off, in order, and
    the partnership's own conclusions (id to words) offered beside the shipped ones."""

    sign_off: tuple[str, ...] = DEFAULT_SIGN_OFF
    conclusions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Profile:
    """A loaded partnership profile; `id` is the file's stem, e.g. "stockport"."""

    id: str
    source: str
    partnership: Partnership
    agencies: tuple[Agency, ...]
    nudges: NudgePlan
    milestones: tuple[Milestone, ...]
    roles: Mapping[str, str] = field(default_factory=dict)
    """The profile's own roles (`[roles]`), id to the words its document uses."""
    pathways: Mapping[str, PathwayInfo] = field(default_factory=lambda: DEFAULT_PATHWAYS)
    """The pathways its referral form offers, in the form's order, in its own words."""
    outcomes: Mapping[str, OutcomeInfo] = field(default_factory=lambda: DEFAULT_OUTCOMES)
    """The decisions its virtual panel chooses from, in its own words."""
    required_fields: frozenset[str] = FORM_REQUIRED
    """The referral's questions that must be answered before it is sent (`[referral]`); the
    form's other needed ones may be sent "not known yet" and added later."""
    learning_review: LearningReview = field(default_factory=LearningReview)
    """Who agrees a learning review and how (`[learning_review]`)."""
    report: ReportPlan = field(default_factory=ReportPlan)
    """Who signs the report off and the profile's own conclusions (`[report]`)."""
    _completing: Mapping[str, Milestone] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        completing = {m.completed_by: m for m in self.milestones if m.completed_by is not None}
        object.__setattr__(self, "_completing", MappingProxyType(completing))

    def milestone(self, milestone_id: str) -> Milestone:
        """Return the milestone with this id; raise KeyError if there is none."""
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise KeyError(milestone_id)

    def milestone_completing(self, event: str) -> Milestone | None:
        """Return the milestone whose `completed_by` is `event`, if any."""
        return self._completing.get(event)

    def pathway(self, pathway_id: str) -> PathwayInfo:
        """The pathway in this profile's words (a case made before the profile dropped it:
        the shipped wording; an id neither knows: the id itself, asking for a Rapid Review)."""
        found = self.pathways.get(pathway_id) or DEFAULT_PATHWAYS.get(pathway_id)
        return found or PathwayInfo(pathway_id, "?", pathway_id, pathway_id)

    def outcome(self, outcome_id: str) -> OutcomeInfo:
        """The decision in this profile's words (one it no longer offers: the shipped
        wording; an id neither knows: the id itself, starting nothing)."""
        found = self.outcomes.get(outcome_id) or DEFAULT_OUTCOMES.get(outcome_id)
        return found or OutcomeInfo(outcome_id, outcome_id, outcome_id)

    @property
    def may_follow(self) -> frozenset[str]:
        """The referral's questions that may be sent "not known yet" and added later."""
        return _may_follow(self.required_fields)

    @property
    def ways(self) -> tuple[str, ...]:
        """Every id a case's pathway can have here: the referral's pathways, then the panel's
        outcomes (a milestone's `pathways` names them)."""
        return tuple(dict.fromkeys((*self.pathways, *self.outcomes)))

    def with_added_agencies(self, added: Sequence[tuple[str, str]]) -> Profile:
        """This profile with the agencies added at run time ((key, name) pairs) after its own;
        the profile's file is unchanged."""
        own = tuple(a for a in self.agencies if not a.added)
        extra = tuple(Agency(key, name, added=True) for key, name in added)
        return replace(self, agencies=own + extra)

    def agency_name(self, agency_id: str) -> str:
        """The name of the agency with this id; the id itself for one the profile does not
        know (an agency removed from the profile after a case named it)."""
        return next((a.name for a in self.agencies if a.id == agency_id), agency_id)

    def statutory_partner(self, partner: str) -> Agency:
        """Return the agency that is the "la", "police" or "health" statutory partner."""
        for a in self.agencies:
            if a.statutory_partner == partner:
                return a
        raise KeyError(partner)


# -- loading ----------------------------------------------------------------------------


def available_profiles() -> tuple[str, ...]:
    """Return the names of the profiles shipped in review/profiles/."""
    return tuple(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a profile by name ("stockport") or by path to a .toml file."""
    text = str(name_or_path)
    is_name = isinstance(name_or_path, str) and _ID.match(text) is not None
    if is_name:
        return _load_named(text)
    return _load_path(Path(name_or_path))


@cache
def _load_named(name: str) -> Profile:
    path = PROFILES_DIR / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise ProfileError(f"{name}.toml", "", f"no profile named {name!r} (known: {known})")
    return _load_path(path)


def _load_path(path: Path) -> Profile:
    file = path.name
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ProfileError(file, "", f"cannot read {path}: {e.strerror or e}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ProfileError(file, "", f"not UTF-8 text: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(file, "", f"invalid TOML: {e}") from e
    return _parse_profile(_Reader(file, "", data), path)


def profile_problems(name_or_path: str | Path) -> list[ProfileError]:
    """Every problem of a profile found in one reading (none: it loads), for `profile check`.

    Loading stops at the first problem; here each part (the partnership, agencies, roles,
    nudges, each milestone, pathways, outcomes, unknown keys) is read on its own, so one
    check lists the problems of every part, in the file's order of parts.
    """
    try:
        load_profile(name_or_path)
    except ProfileError as first:
        found = [first]
    else:
        return []
    text = str(name_or_path)
    named = isinstance(name_or_path, str) and _ID.match(text) is not None
    path = PROFILES_DIR / f"{text}.toml" if named else Path(name_or_path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return found  # the first problem is the file itself
    root = _Reader(path.name, "", data)

    def add(problem: ProfileError) -> None:
        if all((p.key, p.problem) != (problem.key, problem.problem) for p in found):
            found.append(problem)

    def attempt(step: Any) -> Any:
        try:
            return step()
        except ProfileError as problem:
            add(problem)
            return None

    attempt(lambda: _parse_partnership(root.table("partnership")))
    attempt(lambda: _parse_agencies(root))
    roles = attempt(lambda: _parse_roles(root)) or {}
    known = (*ROLES, *roles)
    defaults = attempt(lambda: _parse_nudges(root.table("nudges"), None, known))
    pathways = attempt(lambda: _parse_pathways(root)) or DEFAULT_PATHWAYS
    outcomes = attempt(lambda: _parse_outcomes(root)) or DEFAULT_OUTCOMES
    errors: list[ProfileError] = []
    attempt(
        lambda: _parse_milestones(
            root,
            defaults or NudgePlan(None, None, None, None),
            known,
            errors,
            ways=(*pathways, *outcomes),
        )
    )
    for problem in errors:
        add(problem)
    partnership = attempt(lambda: _parse_partnership(root.table("partnership")))
    milestones = attempt(
        lambda: _parse_milestones(
            root, NudgePlan(None, None, None, None), known, ways=(*pathways, *outcomes)
        )
    )
    if partnership is not None and milestones is not None:
        attempt(lambda: _check_notifiable(root, partnership, outcomes, milestones))
    attempt(lambda: _parse_referral(root))
    attempt(lambda: _parse_learning(root, known))
    attempt(lambda: _parse_report(root, known))
    attempt(root.done)
    return found


class _Reader:
    """A TOML table being read: typed getters that name the key on error; unknown keys fail."""

    __slots__ = ("file", "path", "data", "seen")

    def __init__(self, file: str, path: str, data: Mapping[str, Any]) -> None:
        self.file = file
        self.path = path
        self.data = data
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> ProfileError:
        return ProfileError(self.file, self.key(name) if name else self.path, problem)

    def get(self, name: str, required: bool) -> object:
        self.seen.add(name)
        if name not in self.data:
            if required:
                raise self.error(name, "missing")
            return None
        return self.data[name]

    def string(
        self,
        name: str,
        *,
        required: bool = True,
        pattern: tuple[re.Pattern[str], str] | None = None,
        choices: tuple[str, ...] | None = None,
    ) -> str | None:
        value = self.get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected a non-empty string, got {_show(value)}")
        if pattern is not None and not pattern[0].match(value):
            raise self.error(name, f"expected {pattern[1]}, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(name, f"expected one of {', '.join(choices)}; got {value!r}")
        return value

    def req_string(
        self,
        name: str,
        *,
        pattern: tuple[re.Pattern[str], str] | None = None,
        choices: tuple[str, ...] | None = None,
    ) -> str:
        value = self.string(name, required=True, pattern=pattern, choices=choices)
        assert value is not None  # required=True raised otherwise
        return value

    def integer(self, name: str, *, minimum: int) -> int:
        value = self.get(name, True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"expected a whole number, got {_show(value)}")
        if value < minimum:
            raise self.error(name, f"expected a whole number of at least {minimum}, got {value}")
        return value

    def boolean(self, name: str, *, default: bool | None = None) -> bool:
        value = self.get(name, default is None)
        if value is None and default is not None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {_show(value)}")
        return value

    def table(self, name: str) -> _Reader:
        value = self.get(name, True)
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table, got {_show(value)}")
        return _Reader(self.file, self.key(name), value)

    def tables(self, name: str) -> list[_Reader]:
        value = self.get(name, True)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(name, f"expected an array of tables ([[{name}]]), got {_show(value)}")
        if not value:
            raise self.error(name, "expected at least one entry")
        return [_Reader(self.file, f"{self.key(name)}[{i}]", v) for i, v in enumerate(value)]

    def string_list(self, name: str, *, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A non-empty list, each entry once: one of `choices`, or any non-empty text."""
        value = self.get(name, True)
        if not isinstance(value, list):
            raise self.error(name, f"expected a non-empty list of strings, got {_show(value)}")
        if not value:
            raise self.error(name, "expected at least one entry")
        out: list[str] = []
        for i, v in enumerate(value):
            if choices is not None and v not in choices:
                raise self.error(
                    f"{name}[{i}]", f"expected one of {', '.join(choices)}; got {_show(v)}"
                )
            if choices is None and (not isinstance(v, str) or not v.strip()):
                raise self.error(f"{name}[{i}]", f"expected a non-empty string, got {_show(v)}")
            if v in out:
                raise self.error(f"{name}[{i}]", f"{v!r} is listed twice")
            out.append(v)
        return tuple(out)

    def date_list(self, name: str) -> tuple[date, ...]:
        value = self.get(name, True)
        if not isinstance(value, list):
            raise self.error(name, f"expected a list of dates, got {_show(value)}")
        out: list[date] = []
        for i, v in enumerate(value):
            # A TOML date is written bare: 2026-12-29 (no quotes, no time).
            if isinstance(v, datetime) or not isinstance(v, date):
                raise self.error(f"{name}[{i}]", f"expected a date like 2026-12-29, got {_show(v)}")
            if v in out:
                raise self.error(f"{name}[{i}]", f"{v.isoformat()} is listed twice")
            out.append(v)
        return tuple(sorted(out))

    def clock_time(self, name: str) -> time:
        value = self.get(name, True)
        if isinstance(value, time):
            if value.tzinfo is not None:
                raise self.error(name, "expected a London wall-clock time without an offset")
            return value
        if isinstance(value, str):
            m = _HHMM.match(value)
            if m:
                return time(int(m.group(1)), int(m.group(2)))
        raise self.error(name, f'expected a time like "09:00", got {_show(value)}')

    def done(self) -> None:
        """Fail on the first key nobody asked for."""
        for name in self.data:
            if name not in self.seen:
                raise self.error(name, "unknown key")


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, date, time)):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _parse_profile(root: _Reader, path: Path) -> Profile:
    partnership = _parse_partnership(root.table("partnership"))
    agencies = _parse_agencies(root)
    roles = _parse_roles(root)
    known_roles = (*ROLES, *roles)
    defaults = _parse_nudges(root.table("nudges"), None, known_roles)
    pathways = _parse_pathways(root)
    outcomes = _parse_outcomes(root)
    milestones = _parse_milestones(root, defaults, known_roles, ways=(*pathways, *outcomes))
    _check_notifiable(root, partnership, outcomes, milestones)
    required_fields = _parse_referral(root)
    learning = _parse_learning(root, known_roles)
    report = _parse_report(root, known_roles)
    root.done()
    return Profile(
        id=path.stem,
        source=str(path),
        partnership=partnership,
        agencies=agencies,
        nudges=defaults,
        milestones=milestones,
        roles=MappingProxyType(roles),
        pathways=MappingProxyType(pathways),
        outcomes=MappingProxyType(outcomes),
        required_fields=required_fields,
        learning_review=learning,
        report=report,
    )


def _parse_pathways(root: _Reader) -> dict[str, PathwayInfo]:
    """The optional `[[pathways]]`: each its own id, its letter used once, and what it asks
    to start."""
    if "pathways" not in root.data:
        return dict(DEFAULT_PATHWAYS)
    found: dict[str, PathwayInfo] = {}
    for t in root.tables("pathways"):
        pid = t.req_string("id", pattern=_ID_RULE)
        if pid in found:
            raise t.error("id", f"pathway {pid!r} is listed twice")
        letter = t.req_string("letter", pattern=_LETTER_RULE)
        if any(p.letter == letter for p in found.values()):
            raise t.error("letter", f"the letter {letter!r} is used twice")
        label, explanation = t.req_string("label"), t.req_string("explanation")
        starts = t.req_string("starts", choices=tuple(s for s in STARTS if s != "queries"))
        found[pid] = PathwayInfo(pid, letter, label, explanation, starts)
        t.done()
    return found


def _parse_outcomes(root: _Reader) -> dict[str, OutcomeInfo]:
    """The optional `[[outcomes]]`: each its own id and what it starts; the queries to the
    referrer (id "queries") among them."""
    if "outcomes" not in root.data:
        return dict(DEFAULT_OUTCOMES)
    found: dict[str, OutcomeInfo] = {}
    for t in root.tables("outcomes"):
        oid = t.req_string("id", pattern=_ID_RULE)
        if oid in found:
            raise t.error("id", f"outcome {oid!r} is listed twice")
        label, short_label = t.req_string("label"), t.req_string("short_label")
        notifiable: bool | None = None
        if oid == "queries":
            starts = t.string("starts", required=False, choices=("queries",)) or "queries"
        else:
            starts = t.req_string("starts", choices=tuple(s for s in STARTS if s != "queries"))
            if "notifiable" in t.data:
                notifiable = t.boolean("notifiable")
        found[oid] = OutcomeInfo(oid, label, short_label, starts, notifiable)
        t.done()
    if "queries" not in found:
        raise root.error(
            "outcomes", 'the panel must be able to send queries to the referrer (id = "queries")'
        )
    if not set(found) - {"queries"}:
        raise root.error("outcomes", "the panel needs at least one decision besides queries")
    return found


_ANSWERABLE = tuple(i.id for i in FIELD_INFO.values() if i.kind != "toggle")


def _parse_referral(root: _Reader) -> frozenset[str]:
    """The optional `[referral]` table: the questions needed before a referral is sent."""
    if "referral" not in root.data:
        return FORM_REQUIRED
    t = root.table("referral")
    required = t.string_list("required", choices=_ANSWERABLE)
    for needed in sorted(ALWAYS_REQUIRED - set(required)):
        raise t.error(
            "required",
            f"{needed!r} must be listed: no referral can be sent without "
            + ", ".join(sorted(ALWAYS_REQUIRED)),
        )
    t.done()
    return frozenset(required)


def _parse_learning(root: _Reader, roles: tuple[str, ...]) -> LearningReview:
    """The optional `[learning_review]` table: the group (a role) and its methods."""
    if "learning_review" not in root.data:
        return LearningReview()
    t = root.table("learning_review")
    group = t.string("group", required=False, choices=roles)
    methods = t.string_list("methods") if "methods" in t.data else LEARNING_METHODS
    starts = t.boolean("decision_starts_local_review", default=False)
    t.done()
    return LearningReview(group, methods, starts)


def _parse_report(root: _Reader, roles: tuple[str, ...]) -> ReportPlan:
    """The optional `[report]` table: who signs the report off (roles, each once) and the
    profile's own conclusions (ids not the shipped ones, each once, with their words)."""
    if "report" not in root.data:
        return ReportPlan()
    t = root.table("report")
    sign_off = t.string_list("sign_off", choices=roles) if "sign_off" in t.data else None
    conclusions: dict[str, str] = {}
    if "conclusions" in t.data:
        for c in t.tables("conclusions"):
            cid = c.req_string("id", pattern=_ID_RULE)
            if cid in _BUILT_IN_CONCLUSIONS:
                raise c.error("id", f"{cid!r} is a conclusion every profile has already")
            if cid in conclusions:
                raise c.error("id", f"{cid!r} is used twice")
            conclusions[cid] = c.req_string("label")
            c.done()
    t.done()
    return ReportPlan(sign_off or DEFAULT_SIGN_OFF, MappingProxyType(conclusions))


def _check_notifiable(
    root: _Reader,
    partnership: Partnership,
    outcomes: Mapping[str, OutcomeInfo],
    milestones: tuple[Milestone, ...],
) -> None:
    """One source of the "notifiable?" answer: the panel's own, or the decisions' wording."""
    said = [i for i, o in enumerate(outcomes.values()) if o.notifiable is not None]
    if partnership.panel_records_notifiable and said:
        raise ProfileError(
            root.file,
            f"outcomes[{said[0]}].notifiable",
            "the panel answers whether the incident is notifiable on its own "
            "(partnership.panel_records_notifiable): a decision cannot also say it",
        )
    if partnership.panel_records_notifiable or said:
        return
    for i, m in enumerate(milestones):
        if m.only_if_notifiable:
            raise ProfileError(
                root.file,
                f"milestones[{i}].only_if_notifiable",
                "nothing in this profile says whether an incident is notifiable: set "
                "partnership.panel_records_notifiable, or notifiable on the decisions",
            )


def _parse_roles(root: _Reader) -> dict[str, str]:
    """The optional `[roles]` table: the profile's own role ids and their words."""
    if "roles" not in root.data:
        return {}
    t = root.table("roles")
    roles: dict[str, str] = {}
    for role in list(t.data):
        if _ID.match(role) is None:
            raise t.error(role, f"a role needs {_ID_RULE[1]}")
        if role in ROLES or role in ("deputy", *STATUTORY_PARTNERS):
            raise t.error(role, f"{role!r} is a role every profile has already")
        roles[role] = t.req_string(role)
    t.done()
    return roles


def _parse_partnership(t: _Reader) -> Partnership:
    p = Partnership(
        name=t.req_string("name"),
        reference_prefix=t.req_string("reference_prefix", pattern=_PREFIX_RULE),
        retention_years=t.integer("retention_years", minimum=1),
        closures=t.date_list("closures"),
        hide_positions_until_all_voted=t.boolean("hide_positions_until_all_voted"),
        local_criteria=t.string_list("local_criteria"),
        panel_records_notifiable=t.boolean("panel_records_notifiable", default=False),
    )
    t.done()
    return p


def _parse_agencies(root: _Reader) -> tuple[Agency, ...]:
    agencies: list[Agency] = []
    for t in root.tables("agencies"):
        a = Agency(
            id=t.req_string("id", pattern=_ID_RULE),
            name=t.req_string("name"),
            statutory_partner=t.string(
                "statutory_partner", required=False, choices=STATUTORY_PARTNERS
            ),
            contact=t.string("contact", required=False),
        )
        t.done()
        if any(b.id == a.id for b in agencies):
            raise t.error("id", f"agency id {a.id!r} is used twice")
        if any(b.name == a.name for b in agencies):
            raise t.error("name", f"agency name {a.name!r} is used twice")
        if a.statutory_partner and any(
            b.statutory_partner == a.statutory_partner for b in agencies
        ):
            raise t.error(
                "statutory_partner", f"there is already a {a.statutory_partner!r} statutory partner"
            )
        agencies.append(a)
    for partner in STATUTORY_PARTNERS:
        if not any(a.statutory_partner == partner for a in agencies):
            raise root.error("agencies", f"no agency has statutory_partner = {partner!r}")
    return tuple(agencies)


_STAGES = ("heads_up", "due_today", "overdue", "escalation")


def _parse_nudges(
    t: _Reader, defaults: NudgePlan | None, roles: tuple[str, ...] = ROLES
) -> NudgePlan:
    """Read a `nudges` table; with `defaults`, stages left out are inherited from them."""
    stages: dict[str, Any] = {}
    for stage in _STAGES:
        if defaults is not None and stage not in t.data:
            stages[stage] = getattr(defaults, stage)
            continue
        value = t.get(stage, True)
        if value is False:
            stages[stage] = None
            continue
        if not isinstance(value, dict):
            raise t.error(stage, f"expected a table or false, got {_show(value)}")
        s = _Reader(t.file, t.key(stage), value)
        if stage == "heads_up":
            stages[stage] = HeadsUp(s.integer("working_days_before", minimum=1), s.clock_time("at"))
        elif stage == "due_today":
            stages[stage] = DueToday(s.clock_time("at"))
        elif stage == "overdue":
            stages[stage] = Overdue(s.clock_time("at"))
        else:
            stages[stage] = Escalation(
                s.integer("after_overdue_working_days", minimum=1),
                s.clock_time("at"),
                s.req_string("to", choices=roles),
            )
        s.done()
    t.done()
    return NudgePlan(**stages)


_OFFSET_FORMS = (
    "a table with one of working_days_after, working_days_before, calendar_days_after or "
    "months_after, or both earliest_working_days_after and latest_working_days_after"
)


def _parse_offset(t: _Reader) -> Offset:
    keys = set(t.data)
    if keys == {"working_days_after"}:
        return WorkingDaysAfter(t.integer("working_days_after", minimum=1))
    if keys == {"working_days_before"}:
        return WorkingDaysBefore(t.integer("working_days_before", minimum=1))
    if keys == {"calendar_days_after"}:
        # 0: on the anchor's own day (a date a person picked: a meeting, a due date).
        return CalendarDaysAfter(t.integer("calendar_days_after", minimum=0))
    if keys == {"months_after"}:
        return MonthsAfter(t.integer("months_after", minimum=1))
    if keys == {"earliest_working_days_after", "latest_working_days_after"}:
        earliest = t.integer("earliest_working_days_after", minimum=1)
        latest = t.integer("latest_working_days_after", minimum=1)
        if latest < earliest:
            raise t.error(
                "latest_working_days_after",
                f"the window ends ({latest}) before it starts ({earliest})",
            )
        return WorkingDayWindow(earliest, latest)
    got = ", ".join(sorted(keys)) if keys else "an empty table"
    raise t.error("", f"expected {_OFFSET_FORMS}; got {got}")


def _parse_milestone(
    t: _Reader,
    milestones: list[Milestone],
    defaults: NudgePlan,
    roles: tuple[str, ...],
    ways: tuple[str, ...],
) -> Milestone:
    mid = t.req_string("id", pattern=_ID_RULE)
    if any(m.id == mid for m in milestones):
        raise t.error("id", f"milestone id {mid!r} is used twice")
    title = t.req_string("title")
    anchor = t.req_string("anchor", choices=ANCHOR_EVENTS)
    offset_value = t.get("offset", True)
    if not isinstance(offset_value, dict):
        raise t.error("offset", f"expected {_OFFSET_FORMS}; got {_show(offset_value)}")
    offset = _parse_offset(_Reader(t.file, t.key("offset"), offset_value))
    pathways = t.string_list("pathways", choices=tuple(dict.fromkeys(ways)))
    responsible = t.req_string("responsible", choices=roles)
    completed_by = t.string("completed_by", required=False, choices=ANCHOR_EVENTS)
    if completed_by is not None:
        other = next((m for m in milestones if m.completed_by == completed_by), None)
        if other is not None:
            raise t.error(
                "completed_by",
                f"{completed_by!r} already completes milestone "
                f"{other.id!r}; an event can complete only one milestone",
            )
        if completed_by == "referral_received":
            raise t.error(
                "completed_by",
                "referral_received starts every timeline and cannot complete a milestone",
            )
    nudges = defaults
    if "nudges" in t.data:
        nudges = _parse_nudges(t.table("nudges"), defaults, roles)
    basis = t.string("basis", required=False)
    if "may_complete" in t.data:
        # A list nobody is on is refused here: it must name at least one role.
        may_complete = t.string_list("may_complete", choices=roles)
    else:
        may_complete = tuple(dict.fromkeys((responsible, "manager")))
    before = t.string_list("before") if "before" in t.data else ()
    only_if_notifiable = t.boolean("only_if_notifiable", default=False)
    t.done()
    return Milestone(
        id=mid,
        title=title,
        anchor=anchor,
        offset=offset,
        pathways=pathways,
        responsible=responsible,
        nudges=nudges,
        completed_by=completed_by,
        basis=basis,
        may_complete=may_complete,
        before=before,
        only_if_notifiable=only_if_notifiable,
    )


def _parse_milestones(
    root: _Reader,
    defaults: NudgePlan,
    roles: tuple[str, ...] = ROLES,
    errors: list[ProfileError] | None = None,
    *,
    ways: tuple[str, ...] = PATHWAYS,
) -> tuple[Milestone, ...]:
    """Every `[[milestones]]` entry; with `errors`, a bad entry's problem is kept there and
    the rest are still read (for `profile check`), else the first problem is raised."""
    milestones: list[Milestone] = []
    for t in root.tables("milestones"):
        try:
            milestones.append(_parse_milestone(t, milestones, defaults, roles, ways))
        except ProfileError as problem:
            if errors is None:
                raise
            errors.append(problem)
    ids = {entry.id for entry in milestones}
    for i, entry in enumerate(milestones):
        for j, later in enumerate(entry.before):
            if later not in ids or later == entry.id:
                raise ProfileError(
                    root.file,
                    f"milestones[{i}].before[{j}]",
                    f"expected the id of another milestone; got {later!r}",
                )
    _check_no_cycles(root, milestones)
    return tuple(milestones)


def _check_no_cycles(root: _Reader, milestones: list[Milestone]) -> None:
    """An unrecorded anchor is replaced by the due date of the milestone completing it: no loops."""
    completer = {m.completed_by: m for m in milestones if m.completed_by}
    for i, start in enumerate(milestones):
        chain = [start.id]
        m: Milestone | None = completer.get(start.anchor)
        while m is not None:
            if m.id in chain:
                raise ProfileError(
                    root.file,
                    f"milestones[{i}].anchor",
                    "the anchors go round in a circle: " + " -> ".join([*chain, m.id]),
                )
            chain.append(m.id)
            m = completer.get(m.anchor)
