"""Who the child and family are, on a need-to-know basis (Appendix D sections A and B).

The child's name, date of birth and current location, and the significant family and
household members, are shown only to the people the process needs: the panel members and
deputies, the managers, the chair, the referrer, and the safeguarding leads of the agencies
asked for information on the case, from their request until the case closes. Every view is an
audit event (who, when, which case); every refusal too. Nothing here is ever put in a channel
card, a log line or a file name: the card goes to the person's own 1:1 chat.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.additions import current_form
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.roles import holds_any
from cards.referral import identity_card
from storage import after as after_repo
from storage import cases as case_repo
from storage import repositories as repo
from storage.models import Case, Member

IDENTITY_READERS = (
    "the panel, the partnership's managers, the chair, the referrer, and the safeguarding "
    "leads of the agencies asked about this case"
)
_ACTION = "identity.view"
_READING_ROLES = ("panel", "deputy", "manager", "chair")


async def may_see_identity(
    app: AppContext, session: AsyncSession, case: Case, person: Person, member: Member | None
) -> bool:
    """True when the person is one of `IDENTITY_READERS` for this case now."""
    if bool(person.aad_object_id) and person.aad_object_id == case.referrer_aad_object_id:
        return True
    if member is None or not member.active:
        return False
    if holds_any(app, member, _READING_ROLES):
        return True
    return await asked_lead(session, case, member)


async def asked_lead(session: AsyncSession, case: Case, member: Member) -> bool:
    """True when `member` leads an agency asked for information on this open case."""
    if "agency_lead" not in member.roles or case.status not in OPEN_CASE_STATUSES:
        return False
    return any(r.agency == member.agency for r in await after_repo.requests_of(session, case.id))


@refusals_audited
async def view_identity(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The identity card for one of `IDENTITY_READERS` (audited), else refused (audited)."""
    async with app.db.session() as session, session.begin():
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            raise Refused(
                "That case does not exist in this partnership.",
                action=_ACTION,
                detail={"reference": reference[:40]},
            ) from None
        member = await member_for(app, session, person)
        if not await may_see_identity(app, session, case, person, member):
            raise Refused(
                f"Only {IDENTITY_READERS} can see who the child and family are.",
                action=_ACTION,
                case=case,
            )
        form = await current_form(session, case.id)
        named = [
            (app.profile.agency_name(r.agency), str((r.answers or {}).get("family_members", "")))
            for r in await after_repo.requests_of(session, case.id)
            if str((r.answers or {}).get("family_members", "")).strip()
        ]
        await repo.audit(
            session,
            action=_ACTION,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
        )
    return identity_card(
        reference=case.reference,
        child=form.get("child") or {},
        family=form.get("family") or {},
        from_returns=named,
        readers=IDENTITY_READERS,
    )
