"""Small repositories over the models: one transaction per use case, typed results out.

Each function takes an open `AsyncSession` inside the caller's transaction, so a use case
composes several of them atomically (`async with db.session() as s, s.begin(): ...`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import prepared
from storage.models import (
    AuditEvent,
    ConversationRef,
    Member,
    Partnership,
    ProcessedActivity,
)
from storage.types import UTCDateTime, utcnow


class NotFound(LookupError):
    """The thing asked for does not exist (or is not visible to the asker)."""


def _insert(session: AsyncSession) -> Any:
    return _insert_for(_dialect(session))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


# Statements on hot paths are built once (per dialect) with bound parameters: building one
# costs more than running it on SQLite, and a reused statement keeps its cache key.


# --- partnerships and the roster -------------------------------------------------------


async def ensure_partnership(
    session: AsyncSession, *, slug: str, name: str, profile: str, tenant_id: str | None = None
) -> Partnership:
    """The partnership with `slug`, created if missing (name and profile kept up to date)."""
    found = await session.scalar(select(Partnership).where(Partnership.slug == slug))
    if found is None:
        found = Partnership(slug=slug, name=name, profile=profile, tenant_id=tenant_id)
        session.add(found)
        await session.flush()
    else:
        found.name, found.profile = name, profile
        if tenant_id is not None:
            found.tenant_id = tenant_id
    return found


async def get_partnership(session: AsyncSession, slug: str) -> Partnership:
    """The partnership with `slug`, or NotFound."""
    found = await session.scalar(select(Partnership).where(Partnership.slug == slug))
    if found is None:
        raise NotFound(f"no partnership {slug!r}; run `python -m bot demo load` or `roster import`")
    return found


async def members(session: AsyncSession, partnership_id: int) -> Sequence[Member]:
    """Every active member of a partnership, by agency then name."""
    rows = await session.scalars(
        select(Member)
        .where(Member.partnership_id == partnership_id, Member.active.is_(True))
        .order_by(Member.agency, Member.name)
    )
    return rows.all()


async def find_member(
    session: AsyncSession, partnership_id: int, *, aad_object_id: str | None, email: str | None
) -> Member | None:
    """The member with this AAD object id, or (until first seen) this email address."""
    if aad_object_id:
        found = await session.scalar(
            select(Member).where(
                Member.partnership_id == partnership_id,
                Member.aad_object_id == aad_object_id,
                Member.active.is_(True),
            )
        )
        if found is not None:
            return found
    if email:
        found = await session.scalar(
            select(Member).where(
                Member.partnership_id == partnership_id,
                Member.email == email.strip().lower(),
                Member.active.is_(True),
            )
        )
        if found is not None and (
            found.aad_object_id in (None, aad_object_id) or not aad_object_id
        ):
            return found
    return None


# Every member of a partnership, active or not, by agency then name: a vote reads it once
# (storage.voting) and finds the sender in it with `pick_member`.
_WHOLE_ROSTER = (
    select(Member)
    .where(Member.partnership_id == bindparam("partnership_id"))
    .order_by(Member.agency, Member.name)
)


def pick_member(
    people: Sequence[Member], *, aad_object_id: str | None, email: str | None
) -> Member | None:
    """`find_member`'s rule applied to a roster already loaded (`_WHOLE_ROSTER`)."""
    active = [m for m in people if m.active]
    if aad_object_id:
        found = next((m for m in active if m.aad_object_id == aad_object_id), None)
        if found is not None:
            return found
    if email:
        wanted = email.strip().lower()
        found = next((m for m in active if m.email == wanted), None)
        if found is not None and (
            found.aad_object_id in (None, aad_object_id) or not aad_object_id
        ):
            return found
    return None


async def upsert_member(
    session: AsyncSession,
    partnership_id: int,
    *,
    email: str,
    name: str,
    agency: str,
    roles: Sequence[str],
    aad_object_id: str | None = None,
) -> Member:
    """Add a member to the roster or update the one with the same email."""
    email = email.strip().lower()
    found = await session.scalar(
        select(Member).where(Member.partnership_id == partnership_id, Member.email == email)
    )
    if found is None:
        found = Member(partnership_id=partnership_id, email=email)
        session.add(found)
    found.name, found.agency, found.roles, found.active = name, agency, list(roles), True
    if aad_object_id:
        found.aad_object_id = aad_object_id
    await session.flush()
    return found


