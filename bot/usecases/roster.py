"""The roster: imported from a TOML file of people, agencies and roles (first set-up, the
command line), and run by managers from the `roster` card in 1:1: add a person, change their
roles, set a deputy's cover dates, remove them (deactivated, never deleted: votes and the
audit trail name them). Each change is one transaction under the roster lock, audited by
member id (never an email); a person who is not a manager is refused, and that is audited.
Replacing the whole roster from a file sent in the chat is bot/usecases/roster_file.py."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.settings import Settings
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from bot.usecases.roles import ROLE_WORDS
from cards.base import Card
from cards.roster import (
    RosterChoices,
    RosterPerson,
    roster_add_card,
    roster_card,
    roster_done_card,
    roster_matches_card,
    roster_person_card,
    roster_remove_card,
)
from review.answers import clean_text
from review.profiles import Profile, load_profile
from review.referral import format_date
from review.roster import (
    ROLE_TITLES,
    RosterEntry,
    RosterError,
    RosterRules,
    check_cover,
    check_person,
    manager_kept,
    parse_roster,
    split_roles,
)
from storage import repositories as repo
from storage import roster as roster_repo
from storage.db import Database
from storage.models import Member

DEMO_ROSTER = Path(__file__).parents[1] / "demo" / "roster.toml"
MAX_MATCHES = 25
NOT_A_MANAGER = "Only a partnership manager can change the roster. Nothing was changed."

__all__ = [
    "DEMO_ROSTER",
    "RosterError",
    "add_form",
    "add_person",
    "change_roles",
    "find_person",
    "import_roster",
    "person_card",
    "remove_form",
    "remove_person",
    "roster_card_for",
    "set_cover",
]


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
                await save_entry(session, partnership.id, entry)
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


async def save_entry(session: AsyncSession, partnership_id: int, entry: RosterEntry) -> Member:
    """Put a checked person on the roster: the member with their email (active or not,
    so they keep their id and history) or a new one."""
    member = await repo.upsert_member(
        session,
        partnership_id,
        email=entry.email,
        name=entry.name,
        agency=entry.agency,
        roles=entry.roles,
        aad_object_id=entry.aad_object_id,
    )
    roster_repo.set_cover(member, entry.cover_from, entry.cover_to)
    return member


# --- what the cards show -------------------------------------------------------------------


def rules_for(profile: Profile) -> RosterRules:
    """What the profile lets a roster hold: its agencies and its roles."""
    return RosterRules.of(
        ((a.id, a.name, a.statutory_partner) for a in profile.agencies), profile.roles
    )


def choices_for(profile: Profile) -> RosterChoices:
    """The agencies and roles a card offers, in the profile's words."""
    rules = rules_for(profile)

    def title(role: str) -> str:
        words = ROLE_TITLES.get(role) or profile.roles.get(role) or ROLE_WORDS.get(role, role)
        return f"{role}: {words[:1].upper()}{words[1:]}"

    return RosterChoices(
        agencies=tuple((a.name, a.id) for a in profile.agencies),
        roles=tuple((title(r), r) for r in rules.roles),
    )


def person_view(app: AppContext, member: Member) -> RosterPerson:
    """A member as the roster cards show them."""
    return RosterPerson(
        member_id=member.id,
        name=member.name,
        email=member.email,
        agency=app.profile.agency_name(member.agency),
        roles=tuple(member.roles or ()),
        cover_from=member.cover_from,
        cover_to=member.cover_to,
    )


def _entry_facts(app: AppContext, member: Member) -> list[tuple[str, str]]:
    facts = [
        ("Email", member.email),
        ("Agency", app.profile.agency_name(member.agency)),
        ("Roles", ", ".join(member.roles or ()) or "no roles"),
    ]
    if "deputy" in (member.roles or ()):
        facts.append(("Cover", _cover_words(member)))
    return facts


def _cover_words(member: Member) -> str:
    if member.cover_from is None and member.cover_to is None:
        return "always"
    start = format_date(member.cover_from) if member.cover_from else "now"
    end = format_date(member.cover_to) if member.cover_to else "until changed"
    return f"{start} to {end}"


def _field(raw: Mapping[str, Any], key: str, limit: int = 400) -> str:
    value = raw.get(key)
    return value[:limit] if isinstance(value, str) else ""


# --- who may -------------------------------------------------------------------------------


