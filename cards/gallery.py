"""Every kind of card the bot sends, filled with fictional demo data.

``GALLERY`` maps a card kind to a function building that card; the tests check every entry
with the official renderer, and ``export_gallery`` writes them out to paste into the Adaptive
Cards designer or to attach to a review. Add a card kind here when you add a card.

Run ``python -m cards.gallery DIRECTORY`` to export.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from cards.after import (
    CHAIR_PARTS,
    RETURN_PARTS,
    chair_notes_card,
    demo_chronology_rows,
    information_request_card,
    meeting_notice_card,
    meeting_proposal_card,
    report_ready_card,
    returns_status_card,
)
from cards.agencies import add_agency_card, agency_added_card
from cards.audit import audit_card, demo_audit_lines
from cards.base import Card, adaptive_card
from cards.closing import (
    Stopping,
    case_closed_card,
    case_reopened_card,
    close_confirm_card,
    reopen_form,
)
from cards.complaints import ComplaintView, complaint_card, complaints_list_card
from cards.escalation import escalation_card, escalation_outcome_card, mediation_notice_card
from cards.learning import LearningState, learning_agenda_card, learning_card
from cards.national_panel import answer_card, answer_recorded_card, reopened_card
from cards.notification import notification_draft_card, notification_recorded_card
from cards.nudges import (
    case_timeline_card,
    cases_card,
    demo_case_list_rows,
    demo_digest_rows,
    demo_nudge_view,
    demo_timeline_rows,
    digest_card,
    nudge_card,
)
from cards.panel import (
    CAN_OPEN_PANEL,
    CAN_RECORD_OFFLINE,
    CAN_VIEW,
    CAN_VOTE,
    decision_notice_card,
    demo_panel_view,
    demo_voting_view,
    disagreement_notice,
    offline_decision_card,
    open_panel_offer_card,
    panel_card,
    queries_answer_card,
    queries_card,
    vote_refused_card,
    voting_card,
)
from cards.progress import progress_card
from cards.reasons import reasons_card, reasons_form_card, reasons_sent_card
from cards.referral import (
    DEMO_AGENCIES,
    Addition,
    add_information_card,
    cancel_confirm_card,
    channel_case_card,
    demo_referral_form,
    identity_card,
    information_added_card,
    my_referrals_card,
    referral_confirmation_card,
    referral_details_card,
    referral_step_card,
    referral_summary_card,
)
from cards.requests import (
    ACTION_CHAIR_OPEN,
    ACTION_MEETING_OPEN,
    ACTION_REPORT_OPEN,
    ACTION_RETURNS_PICK,
    AgencyChoice,
    agency_picker_card,
    next_steps_card,
)
from cards.roster import (
    demo_roster_choices,
    demo_roster_people,
    roster_add_card,
    roster_card,
    roster_done_card,
    roster_file_card,
    roster_file_problems_card,
    roster_matches_card,
    roster_person_card,
    roster_preview_card,
    roster_refused_card,
    roster_remove_card,
)
from cards.undelivered import not_reached_card
from cards.welcome import help_card, team_welcome_card, welcome_card
from review.notification import notification_draft
from review.profiles import LEARNING_METHODS

__all__ = ["DEMO_PARTNERSHIP", "GALLERY", "export_gallery", "main"]

DEMO_PARTNERSHIP = "Northdale Safeguarding Children Partnership"
"""A fictional partnership name for demo cards."""

_DEMO_RETURN: dict[str, str] = {
    "involved": "yes",
    "records_secured": "true",
    "author_name": "Sam Lead",
    "author_role": "Named Nurse, Safeguarding Children",
    "practitioners": "Alex Visitor, health visitor, 0161 496 0000",
    "quality_assured_by": "Jo Sample, Head of Safeguarding",
    "family_members": "Parent A (mother), Parent B (father); both at the family home.",
    "involvement_child": "Seen at two health visitor contacts; growth concerns noted.",
    "involvement_parental_capacity": "Mother engaged with the first visit, missed the next two.",
    "involvement_family_environment": "Housing was overcrowded; the family had moved recently.",
    "involvement_multi_agency": "The referral to the GP was made, but no follow-up was agreed.",
    "actions_identified": "Review the was-not-brought policy with the health visiting team.",
    "views_of_child_family": "Mother said she found the clinic hard to reach by bus.",
}
"""A fictional agency's return, issues for the panel still to give (shown as an error)."""

