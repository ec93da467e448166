"""Shared fixtures: a migrated database on SQLite and (when configured) on PostgreSQL, and the
suite's data key installed for every test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from helpers.connector import FakeConnector
from helpers.keys import TEST_DATA_KEY
from helpers.people import teams_members
from storage.crypto import Keyring, install_keys
from storage.db import Database
from storage.migrate import upgrade

# The `python -m bot` processes the tests start read their key from here (never the
# development key in var/, nor one from the shell that runs the tests).
os.environ["DATA_KEYS"] = TEST_DATA_KEY

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set (bash .ci/run sets it)"
)


async def reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(autouse=True)
def data_keys() -> None:
    """The suite's data key, installed as the app installs DATA_KEYS at start-up (storage
    tests write and read encrypted columns without starting the app)."""
    install_keys(Keyring([TEST_DATA_KEY]))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[needs_postgres])])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database: a fresh SQLite file, or the reset PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
async def db_url(empty_db_url: str) -> str:
    """A URL to a database migrated to the newest revision."""
    db = Database(empty_db_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()
    return empty_db_url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A migrated database, disposed after the test."""
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The Bot Connector stand-in on loopback, knowing every demo person."""
    fake = await FakeConnector().start()
    fake.members.update(teams_members())
    yield fake
    await fake.close()


@pytest.fixture
async def roster_db(db_url: str) -> str:
    """A migrated database with the demo partnership's fictional roster."""
    from bot.usecases.roster import DEMO_ROSTER, import_roster
    from helpers.app import app_settings

    await import_roster(app_settings(db_url), DEMO_ROSTER)
    return db_url
