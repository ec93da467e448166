"""The referral in the 1:1 chat: `refer`, `continue`, `my referrals`, and the buttons of the
referral dialog's cards (dialogs/referral.py). Only ever in a personal chat."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogState

from bot.context import AppContext
from bot.delivery.courier import Courier
from bot.teams.people import person_of, teams_email
from bot.teams.turn import Glue, card_activity, reference_of, refuse_outside_personal
from bot.usecases import additions, identity
from bot.usecases.panel_view import STATUS_LABELS
from bot.usecases.people import Person, Refused, member_of
from bot.usecases.referrals import Submitted, referrals_of, submit_referral, submitted_reference
from cards.referral import my_referrals_card
from dialogs.referral import REFERRAL_DIALOG, StartOptions, draft_of_token, draft_state
from review.calendar import london_date
from review.referral import OTHER_AGENCY

log = logging.getLogger(__name__)


class ReferralServices:
    """The application side of the referral dialog."""

    def __init__(self, app: AppContext, courier: Courier) -> None:
        self._app = app
        self._courier = courier
        self.partnership_name = app.profile.partnership.name
        self.pathways = app.profile.pathways
        self.required_fields = app.profile.required_fields

    @property
    def agencies(self) -> tuple[tuple[str, str], ...]:
        """The partnership's agencies (those added since start-up too), then "another agency
        (not on this list)"."""
        own = tuple((a.id, a.name) for a in self._app.profile.agencies)
        return (*own, (OTHER_AGENCY, "Another agency (not on this list)"))

    def today_iso(self) -> str:
        """Today's London date."""
        return london_date(self._app.now()).isoformat()

    def now_iso(self) -> str:
        """Now, UTC."""
        return self._app.now().isoformat()

    async def submit(
        self, draft_id: str, form: Mapping[str, Mapping[str, str]], person: Person
    ) -> Submitted:
        """Open the case."""
        return await submit_referral(self._app, draft_id=draft_id, form=form, person=person)

    async def after_submit(self, submitted: Submitted) -> None:
        """Try to post the case card now; the outbox keeps it if that fails."""
        if not submitted.created:
            return
        try:
            await self._courier.deliver()
        except Exception:
            log.exception("case card delivery failed; it stays in the outbox")


async def has_draft(g: Glue, turn_context: TurnContext) -> bool:
    """True when the person has a referral in progress in this chat."""
    state = await g.dialog_state.get(turn_context, DialogState)
    return draft_state(state) is not None


async def start_referral(g: Glue, turn_context: TurnContext) -> None:
    """Start a new referral, or show the one in progress."""
    if await refuse_outside_personal(turn_context):
        return
    dc = await g.dialogs.create_context(turn_context)
    if dc.active_dialog is not None:
        await turn_context.send_activity(
            "You already have a referral in progress — here is where you got to."
        )
        await dc.continue_dialog()
        return
    sender = turn_context.activity.from_property
    email = await teams_email(turn_context)
    if email is None:
        member = await member_of(g.app, await person_of(turn_context))
        email = member.email if member else ""
    options = StartOptions(name=(sender.name or "") if sender else "", email=email or "")
    await dc.begin_dialog(REFERRAL_DIALOG, options)


async def continue_referral(g: Glue, turn_context: TurnContext) -> None:
    """Show the referral in progress where the person left it."""
    if await refuse_outside_personal(turn_context):
        return
    dc = await g.dialogs.create_context(turn_context)
    if dc.active_dialog is None:
        await turn_context.send_activity(
            "You have no referral in progress. Type **refer** to start one."
        )
        return
    await dc.continue_dialog()


async def referral_card_action(g: Glue, turn_context: TurnContext) -> None:
    """A button on a referral card: the dialog applies it, or says it is out of date."""
    if await refuse_outside_personal(turn_context):
        return
    dc = await g.dialogs.create_context(turn_context)
    if dc.active_dialog is not None:
        await dc.continue_dialog()
        return
    draft = draft_of_token(turn_context.activity.value.get("token"))
    reference = await submitted_reference(g.app, draft) if draft is not None else None
    if reference is not None:
        await turn_context.send_activity(
            f"This form is out of date: the referral was submitted as {reference}. "
            "Type **my referrals** to see it."
        )
    else:
        await turn_context.send_activity(
            "This form is out of date and no referral is in progress. Type **refer** to start one."
        )


async def my_referrals(g: Glue, turn_context: TurnContext) -> None:
    """List the person's draft and submitted referrals."""
    if await refuse_outside_personal(turn_context):
        return
    state = draft_state(await g.dialog_state.get(turn_context, DialogState))
    drafts = []
    if state is not None:
        updated = str(state.get("updated_at", ""))[:16].replace("T", " ")
        drafts.append(("Referral in progress", f"last changed {updated} UTC"))
    submitted = await referrals_of(g.app, await person_of(turn_context))
    rows = [
        (c.reference, STATUS_LABELS.get(c.status, c.status), c.received.strftime("%a %d %b %Y"))
        for c in submitted
    ]
    await turn_context.send_activity(
        card_activity(my_referrals_card(drafts=drafts, submitted=rows))
    )


async def add_information_open(g: Glue, turn_context: TurnContext) -> None:
    """ "Add information" on the referral's receipt: the card of what was sent "not known
    yet", in this 1:1 chat."""
    if await refuse_outside_personal(turn_context):
        return
    await _send_add_information(g, turn_context, reference_of(turn_context.activity.value))


async def add_information_command(g: Glue, turn_context: TurnContext, reference: str) -> None:
    """`add information REF`: the same card, typed."""
    if await refuse_outside_personal(turn_context):
        return
    await _send_add_information(g, turn_context, reference[:40])


async def _send_add_information(g: Glue, turn_context: TurnContext, reference: str) -> None:
    person = await person_of(turn_context)
    try:
        card = await additions.add_information_form(g.app, reference=reference, person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


async def add_information(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The add-information card's button: the answers kept, and the card in its final state
    (or again, with its errors)."""
    card = await additions.add_information(
        g.app, reference=reference_of(data), person=person, raw=data
    )
    g.courier.kick()
    return card


async def identity_view(g: Glue, turn_context: TurnContext) -> None:
    """ "Who the child and family are": sections A and B as recorded, in this 1:1 chat only,
    for the people who may see them (each view audited)."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        card = await identity.view_identity(
            g.app, reference=reference_of(turn_context.activity.value), person=person
        )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))