async def _manager(
    app: AppContext, session: AsyncSession, person: Person, action: str, reason: str = NOT_A_MANAGER
) -> Member:
    """The acting manager, or Refused (audited by the caller's decorator)."""
    member = await member_for(app, session, person)
    if member is None or not member.active or "manager" not in (member.roles or ()):
        raise Refused(reason, action=action)
    return member


async def _target(app: AppContext, session: AsyncSession, member_id: object, action: str) -> Member:
    """The active member a button names, or Refused."""
    found = None
    if isinstance(member_id, int) and not isinstance(member_id, bool):
        found = await roster_repo.member_by_id(session, app.partnership_id, member_id)
    elif isinstance(member_id, str) and member_id.isdigit() and len(member_id) < 12:
        found = await roster_repo.member_by_id(session, app.partnership_id, int(member_id))
    if found is None or not found.active:
        raise Refused(
            "That person is not on the roster any more. Nothing was changed.",
            action=action,
            detail={"member_id": found.id if found is not None else None},
        )
    return found


async def _other_managers(session: AsyncSession, app: AppContext, member: Member) -> int:
    people = await repo.members(session, app.partnership_id)
    return sum(1 for m in people if m.id != member.id and "manager" in (m.roles or ()))


# --- the roster card -----------------------------------------------------------------------


@refusals_audited
async def roster_card_for(
    app: AppContext, *, person: Person, notice: str | None = None, find_error: str | None = None
) -> Card:
    """The roster as a card with its buttons, for managers."""
    async with app.db.session() as session:
        await _manager(
            app, session, person, "roster.view", "Only a partnership manager can see the roster."
        )
        return await _roster_card(app, session, notice=notice, find_error=find_error)


async def _roster_card(
    app: AppContext,
    session: AsyncSession,
    *,
    notice: str | None = None,
    find_error: str | None = None,
) -> Card:
    people = await repo.members(session, app.partnership_id)
    return roster_card(
        partnership_name=app.profile.partnership.name,
        people=[person_view(app, m) for m in people],
        notice=notice,
        find_error=find_error,
    )


@refusals_audited
async def find_person(app: AppContext, *, person: Person, raw: Mapping[str, Any]) -> Card:
    """The person a manager typed part of the name or email of: their card, or a choice."""
    words = clean_text(_field(raw, "find", 320), multiline=False)
    async with app.db.session() as session:
        await _manager(app, session, person, "roster.find")
        if not words:
            return await _roster_card(
                app, session, find_error="Type part of their name or email, then Find."
            )
        found = await roster_repo.find_people(session, app.partnership_id, words, MAX_MATCHES + 1)
        if not found:
            return await _roster_card(
                app, session, find_error=f"No one on the roster matches {words[:80]!r}."
            )
        if len(found) > MAX_MATCHES:
            return await _roster_card(
                app,
                session,
                find_error=f"More than {MAX_MATCHES} people match {words[:80]!r}: type more.",
            )
        if len(found) == 1:
            return roster_person_card(
                person=person_view(app, found[0]), choices=choices_for(app.profile)
            )
        return roster_matches_card(words=words[:80], people=[person_view(app, m) for m in found])


@refusals_audited
async def person_card(app: AppContext, *, person: Person, member_id: object) -> Card:
    """One person's card: their roles, a deputy's cover dates, removal."""
    async with app.db.session() as session:
        await _manager(app, session, person, "roster.person")
        target = await _target(app, session, member_id, "roster.person")
        return roster_person_card(person=person_view(app, target), choices=choices_for(app.profile))


# --- adding a person -----------------------------------------------------------------------


@refusals_audited
async def add_form(app: AppContext, *, person: Person) -> Card:
    """The form to add a person."""
    async with app.db.session() as session:
        await _manager(app, session, person, "roster.add")
    return roster_add_card(choices=choices_for(app.profile))


@refusals_audited
async def add_person(app: AppContext, *, person: Person, raw: Mapping[str, Any]) -> Card:
    """Add a person (or bring back one taken off, with their history); the form again with
    what is wrong, or the done card."""
    values = {
        key: _field(raw, key)
        for key in ("name", "email", "agency", "roles", "cover_from", "cover_to")
    }
    async with app.db.session() as session, session.begin():
        await roster_repo.lock_roster(session, app.partnership_id)
        await _manager(app, session, person, "roster.add")
        taken = {m.email for m in await repo.members(session, app.partnership_id)}
        entry, errors = check_person(
            name=values["name"],
            email=values["email"],
            agency=values["agency"],
            roles=values["roles"],
            rules=rules_for(app.profile),
            taken=taken,
            cover_from=values["cover_from"],
            cover_to=values["cover_to"],
        )
        if entry is None:
            return roster_add_card(choices=choices_for(app.profile), values=values, errors=errors)
        member = await save_entry(session, app.partnership_id, entry)
        await repo.audit(
            session,
            action="roster.add",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"member_id": member.id, "agency": entry.agency, "roles": list(entry.roles)},
        )
        return roster_done_card(
            title="Added to the roster", name=member.name, facts=_entry_facts(app, member)
        )


