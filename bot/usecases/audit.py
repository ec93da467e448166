"""`audit REF`: a case's audit trail for the partnership managers and the data protection
officer — every action and every view, who, when, what and the outcome — on a card a page at
a time, and all of it as an Excel workbook offered in 1:1.

Who is named from the roster by their Entra object id (someone who has left is still named,
"(left the roster)"); anyone else is "someone not on the roster". Viewing the audit is
audited (`audit.view`), and so is every refusal to show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.people import Person, Refused, member_for, no_such_case, refusals_audited
from bot.usecases.rapid_review import Reply, offer_file
from bot.usecases.roles import holds_any, who
from cards.audit import audit_card
from review.audit import AuditLine, action_words, audit_table, outcome_words, shown_detail
from review.workbook import workbook_xlsx
from storage import cases as case_repo
from storage import records
from storage import repositories as repo
from storage.models import AuditEvent, Case, Member

RECORD_ROLES = ("manager", "dpo")
"""Who may read a case's audit and export its record: the managers and the data protection
officer."""
PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_ON_ROSTER = "someone not on the roster"
_BY_ROLE = {None: "Rapid Review (automatically)", "cli": "the command line (an administrator)"}
_ACTION = "audit.view"


async def case_for_records(
    app: AppContext, session: AsyncSession, person: Person, reference: str, action: str, what: str
) -> tuple[Case, Member]:
    """The case and the manager or data protection officer asking; refused otherwise."""
    try:
        case = await case_repo.get_case(session, app.partnership_id, reference)
    except repo.NotFound:
        raise no_such_case(reference, action) from None
    member = await member_for(app, session, person)
    if member is None or not holds_any(app, member, RECORD_ROLES):
        raise Refused(f"Only {who(app, ('manager', 'dpo'))} can {what}", action=action, case=case)
    return case, member


def namer(roster: Sequence[Member]) -> Mapping[str | None, str]:
    """Who each actor id is, in words: the roster's names, and the bot's own steps."""
    names: dict[str | None, str] = dict(_BY_ROLE)
    for member in roster:
        if member.aad_object_id:
            names[member.aad_object_id] = (
                member.name if member.active else f"{member.name} (left the roster)"
            )
    return names


def audit_lines(events: Sequence[AuditEvent], names: Mapping[str | None, str]) -> list[AuditLine]:
    """Audit events as people read them."""
    return [
        AuditLine(
            at=event.at,
            who=names.get(event.actor, NOT_ON_ROSTER),
            actor_id=event.actor,
            action=event.action,
            what=action_words(event.action),
            outcome=outcome_words(event.outcome),
            detail=shown_detail(event.detail),
        )
        for event in events
    ]


def audit_workbook(app: AppContext, case: Case, lines: Sequence[AuditLine]) -> bytes:
    """Every audit event of the case as an Excel workbook, newest first."""
    return workbook_xlsx(
        [audit_table(lines)],
        title=f"The audit of {case.reference}",
        author=app.profile.partnership.name,
    )


def audit_file_name(case: Case) -> str:
    """The workbook's name: the reference only, never anything about the child."""
    return f"{case.reference}-audit.xlsx"


@refusals_audited
async def case_audit(
    app: AppContext, *, reference: str, person: Person, page: int = 1, workbook: bool = True
) -> list[Reply]:
    """One page of the case's audit as a card (and, with `workbook`, all of it offered as an
    Excel workbook); the view itself is audited once the events are read."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member = await case_for_records(
            app, session, person, reference, _ACTION, "see a case's audit."
        )
        total = await records.audit_count(session, case.id)
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page, 1), pages)
        names = namer(await records.whole_roster(session, app.partnership_id))
        shown = audit_lines(
            await records.audit_page(
                session, case.id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
            ),
            names,
        )
        replies: list[Reply] = [
            audit_card(
                reference=case.reference, lines=shown, total=total, page=page, per_page=PER_PAGE
            )
        ]
        offered = False
        if workbook and total:
            every = audit_lines(
                await records.audit_page(session, case.id, offset=0, limit=None), names
            )
            offered = bool(
                await offer_file(
                    app,
                    session,
                    case,
                    [member],
                    now,
                    name=audit_file_name(case),
                    description=f"The audit of {case.reference}: every action and view. "
                    "Confidential.",
                    content_type=XLSX,
                    content=audit_workbook(app, case, every),
                )
            )
            if offered:
                replies.append(
                    f"The whole audit of {case.reference} is on its way to you in this chat as "
                    f"{audit_file_name(case)}."
                )
        detail: dict[str, Any] = {"page": page, "shown": len(shown), "total": total}
        if workbook:
            detail["workbook"] = offered
        await repo.audit(
            session,
            action=_ACTION,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail=detail,
            at=now,
        )
    return replies
