"""Case timelines for the Stockport and Halton profiles; expected dates worked out by hand.

Working days after Thursday 24 December 2026 (25 Dec, 28 Dec and 1 Jan are bank holidays):
 1 Tue 29 Dec   2 Wed 30 Dec   3 Thu 31 Dec   4 Mon 4 Jan    5 Tue 5 Jan
 6 Wed 6 Jan    7 Thu 7 Jan    8 Fri 8 Jan    9 Mon 11 Jan  10 Tue 12 Jan
11 Wed 13 Jan  12 Thu 14 Jan  13 Fri 15 Jan  14 Mon 18 Jan  15 Tue 19 Jan
16 Wed 20 Jan  17 Thu 21 Jan
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from review.calendar import LONDON, WorkingCalendar
from review.profiles import PROFILES_DIR, load_profile
from review.timeline import (
    Nudge,
    Timeline,
    calendar_for,
    compute_timeline,
    next_due,
    nudges_on,
    outstanding,
)

D = date
STOCKPORT = load_profile("stockport")
HALTON = load_profile("halton")
CHRISTMAS_EVE = datetime(2026, 12, 24, 16, 5, tzinfo=UTC)


def at(text: str) -> datetime:
    """An aware datetime from ISO text."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment


def plan(t: Timeline) -> dict[str, tuple[date | None, date | None, str | None]]:
    """milestone id -> (earliest, due, waiting_for)"""
    return {e.id: (e.earliest, e.due, e.waiting_for) for e in t.entries}


def stockport(**events: datetime) -> Timeline:
    return compute_timeline(
        STOCKPORT, calendar_for(STOCKPORT), {"referral_received": CHRISTMAS_EVE, **events}
    )


def halton(**events: datetime) -> Timeline:
    return compute_timeline(
        HALTON, calendar_for(HALTON), {"referral_received": CHRISTMAS_EVE, **events}
    )


# -- Stockport ---------------------------------------------------------------------------


def test_stockport_on_the_day_of_receipt() -> None:
    t = stockport()
    assert t.received == D(2026, 12, 24)
    assert t.profile_id == "stockport"
    assert plan(t) == {
        "national_panel_notification": (None, D(2027, 1, 5), None),
        # Stockport sets no deadline for the panel's decision: these wait for it.
        "information_request": (None, None, "panel_decision"),
        "agency_returns": (None, None, "information_request_sent"),
        "rapid_review_meeting": (None, None, "panel_decision"),
        "papers_circulated": (None, None, "rapid_review_meeting"),
        "rapid_review_report": (None, D(2027, 1, 19), None),
        # 6 and 12 months after the report's due date (19 Jan 2027), standing in.
        "desktop_review_6m": (None, D(2027, 7, 19), None),
        "desktop_review_12m": (None, D(2028, 1, 19), None),
        "local_review_report": (None, None, "local_review_decided"),
        "complaint_response": (None, None, "complaint_received"),
        "learning_review_agreed": (None, None, "group_meeting"),
        "learning_review_done": (None, None, "learning_review_due"),
        "escalation_determined": (None, None, "mediation_booked"),
    }
    e = t.entry("national_panel_notification")
    assert (e.working_days_from_receipt, e.provisional, e.anchor_on) == (5, False, D(2026, 12, 24))
    assert t.entry("rapid_review_report").working_days_from_receipt == 15
    six = t.entry("desktop_review_6m")
    assert six.provisional and six.anchor_on == D(2027, 1, 19)
    assert t.entry("information_request").working_days_from_receipt is None


def test_stockport_after_the_panel_decision() -> None:
    t = stockport(panel_decision=at("2027-01-04T10:00:00+00:00"))  # Monday 4 January
    assert plan(t) == {
        "national_panel_notification": (None, D(2027, 1, 5), None),
        "information_request": (None, D(2027, 1, 6), None),  # 2 WD after Mon 4 Jan
        "agency_returns": (None, D(2027, 1, 18), None),  # 8 WD after Wed 6 Jan (stand-in)
        "rapid_review_meeting": (D(2027, 1, 13), D(2027, 1, 21), None),  # 7-13 WD after 4 Jan
        "papers_circulated": (None, D(2027, 1, 20), None),  # 1 WD before the latest date
        "rapid_review_report": (None, D(2027, 1, 19), None),
        "desktop_review_6m": (None, D(2027, 7, 19), None),
        "desktop_review_12m": (None, D(2028, 1, 19), None),
        "local_review_report": (None, None, "local_review_decided"),
        "complaint_response": (None, None, "complaint_received"),
        "learning_review_agreed": (None, None, "group_meeting"),
        "learning_review_done": (None, None, "learning_review_due"),
        "escalation_determined": (None, None, "mediation_booked"),
    }
    meeting = t.entry("rapid_review_meeting")
    assert meeting.is_window and meeting.latest == D(2027, 1, 21)
    assert (meeting.earliest_working_days_from_receipt, meeting.working_days_from_receipt) == (
        11,
        17,
    )
    assert t.entry("agency_returns").provisional
    assert t.entry("papers_circulated").provisional
    assert not t.entry("information_request").provisional
    assert t.entry("information_request").completed_on is None


