"""The partnership roster as data: who belongs to which agency, with which roles, and the
rules for changing it.

A person is checked the same way whether they come from the roster file of the first set-up
(TOML, `parse_roster`), the `roster` card in Teams or a spreadsheet sent in the chat
(review/roster_file.py): a name cleaned like any other text, a work email address, an agency
of the profile and the roles the profile knows. A deputy may have cover dates: outside them
they are not a deputy (`roles_in_force`), so they do not vote. The roster always keeps a
manager (`manager_kept`), or no one could change it afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from review.answers import clean_text
from review.referral import parse_iso_date

ROLES = frozenset({"panel", "deputy", "manager", "chair", "agency_lead", "dpo"})
"""The roles any roster may hold (`dpo`: the data protection officer, who reads a case's audit
and exports its record); a profile adds its own (`[roles]`)."""
_FIRST = ("manager", "panel", "deputy", "agency_lead", "chair")
BASE_ROLES: tuple[str, ...] = (*_FIRST, *sorted(ROLES - set(_FIRST)))
"""The roster roles every profile knows, in the order a card lists them."""
ROLE_TITLES: Mapping[str, str] = {
    "manager": "Partnership manager",
    "panel": "Panel member (votes for their statutory partner)",
    "deputy": "Deputy panel member (votes within their cover dates)",
    "agency_lead": "Agency safeguarding lead",
    "chair": "Chair",
}
STATUTORY_PARTNERS = ("la", "police", "health")
NAME_MAX = 200
EMAIL_MAX = 254
# The referral form's rule for an email address (review/referral.py), and its local part's limit.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_EMAIL_LOCAL_MAX = 64
_FORMULA_START = frozenset("=+-@")
_KEYS = {"name", "email", "agency", "roles", "aad_object_id", "cover_from", "cover_to"}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


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
    cover_from: date | None = None
    cover_to: date | None = None

    def can_vote_for(self, agency: str) -> bool:
        """True when this person may cast the vote of `agency` (a panel member or deputy)."""
        return self.agency == agency and bool({"panel", "deputy"} & set(self.roles))


@dataclass(frozen=True)
class RosterRules:
    """What a roster may hold under one profile: its agencies and its roles.

    `agencies` maps every accepted spelling (lower case) to an agency id: the ids, the
    agencies' names and the statutory partner codes `la`, `police` and `health`.
    """

    agencies: Mapping[str, str]
    agency_ids: tuple[str, ...]
    roles: tuple[str, ...]

    @classmethod
    def of(
        cls,
        agencies: Iterable[tuple[str, str, str | None]],
        profile_roles: Iterable[str] = (),
    ) -> RosterRules:
        """The rules for agencies given as (id, name, statutory partner or None)."""
        spellings: dict[str, str] = {}
        ids: list[str] = []
        for agency_id, name, partner in agencies:
            ids.append(agency_id)
            for spelling in (agency_id, name, partner):
                if spelling:
                    spellings.setdefault(spelling.strip().lower(), agency_id)
        own = [r for r in profile_roles if r not in ROLES]
        return cls(agencies=spellings, agency_ids=tuple(ids), roles=(*BASE_ROLES, *own))

    def agency_id(self, raw: str) -> str | None:
        """The agency id `raw` names (an id, a name or a statutory partner code), or None."""
        return self.agencies.get(" ".join(raw.split()).lower())


def is_formula(text: str) -> bool:
    """True when a spreadsheet would run `text` as a formula (=, +, -, @, or a tab first)."""
    stripped = text.lstrip(" \u00a0")
    return bool(stripped) and (stripped[0] in _FORMULA_START or stripped[0] in "\t\r")


def is_email(text: str) -> bool:
    """True for a plausible work email address."""
    local = text.rpartition("@")[0]
    return (
        len(text) <= EMAIL_MAX
        and len(local) <= _EMAIL_LOCAL_MAX
        and _EMAIL.fullmatch(text) is not None
    )


def parse_day(text: str) -> date | None:
    """A date written YYYY-MM-DD (as cards send it) or DD/MM/YYYY (as England writes it)."""
    text = text.strip()
    found = parse_iso_date(text)
    if found is not None:
        return found
    match = _UK_DATE.match(text)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def split_roles(raw: object) -> list[str]:
    """Roles from a card's multi-select ("a,b") or a file's cell ("a; b"), in order."""
    if isinstance(raw, list | tuple):
        parts = [str(r) for r in raw]
    elif isinstance(raw, str):
        parts = re.split(r"[;,]", raw)
    else:
        parts = []
    return [p.strip().lower() for p in parts if p.strip()]


def check_person(
    *,
    name: object,
    email: object,
    agency: object,
    roles: object,
    rules: RosterRules,
    taken: Collection[str] = (),
    cover_from: object = None,
    cover_to: object = None,
) -> tuple[RosterEntry | None, dict[str, str]]:
    """One person checked: `(entry, {})`, or `(None, errors by field)`; never raises.

    `taken` are the emails already on the roster (lower case). Roles may be a list or text
    separated by ';' or ','. Cover dates (optional, for a deputy) are date text.
    """
    errors: dict[str, str] = {}
    clean_name = clean_text(name, multiline=False) if isinstance(name, str) else ""
    if not clean_name:
        errors["name"] = "Give the person's name."
    elif len(clean_name) > NAME_MAX:
        errors["name"] = f"Keep the name under {NAME_MAX} characters."
    elif is_formula(clean_name):
        errors["name"] = "A name cannot start with =, +, - or @."
    clean_email = clean_text(email, multiline=False).lower() if isinstance(email, str) else ""
    if not clean_email:
        errors["email"] = "Give their work email address."
    elif not is_email(clean_email):
        errors["email"] = f"{clean_email[:80]!r} is not an email address."
    elif clean_email in taken:
        errors["email"] = f"{clean_email} is on the roster already."
    raw_agency = clean_text(agency, multiline=False) if isinstance(agency, str) else ""
    agency_id = rules.agency_id(raw_agency) if raw_agency else None
    if not raw_agency:
        errors["agency"] = "Choose their agency."
    elif agency_id is None:
        errors["agency"] = (
            f"{raw_agency[:80]!r} is not an agency of this partnership "
            f"(one of {', '.join(rules.agency_ids)})."
        )
    wanted = split_roles(roles)
    unknown = [r for r in wanted if r not in rules.roles]
    if unknown:
        errors["roles"] = (
            f"{unknown[0][:40]!r} is not a role here (one of {', '.join(rules.roles)})."
        )
    chosen = tuple(dict.fromkeys(wanted))
    start, end, cover_errors = check_cover(cover_from, cover_to, roles=chosen)
    errors.update(cover_errors)
    if errors or agency_id is None:
        return None, errors
    entry = RosterEntry(
        name=clean_name,
        email=clean_email,
        agency=agency_id,
        roles=chosen,
        cover_from=start,
        cover_to=end,
    )
    return entry, {}


def check_cover(
    cover_from: object, cover_to: object, *, roles: Sequence[str]
) -> tuple[date | None, date | None, dict[str, str]]:
    """A deputy's cover dates from text (either may be blank: open-ended), checked."""
    errors: dict[str, str] = {}
    days: list[date | None] = []
    for key, raw in (("cover_from", cover_from), ("cover_to", cover_to)):
        text = raw.strip() if isinstance(raw, str) else ""
        if isinstance(raw, date):
            days.append(raw)
            continue
        day = parse_day(text) if text else None
        if text and day is None:
            errors[key] = f"{text[:20]!r} is not a date: write it as YYYY-MM-DD or DD/MM/YYYY."
        days.append(day)
    start, end = days
    if start is not None and end is not None and end < start:
        errors["cover_to"] = "The cover cannot end before it starts."
    if (start is not None or end is not None) and "deputy" not in roles and not errors:
        errors["cover_from"] = "Only a deputy has cover dates."
    return start, end, errors