# --- changing a person ---------------------------------------------------------------------


@refusals_audited
async def change_roles(
    app: AppContext, *, person: Person, member_id: object, raw: Mapping[str, Any]
) -> Card:
    """A person's roles changed (never leaving the partnership without a manager)."""
    async with app.db.session() as session, session.begin():
        await roster_repo.lock_roster(session, app.partnership_id)
        await _manager(app, session, person, "roster.roles")
        target = await _target(app, session, member_id, "roster.roles")
        rules = rules_for(app.profile)
        wanted = tuple(dict.fromkeys(split_roles(raw.get("roles"))))
        errors: dict[str, str] = {}
        unknown = [r for r in wanted if r not in rules.roles]
        if unknown:
            errors["roles"] = f"{unknown[0][:40]!r} is not a role here."
        elif "manager" in (target.roles or ()) and "manager" not in wanted:
            problem = manager_kept(await _other_managers(session, app, target))
            if problem is not None:
                errors["roles"] = problem
        if errors:
            return roster_person_card(
                person=person_view(app, target),
                choices=choices_for(app.profile),
                errors=errors,
                values={"roles": ",".join(wanted)},
            )
        before = list(target.roles or ())
        target.roles = list(wanted)
        if "deputy" not in wanted:
            roster_repo.set_cover(target, None, None)
        await repo.audit(
            session,
            action="roster.roles",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"member_id": target.id, "roles": list(wanted), "before": before},
        )
        return roster_done_card(
            title="Roles changed", name=target.name, facts=_entry_facts(app, target)
        )


@refusals_audited
async def set_cover(
    app: AppContext, *, person: Person, member_id: object, raw: Mapping[str, Any]
) -> Card:
    """A deputy's cover dates: outside them they do not vote."""
    async with app.db.session() as session, session.begin():
        await roster_repo.lock_roster(session, app.partnership_id)
        await _manager(app, session, person, "roster.cover")
        target = await _target(app, session, member_id, "roster.cover")
        values = {key: _field(raw, key, 40) for key in ("cover_from", "cover_to")}
        start, end, errors = check_cover(
            values["cover_from"], values["cover_to"], roles=tuple(target.roles or ())
        )
        if errors:
            return roster_person_card(
                person=person_view(app, target),
                choices=choices_for(app.profile),
                errors=errors,
                values=values,
            )
        roster_repo.set_cover(target, start, end)
        await repo.audit(
            session,
            action="roster.cover",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={
                "member_id": target.id,
                "cover_from": start.isoformat() if start else None,
                "cover_to": end.isoformat() if end else None,
            },
        )
        return roster_done_card(
            title="Cover dates saved", name=target.name, facts=_entry_facts(app, target)
        )


@refusals_audited
async def remove_form(app: AppContext, *, person: Person, member_id: object) -> Card:
    """Are you sure you want to take this person off the roster?"""
    async with app.db.session() as session:
        await _manager(app, session, person, "roster.remove")
        target = await _target(app, session, member_id, "roster.remove")
        return roster_remove_card(person=person_view(app, target))


@refusals_audited
async def remove_person(app: AppContext, *, person: Person, member_id: object) -> Card:
    """Take a person off the roster: deactivated, never deleted, and never the last manager."""
    async with app.db.session() as session, session.begin():
        await roster_repo.lock_roster(session, app.partnership_id)
        await _manager(app, session, person, "roster.remove")
        target = await _target(app, session, member_id, "roster.remove")
        if "manager" in (target.roles or ()):
            problem = manager_kept(await _other_managers(session, app, target))
            if problem is not None:
                raise Refused(
                    f"{target.name} is the partnership's only manager. {problem} "
                    "Nothing was changed.",
                    action="roster.remove",
                    detail={"member_id": target.id},
                )
        target.active = False
        await repo.audit(
            session,
            action="roster.remove",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            detail={"member_id": target.id},
        )
        return roster_done_card(
            title="Taken off the roster",
            name=target.name,
            facts=[("Agency", app.profile.agency_name(target.agency))],
        )
