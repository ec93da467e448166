"""The Rapid Review report signed off: the roles the profile names (`[report] sign_off`: the
chair and the partnership manager; Halton's chair and Head of Safeguarding) each sign it off
once, in Teams, before the date it was sent can be recorded. A later edit of the chair's
notes clears the sign-offs; whoever had signed is told on their next view of the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.people import Person, Refused, refusals_audited
from bot.usecases.rapid_review import audit_step, decided_case
from bot.usecases.roles import holds
from cards.after import report_ready_card
from review.calendar import LONDON
from review.referral import format_date
from review.report import SignOff
from storage import after as after_repo
from storage import cases as case_repo
from storage import repositories as repo
from storage import sign_off as sign_off_repo
from storage.models import Case, Member

SIGN_OFF = "report.sign_off"

_BASE_WORDS = {
    "chair": "Chair of the Rapid Review meeting",
    "manager": "Partnership manager",
}


def role_words(app: AppContext, role: str) -> str:
    """A sign-off role in the profile's words (its own roles), or ours for the base ones."""
    return app.profile.roles.get(role) or _BASE_WORDS.get(role) or role


def sign_off_roles(app: AppContext) -> frozenset[str]:
    """The roles that sign the report off, as a set (for who may press the button)."""
    return frozenset(app.profile.report.sign_off)


@dataclass(frozen=True, slots=True)
class SignOffState:
    """The report's standing sign-offs and the roles still to sign, in the profile's order."""

    signed: tuple[SignOff, ...]
    signed_roles: frozenset[str]
    waiting: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every role the profile names has signed."""
        return not self.waiting


async def sign_off_state(app: AppContext, session: AsyncSession, case: Case) -> SignOffState:
    """Who has signed the case's report off (standing sign-offs) and who it waits for."""
    rows = await sign_off_repo.sign_offs_of(session, case.id)
    people = {m.id: m for m in await repo.members(session, app.partnership_id)}
    signed = tuple(
        SignOff(
            name=people[r.member_id].name if r.member_id in people else "(left the roster)",
            role=role_words(app, r.role),
            signed_at=r.signed_at,
        )
        for r in rows
    )
    roles = frozenset(r.role for r in rows)
    waiting = tuple(r for r in app.profile.report.sign_off if r not in roles)
    return SignOffState(signed, roles, waiting)


def _at(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%H:%M}, {format_date(local.date())}"


async def report_card(
    app: AppContext,
    session: AsyncSession,
    case: Case,
    member: Member | None,
    *,
    notice: str = "",
) -> dict[str, object]:
    """The report card as this member sees it now: the sign-offs, who it waits for, their
    Sign off button while a role of theirs has not signed, and the date sent if recorded.
    Their sign-offs cleared since their last view are said first (and marked told)."""
    events = await case_repo.case_events(session, case.id)
    sent = events.get("rapid_review_report_sent")
    state = await sign_off_state(app, session, case)
    mine = _unsigned_roles(app, member, state)
    if member is not None:
        cleared = await sign_off_repo.cleared_untold(session, case.id, member.id)
        if cleared:
            said = ", ".join(f"as {role_words(app, r.role)} at {_at(r.signed_at)}" for r in cleared)
            notice = (
                f"Your sign-off ({said}) was cleared: the chair's notes were changed after it. "
                "Check the report again and sign it off if you agree. " + notice
            ).strip()
    return report_ready_card(
        reference=case.reference,
        sent_recorded=sent.astimezone(LONDON).date() if sent else None,
        sign_offs=[(o.role, o.name, _at(o.signed_at)) for o in state.signed],
        waiting=[role_words(app, r) for r in state.waiting],
        can_sign=bool(mine),
        notice=notice,
    )


def _unsigned_roles(app: AppContext, member: Member | None, state: SignOffState) -> list[str]:
    return [r for r in state.waiting if holds(app, member, r)]


@refusals_audited
async def sign_off_report(app: AppContext, *, reference: str, person: Person) -> dict[str, object]:
    """Sign the report off as each sign-off role the person holds that has not signed yet;
    the report card back, redrawn. Someone holding none of the roles is refused (audited)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case, member, _ = await decided_case(
            app,
            session,
            person,
            reference,
            sign_off_roles(app),
            SIGN_OFF,
            "sign off the Rapid Review report. Nothing was signed.",
        )
        note = await after_repo.chair_note_of(session, case.id)
        if note is None or not note.conclusion:
            raise Refused(
                f"The report for {case.reference} is signed off once the chair has recorded "
                "the conclusion. Nothing was signed.",
                action=SIGN_OFF,
                case=case,
            )
        if "rapid_review_report_sent" in await case_repo.case_events(session, case.id):
            raise Refused(
                f"The report for {case.reference} is already recorded as sent. Nothing was signed.",
                action=SIGN_OFF,
                case=case,
            )
        state = await sign_off_state(app, session, case)
        mine = _unsigned_roles(app, member, state)
        if not mine:
            notice = "Your sign-off is already recorded: each role signs the report off once."
            return await report_card(app, session, case, member, notice=notice)
        for role in mine:
            await sign_off_repo.add_sign_off(
                session,
                case_id=case.id,
                role=role,
                member_id=member.id,
                now=now,
                notes_saved_at=note.saved_at,
            )
        await audit_step(app, session, person, SIGN_OFF, case, {"roles": mine})
        words = " and ".join(role_words(app, r) for r in mine)
        return await report_card(app, session, case, member, notice=f"Signed off as {words}.")


async def clear_after_edit(
    app: AppContext, session: AsyncSession, person: Person, case: Case, now: datetime
) -> int:
    """The chair's notes changed: clear the report's sign-offs (audited); how many were."""
    cleared = await sign_off_repo.clear_sign_offs(session, case.id, now)
    if cleared:
        await audit_step(app, session, person, "report.sign_off_cleared", case, {"count": cleared})
    return cleared


async def waiting_refusal(app: AppContext, session: AsyncSession, case: Case) -> None:
    """Refuse recording the date sent while a sign-off role has not signed."""
    state = await sign_off_state(app, session, case)
    if not state.complete:
        raise Refused(
            "Waiting for sign-off by: "
            + "; ".join(role_words(app, r) for r in state.waiting)
            + f". The report for {case.reference} is signed off in Teams before the date it "
            "was sent is recorded. Nothing was recorded.",
            action="report.sent",
            case=case,
        )
