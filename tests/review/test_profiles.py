"""Partnership profiles: the shipped Stockport and Halton files, and the errors a bad file gets."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from review.profiles import (
    ANCHOR_EVENTS,
    PATHWAYS,
    PROFILES_DIR,
    CalendarDaysAfter,
    DueToday,
    Escalation,
    HeadsUp,
    MonthsAfter,
    NudgePlan,
    Overdue,
    Profile,
    ProfileError,
    WorkingDaysAfter,
    WorkingDaysBefore,
    WorkingDayWindow,
    available_profiles,
    load_profile,
)
from review.referral import ALWAYS_REQUIRED, FORM_REQUIRED

NINE = time(9, 0)
DEFAULT_NUDGES = NudgePlan(
    heads_up=HeadsUp(working_days_before=2, at=NINE),
    due_today=DueToday(at=NINE),
    overdue=Overdue(at=NINE),
    escalation=Escalation(after_overdue_working_days=2, at=NINE, to="manager"),
)


def test_shipped_profiles() -> None:
    assert available_profiles() == ("halton", "stockport")


def test_vocabulary() -> None:
    assert PATHWAYS == ("rapid_review", "practice_review", "escalation", "no_response", "queries")
    assert set(ANCHOR_EVENTS) == {
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
    }


# -- Stockport ---------------------------------------------------------------------------


def test_stockport_partnership() -> None:
    p = load_profile("stockport")
    assert p.id == "stockport"
    assert p.partnership.name == "Stockport Safeguarding Children Partnership"
    assert p.partnership.reference_prefix == "SSCP"
    assert p.partnership.retention_years == 7
    assert p.partnership.closures == ()
    assert p.partnership.hide_positions_until_all_voted is True


def test_stockport_agencies() -> None:
    p = load_profile("stockport")
    assert p.statutory_partner("la").name == "Stockport Council Children's Services"
    assert p.statutory_partner("police").name == "Greater Manchester Police"
    assert p.statutory_partner("health").name == "Stockport CCG"
    others = {a.name for a in p.agencies if a.statutory_partner is None}
    assert others == {"Stockport NHS Foundation Trust", "Pennine Care NHS Foundation Trust"}
    assert p.agency_name("gmp") == "Greater Manchester Police"
    assert p.agency_name("stockport_nhs_ft") == "Stockport NHS Foundation Trust"
    # An id the profile no longer has (a case named it before the profile changed).
    assert p.agency_name("gone_trust") == "gone_trust"


def test_each_partnership_words_its_own_local_review_criteria() -> None:
    stockport = load_profile("stockport").partnership.local_criteria
    halton = load_profile("halton").partnership.local_criteria
    assert len(stockport) == len(halton) == 8
    assert stockport[2].startswith("Highlights two or more organisations")
    assert halton[2].startswith("Concerns regarding two or more organisations")
    assert "clinical commissioning group" in stockport[6]
    assert "integrated care board" in halton[6]
    assert "Mental Health Act 1983" in halton[7]


# The learning review pathway's two milestones, on the dates the group's meeting and its
# choice set (both profiles).
LEARNING = [
    (
        "learning_review_agreed",
        "group_meeting",
        CalendarDaysAfter(0),
        "learning_method_chosen",
        "manager",
    ),
    (
        "learning_review_done",
        "learning_review_due",
        CalendarDaysAfter(0),
        "learning_summary_recorded",
        "manager",
    ),
]

# id, anchor, offset, completed_by, responsible
STOCKPORT = [
    (
        "national_panel_notification",
        "referral_received",
        WorkingDaysAfter(5),
        "national_panel_notified",
        "notifier",
    ),
    (
        "information_request",
        "panel_decision",
        WorkingDaysAfter(2),
        "information_request_sent",
        "manager",
    ),
    ("agency_returns", "information_request_sent", WorkingDaysAfter(8), None, "agency_lead"),
    (
        "rapid_review_meeting",
        "panel_decision",
        WorkingDayWindow(7, 13),
        "rapid_review_meeting",
        "manager",
    ),
    # "The safeguarding unit business support officer will circulate the completed template".
    ("papers_circulated", "rapid_review_meeting", WorkingDaysBefore(1), None, "business_support"),
    (
        "rapid_review_report",
        "referral_received",
        WorkingDaysAfter(15),
        "rapid_review_report_sent",
        "chair",
    ),
    ("desktop_review_6m", "rapid_review_report_sent", MonthsAfter(6), None, "manager"),
    ("desktop_review_12m", "rapid_review_report_sent", MonthsAfter(12), None, "manager"),
    ("local_review_report", "local_review_decided", MonthsAfter(6), None, "chair"),
    ("complaint_response", "complaint_received", CalendarDaysAfter(28), None, "manager"),
    *LEARNING,
    (
        "escalation_determined",
        "mediation_booked",
        CalendarDaysAfter(0),
        "determination_recorded",
        "manager",
    ),
]

# The HCYPSP business unit arranges the panel, informs the referrer, sends the form and
# convenes the meeting.
HALTON = [
    (
        "virtual_panel",
        "referral_received",
        WorkingDaysAfter(1),
        "virtual_panel_arranged",
        "business_unit",
    ),
    (
        "referrer_informed",
        "referral_received",
        WorkingDaysAfter(5),
        "decision_notice_sent",
        "business_unit",
    ),
    (
        "national_panel_notification",
        "referral_received",
        WorkingDaysAfter(5),
        "national_panel_notified",
        "notifier",
    ),
    (
        "information_request",
        "referral_received",
        WorkingDaysAfter(3),
        "information_request_sent",
        "business_unit",
    ),
    ("agency_returns", "referral_received", WorkingDaysAfter(9), None, "agency_lead"),
    (
        "rapid_review_meeting",
        "panel_decision",
        WorkingDaysAfter(13),
        "rapid_review_meeting",
        "business_unit",
    ),
    (
        "rapid_review_report",
        "referral_received",
        WorkingDaysAfter(15),
        "rapid_review_report_sent",
        "chair",
    ),
    ("local_review_report", "local_review_decided", MonthsAfter(6), None, "chair"),
    ("publication_notice", "publication", WorkingDaysBefore(7), None, "manager"),
    *LEARNING,
]


@pytest.mark.parametrize(("name", "table"), [("stockport", STOCKPORT), ("halton", HALTON)])
def test_milestones(name: str, table: list[tuple[str, str, object, str | None, str]]) -> None:
    p = load_profile(name)
    got = [(m.id, m.anchor, m.offset, m.completed_by, m.responsible) for m in p.milestones]
    assert got == table
    for m in p.milestones:
        assert m.title and m.basis
        assert m.pathways and set(m.pathways) <= set(PATHWAYS)


def test_pathways_follow_the_documents() -> None:
    s = load_profile("stockport")
    rapid_only = {m.id for m in s.milestones if m.pathways == ("rapid_review",)}
    assert rapid_only == {
        "information_request",
        "agency_returns",
        "rapid_review_meeting",
        "papers_circulated",
        "desktop_review_6m",
        "desktop_review_12m",
    }
    assert s.milestone("complaint_response").pathways == PATHWAYS
    assert not s.milestone("national_panel_notification").applies_to("practice_review")
    assert s.milestone("national_panel_notification").applies_to("queries")
    assert s.milestone("national_panel_notification").applies_to(None)
    h = load_profile("halton")
    # Halton has no escalation: its milestones name only its own pathways and decisions.
    assert h.milestone("referrer_informed").pathways == h.ways
    assert "escalation" not in h.ways
    assert h.milestone("virtual_panel").pathways == ("rapid_review", "queries")


def test_the_national_panel_notice_follows_the_panels_notifiable_answer_once_given() -> None:
    s = load_profile("stockport")
    notice = s.milestone("national_panel_notification")
    assert s.partnership.panel_records_notifiable
    # Before the panel says, the pathway decides; after, the answer does, whatever the route.
    assert notice.applies_to("rapid_review") and not notice.applies_to("practice_review")
    assert notice.applies_to("practice_review", notifiable=True)
    assert not notice.applies_to("rapid_review", notifiable=False)
    # A milestone that does not follow the answer ignores it.
    meeting = s.milestone("rapid_review_meeting")
    assert meeting.applies_to("rapid_review", notifiable=False)
    # Halton's decisions say it themselves: "Notifiable: Rapid Review".
    h = load_profile("halton")
    assert not h.partnership.panel_records_notifiable
    assert h.outcome("rapid_review").notifiable is True
    assert h.outcome("practice_review").notifiable is False
    assert s.outcome("rapid_review").notifiable is None


def test_halton_agencies() -> None:
    p = load_profile("halton")
    assert p.statutory_partner("la").name == "Halton Borough Council"
    assert p.statutory_partner("police").name == "Cheshire Constabulary"
    assert p.statutory_partner("health").name == "Cheshire and Merseyside Integrated Care Board"
    names = {a.name for a in p.agencies}
    appendix_1 = {
        "Bridgewater NHS",
        "Cheshire Constabulary",
        "CRC",
        "National Probation Service",
        "North West Boroughs NHS",
        "Halton Housing",
        "The Riverside Group",
        "Warrington & Halton Hospital",
        "Halton Borough Council Adult Social Care",
        "Halton Borough Council Children's Social Care",
        "Halton Borough Council Early Help",
        "Halton Borough Council Education Safeguarding Officer",
        "Youth Justice Service",
        "Halton Borough Council Public Health",
        "Halton Place",
    }
    assert appendix_1 <= names
    assert p.partnership.reference_prefix == "HCYPSP"


def test_nudges_default_and_overrides() -> None:
    s = load_profile("stockport")
    assert s.nudges == DEFAULT_NUDGES
    assert s.milestone("rapid_review_report").nudges == DEFAULT_NUDGES
    # "if time allows": reminded, never escalated.
    papers = s.milestone("papers_circulated").nudges
    assert papers.escalation is None
    assert papers.heads_up == DEFAULT_NUDGES.heads_up
    h = load_profile("halton")
    panel = h.milestone("virtual_panel").nudges
    assert panel.heads_up is None
    assert panel.escalation == Escalation(1, NINE, "manager")
    assert panel.due_today == DueToday(NINE)


def test_profiles_load_by_path_and_are_cached_by_name(tmp_path: Path) -> None:
    assert load_profile("stockport") is load_profile("stockport")
    copy = tmp_path / "trafford.toml"
    copy.write_text((PROFILES_DIR / "stockport.toml").read_text("utf-8"), "utf-8")
    p = load_profile(copy)
    assert isinstance(p, Profile)
    assert p.id == "trafford"
    assert p.milestones == load_profile("stockport").milestones
    assert load_profile(str(copy)).id == "trafford"


def test_closures_are_dates(tmp_path: Path) -> None:
    p = load_profile(_write(tmp_path, "closures = []", "closures = [2026-12-31, 2026-12-29]"))
    assert p.partnership.closures == (date(2026, 12, 29), date(2026, 12, 31))


# -- errors ------------------------------------------------------------------------------


def _write(tmp_path: Path, old: str, new: str, *, name: str = "stockport.toml") -> Path:
    text = (PROFILES_DIR / "stockport.toml").read_text("utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        # unknown keys, at every level
        ("[partnership]", "colour = 'blue'\n[partnership]", "colour", "unknown key"),
        (
            'reference_prefix = "SSCP"',
            'reference_prefix = "SSCP"\nlogo = "x"',
            "partnership.logo",
            "unknown key",
        ),
        (
            'id = "pennine_care"',
            'id = "pennine_care"\nphone = "0161"',
            "agencies[4].phone",
            "unknown key",
        ),
        (
            "offset = { working_days_after = 8 }",
            "offset = { working_days_after = 8 }\nowner = 'x'",
            "milestones[2].owner",
            "unknown key",
        ),
        (
            'due_today = { at = "09:00" }',
            'due_today = { at = "09:00", sound = true }',
            "nudges.due_today.sound",
            "unknown key",
        ),
        # unknown anchor and completing events
        (
            'anchor = "information_request_sent"',
            'anchor = "info_sent"',
            "milestones[2].anchor",
            "expected one of referral_received",
        ),
        (
            'completed_by = "rapid_review_report_sent"',
            'completed_by = "report_sent"',
            "milestones[5].completed_by",
            "expected one of",
        ),
        # bad offsets
        (
            "offset = { working_days_after = 8 }",
            "offset = { working_days = 8 }",
            "milestones[2].offset",
            "expected a table with one of working_days_after",
        ),
        (
            "offset = { working_days_after = 8 }",
            "offset = 8",
            "milestones[2].offset",
            "expected a table with one of",
        ),
        (
            "offset = { working_days_after = 8 }",
            "offset = { working_days_after = 8, calendar_days_after = 8 }",
            "milestones[2].offset",
            "got calendar_days_after, working_days_after",
        ),
        (
            "offset = { working_days_after = 8 }",
            "offset = { working_days_after = 0 }",
            "milestones[2].offset.working_days_after",
            "at least 1",
        ),
        (
            "offset = { working_days_after = 8 }",
            'offset = { working_days_after = "8" }',
            "milestones[2].offset.working_days_after",
            "expected a whole number",
        ),
        (
            "offset = { working_days_after = 8 }",
            "offset = { working_days_after = 8.5 }",
            "milestones[2].offset.working_days_after",
            "expected a whole number",
        ),
        (
            "offset = { earliest_working_days_after = 7, latest_working_days_after = 13 }",
            "offset = { earliest_working_days_after = 13, latest_working_days_after = 7 }",
            "milestones[3].offset.latest_working_days_after",
            "ends (7) before it starts (13)",
        ),
        (
            "offset = { earliest_working_days_after = 7, latest_working_days_after = 13 }",
            "offset = { earliest_working_days_after = 7 }",
            "milestones[3].offset",
            "got earliest_working_days_after",
        ),
        # other values
        (
            '"no_response", "queries"]\nresponsible = "manager"\nbasis = "Responded',
            '"no_response", "complaints"]\nresponsible = "manager"\nbasis = "Responded',
            "milestones[9].pathways[4]",
            "expected one of rapid_review",
        ),
        (
            'responsible = "agency_lead"',
            'responsible = "everyone"',
            "milestones[2].responsible",
            "expected one of manager",
        ),
        ('id = "desktop_review_12m"', 'id = "desktop_review_6m"', "milestones[7].id", "used twice"),
        (
            'id = "desktop_review_12m"',
            'id = "Desktop 12m"',
            "milestones[7].id",
            "lower-case letters",
        ),
        (
            'statutory_partner = "police"',
            'statutory_partner = "fire"',
            "agencies[1].statutory_partner",
            "expected one of la, police, health",
        ),
        (
            'statutory_partner = "police"',
            "",
            "agencies",
            "no agency has statutory_partner = 'police'",
        ),
        (
            "retention_years = 7",
            "retention_years = true",
            "partnership.retention_years",
            "expected a whole number, got true",
        ),
        (
            'reference_prefix = "SSCP"',
            'reference_prefix = "sscp"',
            "partnership.reference_prefix",
            "capital letters",
        ),
        (
            "closures = []",
            'closures = ["2026-12-29"]',
            "partnership.closures[0]",
            "expected a date like 2026-12-29",
        ),
        (
            "hide_positions_until_all_voted = true\n",
            "",
            "partnership.hide_positions_until_all_voted",
            "missing",
        ),
        (
            "local_criteria = [",
            "local_criteria = []\nunused = [",
            "partnership.local_criteria",
            "expected at least one entry",
        ),
        (
            '  "Highlights recurrent themes in',
            '  7,\n  "Highlights recurrent themes in',
            "partnership.local_criteria[1]",
            "expected a non-empty string, got 7",
        ),
        (
            '  "Highlights recurrent themes in the safeguarding and promotion of the welfare of '
            'children.",\n',
            '  "Highlights recurrent themes in the safeguarding and promotion of the welfare of '
            'children.",\n  "Highlights recurrent themes in the safeguarding and promotion of the '
            'welfare of children.",\n',
            "partnership.local_criteria[2]",
            "listed twice",
        ),
        (
            'heads_up = { working_days_before = 2, at = "09:00" }',
            'heads_up = { working_days_before = 2, at = "9am" }',
            "nudges.heads_up.at",
            'expected a time like "09:00"',
        ),
        (
            "nudges = { escalation = false }",
            "nudges = { escalation = true }",
            "milestones[4].nudges.escalation",
            "expected a table or false",
        ),
        ('to = "manager" }', 'to = "nobody" }', "nudges.escalation.to", "expected one of"),
        # an event can complete only one milestone
        (
            'completed_by = "information_request_sent"',
            'completed_by = "rapid_review_meeting"',
            "milestones[3].completed_by",
            "already completes milestone 'information_request'",
        ),
        # roles: a milestone nobody may complete, an unknown role, a role declared twice over
        (
            'responsible = "notifier"',
            'responsible = "notifier"\nmay_complete = []',
            "milestones[0].may_complete",
            "expected at least one entry",
        ),
        (
            'responsible = "notifier"',
            'responsible = "notifier"\nmay_complete = ["notifier", "caretaker"]',
            "milestones[0].may_complete[1]",
            "expected one of",
        ),
        (
            'responsible = "notifier"',
            'responsible = "head_of_safeguarding"',
            "milestones[0].responsible",
            "expected one of",
        ),
        (
            "[roles]\n",
            '[roles]\nmanager = "The partnership manager"\n',
            "roles.manager",
            "a role every profile has already",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str, says: str
) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    e = caught.value
    assert (e.file, e.key) == ("stockport.toml", key)
    assert str(e).startswith(f"stockport.toml: {key}: ")
    assert says in e.problem


def test_a_loop_of_stand_ins_is_refused(tmp_path: Path) -> None:
    # agency_returns would count from information_request_sent, which it would itself complete.
    path = _write(
        tmp_path,
        'responsible = "agency_lead"',
        'responsible = "agency_lead"\ncompleted_by = "panel_decision"',
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "milestones[1].anchor"
    assert "information_request -> agency_returns -> information_request" in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[partnership]", "[partnership", name="halton.toml")
    with pytest.raises(ProfileError, match=r"^halton\.toml: invalid TOML"):
        load_profile(path)


def test_missing_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", "utf-8")
    with pytest.raises(ProfileError, match=r"^empty\.toml: partnership: missing$"):
        load_profile(path)


def test_unknown_profile_name() -> None:
    with pytest.raises(ProfileError, match="no profile named 'wigan' .known: halton, stockport"):
        load_profile("wigan")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"^nowhere\.toml: cannot read"):
        load_profile(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("name", "document", "title"),
    [
        ("stockport", "stockport-rapid-review-process-2019.md", "SSCP Rapid Review Process"),
        ("halton", "halton-cspr-framework-2022.md", "Child Safeguarding Practice Review Framework"),
    ],
)
def test_each_profile_cites_its_process_document_beside_the_repository(
    name: str, document: str, title: str
) -> None:
    """A profile's header names its document and where it is from any checkout
    (`../shared/reference/`), never a path of one machine."""
    profile = Path(__file__).resolve().parents[2] / "review" / "profiles" / f"{name}.toml"
    header = profile.read_text(encoding="utf-8").split("\n[", 1)[0]
    assert title in header
    assert f"../shared/reference/{document}" in header
    assert "/work/" not in header and "/home/" not in header
    shared = profile.parents[3] / "shared" / "reference" / document
    if shared.parent.is_dir():  # CI and developers have ../shared beside the repository
        assert shared.is_file(), shared


def test_who_may_complete_each_milestone_defaults_to_its_responsible_role_and_managers() -> None:
    stockport = load_profile("stockport")
    assert stockport.roles == {
        "notifier": "The Head of the Safeguarding and Learning Unit, or a delegated officer",
        "business_support": "The safeguarding unit business support officer",
        "pip": "The Practice Improvement Partnership (PIP)",
    }
    assert stockport.milestone("national_panel_notification").may_complete == (
        "notifier",
        "manager",
    )
    assert stockport.milestone("desktop_review_6m").may_complete == ("manager",)
    # What an action of the bot completes is not marked done by anyone.
    assert [m.id for m in stockport.milestones if m.by_action] == [
        "national_panel_notification",
        "information_request",
        "agency_returns",
        "rapid_review_meeting",
        "papers_circulated",
        "rapid_review_report",
        "learning_review_agreed",
        "learning_review_done",
        "escalation_determined",
    ]


def test_halton_declares_its_own_two_pathways_and_its_panels_decisions() -> None:
    halton = load_profile("halton")
    assert [(p.id, p.title) for p in halton.pathways.values()] == [
        ("rapid_review", "1: A Local Child Safeguarding Practice Review"),
        ("practice_review", "2: An alternative learning review"),
    ]
    assert list(halton.outcomes) == ["rapid_review", "practice_review", "no_response", "queries"]
    assert "escalation" not in halton.pathways and "escalation" not in halton.outcomes
    assert halton.outcome("practice_review").label.startswith("Not notifiable")
    assert [o.starts for o in halton.outcomes.values()] == [
        "rapid_review",
        "learning_review",
        "nothing",
        "queries",
    ]
    assert set(halton.roles) == {"notifier", "business_unit", "executive_group"}
    # Stockport declares its form's A, B and C and section 2.1's five, in its words.
    stockport = load_profile("stockport")
    assert [p.letter for p in stockport.pathways.values()] == ["A", "B", "C"]
    assert [p.starts for p in stockport.pathways.values()] == [
        "rapid_review",
        "learning_review",
        "escalation",
    ]
    assert len(stockport.outcomes) == 5
    assert stockport.outcome("no_response").label.startswith("Does not require SSCP response")


def test_a_profiles_own_ids_for_pathways_and_decisions_run_by_what_they_start() -> None:
    north = load_profile(NORTHSHIRE)
    assert list(north.outcomes) == ["rapid_review", "learning_conversation", "queries"]
    assert north.outcome("learning_conversation").starts == "learning_review"
    assert north.pathway("learning_conversation").starts == "learning_review"
    # A case made under an id the profile no longer has still reads.
    assert north.outcome("gone").label == "gone" and north.outcome("gone").starts == "nothing"


NORTHSHIRE = Path(__file__).resolve().parents[1] / "profiles" / "northshire.toml"
"""The fictional third partnership of the tests."""


def _stockport_without(*blocks: str) -> str:
    """Stockport's profile with its entries of the named arrays of tables taken out."""
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    chunks = text.split("\n\n")

    def opening(chunk: str) -> str:
        lines = [line for line in chunk.strip().splitlines() if not line.startswith("#")]
        return lines[0] if lines else ""

    return "\n\n".join(c for c in chunks if not opening(c).startswith(blocks))


