"""The referral (Appendix A, section 1) as a guided 1:1 conversation, one card per step.

One `ComponentDialog` holding one form dialog. Its state — the section shown, everything
typed so far, the errors, and a token that changes with every card sent — lives in the
conversation state, which the bot saves to the database after every turn: a person can leave
half-way and carry on days later, after a restart, by typing `continue`.

Every card action carries the token; an action from an older card ("out of date") is not
applied, and the current step is shown again instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogContext,
    DialogInstance,
    DialogReason,
    DialogTurnResult,
)

from cards.referral import (
    cancel_confirm_card,
    out_of_date_text,
    referral_confirmation_card,
    referral_step_card,
    referral_submitted_card,
    referral_summary_card,
)
from dialogs.turns import replace_pressed_card
from review.referral import FIELDS, SECTIONS, FormInvalid, PathwayInfo, validate_section

REFERRAL_DIALOG = "referral"
_FORM = "referral.form"


# The person acting, as the services read them from the turn: the dialog only passes it on.
Person = Any


class Submitted(Protocol):
    """What a submit gives back: the case reference, and whether this submit created it."""

    reference: str
    created: bool
    pathway_label: str
    next_steps: tuple[tuple[str, date], ...]
    not_known_yet: tuple[str, ...]


class ReferralServices(Protocol):
    """What the dialog needs from the application (kept behind a protocol for tests)."""

    partnership_name: str
    agencies: tuple[tuple[str, str], ...]  # (id, name)
    pathways: Mapping[str, PathwayInfo]  # the partnership's, in its form's order
    required_fields: frozenset[str]  # the questions it needs answered to send

    def today_iso(self) -> str:
        """Today's London date, ISO."""
        ...

    def now_iso(self) -> str:
        """The current time, ISO (UTC)."""
        ...

    async def submit(
        self, draft_id: str, form: Mapping[str, Mapping[str, str]], person: Person
    ) -> Submitted:
        """Open the case (idempotent per draft)."""
        ...

    async def after_submit(self, submitted: Submitted) -> None:
        """Post the case card to the channel and so on (best effort; the outbox retries)."""
        ...


PersonResolver = Callable[[TurnContext], Awaitable[Person]]


@dataclass(frozen=True)
class StartOptions:
    """Prefill for a new referral: the referrer's name and email from Teams."""

    name: str = ""
    email: str = ""


def _send_card(
    context: TurnContext, card: dict[str, Any], text: str | None = None
) -> Awaitable[Any]:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if text:
        activity.text = text
    return context.send_activity(activity)


def draft_of_token(token: object) -> str | None:
    """The draft id inside a card token (`<draft>.<n>`), if the token is well formed."""
    if isinstance(token, str) and "." in token:
        draft = token.rsplit(".", 1)[0]
        return draft if 8 <= len(draft) <= 64 else None
    return None