def test_stockport_recorded_events_replace_the_stand_ins() -> None:
    t = stockport(
        panel_decision=at("2027-01-04T10:00:00+00:00"),
        information_request_sent=at("2027-01-07T15:00:00+00:00"),  # a day late
        rapid_review_meeting=at("2027-01-15T10:00:00+00:00"),  # Friday 15 January
        rapid_review_report_sent=at("2027-01-15T17:30:00+00:00"),
        local_review_decided=at("2026-08-31T12:00:00+01:00"),  # a bank holiday, as it happens
        complaint_received=at("2026-11-30T10:00:00+00:00"),
    )
    p = plan(t)
    assert t.entry("information_request").completed_on == D(2027, 1, 7)
    assert p["agency_returns"] == (None, D(2027, 1, 19), None)  # 8 WD after Thu 7 Jan
    assert not t.entry("agency_returns").provisional
    assert p["papers_circulated"] == (None, D(2027, 1, 14), None)  # 1 WD before Fri 15 Jan
    assert t.entry("rapid_review_meeting").completed_on == D(2027, 1, 15)
    assert p["desktop_review_6m"] == (None, D(2027, 7, 15), None)
    assert p["desktop_review_12m"] == (None, D(2028, 1, 14), None)  # 15 Jan 2028 is a Saturday
    assert p["local_review_report"] == (None, D(2027, 2, 26), None)  # 28 Feb 2027 is a Sunday
    assert p["complaint_response"] == (None, D(2026, 12, 24), None)  # 28 Dec is a bank holiday


def test_stockport_late_evening_summer_referral() -> None:
    # Thursday 2 July 2026 at 23:30 UTC is Friday 3 July at 00:30 in London.
    t = compute_timeline(
        STOCKPORT, calendar_for(STOCKPORT), {"referral_received": at("2026-07-02T23:30:00Z")}
    )
    assert t.received == D(2026, 7, 3)
    assert t.entry("national_panel_notification").due == D(2026, 7, 10)
    assert t.entry("rapid_review_report").due == D(2026, 7, 24)


@pytest.mark.parametrize(
    "received",
    ["2027-01-08T10:00:00+00:00", "2027-01-09T10:00:00+00:00", "2027-01-10T23:59:00+00:00"],
)
def test_friday_saturday_and_sunday_referrals_share_deadlines(received: str) -> None:
    t = compute_timeline(STOCKPORT, calendar_for(STOCKPORT), {"referral_received": at(received)})
    assert t.entry("national_panel_notification").due == D(2027, 1, 15)
    # 15 WD after Fri 8 Jan: Mon 11 .. Fri 15 (5), Mon 18 .. Fri 22 (10), Mon 25 .. Fri 29 (15)
    assert t.entry("rapid_review_report").due == D(2027, 1, 29)


@pytest.mark.parametrize(
    ("pathway", "ids"),
    [
        (
            "rapid_review",
            [
                "national_panel_notification",
                "information_request",
                "agency_returns",
                "rapid_review_meeting",
                "papers_circulated",
                "rapid_review_report",
                "desktop_review_6m",
                "desktop_review_12m",
                "local_review_report",
                "complaint_response",
            ],
        ),
        (
            "practice_review",
            [
                "local_review_report",
                "complaint_response",
                "learning_review_agreed",
                "learning_review_done",
            ],
        ),
        ("escalation", ["complaint_response", "escalation_determined"]),
        ("no_response", ["complaint_response"]),
        (
            "queries",
            ["national_panel_notification", "rapid_review_report", "complaint_response"],
        ),
    ],
)
def test_stockport_pathways(pathway: str, ids: list[str]) -> None:
    events = {"referral_received": CHRISTMAS_EVE}
    t = compute_timeline(STOCKPORT, calendar_for(STOCKPORT), events, pathway)
    assert [e.id for e in t.entries] == ids
    assert t.pathway == pathway