_PATH = 'letter = "{letter}"\nlabel = "x"\nexplanation = "y"\nstarts = "{starts}"\n'


@pytest.mark.parametrize(
    ("extra", "key", "says"),
    [
        (
            '[[pathways]]\nid = "a"\n'
            + _PATH.format(letter="A", starts="rapid_review")
            + '[[pathways]]\nid = "b"\n'
            + _PATH.format(letter="A", starts="learning_review"),
            "pathways[1].letter",
            "used twice",
        ),
        (
            '[[pathways]]\nid = "Walk In"\n' + _PATH.format(letter="A", starts="rapid_review"),
            "pathways[0].id",
            "an id of lower-case letters",
        ),
        (
            '[[pathways]]\nid = "walk_in"\n' + _PATH.format(letter="A", starts="fireworks"),
            "pathways[0].starts",
            "expected one of",
        ),
        (
            '[[outcomes]]\nid = "rapid_review"\nlabel = "x"\nshort_label = "y"\n'
            'starts = "rapid_review"\n',
            "outcomes",
            "queries",
        ),
        (
            '[[outcomes]]\nid = "fireworks"\nlabel = "x"\nshort_label = "y"\nstarts = "a_party"\n',
            "outcomes[0].starts",
            "expected one of rapid_review, learning_review, escalation, nothing",
        ),
        (
            '[[outcomes]]\nid = "fireworks"\nlabel = "x"\nshort_label = "y"\n',
            "outcomes[0].starts",
            "missing",
        ),
    ],
)
def test_pathways_and_outcomes_are_checked_when_loaded(
    tmp_path: Path, extra: str, key: str, says: str
) -> None:
    blocks = tuple(b for b in ("[[pathways]]", "[[outcomes]]") if b in extra)
    text = _stockport_without(*blocks)
    path = tmp_path / "stockport.toml"
    path.write_text(text.replace("\n[roles]\n", "\n" + extra + "\n[roles]\n", 1))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == key and says in caught.value.problem


