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
