"""Answers added to a referral after it was sent "not known yet".

A partnership's profile names the questions a referral needs before it is sent
(`Profile.required_fields`); the form's other needed questions may be left for later
(Stockport: "If information is not available, please do not delay in sending notification, as
this information can be submitted at a later stage"). The referrer, or a partnership manager,
adds them with the add-information card; each answer is checked as the form checks it, kept
with who added it and when (the form as sent is never changed), audited with the questions'
ids (never their answers), and shown to the panel with the referral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.usecases.casework import OPEN_CASE_STATUSES
from bot.usecases.people import Person, Refused, lock_or_refuse, member_for, refusals_audited
from cards.panel import vote_time_text
from cards.referral import (
    Addition,
    add_information_card,
    information_added_card,
)
from review.calendar import london_date
from review.referral import (
    FIELD_INFO,
    IDENTITY_FIELDS,
    outstanding,
    summary_rows,
    validate_section,
)
from storage import cases as case_repo
from storage import panel as panel_repo
from storage import repositories as repo
from storage.models import Case, Member, ReferralAddition

ADDERS = "the referrer or a partnership manager"
_ACTION = "referral.add"


async def current_form(session: AsyncSession, case_id: int) -> dict[str, dict[str, Any]]:
    """The referral as it stands: the form as sent, each answer added since in its place."""
    form = {
        section: dict(values) if isinstance(values, Mapping) else {}
        for section, values in (await case_repo.referral_form(session, case_id)).items()
    }
    for added in await case_repo.referral_additions(session, case_id):
        info = FIELD_INFO.get(added.field)
        if info is not None:
            form.setdefault(info.section, {})[added.field] = added.value
    return form


async def additions_shown(
    app: AppContext, session: AsyncSession, case_id: int
) -> tuple[Addition, ...]:
    """Every answer added after the referral was sent, as the panel reads them."""
    found = []
    for added in await case_repo.referral_additions(session, case_id):
        info = FIELD_INFO.get(added.field)
        if info is None:
            continue
        when = vote_time_text(added.added_at)
        found.append(
            Addition(info.title, _shown(added.field, added.value, app), when, added.added_by_name)
        )
    return tuple(found)


def _shown(field_id: str, value: str, app: AppContext) -> str:
    """An added answer as the referral's summary would read it."""
    info = FIELD_INFO[field_id]
    rows = summary_rows(
        info.section,
        {field_id: value},
        agency_names={a.id: a.name for a in app.profile.agencies},
        pathways=app.profile.pathways,
    )
    return next((row.value for row in rows if row.field == field_id), value)


def not_known_yet(app: AppContext, form: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The field ids sent "not known yet" and still unanswered."""
    return outstanding(form, app.profile.required_fields)


async def _allowed(
    app: AppContext, session: AsyncSession, case: Case, person: Person
) -> Member | None:
    """The person's roster entry when they may add information (the referrer, who may not
    be on the roster, gets None); refused otherwise."""
    member = await member_for(app, session, person)
    referrer = bool(person.aad_object_id) and person.aad_object_id == case.referrer_aad_object_id
    if not referrer and (member is None or "manager" not in member.roles):
        raise Refused(
            f"Only {ADDERS} can add information to a referral.", action=_ACTION, case=case
        )
    if case.status not in OPEN_CASE_STATUSES:
        raise Refused(f"{case.reference} is closed.", action=_ACTION, case=case)
    return member


def _agencies(app: AppContext) -> tuple[tuple[str, str], ...]:
    return tuple((a.id, a.name) for a in app.profile.agencies)


def _titles(field_ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(FIELD_INFO[f].title for f in field_ids)


def _fields(
    app: AppContext, member: Member | None, form: Mapping[str, Mapping[str, Any]]
) -> tuple[str, ...]:
    """The questions the person may answer here, in the form's order: those sent "not known
    yet"; for a manager also who the child and family are, to add or correct."""
    missing = set(not_known_yet(app, form))
    if member is not None and "manager" in member.roles:
        missing |= IDENTITY_FIELDS
    return tuple(f for f in FIELD_INFO if f in missing)


def _now_values(form: Mapping[str, Mapping[str, Any]], fields: Sequence[str]) -> dict[str, str]:
    """The current answers to `fields`, to prefill them."""
    found: dict[str, str] = {}
    for field_id in fields:
        value = (form.get(FIELD_INFO[field_id].section) or {}).get(field_id)
        if isinstance(value, str) and value:
            found[field_id] = value
    return found


