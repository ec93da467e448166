"""The serious incident notification (issue 25): the draft to the notifier when the panel
agrees the incident is notifiable, its Word copy, and "notified on DATE" with the National
Panel's reference, which completes the notification milestone (`national_panel_notified`).

Who notifies is the profile's `notifier` role (Stockport: "the Head of the Safeguarding and
Learning Unit or a delegated officer"; Halton: "the Head of Safeguarding"); where no one on
the roster holds it, the managers get the draft, so it is never lost. Managers may record the
notification too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.additions import current_form
from bot.usecases.casework import case_timeline, replan_case
from bot.usecases.pathways import noon
from bot.usecases.people import Person, Refused, lock_or_refuse, member_for, refusals_audited
from bot.usecases.rapid_review import DOCX, offer_file
from bot.usecases.roles import holds, who
from cards.notification import notification_draft_card, notification_recorded_card
from review.calendar import london_date
from review.notification import NotificationDraft, check_notified, notification_docx
from review.notification import notification_draft as draft_of
from storage import after as after_repo
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Member

NOTIFIER = "notifier"
EVENT = "national_panel_notified"
MILESTONE = "national_panel_notification"
_ROLES = (NOTIFIER, "manager")


def notifiers(app: AppContext, people: Sequence[Member]) -> list[Member]:
    """Who gets the draft: the notifier role's holders, else the managers."""
    found = [m for m in people if holds(app, m, NOTIFIER)]
    return found or [m for m in people if holds(app, m, "manager")]


async def plan_drafts(app: AppContext, session: AsyncSession, case: Case) -> None:
    """When the panel agrees the incident is notifiable: the draft to each notifier (1:1)."""
    now = app.now()
    for member in notifiers(app, await repo.members(session, app.partnership_id)):
        await panel_repo.plan_message(
            session,
            case=case,
            kind="notification_draft",
            milestone=MILESTONE,
            stage=f"notifier-{member.id}",
            due_on=london_date(now),
            send_after=now,
        )


async def draft(app: AppContext, session: AsyncSession, case: Case) -> NotificationDraft:
    """The draft from what the case holds now."""
    form = await current_form(session, case.id)
    agencies = [app.profile.agency_name(case.referring_agency)]
    agencies += [
        app.profile.agency_name(r.agency) for r in await after_repo.requests_of(session, case.id)
    ]
    la = app.profile.statutory_partner("la").name
    return draft_of(form, reference=case.reference, local_authority=la, agencies=agencies)


async def draft_card(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The draft card for the case now (with the notification milestone's due date)."""
    timeline = await case_timeline(app, session, case)
    try:
        due = timeline.entry(MILESTONE).due
    except KeyError:
        due = None
    return notification_draft_card(
        await draft(app, session, case), due=due, errors=errors, values=values
    )


async def _notifier_case(
    app: AppContext, session: AsyncSession, reference: str, person: Person, action: str
) -> tuple[Case, Member]:
    case = await lock_or_refuse(session, app, reference, action)
    member = await member_for(app, session, person)
    if member is None or not any(holds(app, member, role) for role in _ROLES):
        raise Refused(
            f"Only {who(app, list(_ROLES))} can notify the National Panel.",
            action=action,
            case=case,
        )
    if case.notifiable is False:
        raise Refused(
            f"The panel decided the incident on {case.reference} is not notifiable.",
            action=action,
            case=case,
        )
    return case, member


@refusals_audited
async def word_copy(app: AppContext, *, reference: str, person: Person) -> str:
    """The draft as a Word document, offered to the person in 1:1; what to tell them."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member = await _notifier_case(app, session, reference, person, "notification.docx")
        content = notification_docx(await draft(app, session, case), on=london_date(now))
        offered = await offer_file(
            app,
            session,
            case,
            [member],
            now,
            name=f"{case.reference}-notification-draft.docx",
            description=f"The serious incident notification, drafted, for {case.reference}",
            content_type=DOCX,
            content=content,
        )
        await repo.audit(
            session,
            action="notification.docx",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
        )
    if not offered:
        return "The Word copy is waiting for you: Teams could not reach you just now."
    return "The Word copy is on its way to this chat."


@refusals_audited
async def record_notification(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """ "Notified on DATE" with the reference: completes the milestone; the card's final state
    (or the draft again with its errors)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member = await _notifier_case(app, session, reference, person, "notification.record")
        values = {k: str(raw.get(k) or "")[:200] for k in ("notified_on", "notification_reference")}
        done, errors = check_notified(
            raw, today=london_date(now), received=london_date(case.received_at)
        )
        if done is None:
            return await draft_card(app, session, case, errors=errors, values=values)
        day, national_ref = done
        at = noon(day)
        if not await case_repo.record_event(session, case.id, EVENT, at, member.id):
            raise Refused(
                f"The notification on {case.reference} is already recorded "
                f"(reference {case.national_panel_reference or 'not given'}).",
                action="notification.record",
                case=case,
            )
        case.national_panel_reference = national_ref
        await replan_case(app, session, case)
        await repo.audit(
            session,
            action="notification.record",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"notified_on": day.isoformat()},
        )
    return notification_recorded_card(
        reference=case.reference, notified_on=day, national_ref=national_ref
    )
