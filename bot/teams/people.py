"""Who sent an activity: the Teams identity, enriched from the roster and Teams profile."""

from __future__ import annotations

import logging
import re
from typing import TypeGuard

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.context import AppContext
from bot.usecases import people as people_uc
from bot.usecases.people import Person

log = logging.getLogger(__name__)

_AAD_OBJECT_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def is_aad_object_id(value: object) -> TypeGuard[str]:
    """True for an Entra (AAD) object id: a GUID. Anything else names nobody we know."""
    return isinstance(value, str) and _AAD_OBJECT_ID.fullmatch(value) is not None


async def teams_email(context: TurnContext) -> str | None:
    """The sender's email from Teams (None if Teams does not say)."""
    sender = context.activity.from_property
    if sender is None or not sender.id:
        return None
    try:
        member = await TeamsInfo.get_member(context, sender.id)
    except Exception:
        log.info("could not read the sender's Teams profile")
        return None
    email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
    return email.strip().lower() if isinstance(email, str) and "@" in email else None


async def person_of(context: TurnContext, *, look_up_email: bool = False) -> Person:
    """The sender as a Person (email looked up only when asked: it costs a connector call)."""
    sender = context.activity.from_property
    aad = getattr(sender, "aad_object_id", None) if sender else None
    name = getattr(sender, "name", None) if sender else None
    email = await teams_email(context) if look_up_email else None
    teams_id = getattr(sender, "id", None) if sender else None
    return Person(
        aad_object_id=aad if is_aad_object_id(aad) else None,
        name=name[:200] if isinstance(name, str) else "",
        email=email,
        teams_user_id=teams_id if isinstance(teams_id, str) and len(teams_id) <= 200 else None,
    )


def tenant_of(context: TurnContext) -> str | None:
    """The tenant the activity came from."""
    conversation = context.activity.conversation
    tenant = getattr(conversation, "tenant_id", None) if conversation else None
    if not tenant and isinstance(context.activity.channel_data, dict):
        tenant = (context.activity.channel_data.get("tenant") or {}).get("id")
    return tenant if isinstance(tenant, str) and tenant else None


class RosterLinker:
    """People are found by email until their first message fills in their Entra id: on a 1:1
    message from an Entra id no member has yet, while someone added by email waits for
    theirs, the sender's email is read from Teams and their roster entry linked. (Someone
    with messages waiting for them is linked first by bot/teams/glue/waiting.py, which also
    gives them their files.)"""

    def __init__(self, app: AppContext) -> None:
        self.app = app
        # Entra ids known to be on the roster (a person not on it is asked again next time:
        # a manager may add them at any moment).
        self._linked: set[str] = set()

    async def link(self, context: TurnContext) -> None:
        """Link the sender of a message to their roster entry, if it waits for them."""
        activity = context.activity
        conversation = activity.conversation
        personal = bool(conversation) and conversation.conversation_type in (None, "personal")
        if activity.type != "message" or not personal:
            return
        sender = activity.from_property
        aad = getattr(sender, "aad_object_id", None) if sender else None
        if not is_aad_object_id(aad) or aad in self._linked:
            return
        state = await people_uc.link_state(self.app, aad)
        if state == "waiting":
            email = await teams_email(context)
            if email is not None:
                person = await person_of(context)
                if await people_uc.link_by_email(self.app, person, email) is not None:
                    state = "linked"
        if state == "linked":
            self._linked.add(aad)
