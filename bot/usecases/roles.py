"""Who holds a role of the process: the roster's roles, and the ones a profile names by the
statutory partners (`panel`: any partner's panel member or deputy; `la`, `police`, `health`:
that partner's panel members, deputies and agency leads). A deputy outside their cover dates
holds no deputy's role that day (`roles_today`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.context import AppContext
from review.calendar import london_date
from review.profiles import STATUTORY_PARTNERS
from review.roster import roles_in_force
from storage.models import Member

_PANEL = frozenset({"panel", "deputy"})
_PARTNER_PEOPLE = frozenset({"panel", "deputy", "agency_lead"})
ROLE_WORDS = {
    "manager": "a partnership manager",
    "chair": "the chair",
    "panel": "a member of the virtual panel",
    "agency_lead": "an agency's safeguarding lead",
    "dpo": "the data protection officer",
    "la": "the Local Authority",
    "police": "the Police",
    "health": "Health",
}


def partner_of(app: AppContext, member: Member) -> str | None:
    """The statutory partner ('la', 'police', 'health') a member's agency is, if any."""
    for agency in app.profile.agencies:
        if agency.id == member.agency:
            return agency.statutory_partner
    return None


def roles_today(app: AppContext, member: Member) -> frozenset[str]:
    """The member's roster roles in force today (London): a deputy off cover is no deputy."""
    roles = member.roles or ()
    if "deputy" not in roles:
        return frozenset(roles)
    today = london_date(app.now())
    return frozenset(roles_in_force(roles, member.cover_from, member.cover_to, today))


def holds(app: AppContext, member: Member | None, role: str) -> bool:
    """True when the (active) member holds `role`, as the profile's milestones name roles."""
    if member is None or not member.active:
        return False
    roles = roles_today(app, member)
    if role in roles:
        return True
    if role == "panel":
        return bool(_PANEL & roles) and partner_of(app, member) is not None
    if role in STATUTORY_PARTNERS:
        return bool(_PARTNER_PEOPLE & roles) and partner_of(app, member) == role
    return False


def holds_any(app: AppContext, member: Member | None, roles: Iterable[str]) -> bool:
    """True when the member holds one of `roles`."""
    return any(holds(app, member, role) for role in roles)


def who(app: AppContext, roles: Iterable[str]) -> str:
    """The roles in words: "the notifier or a partnership manager"."""
    words = [
        ROLE_WORDS.get(role) or app.profile.roles.get(role, role).rstrip(".") for role in roles
    ]
    words = [w[0].lower() + w[1:] if w.startswith("The ") else w for w in words]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]
