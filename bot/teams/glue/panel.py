"""The virtual panel's buttons (Action.Execute): open the voting card, vote, see the panel,
view the referral, record an off-line decision, open the panel; and the referrer's answer to
the panel's questions (a card submit in 1:1). Each answers with a card."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.teams.people import person_of
from bot.teams.turn import LEDGER_CLAIMED, LEDGER_KEY, Glue, reference_of
from bot.usecases import panel as panel_uc
from bot.usecases import panel_cards
from bot.usecases.people import Person, Refused
from dialogs.turns import replace_pressed_card


async def panel_refresh(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The panel card as this person may see it (their own partner's position shown)."""
    return await panel_cards.panel_refresh(g.app, reference=reference_of(data), person=person)


async def vote_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The voting card for a panel member or deputy; a refusal for anyone else."""
    return await panel_cards.vote_open(g.app, reference=reference_of(data), person=person)


async def vote(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Cast a vote; the member's view of the panel back, the shared card redrawn."""
    activity_id = turn_context.activity.id
    result = await panel_cards.vote(
        g.app,
        reference=reference_of(data),
        person=person,
        data=data,
        activity_id=activity_id if isinstance(activity_id, str) else None,
        ledger_key=turn_context.turn_state.get(LEDGER_KEY),
    )
    if result.ledger_claimed:
        turn_context.turn_state[LEDGER_CLAIMED] = True
    if result.recorded:
        # The shared card is redrawn off the request path, at most once a second.
        g.courier.kick(g.app.settings.card_update_seconds)
    return result.card


async def case_view(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The referral's details, for the people who may see them (audited)."""
    return await panel_cards.referral_details(
        g.app,
        reference=reference_of(data),
        person=person,
        back_to_notice=data.get("back") == "notice",
    )


async def notice_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The referrer's decision notice again (Back from the referral's details)."""
    return await panel_cards.notice_again(g.app, reference=reference_of(data), person=person)


async def offline_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """The off-line decision form, for managers."""
    return await panel_cards.offline_form(g.app, reference=reference_of(data), person=person)


async def offline_record(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """Record a decision taken off-line (phone, meeting), with its rationale."""
    card, recorded = await panel_cards.offline_record(
        g.app, reference=reference_of(data), person=person, data=data
    )
    if recorded:
        g.courier.kick()
    return card


async def panel_open(
    g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
) -> dict[str, Any]:
    """A manager opens the panel on a referral that did not seek a Rapid Review."""
    card = await panel_cards.open_panel(g.app, reference=reference_of(data), person=person)
    g.courier.kick()
    return card


async def answer_queries(g: Glue, turn_context: TurnContext) -> None:
    """The referrer's answer to the panel's questions (from the 1:1 queries card)."""
    value = turn_context.activity.value
    person = await person_of(turn_context)
    try:
        error = await panel_uc.answer_queries(
            g.app,
            reference=reference_of(value),
            person=person,
            round_seen=value.get("round"),
            answer=value.get("answer"),
        )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    if error:
        await turn_context.send_activity(error)
        return
    answered = await panel_cards.answered_queries(
        g.app, reference=reference_of(value), round_=value.get("round")
    )
    if answered is not None:
        await replace_pressed_card(turn_context, answered)
    await turn_context.send_activity(
        "Thank you. Your answer is with the virtual panel, and voting has reopened."
    )
    g.courier.kick()