def test_a_milestone_for_an_unknown_pathway_or_an_unanswerable_notifiable_is_refused(
    tmp_path: Path,
) -> None:
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    path = tmp_path / "stockport.toml"
    path.write_text(
        text.replace('pathways = ["rapid_review", "queries"]', 'pathways = ["walk_in"]', 1)
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "milestones[0].pathways[0]"
    assert "expected one of rapid_review, practice_review, escalation" in caught.value.problem
    path.write_text(text.replace("panel_records_notifiable = true", "", 1))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "milestones[0].only_if_notifiable"
    assert "nothing in this profile says whether an incident is notifiable" in str(caught.value)
    # Stockport's panel answers "notifiable?" itself: a decision cannot say it too.
    said = 'short_label = "Rapid Review"\nstarts = "rapid_review"\n'
    assert said in text
    path.write_text(text.replace(said, said + "notifiable = true\n", 1))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "outcomes[0].notifiable"
    assert "on its own" in caught.value.problem


def test_each_profile_says_which_referral_questions_must_be_answered_to_send() -> None:
    stockport, halton = load_profile("stockport"), load_profile("halton")
    # Stockport: "please do not delay in sending notification"; Halton: "Incomplete forms
    # will be returned to the referrer".
    assert stockport.required_fields == ALWAYS_REQUIRED
    assert "date_of_birth" in stockport.may_follow and "gender" in stockport.may_follow
    assert halton.required_fields == FORM_REQUIRED and halton.may_follow == frozenset()
    north = load_profile(NORTHSHIRE)
    assert north.may_follow == FORM_REQUIRED - ALWAYS_REQUIRED - {"discussed_with", "date_of_birth"}


@pytest.mark.parametrize(
    ("required", "key", "says"),
    [
        ('["pathway", "shoe_size"]', "referral.required[1]", "expected one of pathway"),
        ('["pathway", "care_leaver"]', "referral.required[1]", "expected one of pathway"),
        ('["pathway"]', "referral.required", "must be listed: no referral can be sent without"),
        ("[]", "referral.required", "at least one entry"),
    ],
)
def test_a_referral_question_that_does_not_exist_or_cannot_be_left_is_refused(
    tmp_path: Path, required: str, key: str, says: str
) -> None:
    text = (PROFILES_DIR / "stockport.toml").read_text(encoding="utf-8")
    start = text.index("[referral]\nrequired = ")
    end = text.index("\n", start + len("[referral]\n"))
    path = tmp_path / "stockport.toml"
    path.write_text(text[:start] + f"[referral]\nrequired = {required}" + text[end:])
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == key and says in caught.value.problem
