"""The Teams activity handler: thin, routed by verb, state saved after every turn."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import (
    CardFactory,
    ConversationState,
    MessageFactory,
    Storage,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogState
from botbuilder.schema import ChannelAccount

from bot.context import AppContext
from bot.outbox import Courier
from bot.people import member_of, person_of, teams_email, tenant_of
from bot.referrals import Person, Submitted, referrals_of, submit_referral
from bot.renderers import CHANNEL_KEY, CHANNEL_KIND, STATUS_LABELS
from cards.referral import my_referrals_card
from cards.welcome import help_card, team_welcome_card, welcome_card
from dialogs.referral import (
    REFERRAL_DIALOG,
    ReferralDialog,
    StartOptions,
    draft_of_token,
    draft_state,
)
from review.calendar import london_date
from storage import cases as case_repo
from storage import repositories as repo

log = logging.getLogger(__name__)

Handler = Callable[[TurnContext], Awaitable[None]]
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def command_text(context: TurnContext) -> str:
    """The message text with @mentions removed, lower-cased and trimmed."""
    text = context.activity.text if isinstance(context.activity.text, str) else ""
    text = _MENTION.sub(" ", text[:500])
    return " ".join(text.split()).lower()


def card_activity(card: dict[str, Any]) -> Any:
    """A message activity carrying one Adaptive Card."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


def is_personal(context: TurnContext) -> bool:
    """True in a 1:1 chat with the bot."""
    conversation = context.activity.conversation
    return bool(conversation) and conversation.conversation_type in (None, "personal")


class _ReferralServices:
    """The application side of the referral dialog."""

    def __init__(self, bot: RapidReviewBot) -> None:
        self._bot = bot
        app = bot.app
        self.partnership_name = app.profile.partnership.name
        self.agencies = tuple((a.id, a.name) for a in app.profile.agencies)

    def today_iso(self) -> str:
        """Today's London date."""
        return london_date(self._bot.app.now()).isoformat()

    def now_iso(self) -> str:
        """Now, UTC."""
        return self._bot.app.now().isoformat()

    async def submit(
        self, draft_id: str, form: Mapping[str, Mapping[str, str]], person: Person
    ) -> Submitted:
        """Open the case."""
        return await submit_referral(self._bot.app, draft_id=draft_id, form=form, person=person)

    async def after_submit(self, submitted: Submitted) -> None:
        """Try to post the case card now; the outbox keeps it if that fails."""
        if not submitted.created:
            return
        try:
            await self._bot.courier.deliver()
        except Exception:
            log.exception("case card delivery failed; it stays in the outbox")


