"""The suite's data keys (encryption at rest): fixed, fictional, used nowhere but the tests."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from typing import Any


def fixed_key(name: str) -> str:
    """A valid data key derived from `name` (the same in every run)."""
    digest = hashlib.sha256(f"rapid-review test data key {name}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


# What every test runs with: tests/conftest.py installs it and puts it in DATA_KEYS for the
# `python -m bot` processes the tests start; helpers.app.app_settings gives it to the app.
TEST_DATA_KEY = fixed_key("A")


async def write_referral(db_url: str, form: dict[str, Any], key: str = TEST_DATA_KEY) -> str:
    """A case and its referral form written under `key` as the bot writes them; the reference.

    The suite's key is installed again afterwards."""
    from storage import cases as case_repo
    from storage import repositories as repo
    from storage.crypto import Keyring, install_keys
    from storage.db import Database

    install_keys(Keyring([key]))
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            partnership = await repo.ensure_partnership(
                s, slug="stockport", name="Stockport", profile="stockport"
            )
            case = await case_repo.open_case(
                s,
                partnership_id=partnership.id,
                prefix="SSCP",
                year=2026,
                received_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
                pathway_sought="rapid_review",
                referring_agency="stockport_nhs_ft",
                event_date=date(2026, 11, 20),
                referrer_member_id=None,
                referrer_aad_object_id=None,
                submission_key=hashlib.sha256(repr(form).encode()).hexdigest(),
                form=form,
                status="panel",
            )
            return case.reference
    finally:
        await db.dispose()
        install_keys(Keyring([TEST_DATA_KEY]))


async def raw_tables(url: str) -> dict[str, str]:
    """Every table's rows as the database holds them, read without our column types (what a
    copy of the database shows to someone without the key): table -> its rows as text."""
    import sqlite3

    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    if url.startswith("sqlite"):
        path = make_url(url).database
        assert path and path != ":memory:"
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [
                r[0]
                for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {
                t: "\n".join(repr(row) for row in connection.execute(f'SELECT * FROM "{t}"'))
                for t in names
            }
        finally:
            connection.close()
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            query = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            names = list((await conn.execute(query)).scalars())
            found = {}
            for t in names:
                rows = await conn.execute(text(f'SELECT row_to_json(t)::text FROM "{t}" t'))
                found[t] = "\n".join(rows.scalars())
            return found
    finally:
        await engine.dispose()