# --- audit: append-only ----------------------------------------------------------------


async def audit(
    session: AsyncSession,
    *,
    action: str,
    actor: str | None,
    partnership_id: int | None = None,
    case_id: int | None = None,
    outcome: str = "ok",
    activity_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one audit event. There is deliberately no update or delete."""
    session.add(
        AuditEvent(
            at=at or utcnow(),
            action=action,
            actor=actor,
            partnership_id=partnership_id,
            case_id=case_id,
            outcome=outcome,
            activity_id=activity_id,
            detail=detail or {},
        )
    )
    await session.flush()


async def audit_trail(
    session: AsyncSession, *, case_id: int | None = None, action: str | None = None
) -> Sequence[AuditEvent]:
    """Audit events, oldest first, optionally for one case or one action."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    return (await session.scalars(stmt)).all()


# --- the processed-activity ledger ---------------------------------------------------


_ACTIVITY_SEEN = select(ProcessedActivity.activity_key).where(
    ProcessedActivity.activity_key == bindparam("key")
)


async def activity_seen(session: AsyncSession, activity_key: str) -> bool:
    """True when this activity was already processed (a redelivery)."""
    found = await session.scalar(_ACTIVITY_SEEN, {"key": activity_key[:600]})
    return found is not None


@functools.cache
def _claim_activity_stmt(dialect: str) -> Any:
    return (
        _insert_for(dialect)(ProcessedActivity.__table__)
        .values(
            activity_key=bindparam("key"),
            processed_at=bindparam("at", type_=UTCDateTime()),
            outcome=bindparam("b_outcome"),
        )
        .on_conflict_do_nothing(index_elements=["activity_key"])
    )


async def claim_activity(session: AsyncSession, activity_key: str, outcome: str = "") -> bool:
    """Record `activity_key` as processed; False when it already was (a redelivery).

    Atomic on both SQLite and PostgreSQL (INSERT … ON CONFLICT DO NOTHING), and part of the
    caller's transaction: if the use case rolls back, so does the claim.
    """
    result = await session.execute(
        _claim_activity_stmt(_dialect(session)),
        {"key": activity_key[:600], "at": utcnow(), "b_outcome": outcome[:64]},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- conversation references ------------------------------------------------------------


async def save_conversation_reference(
    session: AsyncSession,
    partnership_id: int,
    *,
    kind: str,
    key: str,
    conversation_id: str,
    service_url: str,
    tenant_id: str | None,
    reference: dict[str, Any],
) -> None:
    """Store (or replace) the conversation reference for `kind`/`key` (an atomic upsert)."""
    now = utcnow()
    values = {
        "conversation_id": conversation_id,
        "service_url": service_url,
        "tenant_id": tenant_id,
        "reference": reference,
        "updated_at": now,
    }
    insert = _insert(session)
    stmt = insert(ConversationRef).values(
        partnership_id=partnership_id, kind=kind, key=key, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[
                ConversationRef.partnership_id,
                ConversationRef.kind,
                ConversationRef.key,
            ],
            set_=values,
        )
    )


_REFERENCE_TABLE = prepared.table_of(ConversationRef)
_REFERENCE_COLUMNS = prepared.column_keys(_REFERENCE_TABLE)
_REFERENCE = prepared.Prepared(
    lambda _: select(_REFERENCE_TABLE).where(
        _REFERENCE_TABLE.c.partnership_id == bindparam("partnership_id"),
        _REFERENCE_TABLE.c.kind == bindparam("kind"),
        _REFERENCE_TABLE.c.key == bindparam("key"),
    )
)


async def conversation_reference(
    session: AsyncSession, partnership_id: int, *, kind: str, key: str
) -> ConversationRef | None:
    """The stored conversation reference for `kind`/`key`, if any: an object in no
    session, only to be read (a prepared statement in the session's transaction; the
    courier reads the channel's for every card update, #8)."""
    params = {"partnership_id": partnership_id, "kind": kind, "key": key}
    rows = await prepared.session_rows(session, _REFERENCE, params)
    if not rows:
        return None
    return prepared.detached(ConversationRef, _REFERENCE_COLUMNS, rows[0])