def test_stand_ins_work_even_when_the_completing_milestone_is_filtered_out() -> None:
    # Desk-top reviews count from the report's due date whichever pathway is shown.
    events = {"referral_received": CHRISTMAS_EVE}
    t = compute_timeline(STOCKPORT, calendar_for(STOCKPORT), events, "rapid_review")
    assert t.entry("desktop_review_6m").due == D(2027, 7, 19)


# -- Halton ------------------------------------------------------------------------------


def test_halton_on_the_day_of_receipt() -> None:
    t = halton()
    assert plan(t) == {
        "virtual_panel": (None, D(2026, 12, 29), None),
        "referrer_informed": (None, D(2027, 1, 5), None),
        "national_panel_notification": (None, D(2027, 1, 5), None),
        "information_request": (None, D(2026, 12, 31), None),
        "agency_returns": (None, D(2027, 1, 11), None),
        # Arranging the panel is not deciding: no milestone is completed by the decision, so
        # the meeting waits for the decision itself (it had counted from the arranging).
        "rapid_review_meeting": (None, None, "panel_decision"),
        "rapid_review_report": (None, D(2027, 1, 19), None),
        "local_review_report": (None, None, "local_review_decided"),
        "publication_notice": (None, None, "publication"),
        "learning_review_agreed": (None, None, "group_meeting"),
        "learning_review_done": (None, None, "learning_review_due"),
    }
    meeting = t.entry("rapid_review_meeting")
    assert meeting.due is None and meeting.waiting_for == "panel_decision"


def test_halton_with_events() -> None:
    t = halton(
        virtual_panel_arranged=at("2026-12-29T15:00:00+00:00"),  # on its target day
        panel_decision=at("2026-12-30T09:00:00+00:00"),  # the next day
        publication=at("2027-03-05T10:00:00+00:00"),  # planned: Friday 5 March 2027
    )
    assert t.entry("virtual_panel").completed_on == D(2026, 12, 29)  # arranged, not decided
    meeting = t.entry("rapid_review_meeting")
    assert meeting.due == D(2027, 1, 19)  # 13 WD after Wed 30 Dec
    assert not meeting.provisional
    notice = t.entry("publication_notice")
    assert notice.due == D(2027, 2, 24)  # 7 WD before Fri 5 Mar
    assert notice.working_days_from_receipt is not None and notice.working_days_from_receipt > 15


def test_halton_pathways() -> None:
    events = {"referral_received": CHRISTMAS_EVE}
    t = compute_timeline(HALTON, calendar_for(HALTON), events, "practice_review")
    assert [e.id for e in t.entries] == [
        "referrer_informed",
        "local_review_report",
        "publication_notice",
        "learning_review_agreed",
        "learning_review_done",
    ]