@refusals_audited
async def add_information_form(
    app: AppContext, *, reference: str, person: Person
) -> dict[str, Any]:
    """The add-information card for a case: its questions sent "not known yet" (and, for a
    manager, who the child and family are, prefilled to correct)."""
    async with app.db.session() as session:
        case = await _case(app, session, reference)
        member = await _allowed(app, session, case, person)
        form = await current_form(session, case.id)
        fields = _fields(app, member, form)
    if not fields:
        return information_added_card(reference=case.reference, added=(), still_not_known=())
    return add_information_card(
        reference=case.reference,
        fields=fields,
        entered=_now_values(form, fields),
        errors={},
        agencies=_agencies(app),
        correcting=set(fields) != set(not_known_yet(app, form)),
    )


async def _case(app: AppContext, session: AsyncSession, reference: str) -> Case:
    try:
        return await case_repo.get_case(session, app.partnership_id, reference)
    except repo.NotFound:
        raise Refused(
            "That case does not exist in this partnership.",
            action=_ACTION,
            detail={"reference": reference[:40]},
        ) from None


@refusals_audited
async def add_information(
    app: AppContext, *, reference: str, person: Person, raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Keep the answers given for questions sent "not known yet"; the card back (the form
    again with its errors, or what was added and what is still to come)."""
    now = app.now()
    async with app.db.session() as session, session.begin():
        case = await lock_or_refuse(session, app, reference, _ACTION)
        member = await _allowed(app, session, case, person)
        form = await current_form(session, case.id)
        missing = _fields(app, member, form)
        if not missing:
            return information_added_card(reference=case.reference, added=(), still_not_known=())
        before = _now_values(form, missing)
        correcting = set(missing) != set(not_known_yet(app, form))
        given = {
            f: raw[f].strip()[:5000]
            for f in missing
            if isinstance(raw.get(f), str) and raw[f].strip() != before.get(f, "")
        }
        entered = {f: str(v)[:5000] for f, v in raw.items() if f in missing and isinstance(v, str)}
        errors = _check(app, form, given, now)
        if not given:
            errors = {
                missing[0]: "Nothing here is different from what the referral holds."
                if correcting
                else "Answer at least one question, or come back when you know more."
            }
        if errors:
            return add_information_card(
                reference=case.reference,
                fields=missing,
                entered=entered,
                errors=errors,
                agencies=_agencies(app),
                correcting=correcting,
            )
        kept = _cleaned(app, form, given, now)
        kept.update({f: "" for f, v in given.items() if not v and before.get(f)})
        kept = {f: v for f, v in kept.items() if v != before.get(f, "")}
        if not kept:
            return add_information_card(
                reference=case.reference,
                fields=missing,
                entered=entered,
                errors={missing[0]: "Nothing here is different from what the referral holds."},
                agencies=_agencies(app),
                correcting=correcting,
            )
        name = member.name if member is not None else (person.name or "The referrer")
        for field_id in missing:
            if field_id in kept:
                session.add(
                    ReferralAddition(
                        case_id=case.id,
                        field=field_id,
                        value=kept[field_id],
                        added_at=now,
                        added_by_member_id=member.id if member is not None else None,
                        added_by_aad_object_id=person.aad_object_id,
                        added_by_name=name[:200],
                    )
                )
        await repo.audit(
            session,
            action=_ACTION,
            actor=person.aad_object_id,
            partnership_id=app.partnership_id,
            case_id=case.id,
            detail={
                "fields": [f for f in missing if f in kept],
                "corrected": [f for f in missing if f in kept and before.get(f)],
            },
        )
        if case.channel_activity_id is not None:
            await panel_repo.plan_card_update(session, case=case, now=now)
        still = [f for f in not_known_yet(app, await current_form(session, case.id))]
    return information_added_card(
        reference=case.reference,
        added=_titles([f for f in missing if f in kept]),
        still_not_known=_titles(still),
    )


def _merged(
    form: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    for field_id, value in given.items():
        section = FIELD_INFO[field_id].section
        sections.setdefault(section, dict(form.get(section) or {}))[field_id] = value
    return sections


def _results(
    app: AppContext, form: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        section: validate_section(
            section,
            raw,
            today=london_date(now),
            agency_ids=[a.id for a in app.profile.agencies],
            pathways=app.profile.pathways,
            required=app.profile.required_fields,
        )
        for section, raw in _merged(form, given).items()
    }


def _check(
    app: AppContext, form: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    """The form's own checks on each answer given (the age rule against the event's date)."""
    errors: dict[str, str] = {}
    for result in _results(app, form, given, now).values():
        errors.update({f: e for f, e in result.errors.items() if f in given})
    return errors


def _cleaned(
    app: AppContext, form: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for result in _results(app, form, given, now).values():
        cleaned.update({f: v for f, v in result.values.items() if f in given and v})
    return cleaned
