"""The Teams activity handler: thin, routed by verb, state saved after every turn."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import (
    CardFactory,
    ConversationState,
    InvokeResponse,
    MessageFactory,
    Storage,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogState
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    DeliveryModes,
    ErrorResponseException,
)

from bot import after as after_uc
from bot import panel as panel_uc
from bot import reminders as reminders_uc
from bot.casework import case_timeline
from bot.context import AppContext
from bot.files import FileRefused, download_attachment
from bot.outbox import Courier
from bot.people import is_aad_object_id, member_of, person_of, teams_email, tenant_of
from bot.referrals import Person, Submitted, referrals_of, submit_referral
from bot.renderers import (
    CHANNEL_KEY,
    CHANNEL_KIND,
    PERSONAL_KIND,
    ROLE_LABELS,
    STATUS_LABELS,
    panel_view,
    shared_card,
    time_text,
)
from cards.nudges import (
    CaseListRow,
    TimelineRow,
    case_timeline_card,
    cases_card,
    done_result_text,
)
from cards.panel import (
    VoteFields,
    VotingView,
    offline_decision_card,
    panel_card,
    roster_card,
    vote_refused_card,
    vote_values,
    voting_card,
)
from cards.referral import my_referrals_card, referral_details_card
from cards.welcome import help_card, team_welcome_card, welcome_card
from dialogs.referral import (
    REFERRAL_DIALOG,
    ReferralDialog,
    StartOptions,
    draft_of_token,
    draft_state,
)
from review.calendar import london_date
from review.panel import PARTNER_LABELS
from review.referral import PATHWAYS
from review.reminders import rag
from review.timeline import next_due
from storage import cases as case_repo
from storage import repositories as repo
from storage.models import Case
from storage.state import StateConflict

log = logging.getLogger(__name__)

Handler = Callable[[TurnContext], Awaitable[None]]
Verb = Callable[[TurnContext, Person, dict[str, Any]], Awaitable[dict[str, Any]]]
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
LEDGER_KEY = "rapid_review.ledger_key"
# Set by a use case that wrote the ledger entry inside its own transaction.
LEDGER_CLAIMED = "rapid_review.ledger_claimed"
# Invoke verbs whose use case checks and claims the ledger inside its own transaction, so
# the turn reads and writes it nowhere else (a vote is one transaction, not three).
SELF_LEDGERED_VERBS = frozenset({"panel.vote"})
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


class _SentBody(dict[str, Any]):
    """An invoke response body, built fresh for one reply and never changed afterwards.

    The SDK deep-copies every activity it sends, the invoke response included, and copying
    a whole card dict cost as much as drawing it. Nothing changes this dict once built, so
    the copy may share it.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _SentBody:
        return self


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
            "queries.answer": self.answer_queries,
        }
        for action in AFTER_ACTIONS:
            self.actions[action] = self.after_action
        self.commands["roster"] = self.show_roster
        self.commands["cases"] = self.show_cases
        self.verbs: dict[str, Verb] = {
            "panel.vote_open": self.vote_open,
            "panel.vote": self.vote,
            "panel.refresh": self.panel_refresh,
            "case.view": self.case_view,
            "panel.offline_open": self.offline_open,
            "panel.offline_record": self.offline_record,
            "panel.open": self.panel_open,
            "milestone.done": self.milestone_done,
            "milestone.snooze": self.milestone_snooze,
            "case.open": self.case_open,
        }
        self._known_chats: set[tuple[str, str]] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Run the turn once per activity id, then save conversation and user state.

        The ledger is read first and written when the turn has finished, so a process killed
        half-way leaves the activity unrecorded and Teams' redelivery runs it again. Use
        cases that must never run twice (a vote) also claim the id inside their own
        transaction, which makes concurrent duplicates safe too.
        """
        if not await self._tenant_allowed(turn_context):
            return
        key = self._ledger_key(turn_context)
        if key is not None:
            turn_context.turn_state[LEDGER_KEY] = key
            seen = False
            if not self._ledgered_by_use_case(turn_context):
                async with self.app.db.session() as session:
                    seen = await repo.activity_seen(session, key)
            if seen:
                log.info("redelivered activity ignored")
                if turn_context.activity.type == "invoke":
                    await self._answer_redelivered_invoke(turn_context)
                return
        await self._remember_chat(turn_context)
        try:
            await self._dispatch(turn_context)
            await self.conversation_state.save_changes(turn_context)
            await self.user_state.save_changes(turn_context)
        except StateConflict:
            # Two activities of one conversation raced (a double click, two devices): the
            # other one's state stands. What this turn did in the database stays done and
            # idempotent; its form position is not saved, so say so plainly.
            log.warning("conversation state changed under this turn; not saved")
            if turn_context.activity.type == "message":
                await turn_context.send_activity(
                    "That arrived at the same moment as another change in this chat, so it was "
                    "not saved. Type **continue** to see where you are, and try again."
                )
        if key is not None and not turn_context.turn_state.get(LEDGER_CLAIMED):
            async with self.app.db.session() as session, session.begin():
                await repo.claim_activity(session, key)

    async def _dispatch(self, turn_context: TurnContext) -> None:
        """The SDK's dispatch, except that an invoke's answer is handed straight to the adapter.

        `ActivityHandler.on_turn` sends the invoke response through `send_activity`, which
        deep-copies it and applies the conversation reference only for the adapter to keep it
        in the turn state: a tenth of a vote's time. The answer is put there directly (not for
        `expectReplies`, where the SDK buffers every reply).
        """
        activity = turn_context.activity
        if activity.type != ActivityTypes.invoke or (
            activity.delivery_mode == DeliveryModes.expect_replies
        ):
            await super().on_turn(turn_context)
            return
        response = await self.on_invoke_activity(turn_context)
        if response and not turn_context.turn_state.get(TurnContext._INVOKE_RESPONSE_KEY):
            turn_context.turn_state[TurnContext._INVOKE_RESPONSE_KEY] = Activity(
                type=ActivityTypes.invoke_response, value=response
            )

    async def _tenant_allowed(self, turn_context: TurnContext) -> bool:
        """Refuse (and audit) activities from a tenant other than the partnership's."""
        expected = self.app.settings.tenant_id
        if not expected:
            return True
        tenant = tenant_of(turn_context)
        if tenant == expected:
            return True
        person = await person_of(turn_context)
        async with self.app.db.session() as session, session.begin():
            await repo.audit(
                session,
                action="tenant.refused",
                actor=person.aad_object_id,
                partnership_id=self.app.partnership_id,
                outcome="refused",
                detail={"tenant": (tenant or "")[:64]},
            )
        if turn_context.activity.type == "invoke":
            await self._invoke_reply(turn_context, 403, None)
        return False

    async def _remember_chat(self, turn_context: TurnContext) -> None:
        """Keep the 1:1 conversation reference of a person, for proactive messages."""
        activity = turn_context.activity
        if activity.type != "message" or not is_personal(turn_context):
            return
        sender = activity.from_property
        aad = getattr(sender, "aad_object_id", None) if sender else None
        conversation_id = activity.conversation.id if activity.conversation else None
        if not is_aad_object_id(aad) or not conversation_id:
            # An Entra object id is a GUID; anything else is not a person we can write to.
            return
        if len(conversation_id) > 500 or len(activity.service_url or "") > 500:
            return
        if (aad, conversation_id) in self._known_chats:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None
        async with self.app.db.session() as session, session.begin():
            await repo.save_conversation_reference(
                session,
                self.app.partnership_id,
                kind=PERSONAL_KIND,
                key=aad,
                conversation_id=conversation_id,
                service_url=activity.service_url,
                tenant_id=tenant_of(turn_context),
                reference=reference.serialize(),
            )
        self._known_chats.add((aad, conversation_id))

    @staticmethod
    def _ledgered_by_use_case(context: TurnContext) -> bool:
        """True for an invoke whose use case checks the ledger in its own transaction."""
        activity = context.activity
        if activity.type != "invoke" or activity.name != "adaptiveCard/action":
            return False
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        verb = action.get("verb")
        return isinstance(verb, str) and verb in SELF_LEDGERED_VERBS

    @staticmethod
    def _ledger_key(context: TurnContext) -> str | None:
        activity = context.activity
        if activity.type not in ("message", "invoke") or not isinstance(activity.id, str):
            return None
        conversation = activity.conversation.id if activity.conversation else ""
        return f"{activity.channel_id}|{conversation}|{activity.id}"

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
        words = text.split()
        if handler is not None:
            await handler(turn_context)
        elif len(words) == 2 and words[0] == "case":
            await self.show_case(turn_context, words[1].upper())
        elif len(words) == 3 and words[0] == "done":
            await self.done_command(turn_context, words[1].upper(), words[2])
        elif words and words[0] in CASE_COMMANDS and len(words) in (2, 3):
            await self.case_command(turn_context, words)
        elif is_personal(turn_context) and self._files_in(turn_context):
            await self.chronology_upload(turn_context)
        elif is_personal(turn_context) and await self._has_draft(turn_context):
            await turn_context.send_activity(
                "You have a referral in progress. Type **continue** to see where you are, "
                "or **help** for what I can do."
            )
        else:
            await self.send_help(turn_context)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Greet new members even when Teams cannot tell us more about them (404)."""
        try:
            await super().on_conversation_update_activity(turn_context)
        except (ErrorResponseException, AttributeError, TypeError, KeyError):
            # The SDK's Teams dispatch looks members up and trusts channelData's shape; an
            # update it cannot follow still gets the greeting the activity allows.
            log.warning("conversation update not understood; greeting as the activity says")
            await self.on_members_added_activity(
                turn_context.activity.members_added or [], turn_context
            )

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
                channel = channel_data.get("channel")
                channel_id = channel.get("id") if isinstance(channel, dict) else None
                if not isinstance(channel_id, str) or not 0 < len(channel_id) <= 500:
                    channel_id = activity.conversation.id.split(";", 1)[0]
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
                    actor=member.aad_object_id or member.email,
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

    # --- the virtual panel (Action.Execute invokes) -------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Answer `adaptiveCard/action` ourselves: the body stays a plain dict (SDK trap)."""
        activity = turn_context.activity
        if activity.name == "fileConsent/invoke":
            from bot.files import answer_file_consent  # loaded already, by bot.renderers

            await answer_file_consent(
                self.app,
                person=await person_of(turn_context),
                value=activity.value if isinstance(activity.value, dict) else {},
                reply=turn_context.send_activity,
            )
            return InvokeResponse(status=200)
        if activity.name != "adaptiveCard/action":
            # Task modules, message extensions and sign-in are not part of this app: say so
            # with a 4xx (the SDK answers 501 for names it does not know).
            return InvokeResponse(status=400, body={"error": "invoke not supported"})
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        verb = action.get("verb")
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        handler = self.verbs.get(verb) if isinstance(verb, str) else None
        if handler is None:
            return self._card_response(
                vote_refused_card(
                    reference="",
                    reason="That button is not one I know. Nothing was changed.",
                    panel=None,
                )
            )
        person = await person_of(turn_context)
        try:
            card = await handler(turn_context, person, data)
        except panel_uc.Refused as refused:
            if not refused.audited:  # every refusal is audited, once
                await panel_uc.audit_refusal(self.app, person, refused)
            card = await self._refusal_card(refused)
        except Exception:
            log.exception("card action failed", extra={"verb": verb})
            card = vote_refused_card(
                reference=str(data.get("reference", ""))[:40],
                reason="Something went wrong on our side and nothing was changed. "
                "Please try again shortly.",
                panel=None,
            )
        return self._card_response(card)

    @staticmethod
    def _card_response(card: dict[str, Any]) -> InvokeResponse:
        return InvokeResponse(
            status=200, body=_SentBody({"statusCode": 200, "type": ADAPTIVE_CARD, "value": card})
        )

    async def _invoke_reply(
        self, turn_context: TurnContext, status: int, card: dict[str, Any] | None
    ) -> None:
        body = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card} if card else None
        await turn_context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response,
                value=InvokeResponse(status=status, body=body),
            )
        )

    async def _answer_redelivered_invoke(self, turn_context: TurnContext) -> None:
        """A redelivered invoke changes nothing; answer with the panel as it is now."""
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        card = await self._current_panel_card(str(data.get("reference", ""))[:40], None)
        await self._invoke_reply(turn_context, 200, card)

    async def _current_panel_card(
        self, reference: str, viewer_partner: str | None
    ) -> dict[str, Any]:
        async with self.app.db.session() as session:
            return await self._current_panel_card_in(session, reference, viewer_partner)

    async def _current_panel_card_in(
        self, session: Any, reference: str, viewer_partner: str | None
    ) -> dict[str, Any]:
        try:
            case = await case_repo.get_case(session, self.app.partnership_id, reference)
        except repo.NotFound:
            return vote_refused_card(
                reference="", reason="That case does not exist in this partnership.", panel=None
            )
        # The shared card's prepared reads: a vote Teams sends again is answered with this
        # card, and through five ORM queries it cost twice a vote (#8).
        return await shared_card(self.app, session, case, viewer_partner=viewer_partner)

    async def _refusal_card(self, refused: panel_uc.Refused) -> dict[str, Any]:
        view = None
        if refused.case_id is not None:
            async with self.app.db.session() as session:
                case = await session.get(Case, refused.case_id)
                if case is not None and case.status in ("panel", "queries", "decided"):
                    view = await panel_view(self.app, session, case)
        return vote_refused_card(
            reference=refused.reference or "", reason=refused.reason, panel=view
        )

    async def _viewer(self, person: Person) -> tuple[Any, str | None]:
        member = await member_of(self.app, person)
        return member, panel_uc.can_vote(self.app, member)

    async def panel_refresh(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The panel card as this person may see it (their own partner's position shown)."""
        _, partner = await self._viewer(person)
        return await self._current_panel_card(str(data.get("reference", ""))[:40], partner)

    async def vote_open(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The voting view for a panel member or deputy; a refusal for anyone else."""
        reference = str(data.get("reference", ""))[:40]
        member, partner = await self._viewer(person)
        async with self.app.db.session() as session:
            try:
                case = await case_repo.get_case(session, self.app.partnership_id, reference)
            except repo.NotFound:
                raise panel_uc.Refused(
                    "That case does not exist in this partnership.",
                    action="vote.open",
                    detail={"reference": reference},
                ) from None
            if partner is None or member is None:
                raise panel_uc.Refused(
                    "Only the panel members and deputies of the Local Authority, Police and "
                    "Health can vote. Nothing was changed.",
                    action="vote.open",
                    case=case,
                )
            if case.status != "panel":
                raise panel_uc.Refused(panel_uc._closed_reason(case), action="vote.open", case=case)
            view = await self._voting_view(session, case, member, partner, errors={}, values=None)
        return voting_card(view)

    async def _voting_view(
        self,
        session: Any,
        case: Any,
        member: Any,
        partner: str,
        *,
        errors: Mapping[str, str],
        values: Mapping[str, Any] | None,
        state: Any = None,
        people: Any = None,
    ) -> VotingView:
        state = state or await panel_uc.current_state(session, case)
        view = await panel_view(
            self.app, session, case, state, viewer_partner=partner, people=people
        )
        own = state.positions.get(partner)
        current: VoteFields | None = vote_values(values) if values is not None else own
        hide = self.app.profile.partnership.hide_positions_until_all_voted
        return VotingView(
            reference=case.reference,
            round=case.panel_round,
            partner=partner,
            partner_label=dict(PARTNER_LABELS)[partner],
            member_name=member.name,
            current=current,
            errors=dict(errors),
            others=tuple(r for r in view.rows if r.partner != partner),
            hidden_note=(
                "The other partners' votes stay hidden until all three have voted."
                if hide and state.status == "awaiting"
                else None
            ),
        )

    async def vote(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Cast a vote; the member's view of the panel back, the shared card redrawn."""
        reference = str(data.get("reference", ""))[:40]

        async def recorded(
            session: Any, case: Case, state: Any, partner: str, people: Any, facts: Any
        ) -> dict[str, Any]:
            view = await panel_view(
                self.app, session, case, state, viewer_partner=partner, people=people, facts=facts
            )
            return panel_card(view)

        async def invalid(
            session: Any,
            case: Case,
            state: Any,
            member: Any,
            partner: str,
            people: Any,
            errors: Mapping[str, str],
            values: Mapping[str, Any],
        ) -> dict[str, Any]:
            view = await self._voting_view(
                session,
                case,
                member,
                partner,
                errors=errors,
                values=values,
                state=state,
                people=people,
            )
            return voting_card(view)

        async def redelivered(session: Any) -> dict[str, Any]:
            # As for any redelivered invoke: the panel as it is now (see on_turn).
            log.info("redelivered activity ignored")
            return await self._current_panel_card_in(session, reference, None)

        activity_id = turn_context.activity.id
        result = await panel_uc.cast_vote(
            self.app,
            reference=reference,
            person=person,
            raw=data,
            round_seen=data.get("round"),
            activity_id=activity_id if isinstance(activity_id, str) else None,
            replies=panel_uc.VoteReplies(recorded, invalid, redelivered),
            ledger_key=turn_context.turn_state.get(LEDGER_KEY),
        )
        if result.ledger_claimed:
            turn_context.turn_state[LEDGER_CLAIMED] = True
        if result.recorded:
            # The shared card is redrawn off the request path, at most once a second.
            self.courier.kick(self.app.settings.card_update_seconds)
        return result.card

    async def case_view(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The referral's details, for panel members and the referrer only (audited)."""
        reference = str(data.get("reference", ""))[:40]
        case, form, queries = await panel_uc.view_referral(
            self.app, reference=reference, person=person
        )
        names = {a.id: a.name for a in self.app.profile.agencies}
        return referral_details_card(
            reference=case.reference,
            form=form,
            agency_names=names,
            received_at_text=time_text(self.app, case.received_at) or "",
            panel_queries=queries,
        )

    async def offline_open(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The off-line decision form, for managers."""
        reference = str(data.get("reference", ""))[:40]
        member = await member_of(self.app, person)
        if member is None or "manager" not in member.roles:
            async with self.app.db.session() as session:
                try:
                    case = await case_repo.get_case(session, self.app.partnership_id, reference)
                except repo.NotFound:
                    case = None
            raise panel_uc.Refused(
                "Only a partnership manager can record an off-line decision.",
                action="decision.offline",
                case=case,
            )
        return offline_decision_card(reference=reference, errors={}, values={})

    async def offline_record(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Record a decision taken off-line (phone, meeting), with its rationale."""
        reference = str(data.get("reference", ""))[:40]
        errors = await panel_uc.record_offline_decision(
            self.app, reference=reference, person=person, raw=data
        )
        if errors:
            values = {
                k: str(v)[:4000]
                for k, v in data.items()
                if k in ("outcome", "rationale", "decided_how") and v is not None
            }
            return offline_decision_card(reference=reference, errors=errors, values=values)
        self.courier.kick()
        return await self._current_panel_card(reference, None)

    async def panel_open(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A manager opens the panel on a referral that did not seek a Rapid Review."""
        reference = str(data.get("reference", ""))[:40]
        await panel_uc.open_panel(self.app, reference=reference, person=person)
        self.courier.kick()
        return await self._current_panel_card(reference, None)

    async def answer_queries(self, turn_context: TurnContext) -> None:
        """The referrer's answer to the panel's questions (from the 1:1 queries card)."""
        value = turn_context.activity.value
        person = await person_of(turn_context)
        try:
            error = await panel_uc.answer_queries(
                self.app,
                reference=str(value.get("reference", ""))[:40],
                person=person,
                round_seen=value.get("round"),
                answer=value.get("answer"),
            )
        except panel_uc.Refused as refused:
            await turn_context.send_activity(refused.reason)
            return
        if error:
            await turn_context.send_activity(error)
            return
        await turn_context.send_activity(
            "Thank you. Your answer is with the virtual panel, and voting has reopened."
        )
        self.courier.kick()

    # --- deadlines -------------------------------------------------------------------------

    async def _case_timeline_card(self, reference: str, *, can_mark_done: bool) -> dict[str, Any]:
        today = london_date(self.app.now())
        async with self.app.db.session() as session:
            case = await case_repo.get_case(session, self.app.partnership_id, reference)
            timeline = await case_timeline(self.app, session, case)
        rows = []
        for entry in timeline.entries:
            if entry.completed_on is not None and entry.completed_on <= today:
                state = "done"
            elif entry.due is None:
                state = "waiting"
            elif entry.due < today:
                state = "overdue"
            else:
                state = "open"
            rows.append(
                TimelineRow(
                    milestone_id=entry.id,
                    title=entry.milestone.title,
                    due=entry.due,
                    earliest=entry.earliest,
                    waiting_for=entry.waiting_for,
                    state=state,
                    done_on=entry.completed_on,
                    responsible_label=ROLE_LABELS.get(
                        entry.milestone.responsible, entry.milestone.responsible
                    ),
                    provisional=entry.provisional,
                )
            )
        return case_timeline_card(
            reference=case.reference,
            status_label=STATUS_LABELS.get(case.status, case.status),
            received=london_date(case.received_at),
            pathway_label=PATHWAYS[case.pathway_sought].label,
            rows=rows,
            can_mark_done=can_mark_done,
        )

    async def _on_roster(self, person: Person) -> Any:
        member = await member_of(self.app, person)
        return member if member is not None and member.roles else None

    async def show_cases(self, turn_context: TurnContext) -> None:
        """`cases`: the open cases and their next deadlines (roster members, 1:1 only)."""
        if await self._refuse_outside_personal(turn_context):
            return
        if await self._on_roster(await person_of(turn_context)) is None:
            await turn_context.send_activity(
                "Only people on the partnership's roster can list cases."
            )
            return
        today = london_date(self.app.now())
        rows = []
        async with self.app.db.session() as session:
            for case in await case_repo.open_cases(session, self.app.partnership_id):
                entry = next_due(await case_timeline(self.app, session, case), today)
                due = entry.due if entry else None
                rows.append(
                    CaseListRow(
                        reference=case.reference,
                        status_label=STATUS_LABELS.get(case.status, case.status),
                        next_title=entry.milestone.title if entry else None,
                        next_due=due,
                        rag=rag(self.app.calendar, due, today)[0],
                    )
                )
        await turn_context.send_activity(card_activity(cases_card(rows=rows)))

    async def show_case(self, turn_context: TurnContext, reference: str) -> None:
        """`case REF`: the case's timeline, done / open / overdue."""
        if await self._refuse_outside_personal(turn_context):
            return
        if await self._on_roster(await person_of(turn_context)) is None:
            await turn_context.send_activity(
                "Only people on the partnership's roster can see cases."
            )
            return
        try:
            card = await self._case_timeline_card(reference[:40], can_mark_done=True)
        except repo.NotFound:
            await turn_context.send_activity(
                f"There is no case {reference[:40]} in this partnership."
            )
            return
        await turn_context.send_activity(card_activity(card))
        steps = await after_uc.next_steps(
            self.app, reference=reference[:40], person=await person_of(turn_context)
        )
        if steps is not None:
            await turn_context.send_activity(card_activity(steps))

    async def done_command(self, turn_context: TurnContext, reference: str, milestone: str) -> None:
        """`done REF MILESTONE`: mark a milestone done."""
        person = await person_of(turn_context)
        try:
            title, day = await reminders_uc.mark_done(
                self.app, reference=reference[:40], milestone_id=milestone[:64], person=person
            )
        except reminders_uc.NotAllowed as why:
            await turn_context.send_activity(str(why))
            return
        await turn_context.send_activity(
            done_result_text(reference=reference[:40], milestone_title=title, done_on=day)
        )
        self.courier.kick()

    async def milestone_done(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Mark done from a reminder card; the case's timeline back."""
        card = await self._milestone_action(reminders_uc.mark_done, person, data)
        self.courier.kick()
        return card

    async def milestone_snooze(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Snooze a reminder for one working day (managers only)."""
        return await self._milestone_action(reminders_uc.snooze, person, data)

    async def _milestone_action(
        self, use_case: Callable[..., Awaitable[Any]], person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Run a reminder button's use case; the case's timeline, or the refusal, back."""
        reference = str(data.get("reference", ""))[:40]
        try:
            await use_case(
                self.app,
                reference=reference,
                milestone_id=str(data.get("milestone", ""))[:64],
                person=person,
            )
        except reminders_uc.NotAllowed as why:
            return vote_refused_card(reference=reference, reason=str(why), panel=None)
        return await self._case_timeline_card(reference, can_mark_done=True)

    async def case_open(
        self, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The case's timeline, for roster members (no child details on it)."""
        reference = str(data.get("reference", ""))[:40]
        if await self._on_roster(person) is None:
            return vote_refused_card(
                reference=reference,
                reason="Only people on the partnership's roster can open a case.",
                panel=None,
            )
        try:
            return await self._case_timeline_card(reference, can_mark_done=True)
        except repo.NotFound:
            return vote_refused_card(
                reference="", reason="That case does not exist in this partnership.", panel=None
            )

    async def show_roster(self, turn_context: TurnContext) -> None:
        """The roster, for managers in 1:1."""
        if await self._refuse_outside_personal(turn_context):
            return
        member = await member_of(self.app, await person_of(turn_context))
        if member is None or "manager" not in member.roles:
            await turn_context.send_activity("Only a partnership manager can see the roster.")
            return
        async with self.app.db.session() as session:
            people = await repo.members(session, self.app.partnership_id)
        rows = [
            (m.name, m.email, self.app.profile.agency_name(m.agency), ", ".join(m.roles))
            for m in people
        ]
        await turn_context.send_activity(
            card_activity(
                roster_card(partnership_name=self.app.profile.partnership.name, members=rows)
            )
        )

    async def send_help(self, turn_context: TurnContext) -> None:
        """Reply with the help card."""
        name = self.app.profile.partnership.name
        await turn_context.send_activity(card_activity(help_card(name)))

    # --- after the decision (1:1 cards and commands) ------------------------------------------

    async def _send_replies(self, turn_context: TurnContext, replies: Any) -> None:
        for reply in replies if isinstance(replies, list) else [replies]:
            if isinstance(reply, dict):
                await turn_context.send_activity(card_activity(reply))
            else:
                await turn_context.send_activity(reply)

    async def after_action(self, turn_context: TurnContext) -> None:
        """A button on an information request, meeting, chair's notes or report card (1:1)."""
        if await self._refuse_outside_personal(turn_context):
            return
        value = turn_context.activity.value
        person = await person_of(turn_context)
        try:
            replies = await AFTER_ACTIONS[value["action"]](self.app, person, value)
        except panel_uc.Refused as refused:
            await turn_context.send_activity(refused.reason)
            return
        await self._send_replies(turn_context, replies)
        self.courier.kick()

    async def case_command(self, turn_context: TurnContext, words: list[str]) -> None:
        """`papers REF`, `close REF`, `published REF DATE`, `complaint REF DATE` (managers)."""
        if await self._refuse_outside_personal(turn_context):
            return
        person = await person_of(turn_context)
        reference = words[1].upper()[:40]
        command = words[0]
        try:
            if command == "papers":
                reply: Any = await after_uc.circulate_papers(
                    self.app, reference=reference, person=person
                )
            elif command == "close":
                reply = await after_uc.close_case(self.app, reference=reference, person=person)
            else:
                day = after_uc.parse_day(words[2]) if len(words) == 3 else None
                reply = await after_uc.record_case_event(
                    self.app, reference=reference, person=person, command=command, day=day
                )
        except panel_uc.Refused as refused:
            await turn_context.send_activity(refused.reason)
            return
        await self._send_replies(turn_context, reply)
        self.courier.kick()

    @staticmethod
    def _files_in(turn_context: TurnContext) -> list[Any]:
        return [
            a
            for a in turn_context.activity.attachments or []
            if getattr(a, "content_type", None) == FILE_DOWNLOAD_INFO
        ]

    async def chronology_upload(self, turn_context: TurnContext) -> None:
        """A lead sends a chronology spreadsheet (CSV) in 1:1: its rows join their return."""
        attachment = self._files_in(turn_context)[0]
        person = await person_of(turn_context)
        try:
            name, content = await download_attachment(
                self.app,
                {
                    "contentType": attachment.content_type,
                    "content": attachment.content,
                    "name": attachment.name,
                },
            )
            replies = await after_uc.upload_chronology(
                self.app,
                person=person,
                hint=command_text(turn_context),
                name=name,
                content=content,
            )
        except FileRefused as refused:
            await turn_context.send_activity(str(refused))
            return
        except panel_uc.Refused as refused:
            await turn_context.send_activity(refused.reason)
            return
        await self._send_replies(turn_context, replies)


FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
CASE_COMMANDS = frozenset({"papers", "close", "published", "complaint"})


def _ref(value: Mapping[str, Any]) -> str:
    return str(value.get("reference", ""))[:40]


AfterAction = Callable[[Any, Person, dict[str, Any]], Awaitable[Any]]


def _form_step(use_case: Callable[..., Awaitable[Any]], action: str) -> AfterAction:
    """A button of a form in parts (return, chair's notes): the use case, told which button."""

    async def step(app: Any, person: Person, value: dict[str, Any]) -> Any:
        return await use_case(app, person=person, raw=value, action=action)

    return step


AFTER_ACTIONS: dict[str, AfterAction] = {
    "returns.pick": lambda app, p, v: after_uc.request_picker(app, reference=_ref(v), person=p),
    "returns.request": lambda app, p, v: after_uc.send_requests(
        app, reference=_ref(v), person=p, raw=v
    ),
    **{
        action: _form_step(after_uc.return_action, action)
        for action in ("return.save", "return.part", "return.add_row", "return.submit")
    },
    "returns.view": lambda app, p, v: after_uc.view_returns(app, reference=_ref(v), person=p),
    "meeting.open": lambda app, p, v: after_uc.meeting_form(app, reference=_ref(v), person=p),
    "meeting.propose": lambda app, p, v: after_uc.propose_meeting(
        app, reference=_ref(v), person=p, raw=v
    ),
    "chair.open": lambda app, p, v: after_uc.chair_form(app, reference=_ref(v), person=p),
    **{
        action: _form_step(after_uc.chair_action, action)
        for action in ("chair.save", "chair.part", "chair.conclude")
    },
    "report.open": lambda app, p, v: after_uc.report_again(app, reference=_ref(v), person=p),
    "report.sent": lambda app, p, v: after_uc.record_report_sent(
        app, reference=_ref(v), person=p, raw=v
    ),
}
