"""The team's side: the greeting when the bot or a person arrives, the help card, and a
manager choosing the rapid review channel (`@Rapid Review use this channel`)."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount

from bot.teams.people import person_of, tenant_of
from bot.teams.turn import Glue, card_activity, is_personal
from bot.usecases import chats
from bot.usecases.people import Refused
from cards.welcome import help_card, team_welcome_card, welcome_card


async def greet(g: Glue, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
    """Greet a person in 1:1, or the team when the bot is added to one."""
    bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
    name = g.app.profile.partnership.name
    in_team = not is_personal(turn_context)
    for member in members_added:
        if in_team and member.id == bot_id:
            await turn_context.send_activity(card_activity(team_welcome_card(name)))
        elif not in_team and member.id != bot_id:
            await turn_context.send_activity(card_activity(welcome_card(name)))


async def send_help(g: Glue, turn_context: TurnContext) -> None:
    """Reply with the help card."""
    await turn_context.send_activity(card_activity(help_card(g.app.profile.partnership.name)))


def is_private(channel: object) -> bool:
    """True for a private channel, as Teams describes it in the activity's channel data
    (`membershipType`, or `type`, "private")."""
    if not isinstance(channel, dict):
        return False
    kinds = (channel.get("membershipType"), channel.get("type"))
    return any(isinstance(k, str) and k.lower() == "private" for k in kinds)


async def register_channel(g: Glue, turn_context: TurnContext) -> None:
    """A manager makes this channel the partnership's rapid review channel."""
    activity = turn_context.activity
    person = await person_of(turn_context, look_up_email=True)
    if is_personal(turn_context):
        await turn_context.send_activity(
            "Use this in the team channel you want: @mention me there with **use this channel**."
        )
        return
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = channel_data.get("channel")
    if is_private(channel):
        await turn_context.send_activity(
            "This is a private channel, and Teams does not let bots post in private channels, "
            "so new cases and reminders could never reach it. Use this in a standard channel "
            "of the team. Nothing was changed."
        )
        return
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    if not isinstance(channel_id, str) or not 0 < len(channel_id) <= 500:
        channel_id = activity.conversation.id.split(";", 1)[0]
    reference = TurnContext.get_conversation_reference(activity)
    reference.conversation.id = channel_id
    reference.activity_id = None
    try:
        await chats.register_channel(
            g.app,
            person=person,
            channel_id=channel_id,
            service_url=activity.service_url,
            tenant_id=tenant_of(turn_context),
            reference=reference.serialize(),
        )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(
        "This channel is now the partnership's rapid review channel. New cases, panel "
        "votes and deadline reminders will appear here — never a child's details."
    )
    await g.courier.deliver()