@pytest.mark.parametrize(
    ("received", "panel", "info", "returns", "report"),
    [
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        ("2027-03-25T12:00:00Z", D(2027, 3, 30), D(2027, 4, 1), D(2027, 4, 9), D(2027, 4, 19)),
        # Platinum Jubilee 2022: Thursday 2 and Friday 3 June.
        (
            "2022-06-01T08:00:00+01:00",
            D(2022, 6, 6),
            D(2022, 6, 8),
            D(2022, 6, 16),
            D(2022, 6, 24),
        ),
        # The state funeral, Monday 19 September 2022; received at 00:30 on Saturday in London.
        ("2022-09-16T23:30:00Z", D(2022, 9, 20), D(2022, 9, 22), D(2022, 9, 30), D(2022, 10, 10)),
        # The coronation, Monday 8 May 2023, a week after the early May bank holiday.
        (
            "2023-04-28T09:00:00+01:00",
            D(2023, 5, 2),
            D(2023, 5, 4),
            D(2023, 5, 15),
            D(2023, 5, 23),
        ),
        # Christmas 2025 (Thursday 25, Friday 26) and New Year's Day (Thursday).
        ("2025-12-24T18:00:00Z", D(2025, 12, 29), D(2025, 12, 31), D(2026, 1, 9), D(2026, 1, 19)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (
            "2026-04-02T16:00:00+01:00",
            D(2026, 4, 7),
            D(2026, 4, 9),
            D(2026, 4, 17),
            D(2026, 4, 27),
        ),
    ],
)
def test_halton_deadlines_across_bank_holidays(
    received: str, panel: date, info: date, returns: date, report: date
) -> None:
    t = compute_timeline(HALTON, calendar_for(HALTON), {"referral_received": at(received)})
    assert t.entry("virtual_panel").due == panel
    assert t.entry("information_request").due == info
    assert t.entry("agency_returns").due == returns
    assert t.entry("rapid_review_report").due == report


# -- closures ----------------------------------------------------------------------------


def test_partnership_closures_move_deadlines(tmp_path: Path) -> None:
    text = (PROFILES_DIR / "stockport.toml").read_text("utf-8")
    path = tmp_path / "closed.toml"
    path.write_text(text.replace("closures = []", "closures = [2026-12-29, 2026-12-30]"), "utf-8")
    closed = load_profile(path)
    t = compute_timeline(closed, calendar_for(closed), {"referral_received": CHRISTMAS_EVE})
    assert t.entry("national_panel_notification").due == D(2027, 1, 7)
    assert t.entry("rapid_review_report").due == D(2027, 1, 21)


def test_calendar_for_is_cached() -> None:
    assert calendar_for(STOCKPORT) is calendar_for(STOCKPORT)
    assert calendar_for(STOCKPORT) is calendar_for(HALTON)  # same (no) closures


# -- bad input ---------------------------------------------------------------------------


def test_bad_events_and_pathways_are_refused() -> None:
    cal = WorkingCalendar()
    with pytest.raises(ValueError, match="unknown event 'referral'"):
        compute_timeline(STOCKPORT, cal, {"referral": CHRISTMAS_EVE})
    with pytest.raises(ValueError, match="must include referral_received"):
        compute_timeline(STOCKPORT, cal, {"panel_decision": CHRISTMAS_EVE})
    with pytest.raises(ValueError, match="unknown pathway 'fast_track'"):
        compute_timeline(STOCKPORT, cal, {"referral_received": CHRISTMAS_EVE}, "fast_track")
    with pytest.raises(ValueError, match="naive"):
        compute_timeline(
            STOCKPORT,
            cal,
            {"referral_received": datetime(2026, 12, 24, 16, 5)},  # noqa: DTZ001
        )


# -- what is due next, and the nudges ----------------------------------------------------


def test_next_due_and_outstanding() -> None:
    t = stockport(panel_decision=at("2027-01-04T10:00:00Z"))
    assert next_due(t, D(2026, 12, 24)) == t.entry("national_panel_notification")
    # Overdue entries stay first until their event is recorded.
    assert next_due(t, D(2027, 1, 12)) == t.entry("national_panel_notification")
    done = stockport(
        panel_decision=at("2027-01-04T10:00:00Z"),
        information_request_sent=at("2027-01-05T10:00:00Z"),
    )
    ids = [e.id for e in outstanding(done, D(2027, 1, 5))]
    assert "information_request" not in ids
    assert ids[:3] == ["national_panel_notification", "agency_returns", "rapid_review_report"]
    # Recorded for a later day: still outstanding today.
    assert "information_request" in [e.id for e in outstanding(done, D(2027, 1, 4))]
    assert (
        next_due(
            compute_timeline(
                STOCKPORT, WorkingCalendar(), {"referral_received": CHRISTMAS_EVE}, "no_response"
            ),
            D(2027, 1, 1),
        )
        is None
    )


def _london(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def test_nudges_for_the_national_panel_notification() -> None:
    t = stockport()
    e = t.entry("national_panel_notification")  # due Tuesday 5 January 2027
    cal = calendar_for(STOCKPORT)
    found = {d: nudges_on(e, cal, d) for d in (D(2026, 12, 24) + timedelta(n) for n in range(20))}
    sent = {d: [(n.stage, n.to) for n in ns] for d, ns in found.items() if ns}
    assert sent == {
        D(2026, 12, 31): [("heads_up", "notifier")],  # 2 WD before: Mon 4 Jan (1), Thu 31 Dec (2)
        D(2027, 1, 5): [("due_today", "notifier")],
        D(2027, 1, 6): [("overdue", "notifier")],
        D(2027, 1, 7): [("overdue", "notifier"), ("escalation", "manager")],
        D(2027, 1, 8): [("overdue", "notifier")],
        D(2027, 1, 11): [("overdue", "notifier")],
        D(2027, 1, 12): [("overdue", "notifier")],
    }
    assert found[D(2027, 1, 5)] == (
        Nudge("national_panel_notification", "due_today", _london(D(2027, 1, 5), 9), "notifier"),
    )


def test_nudges_stop_when_done_and_follow_overrides() -> None:
    cal = calendar_for(STOCKPORT)
    t = stockport(
        panel_decision=at("2027-01-04T10:00:00Z"),
        information_request_sent=at("2027-01-07T15:00:00Z"),
    )
    e = t.entry("information_request")  # due Wed 6 Jan, done Thu 7 Jan
    assert [n.stage for n in nudges_on(e, cal, D(2027, 1, 7))] == []
    assert [n.stage for n in nudges_on(e, cal, D(2027, 1, 6))] == ["due_today"]
    papers = t.entry("papers_circulated")  # due Wed 20 Jan; never escalated
    assert [n.stage for n in nudges_on(papers, cal, D(2027, 1, 22))] == ["overdue"]
    halton_panel = halton().entry("virtual_panel")  # due Tue 29 Dec; escalate after 1 day
    hal = calendar_for(HALTON)
    assert nudges_on(halton_panel, hal, D(2026, 12, 24)) == ()  # no heads-up stage
    assert [(n.stage, n.to) for n in nudges_on(halton_panel, hal, D(2026, 12, 30))] == [
        ("overdue", "business_unit"),  # the business unit arranges it; managers are told
        ("escalation", "manager"),
    ]
    waiting = t.entry("local_review_report")
    assert nudges_on(waiting, cal, D(2027, 1, 6)) == ()


def test_nudge_times_are_london_wall_clock_times() -> None:
    t = compute_timeline(
        STOCKPORT, calendar_for(STOCKPORT), {"referral_received": at("2026-07-02T10:00:00Z")}
    )
    e = t.entry("national_panel_notification")  # due Thu 9 July 2026
    (nudge,) = nudges_on(e, calendar_for(STOCKPORT), D(2026, 7, 9))
    assert nudge.at.isoformat() == "2026-07-09T09:00:00+01:00"  # 08:00 UTC in summer
    assert nudges_on(e, calendar_for(STOCKPORT), D(2026, 7, 11)) == ()  # a Saturday


def test_milestones_without_a_completing_event_can_be_marked_done() -> None:
    events = {"referral_received": CHRISTMAS_EVE}
    done = {"national_panel_notification": at("2026-12-31T11:00:00+00:00")}
    t = compute_timeline(STOCKPORT, calendar_for(STOCKPORT), events, completed=done)
    e = t.entry("national_panel_notification")
    assert (e.completed_on, e.due) == (D(2026, 12, 31), D(2027, 1, 5))
    assert next_due(t, D(2027, 1, 4)) == t.entry("rapid_review_report")
    assert next_due(t, D(2026, 12, 30)) == e  # not done yet on the 30th
    with pytest.raises(ValueError, match="unknown milestone 'notify'"):
        compute_timeline(
            STOCKPORT, calendar_for(STOCKPORT), events, completed={"notify": CHRISTMAS_EVE}
        )


def test_a_plan_whose_dates_contradict_each_other_says_so_with_the_dates() -> None:
    """Stockport, decided on working day 4: the meeting's window runs to working day 17 and
    the papers to day 16, after the report due on day 15. Decided on day 1: no conflict."""
    from review.timeline import conflicts

    received = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday
    late = compute_timeline(
        STOCKPORT,
        calendar_for(STOCKPORT),
        {"referral_received": received, "panel_decision": datetime(2026, 11, 27, 10, tzinfo=UTC)},
        "rapid_review",
    )
    found = {(c.milestone.id, c.ends, c.before.id, c.due) for c in conflicts(late)}
    assert found == {
        ("rapid_review_meeting", D(2026, 12, 16), "rapid_review_report", D(2026, 12, 14)),
        ("papers_circulated", D(2026, 12, 15), "rapid_review_report", D(2026, 12, 14)),
    }
    said = [c.describe() for c in conflicts(late)]
    assert "Hold the Rapid Review Panel meeting may be as late as Wed 16 Dec 2026" in said[0]
    assert "is due on Mon 14 Dec 2026" in said[0]
    early = compute_timeline(
        STOCKPORT,
        calendar_for(STOCKPORT),
        {"referral_received": received, "panel_decision": datetime(2026, 11, 24, 10, tzinfo=UTC)},
        "rapid_review",
    )
    assert conflicts(early) == ()
