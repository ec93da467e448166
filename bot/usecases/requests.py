"""Information requests (Appendix D): a manager picks the agencies to ask and the period under
review, and each agency's leads get the request in 1:1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import replan_case
from bot.usecases.people import Person, refusals_audited
from bot.usecases.rapid_review import MANAGERS, Reply, audit_step, decided_case, leads_for
from bot.usecases.returns import RETURN_STATUS_WORDS
from cards.base import escape_markdown
from cards.requests import (
    AgencyChoice,
    agency_picker_card,
)
from review.calendar import london_date
from review.referral import parse_iso_date
from review.returns import (
    check_review_period,
)
from storage import after as after_repo
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case


async def _picker(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    error: str | None,
    raw: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The agency picker; the period under review as `raw` gave it (a refused send), else the
    one the case's latest requests were sent with."""
    people = await repo.members(session, app.partnership_id)
    requests = await after_repo.requests_of(session, case.id)
    asked = {r.agency: r for r in requests}
    if raw is not None:
        period = (parse_iso_date(raw.get("period_from")), parse_iso_date(raw.get("period_to")))
    else:
        latest = max(requests, key=lambda r: r.requested_at, default=None)
        period = (latest.period_from, latest.period_to) if latest else (None, None)
    choices = []
    for agency in app.profile.agencies:
        request = asked.get(agency.id)
        status = None
        if request is not None:
            status = RETURN_STATUS_WORDS.get(request.status, request.status).capitalize()
        choices.append(
            AgencyChoice(
                agency_id=agency.id,
                name=agency.name,
                lead_names=tuple(m.name for m in leads_for(app, people, agency.id)),
                asked_status=status,
            )
        )
    return agency_picker_card(
        reference=case.reference, agencies=choices, error=error, period=period
    )


@refusals_audited
async def request_picker(app: AppContext, *, reference: str, person: Person) -> Reply:
    """The agencies a manager may ask for information on a Rapid Review case."""
    async with app.db.session() as session, session.begin():
        case, _, _ = await decided_case(
            app, session, person, reference, MANAGERS, "returns.pick", "send information requests."
        )
        return await _picker(app, session, case, None)


@refusals_audited
async def send_requests(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> Reply:
    """Send the information request to each chosen agency's leads; the case thread hears."""
    now = app.now()
    chosen_raw = raw.get("agencies")
    chosen = (
        [c.strip() for c in chosen_raw[:2000].split(",") if c.strip()]
        if isinstance(chosen_raw, str)
        else []
    )
    known = {a.id for a in app.profile.agencies}
    async with app.db.session() as session, session.begin():
        case, member, _ = await decided_case(
            app,
            session,
            person,
            reference,
            MANAGERS,
            "returns.request",
            "send information requests.",
        )
        if not chosen:
            return await _picker(app, session, case, "Choose at least one agency.", raw)
        if not set(chosen) <= known:
            return await _picker(
                app, session, case, "That list of agencies is not one I know. Choose again.", raw
            )
        period, wrong = check_review_period(
            raw.get("period_from"), raw.get("period_to"), today=london_date(now)
        )
        if period is None:
            return await _picker(app, session, case, f"{wrong} Nothing was sent.", raw)
        people = await repo.members(session, app.partnership_id)
        without = [app.profile.agency_name(a) for a in chosen if not leads_for(app, people, a)]
        if without:
            verb = "has" if len(without) == 1 else "have"
            return await _picker(
                app,
                session,
                case,
                f"{', '.join(without)} {verb} no safeguarding lead on the roster. Add one to "
                "the roster, or leave it unticked. Nothing was sent.",
                raw,
            )
        sent = []
        reached: list[str] = []
        not_reached: list[str] = []
        for agency_id in dict.fromkeys(chosen):
            request, created = await after_repo.add_request(
                session,
                case_id=case.id,
                agency=agency_id,
                member_id=member.id,
                now=now,
                period=period,
            )
            if not created:
                continue
            agency_name = app.profile.agency_name(agency_id)
            sent.append(agency_name)
            for lead in leads_for(app, people, agency_id):
                # A lead with no Entra id cannot be written to in Teams yet: the courier
                # finds the request undeliverable and the manager gets it as a Word document.
                (reached if lead.aad_object_id else not_reached).append(
                    escape_markdown(f"{lead.name} ({agency_name})")
                )
                await panel_repo.plan_message(
                    session,
                    case=case,
                    kind="information_request",
                    milestone="information_request",
                    stage=f"{request.id}:{lead.id}",
                    due_on=london_date(now),
                    send_after=now,
                )
        if sent:
            await case_repo.record_event(
                session, case.id, "information_request_sent", now, member.id
            )
            await panel_repo.plan_message(
                session,
                case=case,
                kind="returns_status",
                milestone="returns",
                stage=f"asked-{int(now.timestamp())}",
                due_on=london_date(now),
                send_after=now,
            )
            await replan_case(app, session, case)
        await audit_step(
            app,
            session,
            person,
            "returns.request",
            case,
            {"agencies": chosen, "period": [d.isoformat() for d in period]},
        )
    if not sent:
        return "Those agencies had already been asked. Nothing new was sent."
    return _asked_text(case.reference, sent, reached, not_reached)


def _asked_text(
    reference: str, agencies: list[str], reached: list[str], not_reached: list[str]
) -> str:
    """What the manager is told once the requests are planned: who was asked, who Teams
    cannot reach yet, and what happens when Teams refuses a chat. Nothing is "sent" yet."""
    lines = [f"Asked {', '.join(agencies)} for the information request for {reference}."]
    if reached:
        lines.append(
            f"On its way to {', '.join(reached)} in a private chat with me. If Teams refuses a "
            "chat, I tell you at once and send you their request as a Word document to send "
            "through the partnership's secure email."
        )
    if not_reached:
        verb = "has" if len(not_reached) == 1 else "have"
        lines.append(
            f"Not reached yet: {', '.join(not_reached)} {verb} no Microsoft Entra id on the "
            "roster, so Teams cannot open a chat with them. You get their request in this chat "
            "as a Word document to send through the partnership's secure email; they get it in "
            "Teams too once they message me."
        )
    lines.append("The case thread shows which agencies have replied.")
    return "\n\n".join(lines)