def on_cover(cover_from: date | None, cover_to: date | None, day: date) -> bool:
    """True when `day` is within the cover dates (a blank date leaves that end open)."""
    return (cover_from is None or cover_from <= day) and (cover_to is None or day <= cover_to)


def roles_in_force(
    roles: Iterable[str], cover_from: date | None, cover_to: date | None, day: date
) -> tuple[str, ...]:
    """The roles a person holds on `day`: a deputy outside their cover dates is no deputy."""
    held = tuple(roles)
    if "deputy" in held and not on_cover(cover_from, cover_to, day):
        return tuple(r for r in held if r != "deputy")
    return held


def manager_kept(managers_after: int) -> str | None:
    """The problem when a change would leave the roster with no manager, else None."""
    if managers_after > 0:
        return None
    return (
        "That would leave the partnership with no manager, and no one could change the "
        "roster afterwards. Make someone else a manager first."
    )


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
        if not is_email(email):
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
        start, end, cover_errors = check_cover(
            raw.get("cover_from"), raw.get("cover_to"), roles=roles
        )
        if cover_errors:
            key, why = next(iter(cover_errors.items()))
            raise RosterError(f"{where}.{key}: {why}")
        entries.append(
            RosterEntry(
                name=clean_text(raw["name"], multiline=False),
                email=email,
                agency=known[raw["agency"]],
                roles=tuple(dict.fromkeys(roles)),
                aad_object_id=aad.strip() if aad else None,
                cover_from=start,
                cover_to=end,
            )
        )
    return partnership, entries
