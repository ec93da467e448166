"""The roster: imported from a TOML file of people, agencies and roles (first set-up, the
command line), and shown to managers in 1:1."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.context import AppContext
from bot.settings import Settings
from bot.usecases.people import NotAllowed, Person, member_of
from cards.panel import roster_card
from review.profiles import load_profile
from review.roster import RosterError, parse_roster
from storage import repositories as repo
from storage.db import Database
from storage.models import Member

DEMO_ROSTER = Path(__file__).parents[1] / "demo" / "roster.toml"

__all__ = ["DEMO_ROSTER", "RosterError", "import_roster", "roster_card_for"]


async def import_roster(settings: Settings, path: Path) -> int:
    """Replace the partnership's roster with the file's; returns the number of members."""
    try:
        data = tomllib.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise RosterError(f"{path}: not valid TOML ({exc})") from None
    profile = load_profile(settings.partnership_profile)
    names = {a.id: a.id for a in profile.agencies}
    names.update({a.statutory_partner: a.id for a in profile.agencies if a.statutory_partner})
    slug, entries = parse_roster(
        data, agencies=names, source=path.name, profile_roles=frozenset(profile.roles)
    )
    if slug is not None and slug != profile.id:
        raise RosterError(
            f"{path.name}: partnership: the roster is for {slug!r}, "
            f"but PARTNERSHIP_PROFILE is {profile.id!r}"
        )
    db = Database(settings.database_url)
    try:
        await db.check_migrated()
        async with db.session() as session, session.begin():
            partnership = await repo.ensure_partnership(
                session, slug=profile.id, name=profile.partnership.name, profile=profile.id
            )
            await session.execute(
                update(Member).where(Member.partnership_id == partnership.id).values(active=False)
            )
            for entry in entries:
                await repo.upsert_member(
                    session,
                    partnership.id,
                    email=entry.email,
                    name=entry.name,
                    agency=entry.agency,
                    roles=entry.roles,
                    aad_object_id=entry.aad_object_id,
                )
            await repo.audit(
                session,
                action="roster.import",
                actor="cli",
                partnership_id=partnership.id,
                detail={"members": len(entries), "file": path.name},
            )
    finally:
        await db.dispose()
    return len(entries)


async def roster_card_for(app: AppContext, *, person: Person) -> dict[str, Any]:
    """The roster as a card, for managers."""
    member = await member_of(app, person)
    if member is None or "manager" not in member.roles:
        raise NotAllowed("Only a partnership manager can see the roster.")
    async with app.db.session() as session:
        people = await repo.members(session, app.partnership_id)
    rows = [
        (m.name, m.email, app.profile.agency_name(m.agency), ", ".join(m.roles)) for m in people
    ]
    return roster_card(partnership_name=app.profile.partnership.name, members=rows)
