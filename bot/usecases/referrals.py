"""Referral use cases: submit a completed form, list a person's referrals.

No Bot Framework types here: the dialog passes plain data in and gets plain data out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case, timeline_for
from bot.usecases.people import Person
from review.calendar import london_date
from review.referral import FIELD_INFO, OTHER_AGENCY, FormInvalid, outstanding, validate_form
from review.timeline import Timeline, next_due
from storage import agencies as agency_repo
from storage import cases as case_repo
from storage import repositories as repo
from storage.cases import DuplicateSubmission
from storage.models import Case, OutboundMessage

log = logging.getLogger(__name__)

# The referrer hears about these milestones (when the profile has them), in this order.
REFERRER_MILESTONES = (
    "virtual_panel",
    "referrer_informed",
    "national_panel_notification",
    "rapid_review_report",
)


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submit: the case reference, and whether this submit created it."""

    reference: str
    created: bool
    pathway_label: str
    next_steps: tuple[tuple[str, date], ...] = ()
    not_known_yet: tuple[str, ...] = ()
    """The titles of the questions sent "not known yet", to add later."""


def referrer_next_steps(app: AppContext, timeline: Timeline) -> tuple[tuple[str, date], ...]:
    """What the referrer is told happens next, with dates."""
    steps = []
    for milestone_id in REFERRER_MILESTONES:
        try:
            entry = timeline.entry(milestone_id)
        except KeyError:
            continue
        if entry.due is not None and entry.milestone.applies_to(timeline.pathway):
            steps.append((entry.milestone.title, entry.due))
    return tuple(steps)


async def submit_referral(
    app: AppContext, *, draft_id: str, form: Mapping[str, Mapping[str, str]], person: Person
) -> Submitted:
    """Validate the whole form and open a case (once per draft, however often it is sent)."""
    now = app.now()
    today = london_date(now)
    agency_ids = [*(a.id for a in app.profile.agencies), OTHER_AGENCY]
    results = validate_form(
        form,
        today=today,
        agency_ids=agency_ids,
        pathways=app.profile.pathways,
        required=app.profile.required_fields,
    )
    if not all(r.ok for r in results.values()):
        raise FormInvalid(results)
    clean = {section: dict(r.values) for section, r in results.items()}
    pathway = clean["pathway"]["pathway"]
    label = app.profile.pathway(pathway).label
    async with app.db.session() as session, session.begin():
        member = await repo.find_member(
            session, app.partnership_id, aad_object_id=person.aad_object_id, email=person.email
        )
        try:
            case = await case_repo.open_case(
                session,
                partnership_id=app.partnership_id,
                prefix=app.profile.partnership.reference_prefix,
                year=today.year,
                received_at=now,
                pathway_sought=pathway,
                referring_agency=await _referring_agency(app, session, clean["referrer"], now),
                event_date=date.fromisoformat(clean["child"]["event_date"]),
                referrer_member_id=member.id if member else None,
                referrer_aad_object_id=person.aad_object_id,
                submission_key=draft_id,
                form=clean,
                # A Rapid Review's clock is statutory: its panel opens at once; the other
                # pathways wait for a manager to open the panel on them.
                status="panel"
                if app.profile.pathway(pathway).starts == "rapid_review"
                else "received",
            )
        except DuplicateSubmission as dup:
            await repo.audit(
                session,
                action="referral.submit",
                actor=person.aad_object_id,
                partnership_id=app.partnership_id,
                outcome="duplicate",
                detail={"reference": dup.reference},
            )
            return Submitted(dup.reference, False, label)
        if case.status == "panel":
            case.panel_opened_at = now
            await case_repo.record_event(session, case.id, "virtual_panel_arranged", now)
        await replan_case(app, session, case)
        timeline = timeline_for(app, case, {"referral_received": now})
        session.add(
            OutboundMessage(
                case_id=case.id,
                partnership_id=app.partnership_id,
                kind="case_card",
                milestone="case_card",
                stage="post",
                due_on=today,
                send_after=now,
            )
        )
        await repo.audit(
            session,
            action="referral.submit",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"reference": case.reference, "pathway_sought": pathway},
        )
        reference = case.reference
    log.info("referral submitted", extra={"case": reference})
    if clean["referrer"].get("agency") == OTHER_AGENCY:
        await app.refresh_agencies()  # "another agency" is one of the list from now on
    missing = tuple(FIELD_INFO[f].title for f in outstanding(clean, app.profile.required_fields))
    return Submitted(reference, True, label, referrer_next_steps(app, timeline), missing)


async def _referring_agency(
    app: AppContext, session: AsyncSession, referrer: Mapping[str, str], now: datetime
) -> str:
    """The referring agency's id; "another agency" named on the form is kept as an added
    agency (the same name again is the same agency), so it can be asked like any other."""
    if referrer.get("agency") != OTHER_AGENCY:
        return referrer["agency"]
    name = referrer["agency_other"]
    found = await agency_repo.agency_named(session, app.partnership_id, name)
    if found is None:
        own = next((a for a in app.profile.agencies if a.name.lower() == name.lower()), None)
        if own is not None:
            return own.id
        found = await agency_repo.add_agency(
            session,
            partnership_id=app.partnership_id,
            name=name,
            now=now,
            member_id=None,
            case_id=None,
        )
    return found.key


@dataclass(frozen=True)
class CaseSummary:
    """A case as its referrer sees it in `my referrals`."""

    reference: str
    status: str
    received: date


async def referrals_of(app: AppContext, person: Person) -> Sequence[CaseSummary]:
    """The person's submitted referrals, newest first."""
    if not person.aad_object_id:
        return []
    async with app.db.session() as session:
        found = await case_repo.cases_referred_by(session, app.partnership_id, person.aad_object_id)
        return [CaseSummary(c.reference, c.status, london_date(c.received_at)) for c in found]


def next_deadline(
    app: AppContext, case: Case, events: Mapping[str, datetime]
) -> tuple[str, date] | None:
    """The title and date of the case's next open milestone."""
    timeline = timeline_for(app, case, events)
    entry = next_due(timeline, london_date(app.now()))
    if entry is None or entry.due is None:
        return None
    return entry.milestone.title, entry.due


async def submitted_reference(app: AppContext, draft_id: str) -> str | None:
    """The reference of the case a draft was submitted as (None: not submitted)."""
    async with app.db.session() as session:
        case = await case_repo.case_for_submission(session, draft_id)
    return case.reference if case else None
