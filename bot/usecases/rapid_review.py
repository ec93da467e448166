"""What every stage after a Rapid Review decision shares: who may act (managers, the chair,
agency leads), the case and its decision, the audit of each step, files offered in 1:1, and
the menu of next steps a person has on the case.

Who may do what:

* managers choose the agencies to ask, book the meeting, circulate the papers and record the
  date the report was sent to the National Panel;
* an agency's safeguarding lead (role ``agency_lead`` on the roster, for that agency) fills in
  and submits that agency's return, and may change it until the papers are circulated;
* the chair writes the notes and records the conclusion, which generates the report.

Every action, every view and every refusal is audited. The channel only ever hears agency
names, statuses, dates and places (bot/delivery/renderers/); returns, notes and the report
go to people in 1:1.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.people import Person, Refused, lock_or_refuse, member_for
from bot.usecases.roles import holds_any, who
from cards.requests import (
    ACTION_CHAIR_OPEN,
    ACTION_MEETING_OPEN,
    ACTION_REPORT_OPEN,
    ACTION_RETURNS_PICK,
    ACTION_RETURNS_VIEW,
    next_steps_card,
)
from review.calendar import london_date
from review.referral import format_date
from storage import cases as case_repo
from storage import files as file_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Decision, Member

log = logging.getLogger(__name__)

Reply = str | dict[str, Any]

MANAGERS = frozenset({"manager"})

CHAIRS = frozenset({"chair"})

REPORT_ROLES = frozenset({"manager", "chair"})

PAPERS_ROLES = frozenset({"panel", "deputy", "manager", "chair"})

COMPLETES: dict[str, str] = {
    "returns.pick": "information_request",
    "returns.request": "information_request",
    "meeting.open": "rapid_review_meeting",
    "meeting.propose": "rapid_review_meeting",
    "papers.circulated": "papers_circulated",
    "report.sent": "rapid_review_report",
}
"""The actions that complete a milestone of the plan: whoever the profile lets complete that
milestone (`Milestone.may_complete`) may take the action, and nobody else."""


def roles_for(app: AppContext, action: str, default: frozenset[str]) -> frozenset[str]:
    """Who may take `action`: the roles that may complete its milestone in the profile, or
    `default` for an action that completes none there (or one the profile lacks)."""
    milestone = COMPLETES.get(action)
    if milestone is None:
        return default
    try:
        return frozenset(app.profile.milestone(milestone).may_complete)
    except KeyError:
        return default


_WHO = {
    MANAGERS: "a partnership manager",
    CHAIRS: "the chair",
    REPORT_ROLES: "the managers and the chair",
    PAPERS_ROLES: "the panel, the managers and the chair",
}

RAPID_REVIEW = "rapid_review"
"""What a decision starts when it is a Rapid Review (`OutcomeInfo.starts`)."""


def starts_rapid_review(app: AppContext, decision: Decision | None) -> bool:
    """True when the panel's decision, in the profile's words, starts a Rapid Review."""
    return decision is not None and app.profile.outcome(decision.outcome).starts == RAPID_REVIEW


KEPT_BEYOND_LIMIT = 1000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def case_and_actor(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    reference: str,
    roles: frozenset[str],
    action: str,
    what: str,
) -> tuple[Case, Member]:
    """The case, locked, and the person acting on it, who must hold one of `roles` (else
    refused: "Only <who> can <what>"). An action that completes a milestone of the plan is
    for the roles the profile lets complete it (`roles_for`), whatever `roles` says."""
    case = await lock_or_refuse(session, app, reference, action)
    member = await member_for(app, session, person)
    allowed = roles_for(app, action, roles)
    if member is None or not holds_any(app, member, sorted(allowed)):
        words = _WHO.get(allowed) or who(app, _ordered(allowed))
        raise Refused(f"Only {words} can {what}", action=action, case=case)
    return case, member


def _ordered(roles: frozenset[str]) -> list[str]:
    """Roles in a stable order for words: the profile's own first, managers last."""
    return sorted(roles, key=lambda role: (role == "manager", role))


async def decided_case(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    reference: str,
    roles: frozenset[str],
    action: str,
    what: str,
) -> tuple[Case, Member, Decision]:
    """As `case_and_actor`, for a case the panel decided should have a Rapid Review."""
    case, member = await case_and_actor(app, session, person, reference, roles, action, what)
    return case, member, await rapid_review_decision(app, session, case, action)


