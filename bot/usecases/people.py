"""Who is acting in a use case, and the refusals said to them (each one audited).

A use case is given a `Person` (read from the Teams activity by the Teams side), finds them
on the roster with `member_for`, and raises `Refused` with a sentence to say as it is when
they may not do what they asked; `refusals_audited` writes every refusal to the audit trail.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from storage import panel as panel_repo
from storage import repositories as repo
from storage import roster as roster_repo
from storage.models import Case, Member
from storage.repositories import NotFound


@dataclass(frozen=True)
class Person:
    """Who is acting: from the Teams activity (and the roster, when they are on it)."""

    aad_object_id: str | None
    name: str
    email: str | None = None
    teams_user_id: str | None = None


class Refused(Exception):
    """The person may not do this; `reason` is said to them as it is (and audited)."""

    def __init__(
        self,
        reason: str,
        *,
        action: str,
        case: Case | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.action = action
        # Plain values: the case object is expired once the use case's transaction rolls back.
        self.case_id = case.id if case is not None else None
        self.reference = case.reference if case is not None else None
        self.detail = detail or {}
        self.audited = False


async def audit_refusal(app: AppContext, person: Person, refused: Refused) -> None:
    """Write the refusal to the audit trail in its own transaction (the use case rolled back)."""
    async with app.db.session() as session, session.begin():
        await repo.audit(
            session,
            action=refused.action,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=refused.case_id,
            outcome="refused",
            detail=refused.detail,
        )


T = TypeVar("T")


def refusals_audited(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Make a use case audit every refusal it raises (after its own transaction rolled back)."""

    @functools.wraps(fn)
    async def wrapper(app: AppContext, **kwargs: Any) -> T:
        try:
            return await fn(app, **kwargs)
        except Refused as refused:
            await audit_refusal(app, kwargs["person"], refused)
            refused.audited = True
            raise

    return wrapper


async def lock_or_refuse(
    session: AsyncSession, app: AppContext, reference: str, action: str
) -> Case:
    """The partnership's case, locked; a missing or guessed reference is refused."""
    try:
        return await panel_repo.lock_case(session, app.partnership_id, reference)
    except NotFound:
        raise no_such_case(reference, action) from None


def no_such_case(reference: str, action: str) -> Refused:
    """The refusal of a missing or guessed case reference (audited with what was tried)."""
    return Refused(
        "That case does not exist in this partnership. Nothing was changed.",
        action=action,
        detail={"reference": reference[:40]},
    )


async def member_for(app: AppContext, session: AsyncSession, person: Person) -> Member | None:
    return await repo.find_member(
        session, app.partnership_id, aad_object_id=person.aad_object_id, email=person.email
    )


async def member_of(app: AppContext, person: Person) -> Member | None:
    """The roster entry for a person (by AAD object id, else by email until first seen)."""
    async with app.db.session() as session:
        return await member_for(app, session, person)


class NotAllowed(Exception):
    """The person may not do this; the message says why (said as it is, not audited)."""


async def link_state(app: AppContext, aad_object_id: str) -> str:
    """ "linked" (a member has this Entra id), "waiting" (someone added by email has none
    yet) or "none"."""
    async with app.db.session() as session:
        return await roster_repo.link_state(session, app.partnership_id, aad_object_id)


async def link_by_email(app: AppContext, person: Person, email: str) -> int | None:
    """A person's first message: the roster entry with their email (added by a manager, with
    no Entra id yet) gets their Entra id, so they are found by it from now on (audited by
    member id). The member id, or None when no entry waits for them."""
    if not person.aad_object_id:
        return None
    async with app.db.session() as session, session.begin():
        member = await roster_repo.link_by_email(
            session,
            app.partnership_id,
            email=email,
            aad_object_id=person.aad_object_id,
            teams_user_id=person.teams_user_id,
        )
        if member is None:
            return None
        await repo.audit(
            session,
            action="roster.entra_id_recorded",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"member_id": member.id},
        )
        return member.id
