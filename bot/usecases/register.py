"""The monthly register of referrals and decisions (`register YYYY-MM`, managers): an Excel
workbook offered in 1:1 to the profile's group (Stockport's PIP, Halton's Executive Group)
and to the manager who asked. No child details; every cell text."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.panel_view import STATUS_LABELS
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.rapid_review import Reply
from bot.usecases.roles import holds, who
from review.calendar import LONDON, london_date
from review.register import RegisterRow, parse_month, register_table
from review.workbook import workbook_xlsx
from storage import files as file_repo
from storage import repositories as repo
from storage.models import Case, Decision, Member

ACTION = "register"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def register_file_name(app: AppContext, month: date) -> str:
    """`SSCP-register-2026-11.xlsx`: the prefix and the month, nothing about any case."""
    return f"{app.profile.partnership.reference_prefix}-register-{month:%Y-%m}.xlsx"


async def _rows(app: AppContext, session: AsyncSession, month: date) -> list[RegisterRow]:
    start = datetime.combine(month, time(0, 0), LONDON)
    end = datetime.combine(_next_month(month), time(0, 0), LONDON)
    found = await session.execute(
        select(Case, Decision)
        .outerjoin(Decision, Decision.case_id == Case.id)
        .where(
            Case.partnership_id == app.partnership_id,
            or_(
                (Case.received_at >= start) & (Case.received_at < end),
                (Decision.decided_at >= start) & (Decision.decided_at < end),
            ),
        )
        .order_by(Case.year, Case.seq)
    )
    rows: list[RegisterRow] = []
    for case, decision in found.all():
        pathway = app.profile.pathways.get(case.pathway_sought)
        outcome = app.profile.outcomes.get(decision.outcome) if decision else None
        rows.append(
            RegisterRow(
                reference=case.reference,
                received_on=london_date(case.received_at),
                pathway_sought=pathway.label if pathway else case.pathway_sought,
                decision=(outcome.label if outcome else decision.outcome) if decision else None,
                decided_on=london_date(decision.decided_at) if decision else None,
                notifiable=case.notifiable if decision else None,
                status=STATUS_LABELS.get(case.status, case.status),
            )
        )
    return rows


@refusals_audited
async def monthly_register(app: AppContext, *, month_text: str, person: Person) -> list[Reply]:
    """The month's register, offered to the group's members and the asking manager."""
    now = app.now()
    month = parse_month(month_text)
    async with app.db.session() as session, session.begin():
        member = await member_for(app, session, person)
        if not holds(app, member, "manager"):
            raise Refused(
                "Only a partnership manager can have the monthly register.", action=ACTION
            )
        assert member is not None
        if month is None:
            return ["Say which month, as YYYY-MM: for example register 2026-11."]
        if month > london_date(now):
            return [f"{month:%Y-%m} has not started yet. Nothing was made."]
        rows = await _rows(app, session, month)
        group = app.profile.learning_review.group
        people: dict[int, Member] = {member.id: member}
        if group:
            for m in await repo.members(session, app.partnership_id):
                if holds(app, m, group):
                    people.setdefault(m.id, m)
        name = register_file_name(app, month)
        content = workbook_xlsx(
            [register_table(rows, month)],
            title=f"Referrals and decisions, {month:%Y-%m}",
            author=app.profile.partnership.name,
        )
        reached = [m for m in people.values() if m.aad_object_id]
        for m in reached:
            assert m.aad_object_id is not None
            await file_repo.offer_file(
                session,
                partnership_id=app.partnership_id,
                case_id=None,
                recipient_aad_object_id=m.aad_object_id,
                name=name,
                description=f"The register of referrals and decisions for {month:%Y-%m}. "
                "Confidential.",
                content_type=XLSX,
                content=content,
                now=now,
                milestone=ACTION,
            )
        await repo.audit(
            session,
            action=ACTION,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"month": f"{month:%Y-%m}", "rows": len(rows), "offered": len(reached)},
            at=now,
        )
    others = len(reached) - 1
    group_words = f" and to {others} of {who(app, [group])}" if group and others > 0 else ""
    return [
        f"The register for {month:%Y-%m} ({len(rows)} referrals and decisions) is on its way "
        f"to you{group_words} in a private chat, as {name}."
    ]
