"""Where delivery sends: the rapid review channel, a case's thread in it, a person's 1:1 chat."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.courier import NotReady, run_messenger, unreachable
from bot.delivery.message import Address, SendError, thread_id
from bot.usecases.batch import per_run
from bot.usecases.chats import CHANNEL_KEY, CHANNEL_KIND, PERSONAL_KIND
from storage import repositories as repo
from storage.models import Case


async def channel_address(app: AppContext, session: AsyncSession) -> Address:
    """The partnership's rapid review channel, or NotReady until a manager registers one."""
    ref = await per_run(
        "channel",
        lambda: repo.conversation_reference(
            session, app.partnership_id, kind=CHANNEL_KIND, key=CHANNEL_KEY
        ),
    )
    if ref is None:
        raise NotReady("no rapid review channel registered yet")
    return Address(ref.service_url, ref.conversation_id, ref.tenant_id)


async def thread_address(app: AppContext, session: AsyncSession, case: Case) -> Address:
    """The case's thread in the channel (started by its case card)."""
    channel = await channel_address(app, session)
    if not case.channel_activity_id:
        raise NotReady("the case card has not been posted yet")
    return Address(
        channel.service_url,
        thread_id(channel.conversation_id, case.channel_activity_id),
        channel.tenant_id,
    )


async def personal_address(
    app: AppContext, session: AsyncSession, aad_object_id: str, *, member_id: int | None = None
) -> Address:
    """A person's 1:1 chat with the bot: as last seen, else opened now and remembered.

    A chat is opened proactively (during an outbox run) through the rapid review channel's
    service URL and tenant; without a channel or a stored chat it is NotReady. When Teams
    refuses to open it (403, 404) for a roster member (`member_id`), they are Unreachable;
    any other failure (5xx, no answer) is NotReady, tried again later.
    """
    ref = await repo.conversation_reference(
        session, app.partnership_id, kind=PERSONAL_KIND, key=aad_object_id
    )
    if ref is not None:
        return Address(ref.service_url, ref.conversation_id, ref.tenant_id)
    messenger = run_messenger.get()
    if messenger is None:
        raise NotReady("no 1:1 chat with that person is known yet")
    try:
        channel = await channel_address(app, session)
    except NotReady:
        raise NotReady("no 1:1 chat with that person and no channel to open one from") from None
    member = await repo.find_member(
        session, app.partnership_id, aad_object_id=aad_object_id, email=None
    )
    # Teams accepts the person's AAD object id as a member when no Teams user id is known.
    user_id = member.teams_user_id if member is not None and member.teams_user_id else None
    user_id = user_id or aad_object_id
    # Nothing is held while Teams answers: on SQLite this transaction would keep the one
    # connection, and every vote and message waiting for it, for the whole round trip.
    await session.commit()
    try:
        address = await messenger.open_personal_chat(
            channel.service_url, user_id, channel.tenant_id
        )
    except SendError as exc:
        if member_id is not None and exc.person_unreachable:
            raise unreachable(member_id, exc) from None
        raise NotReady(f"could not open a 1:1 chat: {exc}") from None
    await repo.save_conversation_reference(
        session,
        app.partnership_id,
        kind=PERSONAL_KIND,
        key=aad_object_id,
        conversation_id=address.conversation_id,
        service_url=address.service_url,
        tenant_id=address.tenant_id,
        reference={
            "channelId": "msteams",
            "serviceUrl": address.service_url,
            "conversation": {
                "id": address.conversation_id,
                "conversationType": "personal",
                "tenantId": address.tenant_id,
            },
            "user": {"id": user_id, "aadObjectId": aad_object_id},
        },
    )
    # A renderer's session only reads; commit so the next message reuses this chat even if
    # the send that follows fails.
    await session.commit()
    return address
