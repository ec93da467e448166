"""Column types shared by the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage.crypto import installed_keys, is_encrypted


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time in UTC (for server-side defaults only; the domain gets `now` passed in)."""
    return datetime.now(UTC)


# Encryption at rest (storage/crypto.py). Both types seal every value they write with the
# process's installed keys (none installed: KeysNotInstalled, never plain text written), and
# open a sealed value they read. A value that is not sealed (a row written before encryption)
# is read as it is, and sealed by the next write or by `python -m bot keys rotate`.
# A sealed value has no order and equals nothing: never filter, sort or group by one in SQL
# (IS NULL still works: None is stored as NULL).


class EncryptedText(TypeDecorator[str]):
    """A Text column whose values are stored sealed (`enc:v1:...`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Seal the text with the newest key."""
        if value is None:
            return None
        return installed_keys().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Open a sealed value; an unsealed (older) one is returned as it is."""
        if value is None or not is_encrypted(value):
            return value  # type: ignore[no-any-return]
        return installed_keys().decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON column whose values are stored sealed, as a JSON string `"enc:v1:..."`.

    The column stays JSON (json on PostgreSQL, text on SQLite): no migration, and a row
    written before encryption (a JSON object or list) is read as it is.
    """

    impl = JSON
    cache_ok = True
    hashable = False

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Seal the value's JSON with the newest key."""
        if value is None:
            return None
        return installed_keys().encrypt(json.dumps(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Open a sealed value; an unsealed (older) one is returned as it is."""
        if not is_encrypted(value):
            return value
        return json.loads(installed_keys().decrypt(value))
