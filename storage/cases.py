"""Cases: references without gaps or duplicates, the submitted form, events and milestones."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import prepared
from storage.models import (
    Case,
    CaseEvent,
    Milestone,
    ReferenceCounter,
    Referral,
    ReferralAddition,
)
from storage.repositories import NotFound, _insert


class DuplicateSubmission(Exception):
    """The same draft was submitted twice; `reference` is the case the first one opened."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass(frozen=True)
class MilestoneDates:
    """A milestone's dates as the clock computed them."""

    milestone: str
    due_on: date | None
    earliest_on: date | None = None
    waiting_for: str | None = None


def format_reference(prefix: str, year: int, seq: int) -> str:
    """`<PREFIX>-<YYYY>-<NNNN>`."""
    return f"{prefix}-{year:04d}-{seq:04d}"


async def next_sequence(session: AsyncSession, partnership_id: int, year: int) -> int:
    """Take the next case number for the partnership and year (inside the caller's transaction).

    The counter row is locked by the UPDATE until the transaction ends, so concurrent
    submissions queue; a rolled-back submission gives its number back (no gaps).
    """
    insert = _insert(session)
    await session.execute(
        insert(ReferenceCounter)
        .values(partnership_id=partnership_id, year=year, last_value=0)
        .on_conflict_do_nothing(
            index_elements=[ReferenceCounter.partnership_id, ReferenceCounter.year]
        )
    )
    value = await session.scalar(
        update(ReferenceCounter)
        .where(ReferenceCounter.partnership_id == partnership_id, ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    )
    assert value is not None
    return int(value)


async def case_for_submission(session: AsyncSession, submission_key: str) -> Case | None:
    """The case opened by a submission key, if that draft was already submitted."""
    return await session.scalar(
        select(Case)
        .join(Referral, Referral.case_id == Case.id)
        .where(Referral.submission_key == submission_key)
    )


async def open_case(
    session: AsyncSession,
    *,
    partnership_id: int,
    prefix: str,
    year: int,
    received_at: datetime,
    pathway_sought: str,
    referring_agency: str,
    event_date: date,
    referrer_member_id: int | None,
    referrer_aad_object_id: str | None,
    submission_key: str,
    form: Mapping[str, Any],
    status: str,
) -> Case:
    """Create the case and its referral; DuplicateSubmission if the draft was already used.

    Runs in a savepoint so a lost race on the submission key leaves the caller's transaction
    usable (and gives the reference number back).
    """
    existing = await case_for_submission(session, submission_key)
    if existing is not None:
        raise DuplicateSubmission(existing.reference)
    try:
        async with session.begin_nested():
            seq = await next_sequence(session, partnership_id, year)
            case = Case(
                partnership_id=partnership_id,
                reference=format_reference(prefix, year, seq),
                year=year,
                seq=seq,
                status=status,
                pathway_sought=pathway_sought,
                referring_agency=referring_agency,
                referrer_member_id=referrer_member_id,
                referrer_aad_object_id=referrer_aad_object_id,
                event_date=event_date,
                received_at=received_at,
            )
            session.add(case)
            await session.flush()
            session.add(
                Referral(
                    case_id=case.id,
                    submission_key=submission_key,
                    form=dict(form),
                    submitted_at=received_at,
                )
            )
            session.add(
                CaseEvent(case_id=case.id, event="referral_received", occurred_at=received_at)
            )
            await session.flush()
    except IntegrityError:
        existing = await case_for_submission(session, submission_key)
        if existing is None:
            raise
        raise DuplicateSubmission(existing.reference) from None
    return case


async def get_case(session: AsyncSession, partnership_id: int, reference: str) -> Case:
    """The partnership's case with this reference, or NotFound (another partnership's too)."""
    case = await session.scalar(
        select(Case).where(Case.partnership_id == partnership_id, Case.reference == reference)
    )
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


async def referral_form(session: AsyncSession, case_id: int) -> dict[str, Any]:
    """The submitted form of a case (child details: callers must check and audit the view);
    answers added since are `referral_additions`."""
    form = await session.scalar(select(Referral.form).where(Referral.case_id == case_id))
    if form is None:
        raise NotFound("no referral for that case")
    return dict(form)


async def referral_additions(session: AsyncSession, case_id: int) -> Sequence[ReferralAddition]:
    """Every answer added to the case's referral after it was sent, oldest first."""
    rows = await session.scalars(
        select(ReferralAddition)
        .where(ReferralAddition.case_id == case_id)
        .order_by(ReferralAddition.added_at, ReferralAddition.id)
    )
    return rows.all()


async def cases_referred_by(
    session: AsyncSession, partnership_id: int, aad_object_id: str
) -> Sequence[Case]:
    """The cases a person referred, newest first."""
    rows = await session.scalars(
        select(Case)
        .where(Case.partnership_id == partnership_id, Case.referrer_aad_object_id == aad_object_id)
        .order_by(Case.received_at.desc())
    )
    return rows.all()


async def case_events(session: AsyncSession, case_id: int) -> dict[str, datetime]:
    """The clock's anchor events recorded for a case."""
    rows = await session.execute(_CASE_EVENTS, {"case_id": case_id})
    return {event: at for event, at in rows}


_CASE_TABLE = prepared.table_of(Case)
_CASE_COLUMNS = prepared.column_keys(_CASE_TABLE)
_CASE_BY_ID = prepared.Prepared(
    lambda _: select(_CASE_TABLE).where(_CASE_TABLE.c.id == bindparam("case_id"))
)


async def case_by_id(session: AsyncSession, case_id: int) -> Case | None:
    """The case with this id, read with a prepared statement in the session's transaction:
    an object in no session, only to be read (the shared card redrawn once a second, #8)."""
    rows = await prepared.session_rows(session, _CASE_BY_ID, {"case_id": case_id})
    return prepared.detached(Case, _CASE_COLUMNS, rows[0]) if rows else None


_CASE_EVENTS = select(CaseEvent.event, CaseEvent.occurred_at).where(
    CaseEvent.case_id == bindparam("case_id")
)


async def record_event(
    session: AsyncSession, case_id: int, event: str, at: datetime, member_id: int | None = None
) -> bool:
    """Record an anchor event once; False if it was already recorded."""
    insert = _insert(session)
    result = await session.execute(
        insert(CaseEvent)
        .values(case_id=case_id, event=event, occurred_at=at, recorded_by_member_id=member_id)
        .on_conflict_do_nothing(index_elements=[CaseEvent.case_id, CaseEvent.event])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def save_milestones(
    session: AsyncSession, case_id: int, dates: Sequence[MilestoneDates]
) -> None:
    """Store (or move) the case's milestone dates; done milestones keep their done time.

    A milestone that is no longer on the case's plan (the decision took another route, or
    said the incident is not notifiable) is removed unless it was done: done ones are history.
    """
    existing = {
        m.milestone: m
        for m in await session.scalars(select(Milestone).where(Milestone.case_id == case_id))
    }
    planned = {d.milestone for d in dates}
    for name, old in existing.items():
        if name not in planned and old.done_at is None:
            await session.delete(old)
    for d in dates:
        row = existing.get(d.milestone)
        if row is None:
            row = Milestone(case_id=case_id, milestone=d.milestone)
            session.add(row)
        row.due_on, row.earliest_on, row.waiting_for = d.due_on, d.earliest_on, d.waiting_for
    await session.flush()


async def milestones(session: AsyncSession, case_id: int) -> Sequence[Milestone]:
    """The case's stored milestones."""
    rows = await session.scalars(
        select(Milestone).where(Milestone.case_id == case_id).order_by(Milestone.id)
    )
    return rows.all()


async def events_of_cases(
    session: AsyncSession, case_ids: Collection[int]
) -> dict[int, dict[str, datetime]]:
    """`case_events` for many cases in one query (a case with none maps to {})."""
    found: dict[int, dict[str, datetime]] = {case_id: {} for case_id in case_ids}
    if found:
        rows = await session.execute(
            select(CaseEvent.case_id, CaseEvent.event, CaseEvent.occurred_at).where(
                CaseEvent.case_id.in_(list(found))
            )
        )
        for case_id, event, at in rows:
            found[case_id][event] = at
    return found


async def milestones_of_cases(
    session: AsyncSession, case_ids: Collection[int]
) -> dict[int, list[Milestone]]:
    """`milestones` for many cases in one query (a case with none maps to [])."""
    found: dict[int, list[Milestone]] = {case_id: [] for case_id in case_ids}
    if found:
        rows = await session.scalars(
            select(Milestone).where(Milestone.case_id.in_(list(found))).order_by(Milestone.id)
        )
        for row in rows:
            found[row.case_id].append(row)
    return found


async def open_cases(session: AsyncSession, partnership_id: int) -> Sequence[Case]:
    """The partnership's open cases, oldest first."""
    rows = await session.scalars(
        select(Case)
        .where(
            Case.partnership_id == partnership_id,
            Case.status.in_(("received", "panel", "queries", "decided")),
        )
        .order_by(Case.received_at)
    )
    return rows.all()


async def mark_milestone_done(
    session: AsyncSession,
    case_id: int,
    milestone: str,
    at: datetime,
    member_id: int | None,
    *,
    note: str | None = None,
) -> None:
    """Record a milestone as done at `at` (its row made if need be); done once stays done.
    `note` is the reason a manager gave for recording it by hand."""
    row = await session.scalar(
        select(Milestone).where(Milestone.case_id == case_id, Milestone.milestone == milestone)
    )
    if row is None:
        row = Milestone(case_id=case_id, milestone=milestone)
        session.add(row)
    if row.done_at is None:
        row.done_at = at
        row.done_by_member_id = member_id
        row.done_note = note
    await session.flush()