_DEMO_CHAIR_NOTES: dict[str, str] = {
    "attendees": "Jo Sample — Northdale Council (business unit manager)\n"
    "Robin Sample — Northdale ICB (panel member, chair)",
    "overview": "A fictional case: an infant with growth concerns, known to two agencies.",
    "q4_1": "Growth concerns were not followed up between agencies.",
    "q4_3": "Information about missed appointments was not shared with the GP.",
    "q4_4": "No.",
    "safeguarding_arrangements": "The baby's sibling is staying with grandparents.",
    "immediate_learning": "Growth concerns are to be shared with the GP at once.",
    "further_learning": "How agencies follow up missed health appointments.",
    "conclusion": "local_review",
    "action_1": "Share the learning brief",
    "owner_1": "Jo Sample",
    "due_1": "2026-12-18",
}
"""Fictional chair's notes: 4.2 and the reasons still to give (shown as errors)."""


def _demo_information_request(part: int, returned: bool = False, editable: bool = True) -> Card:
    """One part of a fictional agency's information request."""
    return information_request_card(
        reference="NSCP-2026-0001",
        agency_name="Northdale Hospitals NHS Trust",
        due=date(2026, 12, 8),
        values=dict(_DEMO_RETURN),
        errors={}
        if returned
        else {"issues_for_panel": "Give the issues your agency wants the panel to discuss."},
        chronology_rows=demo_chronology_rows(),
        token="demo-token",
        part=part,
        returned=returned,
        editable=editable,
        period=(date(2025, 11, 1), date(2026, 11, 23)),
    )


def _demo_chair_notes(part: int) -> Card:
    """One part of the fictional chair's notes."""
    return chair_notes_card(
        reference="NSCP-2026-0001",
        values=dict(_DEMO_CHAIR_NOTES),
        errors={
            "q4_2": 'Record the panel\'s notes and views on question 4.2 (write "None" if there '
            "are none).",
            "conclusion_reasons": "Give the reasons a review is or is not proposed.",
        },
        part=part,
    )


_DEMO_COMPLAINT = ComplaintView(
    reference="SSCP-2026-0001",
    complaint_id=1,
    number=1,
    received_on=date(2026, 11, 24),
    due=date(2026, 12, 22),
    status="open",
    responded_on=None,
    referred_to=None,
)


