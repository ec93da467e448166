"""Complaints about a case, a register: each complaint's own due date (the profile's
`complaint_response` milestone counted from the day it was received), the checks on a date
typed for one, and the written response's template as a Word document, with how to contact
the Local Government and Social Care Ombudsman. No child details in the template."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

from docx import Document
from docx.shared import Pt

from review.calendar import WorkingCalendar
from review.profiles import CalendarDaysAfter, MonthsAfter, Profile, WorkingDaysAfter
from review.referral import format_date
from review.report import CONFIDENTIAL, xml_safe

__all__ = [
    "COMPLAINT_MILESTONE",
    "OMBUDSMAN_PHONE",
    "OMBUDSMAN_WEBSITE",
    "check_complaint_day",
    "complaint_due",
    "response_template_docx",
]

COMPLAINT_MILESTONE = "complaint_response"
OMBUDSMAN = "the Local Government and Social Care Ombudsman"
OMBUDSMAN_WEBSITE = "https://www.lgo.org.uk"
OMBUDSMAN_PHONE = "0300 061 0614"


def complaint_due(profile: Profile, calendar: WorkingCalendar, received_on: date) -> date | None:
    """The day a complaint received on `received_on` must be answered by (the profile's
    `complaint_response` offset), or None when the profile counts no such deadline."""
    milestone = next((m for m in profile.milestones if m.id == COMPLAINT_MILESTONE), None)
    if milestone is None:
        return None
    offset = milestone.offset
    if isinstance(offset, CalendarDaysAfter):
        return calendar.add_calendar_days(received_on, offset.days)
    if isinstance(offset, WorkingDaysAfter):
        return calendar.add_working_days(received_on, offset.working_days)
    if isinstance(offset, MonthsAfter):
        return calendar.add_months(received_on, offset.months)
    return None


def check_complaint_day(day: date | None, *, today: date, referred_on: date) -> str | None:
    """Why a complaint's received date (or a response date) cannot be taken, or None."""
    if day is None:
        return "Give the date as YYYY-MM-DD, for example 2027-05-03."
    if day > today:
        return f"{format_date(day)} is in the future: give the date it happened."
    if day < referred_on:
        return f"{format_date(day)} is before the case was referred ({format_date(referred_on)})."
    return None


def response_template_docx(
    *,
    reference: str,
    partnership_name: str,
    received_on: date,
    due: date | None,
    day: date,
) -> bytes:
    """The written response to a complaint, as a Word template for the manager to complete:
    the case reference and dates only, and how to contact the Ombudsman."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    header.text = ""
    run = header.add_run(CONFIDENTIAL)
    run.bold = True
    run.font.size = Pt(9)
    title = f"Written response to a complaint — {reference}"
    doc.add_heading(xml_safe(title), level=0)
    doc.add_paragraph(xml_safe(f"{partnership_name}. Case reference {reference}."))
    when = f"We received your complaint on {format_date(received_on)}."
    if due is not None:
        when += f" We respond in writing by {format_date(due)}."
    doc.add_paragraph(when)
    doc.add_heading("Your complaint", level=1)
    doc.add_paragraph("[What the complaint is about, in the complainant's words.]")
    doc.add_heading("What we found", level=1)
    doc.add_paragraph("[What was looked at, by whom, and what was found.]")
    doc.add_heading("What we will do", level=1)
    doc.add_paragraph("[Any action agreed, and when it will happen.]")
    doc.add_heading("If you are not satisfied", level=1)
    doc.add_paragraph(
        "If you are not satisfied with this response, you can ask "
        f"{OMBUDSMAN} to look at your complaint. The Ombudsman is independent and free to use."
    )
    doc.add_paragraph(f"Website: {OMBUDSMAN_WEBSITE}")
    doc.add_paragraph(f"Telephone: {OMBUDSMAN_PHONE}")
    doc.add_paragraph("[Name and role of the partnership manager]")
    props = doc.core_properties
    props.title = xml_safe(title)
    props.author = xml_safe(partnership_name)
    props.last_modified_by = xml_safe(partnership_name)
    props.keywords = CONFIDENTIAL
    props.comments = ""
    props.revision = 1
    stamp = datetime.combine(day, time(12, 0), tzinfo=UTC)
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