class RapidReviewBot(TeamsActivityHandler):  # type: ignore[misc]
    """Routes messages, card submits and invokes to use cases; nothing else lives here."""

    def __init__(self, context: AppContext, storage: Storage, courier: Courier) -> None:
        super().__init__()
        self.app = context
        self.courier = courier
        self.conversation_state = ConversationState(storage)
        self.user_state = UserState(storage)
        self.dialog_state = self.conversation_state.create_property("DialogState")
        self.dialogs = DialogSet(self.dialog_state)
        self.dialogs.add(ReferralDialog(_ReferralServices(self), person_of))
        self.commands: dict[str, Handler] = {
            "help": self.send_help,
            "refer": self.start_referral,
            "new referral": self.start_referral,
            "continue": self.continue_referral,
            "my referrals": self.my_referrals,
            "cancel": self.continue_referral,
            "use this channel": self.register_channel,
        }
        self.actions: dict[str, Handler] = {
            "help": self.send_help,
            "referral.start": self.start_referral,
            "referral.continue": self.continue_referral,
            "referral.mine": self.my_referrals,
            "channel.register": self.register_channel,
        }

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Run the turn once per activity id, then save conversation and user state."""
        key = self._ledger_key(turn_context)
        if key is not None:
            async with self.app.db.session() as session, session.begin():
                first = await repo.claim_activity(session, key)
            if not first:
                log.info("redelivered activity ignored")
                return
        try:
            await super().on_turn(turn_context)
            await self.conversation_state.save_changes(turn_context)
            await self.user_state.save_changes(turn_context)
        except BaseException:
            if key is not None:  # let Teams' redelivery try again
                await self._release(key)
            raise

    @staticmethod
    def _ledger_key(context: TurnContext) -> str | None:
        activity = context.activity
        if activity.type not in ("message", "invoke") or not isinstance(activity.id, str):
            return None
        conversation = activity.conversation.id if activity.conversation else ""
        return f"{activity.channel_id}|{conversation}|{activity.id}"

    async def _release(self, key: str) -> None:
        from sqlalchemy import delete

        from storage.models import ProcessedActivity

        try:
            async with self.app.db.session() as session, session.begin():
                await session.execute(
                    delete(ProcessedActivity).where(ProcessedActivity.activity_key == key[:600])
                )
        except Exception:
            log.exception("could not release the activity claim")

    # --- routing ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed command or an `Action.Submit` from a card, routed by verb."""
        value = turn_context.activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            action = value["action"]
            handler = self.actions.get(action)
            if handler is not None:
                await handler(turn_context)
            elif action.startswith("referral."):
                await self.referral_card_action(turn_context)
            else:
                await self.send_help(turn_context)
            return
        text = command_text(turn_context)
        handler = self.commands.get(text)
        if handler is not None:
            await handler(turn_context)
        elif is_personal(turn_context) and await self._has_draft(turn_context):
            await turn_context.send_activity(
                "You have a referral in progress. Type **continue** to see where you are, "
                "or **help** for what I can do."
            )
        else:
            await self.send_help(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Greet a person in 1:1, or the team when the bot is added to one."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        name = self.app.profile.partnership.name
        in_team = not is_personal(turn_context)
        for member in members_added:
            if in_team and member.id == bot_id:
                await turn_context.send_activity(card_activity(team_welcome_card(name)))
            elif not in_team and member.id != bot_id:
                await turn_context.send_activity(card_activity(welcome_card(name)))

    # --- referrals ------------------------------------------------------------------------

    async def _refuse_outside_personal(self, turn_context: TurnContext) -> bool:
        if is_personal(turn_context):
            return False
        await turn_context.send_activity(
            "Referrals are made in a private 1:1 chat with me, never in a channel: "
            "a referral holds a child's details. Open a chat with me and type **refer**."
        )
        return True

    async def _has_draft(self, turn_context: TurnContext) -> bool:
        state = await self.dialog_state.get(turn_context, DialogState)
        return draft_state(state) is not None

    async def start_referral(self, turn_context: TurnContext) -> None:
        """Start a new referral, or show the one in progress."""
        if await self._refuse_outside_personal(turn_context):
            return
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is not None:
            await turn_context.send_activity(
                "You already have a referral in progress — here is where you got to."
            )
            await dc.continue_dialog()
            return
        sender = turn_context.activity.from_property
        email = await teams_email(turn_context)
        if email is None:
            member = await member_of(self.app, await person_of(turn_context))
            email = member.email if member else ""
        options = StartOptions(name=(sender.name or "") if sender else "", email=email or "")
        await dc.begin_dialog(REFERRAL_DIALOG, options)

    async def continue_referral(self, turn_context: TurnContext) -> None:
        """Show the referral in progress where the person left it."""
        if await self._refuse_outside_personal(turn_context):
            return
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is None:
            await turn_context.send_activity(
                "You have no referral in progress. Type **refer** to start one."
            )
            return
        await dc.continue_dialog()

    async def referral_card_action(self, turn_context: TurnContext) -> None:
        """A button on a referral card: the dialog applies it, or says it is out of date."""
        if await self._refuse_outside_personal(turn_context):
            return
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is not None:
            await dc.continue_dialog()
            return
        draft = draft_of_token(turn_context.activity.value.get("token"))
        reference = None
        if draft is not None:
            async with self.app.db.session() as session:
                case = await case_repo.case_for_submission(session, draft)
                reference = case.reference if case else None
        if reference is not None:
            await turn_context.send_activity(
                f"This form is out of date: the referral was submitted as {reference}. "
                "Type **my referrals** to see it."
            )
        else:
            await turn_context.send_activity(
                "This form is out of date and no referral is in progress. "
                "Type **refer** to start one."
            )

    async def my_referrals(self, turn_context: TurnContext) -> None:
        """List the person's draft and submitted referrals."""
        if await self._refuse_outside_personal(turn_context):
            return
        state = draft_state(await self.dialog_state.get(turn_context, DialogState))
        drafts = []
        if state is not None:
            updated = str(state.get("updated_at", ""))[:16].replace("T", " ")
            drafts.append(("Referral in progress", f"last changed {updated} UTC"))
        submitted = await referrals_of(self.app, await person_of(turn_context))
        rows = [
            (c.reference, STATUS_LABELS.get(c.status, c.status), c.received.strftime("%a %d %b %Y"))
            for c in submitted
        ]
        await turn_context.send_activity(
            card_activity(my_referrals_card(drafts=drafts, submitted=rows))
        )

    # --- the channel --------------------------------------------------------------------

    async def register_channel(self, turn_context: TurnContext) -> None:
        """A manager makes this channel the partnership's rapid review channel."""
        activity = turn_context.activity
        person = await person_of(turn_context, look_up_email=True)
        if is_personal(turn_context):
            await turn_context.send_activity(
                "Use this in the team channel you want: @mention me there with "
                "**use this channel**."
            )
            return
        member = await member_of(self.app, person)
        async with self.app.db.session() as session, session.begin():
            if member is None or "manager" not in member.roles:
                await repo.audit(
                    session,
                    action="channel.register",
                    actor=person.aad_object_id,
                    partnership_id=self.app.partnership_id,
                    outcome="refused",
                )
                refused = True
            else:
                channel_data = (
                    activity.channel_data if isinstance(activity.channel_data, dict) else {}
                )
                channel_id = (channel_data.get("channel") or {}).get("id") or (
                    activity.conversation.id.split(";", 1)[0]
                )
                reference = TurnContext.get_conversation_reference(activity)
                reference.conversation.id = channel_id
                reference.activity_id = None
                await repo.save_conversation_reference(
                    session,
                    self.app.partnership_id,
                    kind=CHANNEL_KIND,
                    key=CHANNEL_KEY,
                    conversation_id=channel_id,
                    service_url=activity.service_url,
                    tenant_id=tenant_of(turn_context),
                    reference=reference.serialize(),
                )
                await repo.audit(
                    session,
                    action="channel.register",
                    actor=person.aad_object_id,
                    partnership_id=self.app.partnership_id,
                )
                refused = False
        if refused:
            await turn_context.send_activity(
                "Only a partnership manager on the roster can choose the rapid review channel. "
                "Nothing was changed."
            )
            return
        await turn_context.send_activity(
            "This channel is now the partnership's rapid review channel. New cases, panel "
            "votes and deadline reminders will appear here — never a child's details."
        )
        await self.courier.deliver()

    async def send_help(self, turn_context: TurnContext) -> None:
        """Reply with the help card."""
        name = self.app.profile.partnership.name
        await turn_context.send_activity(card_activity(help_card(name)))
