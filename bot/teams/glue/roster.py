"""`roster`: the partnership's roster, for managers in 1:1, and its card's buttons (add,
find, change roles, cover dates, remove, replace from a file). A file sent with the word
`roster` in the same message is read as a roster to replace it; any other file goes on being
an agency's chronology."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.files import FileRefused, download_attachment
from bot.teams.glue.stages import files_in
from bot.teams.people import person_of
from bot.teams.turn import Glue, Verb, card_activity, is_personal, refuse_outside_personal
from bot.usecases import roster as roster_uc
from bot.usecases import roster_file
from bot.usecases.people import Person, Refused
from cards.roster import (
    VERB_ADD,
    VERB_ADD_OPEN,
    VERB_COVER,
    VERB_FILE_OPEN,
    VERB_FIND,
    VERB_OPEN,
    VERB_PERSON,
    VERB_REMOVE,
    VERB_REMOVE_OPEN,
    VERB_REPLACE,
    VERB_ROLES,
    roster_refused_card,
)


async def show_roster(g: Glue, turn_context: TurnContext) -> None:
    """The roster, for managers in 1:1; with a file attached, that file as the new roster."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    try:
        if files_in(turn_context):
            card = await _roster_file(g, turn_context, person)
            if card is None:
                return
        else:
            card = await roster_uc.roster_card_for(g.app, person=person)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await turn_context.send_activity(card_activity(card))


async def _roster_file(g: Glue, turn_context: TurnContext, person: Person) -> dict[str, Any] | None:
    """A manager's roster file: fetched (1 MB at most), checked, and its preview or problems."""
    await roster_file.manager_only(g.app, person=person)
    attachment = files_in(turn_context)[0]
    try:
        name, content = await download_attachment(
            g.app,
            {
                "contentType": attachment.content_type,
                "content": attachment.content,
                "name": attachment.name,
            },
            max_bytes=roster_file.MAX_BYTES,
            kind="roster",
        )
    except FileRefused as refused:
        await turn_context.send_activity(f"{refused} The roster was not changed.")
        return None
    return await roster_file.upload_roster(g.app, person=person, name=name, content=content)


RosterStep = Callable[[Any, Person, dict[str, Any]], Awaitable[dict[str, Any]]]

_STEPS: dict[str, RosterStep] = {
    VERB_OPEN: lambda app, p, d: roster_uc.roster_card_for(app, person=p),
    VERB_FIND: lambda app, p, d: roster_uc.find_person(app, person=p, raw=d),
    VERB_PERSON: lambda app, p, d: roster_uc.person_card(app, person=p, member_id=d.get("member")),
    VERB_ADD_OPEN: lambda app, p, d: roster_uc.add_form(app, person=p),
    VERB_ADD: lambda app, p, d: roster_uc.add_person(app, person=p, raw=d),
    VERB_ROLES: lambda app, p, d: roster_uc.change_roles(
        app, person=p, member_id=d.get("member"), raw=d
    ),
    VERB_COVER: lambda app, p, d: roster_uc.set_cover(
        app, person=p, member_id=d.get("member"), raw=d
    ),
    VERB_REMOVE_OPEN: lambda app, p, d: roster_uc.remove_form(
        app, person=p, member_id=d.get("member")
    ),
    VERB_REMOVE: lambda app, p, d: roster_uc.remove_person(
        app, person=p, member_id=d.get("member")
    ),
    VERB_FILE_OPEN: lambda app, p, d: roster_file.file_help(app, person=p),
    VERB_REPLACE: lambda app, p, d: roster_file.replace_roster(
        app, person=p, upload_id=d.get("upload")
    ),
}


def _verb(step: RosterStep) -> Verb:
    async def run(
        g: Glue, turn_context: TurnContext, person: Person, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A roster button: its use case's card (updated in place), or the refusal."""
        if not is_personal(turn_context):
            return roster_refused_card("The roster is changed in a 1:1 chat with me.")
        try:
            return await step(g.app, person, data)
        except Refused as refused:  # audited by the use case
            return roster_refused_card(refused.reason)

    return run


VERBS: dict[str, Verb] = {verb: _verb(step) for verb, step in _STEPS.items()}
"""The roster card's Action.Execute verbs."""
