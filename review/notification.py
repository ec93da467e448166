"""The serious incident notification to the National Panel, drafted from what a case holds.

The government's online notification form does not save a draft and times out after twenty
minutes idle, so the notifier (the profile's `notifier`: the Head of Safeguarding or a
delegate) gets every answer ready to copy: the child's age, gender and disability; the date
and nature of the incident (death or serious harm); whether the child is looked after and
whether it happened outside England; the agencies involved; a short summary of the facts;
and the local authority. The notifier then records "notified on DATE" with the
notification's reference (`check_notified`).

Nothing here reads the clock or the database.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from docx import Document
from docx.shared import Pt

from review.answers import UNREADABLE, clean_text
from review.referral import (
    GENDERS,
    HARM_KINDS,
    NOT_KNOWN_YET,
    YES_NO,
    derived_age,
    format_date,
    parse_iso_date,
)
from review.report import xml_safe

__all__ = [
    "REFERENCE_MAX",
    "SUMMARY_MAX",
    "NotificationDraft",
    "check_notified",
    "notification_docx",
    "notification_draft",
]

SUMMARY_MAX = 1500
"""The summary of the facts is cut here (the referral's key issues, as the referrer put them)."""
REFERENCE_MAX = 100
CONFIDENTIAL = "OFFICIAL-SENSITIVE: for the notifier only"


@dataclass(frozen=True, slots=True)
class NotificationDraft:
    """Every answer the online form asks, as the case holds it (`NOT_KNOWN_YET` where not)."""

    reference: str
    local_authority: str
    child_age: str
    gender: str
    disability: str
    incident_date: str
    harm: str
    looked_after: str
    outside_england: str
    agencies: tuple[str, ...]
    summary: str

    def facts(self) -> list[tuple[str, str]]:
        """The answers as (question, answer), in the online form's order."""
        return [
            ("Local authority", self.local_authority),
            ("Date of the incident", self.incident_date),
            ("Death or serious harm", self.harm),
            ("Child's age at the incident", self.child_age),
            ("Gender", self.gender),
            ("Disability", self.disability),
            ("Looked after", self.looked_after),
            ("Outside England", self.outside_england),
            ("Agencies involved", ", ".join(self.agencies) or NOT_KNOWN_YET),
        ]


def _answer(values: Mapping[str, object], key: str, words: Mapping[str, str]) -> str:
    value = values.get(key)
    return words.get(value, NOT_KNOWN_YET) if isinstance(value, str) else NOT_KNOWN_YET


def notification_draft(
    form: Mapping[str, Mapping[str, object]],
    *,
    reference: str,
    local_authority: str,
    agencies: Sequence[str],
) -> NotificationDraft:
    """The draft from the referral as it stands (answers added later included)."""
    child = form.get("child") or {}
    views = form.get("views") or {}
    age = derived_age(child)
    event = parse_iso_date(child.get("event_date"))
    disability = child.get("disability")
    summary = clean_text(str(views.get("key_issues") or ""))
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1].rstrip() + "…"
    return NotificationDraft(
        reference=reference,
        local_authority=local_authority,
        child_age=NOT_KNOWN_YET if age is None else str(age),
        gender=_answer(child, "gender", GENDERS),
        disability=clean_text(disability)
        if isinstance(disability, str) and disability
        else "None given",
        incident_date=format_date(event) if event else NOT_KNOWN_YET,
        harm=_answer(child, "harm_kind", HARM_KINDS),
        looked_after=_answer(child, "looked_after", YES_NO),
        outside_england=_answer(child, "outside_england", YES_NO),
        agencies=tuple(dict.fromkeys(agencies)),
        summary=summary or NOT_KNOWN_YET,
    )


def notification_docx(draft: NotificationDraft, *, on: date) -> bytes:
    """The draft as a Word document to copy from (no name of the child or family in it)."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    run = header.add_run(CONFIDENTIAL)
    run.bold = True
    run.font.size = Pt(9)
    doc.add_heading(xml_safe(f"Serious incident notification — draft for {draft.reference}"), 1)
    doc.add_paragraph(
        "Every answer the online notification form asks, as the case holds it. The online "
        "form does not save a draft and times out after 20 minutes idle: copy from here."
    )
    for question, answer in draft.facts():
        paragraph = doc.add_paragraph()
        paragraph.add_run(xml_safe(f"{question}: ")).bold = True
        paragraph.add_run(xml_safe(answer))
    doc.add_heading("A short summary of the facts", 2)
    doc.add_paragraph(xml_safe(draft.summary))
    props = doc.core_properties
    props.title = xml_safe(f"Notification draft — {draft.reference}")
    props.author = ""
    props.comments = ""
    stamp = datetime.combine(on, time(12, 0), tzinfo=UTC)
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def check_notified(
    raw: Mapping[str, object], *, today: date, received: date
) -> tuple[tuple[date, str] | None, dict[str, str]]:
    """("notified on" and the notification's reference, {}) or (None, errors by input id):
    a real date, not in the future and not before the referral was received."""
    errors: dict[str, str] = {}
    day_raw = raw.get("notified_on")
    day = parse_iso_date(day_raw) if isinstance(day_raw, str) else None
    if day_raw is not None and not isinstance(day_raw, str):
        errors["notified_on"] = UNREADABLE
    elif day is None:
        errors["notified_on"] = "Pick the date the National Panel was notified."
    elif day > today:
        errors["notified_on"] = "The notification date cannot be in the future."
    elif day < received:
        errors["notified_on"] = (
            f"The notification date cannot be before the referral was received "
            f"({format_date(received)})."
        )
    ref_raw = raw.get("notification_reference")
    if ref_raw is not None and not isinstance(ref_raw, str):
        errors["notification_reference"] = UNREADABLE
        ref = ""
    else:
        ref = clean_text(ref_raw or "", multiline=False)
        if not ref:
            errors["notification_reference"] = "Enter the reference the notification was given."
        elif len(ref) > REFERENCE_MAX:
            errors["notification_reference"] = (
                f"Keep the reference to {REFERENCE_MAX} characters or fewer."
            )
    if errors or day is None:
        return None, errors
    return (day, ref), {}
