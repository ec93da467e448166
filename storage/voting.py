"""A panel vote's reads and writes, as prepared statements (storage/prepared.py).

A vote is the one request many people make at once on one case, and it must answer quickly
(issue #8). Its transaction is two trips from the event loop to the database connection:
`vote_ground` claims the invoke in the ledger, locks the case and reads what the rules need;
`record_vote` writes the vote, its audit event and the shared card's update request, and
reads what the voter's card shows. Both run inside the caller's connection's transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import prepared
from storage.cases import _CASE_COLUMNS, _CASE_EVENTS, _CASE_TABLE
from storage.models import AuditEvent, Case, Decision, Member, PanelVote
from storage.panel import _card_update_stmt, latest_vote_ids, latest_vote_params
from storage.prepared import Cursor, Prepared, detached, table_of
from storage.repositories import _WHOLE_ROSTER, _claim_activity_stmt
from storage.types import utcnow

_VOTE = table_of(PanelVote)
# In the roster statement's own column order.
_MEMBER_COLUMNS = tuple(str(c.key) for c in _WHOLE_ROSTER.selected_columns)


_CLAIM = Prepared(_claim_activity_stmt)
# FOR UPDATE takes the row lock on PostgreSQL; on SQLite (where it is not rendered) the
# transaction's BEGIN IMMEDIATE already holds the write lock.
_LOCK_CASE = Prepared(
    lambda _: (
        select(_CASE_TABLE)
        .where(
            _CASE_TABLE.c.partnership_id == bindparam("partnership_id"),
            _CASE_TABLE.c.reference == bindparam("reference"),
        )
        .with_for_update()
    )
)
# The statements the ORM paths use, run here as prepared statements.
_ROSTER = Prepared(lambda _: _WHOLE_ROSTER)
_VOTE_COLUMNS = (
    _VOTE.c.member_id,
    _VOTE.c.agency,
    _VOTE.c.outcome,
    _VOTE.c.rationale,
    _VOTE.c.serious_harm_basis,
    _VOTE.c.queries,
    _VOTE.c.round,
    _VOTE.c.cast_at,
    _VOTE.c.notifiable,
)


@functools.cache
def _latest_votes(agencies: int) -> Prepared:
    """Each agency's latest vote in a round (storage.panel.latest_vote_ids), as columns."""
    return Prepared(
        lambda _: (
            select(*_VOTE_COLUMNS)
            .where(_VOTE.c.id.in_(latest_vote_ids(agencies)))
            .order_by(_VOTE.c.cast_at, _VOTE.c.id)
        )
    )


def _insert_each(table: Table, *columns: str) -> Prepared:
    """An INSERT of `columns`, each from the parameter of the same name."""
    return Prepared(lambda _: table.insert().values({c: bindparam(c) for c in columns}))


_INSERT_VOTE = _insert_each(
    _VOTE,
    "case_id",
    "member_id",
    "agency",
    "outcome",
    "rationale",
    "serious_harm_basis",
    "queries",
    "round",
    "activity_id",
    "cast_at",
    "notifiable",
)
_INSERT_AUDIT = _insert_each(
    table_of(AuditEvent),
    "at",
    "action",
    "actor",
    "partnership_id",
    "case_id",
    "outcome",
    "activity_id",
    "detail",
)
_CARD_UPDATE = Prepared(_card_update_stmt)
_EVENTS = Prepared(lambda _: _CASE_EVENTS)
_DECISION = Prepared(
    lambda _: select(Decision.outcome, Decision.decided_at).where(
        Decision.case_id == bindparam("case_id")
    )
)


@dataclass(frozen=True)
class LatestVote:
    """A partner's latest vote in the round, as stored."""

    member_id: int
    agency: str
    outcome: str
    rationale: str
    serious_harm_basis: str | None
    queries: str | None
    round: int
    cast_at: datetime
    notifiable: bool | None = None


@dataclass(frozen=True)
class VoteGround:
    """What a vote reads under the case lock. `claimed` is False for an invoke seen before."""

    claimed: bool
    case: Case | None = None
    people: Sequence[Member] = ()
    latest: Sequence[LatestVote] = ()


@dataclass(frozen=True)
class PanelFacts:
    """What the panel card shows besides the votes: the clock's events and the decision."""

    events: Mapping[str, datetime] = field(default_factory=dict)
    decision: tuple[str, datetime] | None = None


class _Roster:
    """The last roster read, as `Member` objects, reused while the stored rows are the same.

    The rows are read on every vote (the roster can change at any time, from another
    process); decoding them and building a dozen objects cost more than reading them. The
    objects are in no session and only read.
    """

    def __init__(self) -> None:
        self._raw: list[tuple[Any, ...]] | None = None
        self._members: tuple[Member, ...] = ()

    def members(self, cursor: Cursor, partnership_id: int) -> tuple[Member, ...]:
        raw = cursor.raw_rows(_ROSTER, {"partnership_id": partnership_id})
        if raw != self._raw:
            rows = cursor.processed(_ROSTER, raw)
            self._members = tuple(detached(Member, _MEMBER_COLUMNS, r) for r in rows)
            self._raw = raw
        return self._members


