"""Key/value store for conversation and user state, with e_tag optimistic concurrency.

Pure SQLAlchemy: the Bot Framework `Storage` adapter in `bot/teams/state.py` wraps it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.db import Database
from storage.models import BotStateItem
from storage.types import utcnow


class StateConflict(Exception):
    """The item changed since it was read (its e_tag no longer matches)."""


@dataclass(frozen=True)
class StoredState:
    """One item as stored: its serialised data and e_tag."""

    data: str
    e_tag: str


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class StateStore:
    """Read, write and delete state items; a write naming an old e_tag is refused."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def read(self, keys: Iterable[str]) -> dict[str, StoredState]:
        """The items stored under `keys` (missing keys are left out)."""
        keys = list(keys)
        if not keys:
            return {}
        async with self._db.session() as session:
            rows = await session.execute(
                select(BotStateItem.key, BotStateItem.data, BotStateItem.e_tag).where(
                    BotStateItem.key.in_(keys)
                )
            )
            return {key: StoredState(data, e_tag) for key, data, e_tag in rows}

    async def write(self, items: dict[str, tuple[str, str | None]]) -> dict[str, str]:
        """Store `{key: (data, expected_e_tag)}` in one transaction; return the new e_tags.

        An expected e_tag of None or "*" writes unconditionally (the Bot Framework's rule);
        any other value must match what is stored, or `StateConflict` is raised and nothing
        is written.
        """
        new_tags: dict[str, str] = {}
        now = utcnow()
        async with self._db.session() as session, session.begin():
            for key, (data, expected) in items.items():
                tag = uuid.uuid4().hex
                if expected in (None, "*"):
                    insert = _insert(self._db.dialect)
                    stmt = insert(BotStateItem).values(
                        key=key, data=data, e_tag=tag, updated_at=now
                    )
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[BotStateItem.key],
                        set_={"data": data, "e_tag": tag, "updated_at": now},
                    )
                    await session.execute(stmt)
                else:
                    result = await session.execute(
                        update(BotStateItem)
                        .where(BotStateItem.key == key, BotStateItem.e_tag == expected)
                        .values(data=data, e_tag=tag, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if result.rowcount == 0:  # type: ignore[attr-defined]
                        exists = await session.scalar(
                            select(BotStateItem.key).where(BotStateItem.key == key)
                        )
                        if exists is not None:
                            raise StateConflict(f"state {key!r} changed since it was read")
                        session.add(BotStateItem(key=key, data=data, e_tag=tag, updated_at=now))
                new_tags[key] = tag
        return new_tags

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove the items stored under `keys`."""
        keys = list(keys)
        if not keys:
            return
        async with self._db.session() as session, session.begin():
            await session.execute(delete(BotStateItem).where(BotStateItem.key.in_(keys)))