class _ReferralForm(Dialog):  # type: ignore[misc]
    """The form itself: a small state machine over the sections, summary and cancel."""

    def __init__(self, services: ReferralServices, person_of: PersonResolver) -> None:
        super().__init__(_FORM)
        self.services = services
        self.person_of = person_of
        self.actions: dict[
            str,
            Callable[
                [DialogContext, dict[str, Any], Mapping[str, Any]], Awaitable[DialogTurnResult]
            ],
        ] = {
            "referral.step": self._step,
            "referral.back": self._back,
            "referral.edit": self._edit,
            "referral.submit": self._submit,
            "referral.cancel": self._cancel,
            "referral.cancel_confirmed": self._cancel_confirmed,
            "referral.resume": self._resume,
        }

    # --- lifecycle ----------------------------------------------------------------------

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        """Start a new draft at the first section, prefilled from the Teams profile."""
        prefill = options if isinstance(options, StartOptions) else StartOptions()
        draft_id = uuid.uuid4().hex
        state: dict[str, Any] = dc.active_dialog.state
        state.update(
            draft_id=draft_id,
            counter=0,
            mode="step",
            section=SECTIONS[0],
            editing=False,
            values={s: {} for s in SECTIONS},
            errors={},
            started_at=self.services.now_iso(),
            updated_at=self.services.now_iso(),
        )
        state["values"]["referrer"].update(referrer_name=prefill.name, referrer_email=prefill.email)
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        """Apply a card action from the current card; anything else shows the current step."""
        state: dict[str, Any] = dc.active_dialog.state
        value = dc.context.activity.value
        if not isinstance(value, dict) or not isinstance(value.get("action"), str):
            text = (dc.context.activity.text or "").strip().lower()
            if text == "cancel":
                state["previous_mode"], state["mode"] = state["mode"], "confirm_cancel"
            await self._show(dc.context, state)
            return Dialog.end_of_turn
        if value.get("token") != self._token(state):
            await self._show(dc.context, state, note=out_of_date_text())
            return Dialog.end_of_turn
        handler = self.actions.get(value["action"])
        if handler is None:
            await self._show(dc.context, state)
            return Dialog.end_of_turn
        state["updated_at"] = self.services.now_iso()
        return await handler(dc, state, value)

    async def resume_dialog(
        self, dc: DialogContext, reason: DialogReason, result: object = None
    ) -> DialogTurnResult:
        """Show the current step again (nothing is stacked on this dialog)."""
        await self._show(dc.context, dc.active_dialog.state)
        return Dialog.end_of_turn

    # --- actions --------------------------------------------------------------------------

    def _inputs(self, section: str, value: Mapping[str, Any]) -> dict[str, Any]:
        return {f: value[f] for f in FIELDS[section] if f in value}

    async def _step(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        section = state["section"]
        if state["mode"] != "step" or value.get("section") != section:
            await self._show(dc.context, state, note=out_of_date_text())
            return Dialog.end_of_turn
        inputs = self._inputs(section, value)
        result = validate_section(
            section,
            inputs,
            today=date.fromisoformat(self.services.today_iso()),
            agency_ids=[a for a, _ in self.services.agencies],
            pathways=self.services.pathways,
            required=self.services.required_fields,
        )
        if not result.ok:
            # The validator's values keep every answer, wrong ones included, cut to a size
            # that still fits a card: nothing typed is lost, nothing oversized is stored.
            state["values"][section] = dict(result.values)
            state["errors"] = dict(result.errors)
            await self._show(dc.context, state)
            return Dialog.end_of_turn
        state["values"][section] = dict(result.values)
        state["errors"] = {}
        index = SECTIONS.index(section)
        if state["editing"] or index == len(SECTIONS) - 1:
            state["mode"], state["editing"] = "summary", False
        else:
            state["section"] = SECTIONS[index + 1]
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    async def _back(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        # Back sends no inputs (the card asks for none), so what was saved stays as it was.
        index = SECTIONS.index(state["section"])
        state["section"] = SECTIONS[max(0, index - 1)]
        state["mode"], state["errors"] = "step", {}
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    async def _edit(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        section = value.get("section")
        if section not in SECTIONS:
            await self._show(dc.context, state)
            return Dialog.end_of_turn
        state["mode"], state["section"], state["editing"], state["errors"] = (
            "step",
            section,
            True,
            {},
        )
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    async def _submit(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        if state["mode"] != "summary":
            await self._show(dc.context, state, note=out_of_date_text())
            return Dialog.end_of_turn
        person = await self.person_of(dc.context)
        try:
            submitted = await self.services.submit(state["draft_id"], state["values"], person)
        except FormInvalid as invalid:
            section = invalid.first_section
            state["mode"], state["section"], state["editing"] = "step", section, True
            state["errors"] = dict(invalid.results[section].errors)
            await self._show(
                dc.context, state, note="Some answers need another look before you submit."
            )
            return Dialog.end_of_turn
        await self._confirm(dc.context, submitted)
        await self.services.after_submit(submitted)
        return await dc.end_dialog(submitted.reference)

    async def _cancel(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        if state["mode"] != "confirm_cancel":
            state["previous_mode"], state["mode"] = state["mode"], "confirm_cancel"
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    async def _cancel_confirmed(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        await dc.context.send_activity(
            "Referral cancelled. Nothing was sent, and what you entered has been deleted. "
            "Type **refer** to start again."
        )
        return await dc.end_dialog(None)

    async def _resume(
        self, dc: DialogContext, state: dict[str, Any], value: Mapping[str, Any]
    ) -> DialogTurnResult:
        state["mode"] = state.pop("previous_mode", "step")
        await self._show(dc.context, state)
        return Dialog.end_of_turn

    # --- rendering ------------------------------------------------------------------------

    @staticmethod
    def _token(state: Mapping[str, Any]) -> str:
        return f"{state['draft_id']}.{state['counter']}"

    async def _show(
        self, context: TurnContext, state: dict[str, Any], note: str | None = None
    ) -> None:
        """Send the card for where the form is now, under a fresh token."""
        state["counter"] += 1
        token = self._token(state)
        agency_names = dict(self.services.agencies)
        if state["mode"] == "summary":
            card = referral_summary_card(
                state["values"],
                token=token,
                agency_names=agency_names,
                partnership_name=self.services.partnership_name,
                pathways=self.services.pathways,
                required=self.services.required_fields,
            )
        elif state["mode"] == "confirm_cancel":
            card = cancel_confirm_card(token=token)
        else:
            section = state["section"]
            card = referral_step_card(
                section,
                state["values"].get(section, {}),
                state.get("errors", {}),
                token=token,
                agencies=self.services.agencies,
                step_number=SECTIONS.index(section) + 1,
                total_steps=len(SECTIONS),
                partnership_name=self.services.partnership_name,
                pathways=self.services.pathways,
                required=self.services.required_fields,
            )
        await _send_card(context, card, note)

    async def _confirm(self, context: TurnContext, submitted: Submitted) -> None:
        # The summary keeps no "Submit referral" or "Edit": it says where the referral went.
        await replace_pressed_card(context, referral_submitted_card(reference=submitted.reference))
        if not submitted.created:
            await context.send_activity(
                f"This referral was already submitted as {submitted.reference}; "
                "it has not been sent twice."
            )
            return
        await _send_card(
            context,
            referral_confirmation_card(
                reference=submitted.reference,
                pathway_label=submitted.pathway_label,
                next_steps=submitted.next_steps,
                partnership_name=self.services.partnership_name,
                not_known_yet=submitted.not_known_yet,
            ),
        )


class ReferralDialog(ComponentDialog):  # type: ignore[misc]
    """The referral conversation (the component the bot starts and continues)."""

    def __init__(self, services: ReferralServices, person_of: PersonResolver) -> None:
        super().__init__(REFERRAL_DIALOG)
        self.add_dialog(_ReferralForm(services, person_of))
        self.initial_dialog_id = _FORM


def draft_state(dialog_state: Any) -> dict[str, Any] | None:
    """The referral draft inside a stored dialog stack, if one is in progress."""
    stack = getattr(dialog_state, "dialog_stack", None) or []
    for instance in stack:
        if isinstance(instance, DialogInstance) and instance.id == REFERRAL_DIALOG:
            inner = instance.state.get("dialogs")
            inner_stack = getattr(inner, "dialog_stack", None) or []
            for child in inner_stack:
                if isinstance(child, DialogInstance) and child.id == _FORM:
                    return child.state
    return None
