"""The stages after a Rapid Review decision, in 1:1: the buttons of the information request,
return, meeting, chair's notes and report cards; the managers' commands (`papers REF`,
`close REF`, `published REF DATE`, `complaint REF DATE`); and a chronology sent as a file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.files import FILE_DOWNLOAD_INFO, FileRefused, download_attachment
from bot.teams.people import person_of
from bot.teams.turn import (
    Glue,
    command_text,
    reference_of,
    refuse_outside_personal,
    send_replies,
)
from bot.usecases import (
    chair_notes,
    closing,
    complaints,
    events,
    meeting,
    papers,
    report,
    requests,
    returns,
)
from bot.usecases.people import Person, Refused

CASE_COMMANDS = frozenset({"papers", "close", "published", "complaint"})

StageAction = Callable[[Any, Person, dict[str, Any]], Awaitable[Any]]


def _form_step(use_case: Callable[..., Awaitable[Any]], action: str) -> StageAction:
    """A button of a form in parts (return, chair's notes): the use case, told which button."""

    async def step(app: Any, person: Person, value: dict[str, Any]) -> Any:
        return await use_case(app, person=person, raw=value, action=action)

    return step


STAGE_ACTIONS: dict[str, StageAction] = {
    "returns.pick": lambda app, p, v: requests.request_picker(
        app, reference=reference_of(v), person=p
    ),
    "returns.request": lambda app, p, v: requests.send_requests(
        app, reference=reference_of(v), person=p, raw=v
    ),
    **{
        action: _form_step(returns.return_action, action)
        for action in ("return.save", "return.part", "return.add_row", "return.submit")
    },
    "returns.view": lambda app, p, v: papers.view_returns(app, reference=reference_of(v), person=p),
    "meeting.open": lambda app, p, v: meeting.meeting_form(
        app, reference=reference_of(v), person=p
    ),
    "meeting.propose": lambda app, p, v: meeting.propose_meeting(
        app, reference=reference_of(v), person=p, raw=v
    ),
    "chair.open": lambda app, p, v: chair_notes.chair_form(
        app, reference=reference_of(v), person=p
    ),
    **{
        action: _form_step(chair_notes.chair_action, action)
        for action in ("chair.save", "chair.part", "chair.conclude")
    },
    "report.open": lambda app, p, v: report.report_again(app, reference=reference_of(v), person=p),
    "report.sent": lambda app, p, v: report.record_report_sent(
        app, reference=reference_of(v), person=p, raw=v
    ),
}


async def stage_action(g: Glue, turn_context: TurnContext) -> None:
    """A button on an information request, meeting, chair's notes or report card (1:1)."""
    if await refuse_outside_personal(turn_context):
        return
    value = turn_context.activity.value
    person = await person_of(turn_context)
    try:
        replies = await STAGE_ACTIONS[value["action"]](g.app, person, value)
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await send_replies(turn_context, replies)
    g.courier.kick()


async def case_command(g: Glue, turn_context: TurnContext, words: list[str]) -> None:
    """`papers REF`, `close REF`, `published REF DATE`, `complaint REF DATE` (managers)."""
    if await refuse_outside_personal(turn_context):
        return
    person = await person_of(turn_context)
    reference = words[1].upper()[:40]
    command = words[0]
    try:
        if command == "papers":
            reply: Any = await papers.circulate_papers(g.app, reference=reference, person=person)
        elif command == "close":
            reply = await closing.close_preview(g.app, reference=reference, person=person)
        elif command == "complaint":
            day = events.parse_day(words[2]) if len(words) == 3 else None
            reply = await complaints.record_complaint(
                g.app, reference=reference, person=person, day=day
            )
        else:
            day = events.parse_day(words[2]) if len(words) == 3 else None
            reply = await events.record_case_event(
                g.app, reference=reference, person=person, command=command, day=day
            )
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await send_replies(turn_context, reply)
    g.courier.kick()


def files_in(turn_context: TurnContext) -> list[Any]:
    """The files a person sent with the message (Teams' download info attachments)."""
    return [
        a
        for a in turn_context.activity.attachments or []
        if getattr(a, "content_type", None) == FILE_DOWNLOAD_INFO
    ]


async def chronology_upload(g: Glue, turn_context: TurnContext) -> None:
    """A lead sends a chronology spreadsheet (CSV) in 1:1: its rows join their return."""
    attachment = files_in(turn_context)[0]
    person = await person_of(turn_context)
    try:
        name, content = await download_attachment(
            g.app,
            {
                "contentType": attachment.content_type,
                "content": attachment.content,
                "name": attachment.name,
            },
        )
        replies = await returns.upload_chronology(
            g.app,
            person=person,
            hint=command_text(turn_context),
            name=name,
            content=content,
        )
    except FileRefused as refused:
        await turn_context.send_activity(str(refused))
        return
    except Refused as refused:
        await turn_context.send_activity(refused.reason)
        return
    await send_replies(turn_context, replies)
