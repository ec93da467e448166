"""The panel's agreed reasons for the referrer (#25 item 6): after the decision a manager
writes the rationale the panel agreed (`reasons REF`, 1:1); it is kept with the decision
(`Decision.rationales["agreed"]`) and sent to the referrer once, in 1:1. Until then their
decision notice says the panel's reasons will follow. A member's own text never goes to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.people import Person, Refused, refusals_audited
from bot.usecases.rapid_review import MANAGERS, audit_step, case_and_actor
from cards.reasons import ALTERNATIVES, REASONS_MAX, reasons_form_card, reasons_sent_card
from review.answers import clean_text, too_long
from review.calendar import london_date
from storage import panel as panel_repo
from storage.models import Case, Decision

REASONS = "decision_reasons"
"""The outbox kind of the agreed reasons sent to the referrer."""
_ACTION = "reasons.send"


def alternative_process(decision: Decision | None) -> str | None:
    """For no partnership response: the process the panel found more appropriate, once a
    manager has named it with the reasons."""
    if decision is None:
        return None
    named = (decision.rationales or {}).get("alternative")
    return named if isinstance(named, str) and named else None


def _asks_alternative(app: AppContext, decision: Decision) -> bool:
    return app.profile.outcome(decision.outcome).starts == "nothing"


def _alternative(raw: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """The process chosen on the card, in words (another one: the words typed)."""
    chosen = raw.get("alternative")
    if not isinstance(chosen, str) or chosen not in ALTERNATIVES:
        errors["alternative"] = "Choose the process the panel found more appropriate."
        return None
    if chosen != "other":
        return ALTERNATIVES[chosen]
    other = raw.get("alternative_other")
    text = clean_text(other, multiline=False) if isinstance(other, str) else ""
    if not text:
        errors["alternative_other"] = "Say which process."
        return None
    if len(text) > 200:
        errors["alternative_other"] = too_long(200, len(text))
        return None
    return text


def agreed_reasons(decision: Decision | None) -> str | None:
    """The panel's agreed rationale for the referrer, once a manager has written it."""
    if decision is None:
        return None
    agreed = (decision.rationales or {}).get("agreed")
    return agreed if isinstance(agreed, str) and agreed else None


async def _decided(
    app: AppContext, session: AsyncSession, person: Person, reference: str
) -> tuple[Case, Decision]:
    case, _member = await case_and_actor(
        app, session, person, reference, MANAGERS, _ACTION, "write the panel's reasons."
    )
    decision = await panel_repo.decision_of(session, case.id)
    if decision is None:
        raise Refused(
            f"The panel has not decided on {case.reference} yet: its reasons follow the decision.",
            action=_ACTION,
            case=case,
        )
    return case, decision


@refusals_audited
async def reasons_form(app: AppContext, *, reference: str, person: Person) -> dict[str, Any]:
    """The form for the agreed reasons, or what was sent once they went."""
    async with app.db.session() as session, session.begin():
        case, decision = await _decided(app, session, person, reference)
        agreed = agreed_reasons(decision)
        if agreed:
            return reasons_sent_card(reference=case.reference, agreed=agreed)
        return reasons_form_card(
            reference=case.reference,
            outcome_label=app.profile.outcome(decision.outcome).label,
            ask_alternative=_asks_alternative(app, decision),
        )


@refusals_audited
async def send_reasons(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Keep the agreed reasons with the decision and send them to the referrer, once."""
    now = app.now()
    value = raw.get("agreed")
    text = clean_text(value) if isinstance(value, str) else ""
    async with app.db.session() as session, session.begin():
        case, decision = await _decided(app, session, person, reference)
        already = agreed_reasons(decision)
        if already:
            return reasons_sent_card(reference=case.reference, agreed=already)
        label = app.profile.outcome(decision.outcome).label
        error = None
        if not text:
            error = "Write the panel's agreed rationale."
        elif len(text) > REASONS_MAX:
            error = too_long(REASONS_MAX, len(text))
        asks = _asks_alternative(app, decision)
        errors: dict[str, str] = {}
        alternative = _alternative(raw, errors) if asks else None
        if error or errors:
            typed = {k: str(raw.get(k) or "")[:200] for k in ("alternative", "alternative_other")}
            return reasons_form_card(
                reference=case.reference,
                outcome_label=label,
                value=text[:REASONS_MAX],
                error=error,
                ask_alternative=asks,
                values=typed,
                errors=errors,
            )
        kept = {"agreed": text, **({"alternative": alternative} if alternative else {})}
        decision.rationales = {**(decision.rationales or {}), **kept}
        if case.referrer_aad_object_id:
            await panel_repo.plan_message(
                session,
                case=case,
                kind=REASONS,
                milestone=f"{REASONS}_{case.reopened or 0}",
                stage="referrer",
                due_on=london_date(case.received_at),
                send_after=now,
            )
        await audit_step(app, session, person, _ACTION, case, {"length": len(text)})
    return reasons_sent_card(reference=case.reference, agreed=text)