_rosters: dict[int, _Roster] = {}


def _roster(cursor: Cursor, partnership_id: int) -> tuple[Member, ...]:
    return _rosters.setdefault(partnership_id, _Roster()).members(cursor, partnership_id)


def _latest(cursor: Cursor, case: Case, agencies: Sequence[str]) -> list[LatestVote]:
    if not agencies:
        return []
    params = latest_vote_params(case.id, case.panel_round, agencies)
    return [LatestVote(*row) for row in cursor.rows(_latest_votes(len(agencies)), params)]


def _facts(cursor: Cursor, case_id: int) -> PanelFacts:
    events = {e: at for e, at in cursor.rows(_EVENTS, {"case_id": case_id})}
    decided = cursor.rows(_DECISION, {"case_id": case_id})
    return PanelFacts(events=events, decision=decided[0] if decided else None)


@dataclass(frozen=True)
class PanelReads:
    """What a case's panel card is drawn from: the roster (every member, active or not),
    each partner's latest vote in the round, and the clock's events and the decision."""

    people: Sequence[Member]
    latest: Sequence[LatestVote]
    facts: PanelFacts


async def panel_reads(
    connection: AsyncConnection, *, case: Case, agencies: Sequence[str]
) -> PanelReads:
    """Read what the case's panel card shows, in the connection's transaction.

    The same statements as a vote's (the card everyone sees is redrawn once a second while
    votes come in, #8).
    """

    def read(cursor: Cursor) -> PanelReads:
        return PanelReads(
            people=_roster(cursor, case.partnership_id),
            latest=_latest(cursor, case, agencies),
            facts=_facts(cursor, case.id),
        )

    return await prepared.run(connection, read)


async def vote_ground(
    connection: AsyncConnection,
    *,
    partnership_id: int,
    reference: str,
    agencies: Sequence[str],
    ledger_key: str | None,
) -> VoteGround:
    """Claim the invoke (if `ledger_key`), lock the case, and read its roster and votes.

    `case` is None when the partnership has no such case.
    """

    def read(cursor: Cursor) -> VoteGround:
        if ledger_key is not None:
            claimed = cursor.run(_CLAIM, {"key": ledger_key[:600], "at": utcnow(), "b_outcome": ""})
            if not claimed:
                return VoteGround(claimed=False)
        found = cursor.rows(_LOCK_CASE, {"partnership_id": partnership_id, "reference": reference})
        if not found:
            return VoteGround(claimed=True)
        case = detached(Case, _CASE_COLUMNS, found[0])
        return VoteGround(
            claimed=True,
            case=case,
            people=_roster(cursor, partnership_id),
            latest=_latest(cursor, case, agencies),
        )

    return await prepared.run(connection, read)


async def record_vote(
    connection: AsyncConnection,
    *,
    case: Case,
    member_id: int,
    agency: str,
    outcome: str,
    rationale: str,
    serious_harm_basis: str | None,
    queries: str | None,
    activity_id: str | None,
    cast_at: datetime,
    actor: str | None,
    audit_detail: Mapping[str, Any],
    read_facts: bool,
    notifiable: bool | None = None,
) -> PanelFacts | None:
    """Write the vote, its audit event and the shared card's update request.

    With `read_facts`, also read what the panel card shows besides the votes.
    """

    def write(cursor: Cursor) -> PanelFacts | None:
        cursor.run(
            _INSERT_VOTE,
            {
                "case_id": case.id,
                "member_id": member_id,
                "agency": agency,
                "outcome": outcome,
                "rationale": rationale,
                "serious_harm_basis": serious_harm_basis,
                "queries": queries,
                "round": case.panel_round,
                "activity_id": activity_id,
                "cast_at": cast_at,
                "notifiable": notifiable,
            },
        )
        cursor.run(
            _INSERT_AUDIT,
            {
                "at": utcnow(),
                "action": "vote",
                "actor": actor,
                "partnership_id": case.partnership_id,
                "case_id": case.id,
                "outcome": "ok",
                "activity_id": activity_id,
                "detail": dict(audit_detail),
            },
        )
        cursor.run(
            _CARD_UPDATE,
            {
                "b_case_id": case.id,
                "b_partnership_id": case.partnership_id,
                "b_due_on": cast_at.date(),
                "b_now": cast_at,
            },
        )
        return _facts(cursor, case.id) if read_facts else None

    return await prepared.run(connection, write)
