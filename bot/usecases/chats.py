"""The conversations the bot writes to, and the activities it has processed.

The partnership's rapid review channel is chosen by a manager; a person's 1:1 chat is
remembered when they write to the bot, so reminders and requests can reach them later. The
processed-activity ledger keeps a redelivered activity from running twice. Conversation
references are plain dicts here: the Teams side reads them from the activity.
"""

from __future__ import annotations

from typing import Any

from bot.context import AppContext
from bot.usecases.people import Person, Refused, member_for, refusals_audited
from storage import repositories as repo

CHANNEL_KIND, CHANNEL_KEY = "channel", "rapid_review"
PERSONAL_KIND = "personal"


@refusals_audited
async def register_channel(
    app: AppContext,
    *,
    person: Person,
    channel_id: str,
    service_url: str,
    tenant_id: str | None,
    reference: dict[str, Any],
) -> None:
    """A manager makes this channel the partnership's rapid review channel (audited)."""
    async with app.db.session() as session, session.begin():
        member = await member_for(app, session, person)
        if member is None or "manager" not in member.roles:
            raise Refused(
                "Only a partnership manager on the roster can choose the rapid review channel. "
                "Nothing was changed.",
                action="channel.register",
            )
        await repo.save_conversation_reference(
            session,
            app.partnership_id,
            kind=CHANNEL_KIND,
            key=CHANNEL_KEY,
            conversation_id=channel_id,
            service_url=service_url,
            tenant_id=tenant_id,
            reference=reference,
        )
        await repo.audit(
            session,
            action="channel.register",
            actor=member.aad_object_id or member.email,
            partnership_id=app.partnership_id,
        )


async def remember_personal_chat(
    app: AppContext,
    *,
    aad_object_id: str,
    conversation_id: str,
    service_url: str,
    tenant_id: str | None,
    reference: dict[str, Any],
) -> None:
    """Keep a person's 1:1 conversation reference, for proactive messages."""
    async with app.db.session() as session, session.begin():
        await repo.save_conversation_reference(
            session,
            app.partnership_id,
            kind=PERSONAL_KIND,
            key=aad_object_id,
            conversation_id=conversation_id,
            service_url=service_url,
            tenant_id=tenant_id,
            reference=reference,
        )


async def refuse_tenant(app: AppContext, person: Person, tenant: str | None) -> None:
    """Audit an activity from a tenant other than the partnership's (it is not answered)."""
    async with app.db.session() as session, session.begin():
        await repo.audit(
            session,
            action="tenant.refused",
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            outcome="refused",
            detail={"tenant": (tenant or "")[:64]},
        )


async def activity_seen(app: AppContext, key: str) -> bool:
    """True when the activity with this ledger key was processed already (a redelivery)."""
    async with app.db.session() as session:
        return await repo.activity_seen(session, key)


async def claim_activity(app: AppContext, key: str) -> None:
    """Record the activity with this ledger key as processed."""
    async with app.db.session() as session, session.begin():
        await repo.claim_activity(session, key)
