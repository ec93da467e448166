"""Database URLs: accept plain SQLAlchemy URLs and give them the async driver."""

from __future__ import annotations

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def normalise_database_url(url: str) -> str:
    """Give `sqlite://` and `postgresql://` URLs their async driver; leave others alone."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"DATABASE_URL is not a URL: {url!r}")
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return url.startswith("sqlite")
