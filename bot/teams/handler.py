"""The Teams activity handler: it only routes. Each command, card submit and invoke verb goes
to one function of a feature's glue (bot/teams/glue/); the turn itself runs once per activity
id, and conversation state is saved after every turn."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import (
    ConversationState,
    InvokeResponse,
    Storage,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    DeliveryModes,
    ErrorResponseException,
)

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.teams.files import answer_file_consent
from bot.teams.glue import (
    agencies,
    cases,
    channel,
    closing,
    complaints,
    escalation,
    learning,
    national_panel,
    notification,
    panel,
    reasons,
    records,
    referral,
    register,
    reminders,
    roster,
    sign_off,
    stages,
)
from bot.teams.glue.waiting import send_waiting
from bot.teams.people import RosterLinker, is_aad_object_id, person_of, tenant_of
from bot.teams.turn import (
    LEDGER_CLAIMED,
    LEDGER_KEY,
    Glue,
    Handler,
    SentBody,
    Verb,
    card_body,
    command_text,
    is_personal,
    verb_and_data,
)
from bot.usecases import chats, panel_cards
from bot.usecases.people import Refused, audit_refusal
from dialogs.referral import ReferralDialog
from storage.state import StateConflict

log = logging.getLogger(__name__)

# Invoke verbs whose use case checks and claims the ledger inside its own transaction, so
# the turn reads and writes it nowhere else (a vote is one transaction, not three).
SELF_LEDGERED_VERBS = frozenset({"panel.vote"})

COMMANDS: dict[str, Handler] = {
    "help": channel.send_help,
    "refer": referral.start_referral,
    "new referral": referral.start_referral,
    "continue": referral.continue_referral,
    "my referrals": referral.my_referrals,
    "cancel": referral.continue_referral,
    "use this channel": channel.register_channel,
    "roster": roster.show_roster,
    "cases": cases.show_cases,
    "complaints": complaints.list_command,
}
"""Typed commands (the whole message, @mentions removed, lower case)."""

ACTIONS: dict[str, Handler] = {
    "help": channel.send_help,
    "referral.start": referral.start_referral,
    "referral.continue": referral.continue_referral,
    "referral.mine": referral.my_referrals,
    "channel.register": channel.register_channel,
    "queries.answer": panel.answer_queries,
    "information.add_open": referral.add_information_open,
    "identity.view": referral.identity_view,
    "agency.add_open": agencies.add_agency_open,
    "notification.docx": notification.word_copy,
    **{action: stages.stage_action for action in stages.STAGE_ACTIONS},
}
"""Card submits (Action.Submit) by their `action`; `referral.*` others go to the dialog."""

VERBS: dict[str, Verb] = {
    "panel.vote_open": panel.vote_open,
    "panel.vote": panel.vote,
    "panel.refresh": panel.panel_refresh,
    "case.view": panel.case_view,
    "notice.open": panel.notice_open,
    "panel.offline_open": panel.offline_open,
    "panel.offline_record": panel.offline_record,
    "panel.open": panel.panel_open,
    "milestone.done": reminders.milestone_done,
    "milestone.snooze": reminders.milestone_snooze,
    "milestone.record_open": reminders.milestone_record_open,
    "milestone.record": reminders.milestone_record,
    "case.open": cases.case_open,
    "information.add": referral.add_information,
    "agency.add": agencies.add_agency,
    "notification.record": notification.record,
    "national_panel.answer": national_panel.record_answer,
    "panel.reopen": national_panel.reopen,
    **learning.VERBS,
    **escalation.VERBS,
    **closing.VERBS,
    **complaints.VERBS,
    "audit.page": records.audit_page,
    **reasons.VERBS,
    **sign_off.VERBS,
    **roster.VERBS,
}
"""Action.Execute verbs (adaptiveCard/action invokes); each answers with a card."""


class RapidReviewBot(TeamsActivityHandler):  # type: ignore[misc]
    """Routes messages, card submits and invokes to the features' glue; nothing else lives here."""

    def __init__(self, context: AppContext, storage: Storage, courier: Courier) -> None:
        super().__init__()
        self.app = context
        self.courier = courier
        self.conversation_state = ConversationState(storage)
        self.user_state = UserState(storage)
        self.dialog_state = self.conversation_state.create_property("DialogState")
        self.dialogs = DialogSet(self.dialog_state)
        self.dialogs.add(ReferralDialog(referral.ReferralServices(context, courier), person_of))
        self.glue = Glue(context, courier, self.dialogs, self.dialog_state)
        self.roster_linker = RosterLinker(context)
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
        key = _ledger_key(turn_context)
        if key is not None:
            turn_context.turn_state[LEDGER_KEY] = key
            seen = False
            if not _ledgered_by_use_case(turn_context):
                seen = await chats.activity_seen(self.app, key)
            if seen:
                log.info("redelivered activity ignored")
                if turn_context.activity.type == "invoke":
                    await self._answer_redelivered_invoke(turn_context)
                return
        await self._remember_chat(turn_context)
        await send_waiting(self.glue, turn_context)
        await self.roster_linker.link(turn_context)
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
            await chats.claim_activity(self.app, key)

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
        await chats.refuse_tenant(self.app, await person_of(turn_context), tenant)
        if turn_context.activity.type == "invoke":
            await _invoke_reply(turn_context, 403, None)
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
        await chats.remember_personal_chat(
            self.app,
            aad_object_id=aad,
            conversation_id=conversation_id,
            service_url=activity.service_url,
            tenant_id=tenant_of(turn_context),
            reference=reference.serialize(),
        )
        self._known_chats.add((aad, conversation_id))

    # --- routing ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed command or an `Action.Submit` from a card, routed by verb."""
        g = self.glue
        value = turn_context.activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            action = value["action"]
            handler = ACTIONS.get(action)
            if handler is not None:
                await handler(g, turn_context)
            elif action.startswith("referral."):
                await referral.referral_card_action(g, turn_context)
            else:
                await channel.send_help(g, turn_context)
            return
        text = command_text(turn_context)
        handler = COMMANDS.get(text)
        words = text.split()
        if handler is not None:
            await handler(g, turn_context)
        elif len(words) == 2 and words[0] == "escalation":
            await escalation.escalation_command(g, turn_context, words[1].upper())
        elif len(words) == 2 and words[0] == "learning":
            await learning.learning_command(g, turn_context, words[1].upper())
        elif len(words) == 3 and words[:2] == ["national", "panel"]:
            await national_panel.answer_command(g, turn_context, words[2].upper())
        elif len(words) == 3 and words[:2] == ["add", "information"]:
            await referral.add_information_command(g, turn_context, words[2].upper())
        elif len(words) == 2 and words[0] == "reasons":
            await reasons.reasons_command(g, turn_context, words[1].upper())
        elif len(words) == 2 and words[0] == "register":
            await register.register_command(g, turn_context, words[1])
        elif len(words) == 2 and words[0] == "case":
            await cases.show_case(g, turn_context, words[1].upper())
        elif len(words) == 3 and words[0] == "done":
            await reminders.done_command(g, turn_context, words[1].upper(), words[2])
        elif len(words) == 2 and words[0] in records.RECORD_COMMANDS:
            await records.record_command(g, turn_context, words)
        elif words and words[0] in stages.CASE_COMMANDS and len(words) in (2, 3):
            await stages.case_command(g, turn_context, words)
        elif is_personal(turn_context) and stages.files_in(turn_context):
            await stages.chronology_upload(g, turn_context)
        elif is_personal(turn_context) and await referral.has_draft(g, turn_context):
            await turn_context.send_activity(
                "You have a referral in progress. Type **continue** to see where you are, "
                "or **help** for what I can do."
            )
        else:
            await channel.send_help(g, turn_context)

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
        await channel.greet(self.glue, members_added, turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Answer `adaptiveCard/action` ourselves: the body stays a plain dict (SDK trap)."""
        activity = turn_context.activity
        if activity.name == "fileConsent/invoke":
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
        verb, data = verb_and_data(activity)
        handler = VERBS.get(verb) if isinstance(verb, str) else None
        if handler is None:
            return _card_response(panel_cards.unknown_button_card())
        person = await person_of(turn_context)
        try:
            card = await handler(self.glue, turn_context, person, data)
        except Refused as refused:
            if not refused.audited:  # every refusal is audited, once
                await audit_refusal(self.app, person, refused)
            card = await panel_cards.refusal_card(self.app, refused)
        except Exception:
            log.exception("card action failed", extra={"verb": verb})
            card = panel_cards.failed_card(str(data.get("reference", "")))
        return _card_response(card)

    async def _answer_redelivered_invoke(self, turn_context: TurnContext) -> None:
        """A redelivered invoke changes nothing; answer with the panel as it is now."""
        _, data = verb_and_data(turn_context.activity)
        card = await panel_cards.current_panel_card(
            self.app, str(data.get("reference", ""))[:40], None
        )
        await _invoke_reply(turn_context, 200, card)


def _card_response(card: dict[str, Any]) -> InvokeResponse:
    return InvokeResponse(status=200, body=SentBody(card_body(card)))


async def _invoke_reply(
    turn_context: TurnContext, status: int, card: dict[str, Any] | None
) -> None:
    body = card_body(card) if card else None
    await turn_context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))
    )


def _ledgered_by_use_case(context: TurnContext) -> bool:
    """True for an invoke whose use case checks the ledger in its own transaction."""
    activity = context.activity
    if activity.type != "invoke" or activity.name != "adaptiveCard/action":
        return False
    verb, _ = verb_and_data(activity)
    return isinstance(verb, str) and verb in SELF_LEDGERED_VERBS


def _ledger_key(context: TurnContext) -> str | None:
    activity = context.activity
    if activity.type not in ("message", "invoke") or not isinstance(activity.id, str):
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    return f"{activity.channel_id}|{conversation}|{activity.id}"
