"""Any agency on a case (issue 24): a manager adds one the profile does not list (its name,
and its safeguarding lead's name and work email) from the case's buttons. The agency is kept
(`AddedAgency`), its lead is put on the roster as its `agency_lead` (found by email until
their first message fills in their Entra id), and from then on it is asked, reminded, invited
and reported like the profile's own: every part of the bot reads agencies from the profile,
which takes in the added ones (`AppContext.refresh_agencies`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.pathways import managers_case
from bot.usecases.people import Person, refusals_audited
from cards.agencies import add_agency_card, agency_added_card
from review.agencies import check_new_agency
from storage import agencies as agency_repo
from storage import repositories as repo
from storage.models import Case, Member

_ACTION = "agency.add"
ONLY = "Only a partnership manager can add an agency to a case."


async def _manager_case(
    app: AppContext, session: AsyncSession, reference: str, person: Person
) -> tuple[Case, Member]:
    return await managers_case(app, session, reference, person, _ACTION, only=ONLY)


@refusals_audited
async def add_agency_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The add-agency card, for managers."""
    async with app.db.session() as session, session.begin():
        case, _ = await _manager_case(app, session, reference, person)
    return add_agency_card(reference=case.reference, values={}, errors={})


@refusals_audited
async def add_agency(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Add the agency and its lead; the card in its final state (or again, with errors)."""
    now = app.now()
    own = [a.name for a in app.profile.agencies if not a.added]
    new, errors, typed = check_new_agency(raw, profile_names=own)
    async with app.db.session() as session, session.begin():
        case, member = await _manager_case(app, session, reference, person)
        if new is None:
            return add_agency_card(reference=case.reference, values=typed, errors=errors)
        agency = await agency_repo.agency_named(session, app.partnership_id, new.name)
        created = agency is None
        if agency is None:
            agency = await agency_repo.add_agency(
                session,
                partnership_id=app.partnership_id,
                name=new.name,
                now=now,
                member_id=member.id,
                case_id=case.id,
            )
        lead = await repo.find_member(
            session, app.partnership_id, aad_object_id=None, email=new.lead_email
        )
        if lead is not None and lead.agency != agency.key:
            return add_agency_card(
                reference=case.reference,
                values=typed,
                errors={
                    "lead_email": f"{new.lead_email} is on the roster for "
                    f"{app.profile.agency_name(lead.agency)}: give the lead's own work email."
                },
            )
        if lead is None:
            lead = await repo.upsert_member(
                session,
                app.partnership_id,
                email=new.lead_email,
                name=new.lead_name,
                agency=agency.key,
                roles=["agency_lead"],
            )
        elif "agency_lead" not in lead.roles:
            lead.roles = [*lead.roles, "agency_lead"]
        await repo.audit(
            session,
            action=_ACTION,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={"agency": agency.key, "lead_member_id": lead.id, "new_agency": created},
        )
        names = (agency.name, lead.name)
    await app.refresh_agencies()
    return agency_added_card(
        reference=case.reference, agency_name=names[0], lead_name=names[1], new_agency=created
    )
