"""Migrations: the schema they build is the one the models describe, both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage.db import Database, DatabaseNotMigrated
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.models import Base


async def test_upgrade_reaches_head_and_matches_models(db: Database) -> None:
    assert await current_revision(db.engine) == head_revision()

    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_downgrade_then_upgrade_again(db: Database) -> None:
    await downgrade(db.engine, "base")
    assert await current_revision(db.engine) is None
    await upgrade(db.engine)
    assert await current_revision(db.engine) == head_revision()


async def test_unmigrated_database_is_refused_with_the_command_to_run(empty_db_url: str) -> None:
    database = Database(empty_db_url)
    try:
        with pytest.raises(DatabaseNotMigrated, match="python -m bot db upgrade"):
            await database.check_migrated()
    finally:
        await database.dispose()