GALLERY: dict[str, Callable[[], Card]] = {
    "welcome": lambda: welcome_card(DEMO_PARTNERSHIP),
    "team_welcome": lambda: team_welcome_card(DEMO_PARTNERSHIP),
    "help": lambda: help_card(DEMO_PARTNERSHIP),
    "referral_step_pathway": lambda: referral_step_card(
        "pathway",
        {},
        {},
        token="demo-token",
        agencies=DEMO_AGENCIES,
        step_number=1,
        total_steps=4,
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_step_referrer": lambda: referral_step_card(
        "referrer",
        {"referrer_name": "Sam Example", "referrer_email": "sam.example@northdale.example"},
        {},
        token="demo-token",
        agencies=DEMO_AGENCIES,
        step_number=2,
        total_steps=4,
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_step_child": lambda: referral_step_card(
        "child",
        demo_referral_form()["child"],
        {},
        token="demo-token",
        agencies=DEMO_AGENCIES,
        step_number=3,
        total_steps=4,
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_step_child_errors": lambda: referral_step_card(
        "child",
        {"event_date": "2026-11-03", "date_of_birth": "2007-05-01", "care_leaver": "false"},
        {
            "date_of_birth": "By these dates the child was 19 on the date of the event. "
            "Referrals are for children under 18, or care leavers under 25: if they are a "
            "care leaver, tick the box below.",
            "gender": "Choose the child's gender, or Not known.",
        },
        token="demo-token",
        agencies=DEMO_AGENCIES,
        step_number=3,
        total_steps=4,
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_step_views": lambda: referral_step_card(
        "views",
        demo_referral_form()["views"],
        {},
        token="demo-token",
        agencies=DEMO_AGENCIES,
        step_number=4,
        total_steps=4,
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_summary": lambda: referral_summary_card(
        demo_referral_form(),
        token="demo-token",
        agency_names=dict(DEMO_AGENCIES),
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "referral_cancel_confirm": lambda: cancel_confirm_card(token="demo-token"),
    "referral_confirmation_not_known_yet": lambda: referral_confirmation_card(
        reference="NSCP-2026-0001",
        pathway_label="A: Rapid review",
        next_steps=(("The virtual panel decides", date(2026, 11, 24)),),
        partnership_name=DEMO_PARTNERSHIP,
        not_known_yet=("Date of birth", "Gender"),
    ),
    "add_information": lambda: add_information_card(
        reference="NSCP-2026-0001",
        fields=("phone", "date_of_birth", "gender"),
        entered={"date_of_birth": "2026-12-01"},
        errors={"date_of_birth": "The date of birth must be on or before the date of the event."},
        agencies=DEMO_AGENCIES,
    ),
    "notification_draft": lambda: notification_draft_card(
        notification_draft(
            demo_referral_form(),
            reference="NSCP-2026-0001",
            local_authority="Northdale Council Children's Services",
            agencies=("Northdale Hospitals NHS Trust", "Northdale Police"),
        ),
        due=date(2026, 11, 30),
    ),
    "notification_draft_errors": lambda: notification_draft_card(
        notification_draft(
            {}, reference="NSCP-2026-0001", local_authority="Northdale Council", agencies=()
        ),
        due=None,
        errors={"notified_on": "The notification date cannot be in the future."},
        values={"notified_on": "2026-12-31", "notification_reference": "NP-0001"},
    ),
    "escalation_mediation": lambda: escalation_card(
        reference="NSCP-2026-0001", mediation_on=None, mediation_where=None, closed=False
    ),
    "escalation_determination": lambda: escalation_card(
        reference="NSCP-2026-0001",
        mediation_on=date(2026, 12, 9),
        mediation_where="Teams",
        closed=False,
        errors={"reasons": "Write its reasons."},
    ),
    "reasons_form": lambda: reasons_form_card(
        reference="NSCP-2026-0001", outcome_label="Meets threshold for Rapid Review"
    ),
    "reasons_form_error": lambda: reasons_form_card(
        reference="NSCP-2026-0001",
        outcome_label="Meets threshold for Rapid Review",
        error="Write the panel's agreed rationale.",
    ),
    "reasons_form_no_response": lambda: reasons_form_card(
        reference="NSCP-2026-0001",
        outcome_label="Does not require a partnership response",
        ask_alternative=True,
        values={"alternative": "other"},
        errors={"alternative_other": "Say which process."},
    ),
    "reasons_sent": lambda: reasons_sent_card(
        reference="NSCP-2026-0001", agreed="The partners agreed the threshold is met."
    ),
    "reasons": lambda: reasons_card(
        reference="NSCP-2026-0001",
        outcome_label="Meets threshold for Rapid Review",
        agreed="The partners agreed the threshold is met.",
    ),
    "reasons_alternative": lambda: reasons_card(
        reference="NSCP-2026-0001",
        outcome_label="Does not require a partnership response",
        agreed="An adult's review fits the learning better.",
        alternative="A Safeguarding Adults Review (SAR)",
    ),
    "progress_meeting": lambda: progress_card(
        reference="NSCP-2026-0001", step="meeting", day=date(2026, 12, 8)
    ),
    "progress_concluded": lambda: progress_card(
        reference="NSCP-2026-0001",
        step="concluded",
        conclusion="A local child safeguarding practice review is proposed",
    ),
    "progress_report_sent": lambda: progress_card(
        reference="NSCP-2026-0001", step="report_sent", day=date(2026, 12, 21)
    ),
    "escalation_outcome": lambda: escalation_outcome_card(
        reference="NSCP-2026-0001",
        determination="The threshold decision stands; the agencies meet monthly.",
        reasons="The partners reviewed the decisions made and agreed them.",
    ),
    "close_confirm": lambda: close_confirm_card(
        reference="SSCP-2026-0001",
        milestones=[
            Stopping("Desk-top review of the action plan", date(2027, 6, 1)),
            Stopping("Local review: six months", None),
        ],
        reminders=[Stopping("Desk-top review of the action plan", date(2027, 5, 25))],
    ),
    "close_confirm_nothing": lambda: close_confirm_card(
        reference="SSCP-2026-0001", milestones=[], reminders=[]
    ),
    "case_closed": lambda: case_closed_card(reference="SSCP-2026-0001", stopped=3),
    "case_reopen_form": lambda: adaptive_card(reopen_form("SSCP-2026-0001")),
    "case_reopened": lambda: case_reopened_card(reference="SSCP-2026-0001", status_label="Decided"),
    "complaint_open": lambda: complaint_card(
        _DEMO_COMPLAINT, agencies=[("Northshire Council", "la"), ("Northshire Police", "police")]
    ),
    "complaint_error": lambda: complaint_card(
        _DEMO_COMPLAINT,
        agencies=[("Northshire Council", "la")],
        error="Tue 1 Jun 2027 is in the future: give the date it happened. Nothing was changed.",
    ),
    "complaint_responded": lambda: complaint_card(
        _DEMO_COMPLAINT._replace(status="responded", responded_on=date(2026, 12, 18)),
        agencies=[],
    ),
    "complaint_referred": lambda: complaint_card(
        _DEMO_COMPLAINT._replace(status="referred", referred_to="Northshire Police"),
        agencies=[],
        note="The template is on its way to this chat.",
    ),
    "complaints_list": lambda: complaints_list_card(
        [_DEMO_COMPLAINT, _DEMO_COMPLAINT._replace(complaint_id=2, number=2)]
    ),
    "complaints_none": lambda: complaints_list_card([]),
    "complaints_full": lambda: complaints_list_card(
        [_DEMO_COMPLAINT._replace(complaint_id=n, number=n) for n in range(1, 26)], more=4
    ),
    "mediation_notice": lambda: mediation_notice_card(
        reference="NSCP-2026-0001", mediation_on=date(2026, 12, 9), where="Teams"
    ),
    "learning_meeting": lambda: learning_card(
        reference="NSCP-2026-0001",
        group="the Practice Improvement Partnership",
        state=LearningState(),
        methods=LEARNING_METHODS,
        errors={"meeting_on": "Pick the date of the group's meeting."},
    ),
    "learning_choice": lambda: learning_card(
        reference="NSCP-2026-0001",
        group="the Practice Improvement Partnership",
        state=LearningState(meeting_on=date(2026, 12, 10)),
        methods=LEARNING_METHODS,
        values={"method": "Debrief", "lead": "Jo Sample"},
    ),
    "learning_summary": lambda: learning_card(
        reference="NSCP-2026-0001",
        group="the Practice Improvement Partnership",
        state=LearningState(
            meeting_on=date(2026, 12, 10),
            method="Debrief",
            lead="Jo Sample",
            due_on=date(2027, 2, 26),
        ),
        methods=LEARNING_METHODS,
    ),
    "learning_closed": lambda: learning_card(
        reference="NSCP-2026-0001",
        group="the Practice Improvement Partnership",
        state=LearningState(
            meeting_on=date(2026, 12, 10),
            method="Debrief",
            lead="Jo Sample",
            due_on=date(2027, 2, 26),
            closed=True,
        ),
        methods=LEARNING_METHODS,
    ),
    "learning_agenda": lambda: learning_agenda_card(
        reference="NSCP-2026-0001",
        group="the Practice Improvement Partnership",
        meeting_on=date(2026, 12, 10),
    ),
    "national_panel_answer": lambda: answer_card(
        reference="NSCP-2026-0001",
        notified_on=date(2026, 11, 24),
        values={"answer": "further_information", "asks": "The school's attendance records."},
        errors={"asks_by": "Pick the date it is asked for by."},
    ),
    "national_panel_answer_recorded": lambda: answer_recorded_card(
        reference="NSCP-2026-0001",
        answer="reconsider",
        answered_on=date(2026, 12, 18),
        asks_by=None,
        can_reopen=True,
    ),
    "panel_reopened": lambda: reopened_card(reference="NSCP-2026-0001", why="reconsider", round_=2),
    "notification_recorded": lambda: notification_recorded_card(
        reference="NSCP-2026-0001", notified_on=date(2026, 11, 24), national_ref="NP-0001"
    ),
    "agency_add": lambda: add_agency_card(
        reference="NSCP-2026-0001",
        values={"agency_name": "Northdale Academy", "lead_email": "casey at school"},
        errors={"lead_email": "Enter a full email address, like name@agency.example.gov.uk."},
    ),
    "agency_added": lambda: agency_added_card(
        reference="NSCP-2026-0001",
        agency_name="Northdale Academy",
        lead_name="Casey Teacher",
        new_agency=True,
    ),
    "identity": lambda: identity_card(
        reference="NSCP-2026-0001",
        child=demo_referral_form()["child"],
        family=demo_referral_form()["family"],
        from_returns=(("Northdale Police", "Sam Example, uncle, 2 Fictional Row, Northdale."),),
        readers="the panel, managers, the chair, the referrer and the agencies asked",
    ),
    "information_added": lambda: information_added_card(
        reference="NSCP-2026-0001", added=("Date of birth",), still_not_known=("Gender",)
    ),
    "referral_details_with_additions": lambda: referral_details_card(
        reference="NSCP-2026-0001",
        form=demo_referral_form(),
        agency_names=dict(DEMO_AGENCIES),
        received_at_text="10:02 Mon 23 Nov 2026",
        later=("gender",),
        additions=(
            Addition("Date of birth", "Thu 14 Mar 2019", "14:10 Tue 24 Nov", "Sam Example"),
        ),
    ),
    "referral_confirmation": lambda: referral_confirmation_card(
        reference="NSCP-2026-0001",
        pathway_label="A: Rapid review",
        next_steps=(
            ("The virtual panel decides", date(2026, 11, 24)),
            ("You will hear the outcome", date(2026, 11, 27)),
        ),
        partnership_name=DEMO_PARTNERSHIP,
    ),
    "channel_case": lambda: channel_case_card(
        reference="NSCP-2026-0001",
        referring_agency="Northdale Hospitals NHS Trust",
        pathway_label="A: Rapid review",
        event_date=date(2026, 11, 3),
        received_date=date(2026, 11, 20),
        next_deadline=("Notify the National Panel", date(2026, 11, 27)),
        status="Waiting for the virtual panel",
    ),
    "referral_details": lambda: referral_details_card(
        reference="NSCP-2026-0001",
        form=demo_referral_form(),
        agency_names=dict(DEMO_AGENCIES),
        received_at_text="Fri 20 Nov 2026 at 14:05",
    ),
    "my_referrals": lambda: my_referrals_card(
        drafts=(("Referral started Thu 19 Nov 2026", "Thu 19 Nov 2026 at 16:40"),),
        submitted=(
            ("NSCP-2026-0001", "Waiting for the virtual panel", "Fri 20 Nov 2026"),
            ("NSCP-2026-0002", "Rapid review meeting booked", "Mon 23 Nov 2026"),
        ),
    ),
    "channel_case_waiting_for_a_manager": lambda: channel_case_card(
        reference="NSCP-2026-0003",
        referring_agency="Northshire Police",
        pathway_label="B: a case practice review",
        event_date=date(2026, 11, 18),
        received_date=date(2026, 11, 20),
        next_deadline=None,
        status="Received",
        next_step="this referral did not seek a Rapid Review. A partnership manager opens the "
        "virtual panel when the partners are to decide its pathway.",
        actions=frozenset({CAN_VIEW, CAN_OPEN_PANEL}),
        refresh_user_ids=("8:orgid:00000000-0000-4000-8000-000000000005",),
    ),
    "open_panel_offer": lambda: open_panel_offer_card(
        reference="NSCP-2026-0003", pathway_label="B: a case practice review"
    ),
    "panel_awaiting": lambda: panel_card(demo_panel_view("awaiting")),
    "panel_awaiting_for_a_voter": lambda: panel_card(
        replace(demo_panel_view("awaiting"), actions=frozenset({CAN_VOTE, CAN_VIEW}))
    ),
    "panel_awaiting_for_a_manager": lambda: panel_card(
        replace(demo_panel_view("awaiting"), actions=frozenset({CAN_VIEW, CAN_RECORD_OFFLINE}))
    ),
    "panel_disagreement": lambda: panel_card(demo_panel_view("disagreement")),
    "panel_decided": lambda: panel_card(demo_panel_view("agreed")),
    "voting_view": lambda: voting_card(demo_voting_view()),
    "voting_view_errors": lambda: voting_card(demo_voting_view(with_errors=True)),
    "vote_refused": lambda: vote_refused_card(
        reference="NSCP-2026-0001",
        reason="Only the panel members and deputies of an agency can vote for it. "
        "Nothing was changed.",
        panel=demo_panel_view("awaiting"),
    ),
    "offline_decision": lambda: offline_decision_card(
        reference="NSCP-2026-0001",
        errors={"rationale": "Give the rationale for the decision."},
        values={"outcome": "practice_review", "decided_how": "Phone call between the partners"},
    ),
    "decision_notice": lambda: decision_notice_card(
        reference="NSCP-2026-0001",
        outcome_label="Meets threshold for Rapid Review",
        decided_at_text="14:05 Tue 24 Nov 2026",
        next_steps=(
            ("The National Panel is notified", date(2026, 11, 27)),
            ("The rapid review meeting is held", date(2026, 12, 11)),
        ),
    ),
    "decision_notice_closes": lambda: decision_notice_card(
        reference="NSCP-2026-0001",
        outcome_label="Does not require a partnership response",
        decided_at_text="14:05 Tue 24 Nov 2026",
        next_steps=(),
        closes=True,
    ),
    "queries": lambda: queries_card(
        reference="NSCP-2026-0001",
        round=1,
        questions="Local Authority:\nWas the family known to early help?\n\n"
        "Police:\nHas the incident been reported to the police?\n\n"
        "Health:\nWhen was the last health visitor contact?",
    ),
    "queries_answer": lambda: queries_answer_card(reference="NSCP-2026-0001", round=2),
    "disagreement_notice": lambda: disagreement_notice(
        reference="NSCP-2026-0001",
        manager_mentions=(("29:demo-jo", "Jo Sample"), ("29:demo-sam", "Sam Manager")),
    ),
    "roster": lambda: roster_card(
        partnership_name=DEMO_PARTNERSHIP,
        people=demo_roster_people(),
        notice="Added to the roster: Casey Example.",
    ),
    "roster_find_error": lambda: roster_card(
        partnership_name=DEMO_PARTNERSHIP,
        people=demo_roster_people(),
        find_error="No one on the roster matches 'Quinn'.",
    ),
    "roster_empty": lambda: roster_card(partnership_name=DEMO_PARTNERSHIP, people=()),
    "roster_matches": lambda: roster_matches_card(
        words="Sample", people=demo_roster_people()[1::3]
    ),
    "roster_add": lambda: roster_add_card(choices=demo_roster_choices()),
    "roster_add_errors": lambda: roster_add_card(
        choices=demo_roster_choices(),
        values={"name": "Casey Example", "email": "casey@", "roles": "deputy"},
        errors={
            "email": "'casey@' is not an email address.",
            "agency": "Choose their agency.",
        },
    ),
    "roster_person": lambda: roster_person_card(
        person=demo_roster_people()[1], choices=demo_roster_choices()
    ),
    "roster_person_deputy": lambda: roster_person_card(
        person=demo_roster_people()[3],
        choices=demo_roster_choices(),
        errors={"cover_to": "The cover cannot end before it starts."},
    ),
    "roster_remove": lambda: roster_remove_card(person=demo_roster_people()[0]),
    "roster_done": lambda: roster_done_card(
        title="Added to the roster",
        name="Casey Example",
        facts=(
            ("Email", "casey.example@northdale.example"),
            ("Agency", "Northdale Police"),
            ("Roles", "deputy"),
            ("Cover", "Tue 1 Dec 2026 to Thu 24 Dec 2026"),
        ),
    ),
    "roster_refused": lambda: roster_refused_card(
        "Only a partnership manager can change the roster. Nothing was changed."
    ),
    "roster_file": lambda: roster_file_card(max_people=2000, max_megabytes=1),
    "roster_file_problems": lambda: roster_file_problems_card(
        file_name="roster.csv",
        problems=(
            ("Row 3, email (column B)", "'casey@' is not an email address."),
            ("Row 4, agency (column C)", "'Northdale Zoo' is not an agency of this partnership."),
            (
                "Row 5, name (column A)",
                "Starts with =, +, - or @, which a spreadsheet runs as a formula.",
            ),
            ("Row 7, email (column B)", "jo.sample@northdale.example is also on row 2."),
        ),
        total=4,
    ),
    "roster_preview": lambda: roster_preview_card(
        file_name="roster.xlsx",
        upload_id=7,
        added=("Casey Example",),
        changed=("Pat Constable",),
        deactivated=("Alex Demo",),
        unchanged=3,
    ),
    "nudge_heads_up": lambda: nudge_card(demo_nudge_view("heads_up")),
    "nudge_due_today": lambda: nudge_card(demo_nudge_view("due_today")),
    "nudge_overdue": lambda: nudge_card(demo_nudge_view("overdue")),
    "nudge_escalation": lambda: nudge_card(demo_nudge_view("escalation")),
    "digest": lambda: digest_card(
        partnership_name=DEMO_PARTNERSHIP,
        day=date(2026, 11, 30),
        rows=demo_digest_rows(),
        failed_reminders=2,
        uncertain_reminders=1,
        resent_messages=1,
        undeliverable_messages=1,
    ),
    "digest_empty": lambda: digest_card(
        partnership_name=DEMO_PARTNERSHIP,
        day=date(2026, 11, 30),
        rows=(),
        failed_reminders=0,
        uncertain_reminders=0,
    ),
    "case_timeline": lambda: case_timeline_card(
        reference="NSCP-2026-0001",
        status_label="Rapid review",
        received=date(2026, 11, 18),
        pathway_label="A: Rapid review",
        rows=demo_timeline_rows(),
        can_mark_done=True,
    ),
    "case_timeline_not_delivered": lambda: case_timeline_card(
        reference="NSCP-2026-0001",
        status_label="Rapid review",
        received=date(2026, 11, 18),
        pathway_label="A: Rapid review",
        rows=demo_timeline_rows(),
        can_mark_done=True,
        not_delivered=(
            "Alex Demo (Northdale Police): the information request — no Entra id yet",
            "Sam Manager (Northdale Council): the file NSCP-2026-0001-meeting.ics — Teams "
            "refused the chat",
        ),
    ),
    "not_reached": lambda: not_reached_card(
        reference="NSCP-2026-0001",
        person_name="Alex Demo",
        agency_name="Northdale Police",
        what="The information request",
        reason="They have no Microsoft Entra id on the roster yet, so Teams cannot open a chat "
        "with them. It is recorded when they first message me.",
        copy_name="NSCP-2026-0001-information-request-northdale-police.docx",
    ),
    "not_reached_no_copy": lambda: not_reached_card(
        reference="NSCP-2026-0001",
        person_name="Jo Sample",
        agency_name="Northdale Hospitals NHS Trust",
        what="The panel's decision on their referral",
        reason="Teams refused a chat with them (403): they may be outside the partnership's "
        "Microsoft 365 tenant, or the app may be blocked for them.",
        copy_name=None,
    ),
    "cases": lambda: cases_card(rows=demo_case_list_rows()),
    "returns_status": lambda: returns_status_card(
        reference="NSCP-2026-0001",
        rows=(
            ("Northdale Council", "received", "Wed 2 Dec"),
            ("Northdale Police", "not involved", "Tue 1 Dec"),
            ("Northdale ICB", "awaited", None),
            ("Northdale Hospitals NHS Trust", "overdue", "due Fri 4 Dec"),
        ),
    ),
    "meeting_proposal": lambda: meeting_proposal_card(
        reference="NSCP-2026-0001",
        window=(date(2026, 12, 3), date(2026, 12, 11)),
        error="Sat 5 Dec 2026 is not a working day",
        values={"meeting_date": "2026-12-05", "meeting_time": "10:00", "location": "Teams"},
    ),
    "meeting_notice": lambda: meeting_notice_card(
        reference="NSCP-2026-0001",
        start_text="10:00 Thu 10 Dec 2026 (90 minutes)",
        location="Teams",
        papers_by=date(2026, 12, 9),
    ),
    "report_ready": lambda: report_ready_card(reference="NSCP-2026-0001", sent_recorded=None),
    "report_sign_off": lambda: report_ready_card(
        reference="NSCP-2026-0001",
        sent_recorded=None,
        sign_offs=[
            ("Chair of the Rapid Review meeting", "Sam Chair (fictional)", "14:05, 4 Dec 2026")
        ],
        waiting=["The Head of Safeguarding (fictional)"],
        can_sign=True,
        notice="Your sign-off was cleared: the chair's notes were changed after it.",
    ),
    "agency_picker": lambda: agency_picker_card(
        reference="NSCP-2026-0001",
        agencies=(
            AgencyChoice("northdale_council", "Northdale Council", ("Lee Authority",), None),
            AgencyChoice("northdale_police", "Northdale Police", ("Pat Constable",), "Received"),
            AgencyChoice("northdale_health", "Northdale Community Health", (), None),
        ),
        error=None,
        period=(date(2025, 11, 1), date(2026, 11, 23)),
    ),
    "next_steps": lambda: next_steps_card(
        reference="NSCP-2026-0001",
        status_label="Rapid Review",
        steps={
            ACTION_RETURNS_PICK: "Ask agencies for information",
            ACTION_MEETING_OPEN: "Book the Rapid Review meeting",
            ACTION_CHAIR_OPEN: "Chair's notes",
            ACTION_REPORT_OPEN: "The Rapid Review report",
        },
    ),
    **{
        f"information_request_part{n}": partial(_demo_information_request, part=n)
        for n in range(1, len(RETURN_PARTS) + 1)
    },
    "information_request_returned": partial(_demo_information_request, part=1, returned=True),
    **{
        f"information_request_read_only_part{n}": partial(
            _demo_information_request, part=n, returned=True, editable=False
        )
        for n in range(1, len(RETURN_PARTS) + 1)
    },
    **{
        f"chair_notes_part{n}": partial(_demo_chair_notes, part=n)
        for n in range(1, len(CHAIR_PARTS) + 1)
    },
    "audit": lambda: audit_card(
        reference="NSCP-2026-0001", lines=demo_audit_lines(4), total=34, page=2, per_page=30
    ),
    # A whole page: 30 events with details fit under Teams' 28 KB.
    "audit_full_page": lambda: audit_card(
        reference="NSCP-2026-0001", lines=demo_audit_lines(30), total=61, page=1, per_page=30
    ),
    "audit_empty": lambda: audit_card(
        reference="NSCP-2026-0001", lines=[], total=0, page=1, per_page=30
    ),
}


def export_gallery(directory: Path) -> list[Path]:
    """Write ``<kind>.json`` for every gallery card into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for kind, build in sorted(GALLERY.items()):
        path = directory / f"{kind}.json"
        path.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: export the gallery to the directory given (default ``var/cards``)."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("var/cards")
    for path in export_gallery(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
