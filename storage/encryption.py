"""The encrypted columns as a whole: the start-up check that the keys open the data there,
and `python -m bot keys rotate`, which reseals every value with the newest key.

Both read and write the stored values as they are (`enc:v1:...` or a legacy plain value)
through a plain view of each table, and use the process's installed keys (storage/crypto.py).
Every column whose type is `EncryptedText` or `EncryptedJSON` is found in the models'
metadata: a column made encrypted later is checked and rotated with no change here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, Table, Text, bindparam, column, select, table, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import TableClause

from storage.crypto import DataKeyMismatch, installed_keys, is_encrypted
from storage.db import Database
from storage.models import Base
from storage.types import EncryptedJSON, EncryptedText

ROTATE_BATCH = 200


@dataclass(frozen=True)
class EncryptedTable:
    """A table with encrypted columns, and a plain view of it that reads them as stored."""

    name: str
    columns: tuple[str, ...]
    types: tuple[EncryptedText | EncryptedJSON, ...]
    raw: TableClause
    pk: str = "id"
    """The table's one-column primary key (an integer id, or bot_state's text key)."""
    first: Any = 0
    """A key below every row's (0 for an integer id, "" for a text key), to start batches."""

    @property
    def key(self) -> Any:
        """The primary key column of the plain view (rows are walked in its order)."""
        return self.raw.c[self.pk]


def encrypted_tables(tables: Sequence[Table] | None = None) -> list[EncryptedTable]:
    """Every table (of the models, by default) with an encrypted column, in dependency order."""
    found = []
    for t in Base.metadata.sorted_tables if tables is None else tables:
        cols = [c for c in t.columns if isinstance(c.type, EncryptedText | EncryptedJSON)]
        if not cols:
            continue
        keys = list(t.primary_key.columns)
        if len(keys) != 1:
            raise TypeError(f"{t.name}: an encrypted table needs a one-column primary key")
        pk = keys[0]
        is_int = isinstance(pk.type, Integer)
        raw = table(
            t.name,
            column(pk.name, Integer if is_int else Text),
            *(column(c.name, JSON if isinstance(c.type, EncryptedJSON) else Text) for c in cols),
        )
        types = tuple(c.type for c in cols if isinstance(c.type, EncryptedText | EncryptedJSON))
        names = tuple(c.name for c in cols)
        found.append(EncryptedTable(t.name, names, types, raw, pk.name, 0 if is_int else ""))
    return found


def _mismatch(where: str, row_id: int, why: DataKeyMismatch) -> DataKeyMismatch:
    return DataKeyMismatch(f"{where} (row {row_id}): {why}")


async def check_keys(db: Database) -> int:
    """Open the oldest and the newest sealed value of every encrypted column.

    DataKeyMismatch, naming the column and row, when the installed keys cannot open one (a
    wrong or missing DATA_KEYS): the app refuses to start rather than fail on the first
    referral it shows. The number of values opened.
    """
    keyring = installed_keys()
    opened = 0
    async with db.engine.connect() as connection:
        for t in encrypted_tables():
            ident = t.key
            for name in t.columns:
                col = t.raw.c[name]
                for order in (ident.asc(), ident.desc()):
                    row = (
                        await connection.execute(
                            select(ident, col).where(col.is_not(None)).order_by(order).limit(1)
                        )
                    ).first()
                    if row is None or not is_encrypted(row[1]):
                        continue
                    try:
                        keyring.decrypt(row[1])
                    except DataKeyMismatch as why:
                        raise _mismatch(f"{t.name}.{name}", row[0], why) from None
                    opened += 1
    return opened


@dataclass
class Rotated:
    """What rotation did to one column's values (counts only, never content)."""

    resealed: int = 0  # sealed with an older key, now with the newest
    sealed: int = 0  # stored in plain (written before encryption), now sealed
    current: int = 0  # already sealed with the newest key: left as they were

    @property
    def changed(self) -> int:
        """Values written."""
        return self.resealed + self.sealed


async def rotate(db: Database, *, batch_size: int = ROTATE_BATCH) -> dict[str, Rotated]:
    """Reseal every encrypted value with the newest installed key, and seal the plain ones.

    In batches of `batch_size` rows by id, each in its own transaction with its rows locked
    (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds the write lock), so the bot
    can run meanwhile and an interrupted rotation is simply run again: a value already
    sealed with the newest key is left as it is. The counts, by `table.column`.
    """
    counts: dict[str, Rotated] = {}
    for t in encrypted_tables():
        for name in t.columns:
            counts[f"{t.name}.{name}"] = Rotated()
        after = t.first
        while True:
            async with db.transaction() as connection:
                last = await _rotate_batch(connection, t, after, batch_size, counts)
            if last is None:
                break
            after = last
    return counts


async def _rotate_batch(
    connection: AsyncConnection,
    t: EncryptedTable,
    after: Any,
    batch_size: int,
    counts: dict[str, Rotated],
) -> Any:
    """Rotate the rows with keys after `after`; the last key seen (None: no rows were left)."""
    keyring = installed_keys()
    dialect = connection.dialect
    cols = [t.raw.c[name] for name in t.columns]
    rows = (
        await connection.execute(
            select(t.key, *cols)
            .where(t.key > after)
            .order_by(t.key)
            .limit(batch_size)
            .with_for_update()
        )
    ).all()
    if not rows:
        return None
    # Only the values that change are written, grouped by which columns they are in.
    changes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        values: dict[str, Any] = {}
        for name, type_, stored in zip(t.columns, t.types, row[1:], strict=True):
            tally = counts[f"{t.name}.{name}"]
            if stored is None:
                continue
            if is_encrypted(stored) and keyring.is_current(stored):
                tally.current += 1
                continue
            try:
                values[f"b_{name}"] = _reseal(type_, stored, dialect)
            except DataKeyMismatch as why:
                raise _mismatch(f"{t.name}.{name}", row[0], why) from None
            if is_encrypted(stored):
                tally.resealed += 1
            else:
                tally.sealed += 1
        if values:
            names = tuple(k[2:] for k in values)
            changes.setdefault(names, []).append({"b_id": row[0], **values})
    for names, params in changes.items():
        await connection.execute(
            update(t.raw)
            .where(t.key == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in names}),
            params,
        )
    return rows[-1][0]


def _reseal(type_: EncryptedText | EncryptedJSON, stored: Any, dialect: Dialect) -> Any:
    """A stored value opened (a plain one as it is) and sealed again with the newest key."""
    return type_.process_bind_param(type_.process_result_value(stored, dialect), dialect)