async def rapid_review_decision(
    app: AppContext, session: AsyncSession, case: Case, action: str
) -> Decision:
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None or not starts_rapid_review(app, decision):
        raise Refused(
            f"{case.reference} has no Rapid Review decision, so there is nothing of this "
            "kind to do on it yet.",
            action=action,
            case=case,
        )
    if case.status not in OPEN_CASE_STATUSES:
        raise Refused(f"{case.reference} is closed.", action=action, case=case)
    return decision


async def audit_step(
    app: AppContext,
    session: AsyncSession,
    person: Person,
    action: str,
    case: Case,
    detail: dict[str, Any] | None = None,
) -> None:
    await repo.audit(
        session,
        action=action,
        actor=person.aad_object_id,
        partnership_id=app.partnership_id,
        case_id=case.id,
        detail=detail or {},
    )


def agencies_led_by(app: AppContext, member: Member) -> set[str]:
    """The profile's agencies this member is the safeguarding lead for."""
    if "agency_lead" not in member.roles:
        return set()
    return {
        a.id for a in app.profile.agencies if member.agency in (a.id, a.statutory_partner or "\0")
    }


def leads_for(app: AppContext, people: Sequence[Member], agency_id: str) -> list[Member]:
    """The roster's safeguarding leads for an agency."""
    return [m for m in people if agency_id in agencies_led_by(app, m)]


def has_milestone(app: AppContext, milestone_id: str) -> bool:
    return any(m.id == milestone_id for m in app.profile.milestones)


def part_number(value: object, count: int, default: int = 1) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 1), count)


def steps_card(
    app: AppContext, case: Case, member: Member, decided_on: date
) -> dict[str, Any] | None:
    """The buttons this member has on a Rapid Review case (None: none are theirs)."""
    roles = set(member.roles)
    steps: dict[str, str] = {}
    if holds_any(app, member, sorted(roles_for(app, "returns.pick", MANAGERS))):
        steps[ACTION_RETURNS_PICK] = "Ask agencies for information"
    if holds_any(app, member, sorted(roles_for(app, "meeting.open", MANAGERS))):
        steps[ACTION_MEETING_OPEN] = "Book the Rapid Review meeting"
    if "chair" in roles:
        steps[ACTION_CHAIR_OPEN] = "Chair's notes"
    if roles & PAPERS_ROLES:
        steps[ACTION_RETURNS_VIEW] = "The agency returns so far"
    if roles & REPORT_ROLES:
        steps[ACTION_REPORT_OPEN] = "The Rapid Review report"
    if not steps:
        return None
    return next_steps_card(
        reference=case.reference,
        status_label=f"The virtual panel decided on a Rapid Review on {format_date(decided_on)}.",
        steps=steps,
    )


async def next_steps(app: AppContext, *, reference: str, person: Person) -> dict[str, Any] | None:
    """The buttons a person has on a Rapid Review case (None: not theirs, or no such case)."""
    async with app.db.session() as session:
        try:
            case = await case_repo.get_case(session, app.partnership_id, reference)
        except repo.NotFound:
            return None
        member = await member_for(app, session, person)
        decision = await panel_repo.decision_of(session, case.id)
    if member is None or decision is None or not starts_rapid_review(app, decision):
        return None
    return steps_card(app, case, member, london_date(decision.decided_at))


async def offer_file(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    people: Sequence[Member],
    now: datetime,
    *,
    name: str,
    description: str,
    content_type: str,
    content: bytes,
) -> list[Member]:
    """Offer one file to each of `people` in 1:1 (file consent); those Teams can reach (with
    an Entra id). One with no Entra id yet gets it too, waiting for them: the courier finds it
    undeliverable, the managers get a copy, and it is theirs once they message the bot."""
    offered = [m for m in people if m.aad_object_id]
    for member in people:
        await file_repo.offer_file(
            session,
            partnership_id=app.partnership_id,
            case_id=case.id,
            recipient_aad_object_id=member.aad_object_id or file_repo.awaiting(member.id),
            name=name,
            description=description,
            content_type=content_type,
            content=content,
            now=now,
        )
    return offered
