"""The partnership roster as data: who belongs to which agency, with which roles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROLES = frozenset({"panel", "deputy", "manager", "chair", "agency_lead"})
STATUTORY_PARTNERS = ("la", "police", "health")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KEYS = {"name", "email", "agency", "roles", "aad_object_id"}


class RosterError(ValueError):
    """A roster file is malformed; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class RosterEntry:
    """One person on the roster."""

    name: str
    email: str
    agency: str
    roles: tuple[str, ...]
    aad_object_id: str | None = None

    def can_vote_for(self, agency: str) -> bool:
        """True when this person may cast the vote of `agency` (a panel member or deputy)."""
        return self.agency == agency and bool({"panel", "deputy"} & set(self.roles))


def parse_roster(
    data: Mapping[str, Any],
    *,
    agencies: Mapping[str, str],
    source: str = "roster",
    profile_roles: frozenset[str] = frozenset(),
) -> tuple[str | None, list[RosterEntry]]:
    """Validate a roster document: `(partnership slug or None, entries)`, or RosterError.

    `agencies` maps every accepted name to an agency id: the profile's agency ids, and the
    statutory partner codes `la`, `police` and `health` for the agencies that hold them.
    `profile_roles` are the roles the partnership's profile adds (`[roles]`, e.g. notifier).
    """
    known = dict(agencies)
    allowed_roles = ROLES | profile_roles
    extra = set(data) - {"partnership", "members"}
    if extra:
        raise RosterError(f"{source}: unknown key {sorted(extra)[0]!r}")
    partnership = data.get("partnership")
    if partnership is not None and not isinstance(partnership, str):
        raise RosterError(f"{source}: partnership: expected a profile name")
    members = data.get("members")
    if not isinstance(members, list) or not members:
        raise RosterError(f"{source}: members: expected a list of [[members]] tables")
    entries: list[RosterEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(members):
        where = f"{source}: members[{i}]"
        if not isinstance(raw, dict):
            raise RosterError(f"{where}: expected a table")
        unknown = set(raw) - _KEYS
        if unknown:
            raise RosterError(f"{where}.{sorted(unknown)[0]}: unknown key")
        for key in ("name", "email", "agency"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise RosterError(f"{where}.{key}: required text")
        email = raw["email"].strip().lower()
        if not _EMAIL.match(email):
            raise RosterError(f"{where}.email: {raw['email']!r} is not an email address")
        if email in seen:
            raise RosterError(f"{where}.email: {email} is listed twice")
        seen.add(email)
        if raw["agency"] not in known:
            raise RosterError(
                f"{where}.agency: {raw['agency']!r} is not an agency of the profile "
                f"(one of {', '.join(sorted(known))})"
            )
        roles = raw.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise RosterError(f"{where}.roles: expected a list of role names")
        bad = [r for r in roles if r not in allowed_roles]
        if bad:
            raise RosterError(
                f"{where}.roles: {bad[0]!r} is not a role "
                f"(one of {', '.join(sorted(allowed_roles))})"
            )
        aad = raw.get("aad_object_id")
        if aad is not None and (not isinstance(aad, str) or not aad.strip()):
            raise RosterError(f"{where}.aad_object_id: expected text")
        entries.append(
            RosterEntry(
                name=raw["name"].strip(),
                email=email,
                agency=known[raw["agency"]],
                roles=tuple(dict.fromkeys(roles)),
                aad_object_id=aad.strip() if aad else None,
            )
        )
    return partnership, entries
