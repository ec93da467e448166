"""POST /api/messages: our own front door to the Bot Framework adapter.

`CloudAdapter.process` answers 500 for a bad token and serialises some invoke bodies twice;
here every request is checked first (type, size, JSON, activity, authentication) and answered
with the right 4xx, and the adapter only ever runs an authenticated activity.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson
from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity
from msrest.serialization import Model

from bot.logs import activity_id_var
from bot.teams.activity import activity_from_json
from bot.teams.auth import AuthenticationError
from bot.teams.keys import ADAPTER, AUTHENTICATOR, BOT, FOREGROUND, SETTINGS
from bot.teams.turn import card_body, verb_and_data
from bot.usecases.panel_cards import failed_card

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def _is_account(value: Any, *, need_id: bool = True) -> bool:
    return isinstance(value, dict) and (
        not need_id or (isinstance(value.get("id"), str) and bool(value["id"]))
    )


def _has_nul(node: Any) -> bool:
    # A walk with a stack of its own: a body nested as deep as the parser allows must not
    # exhaust Python's recursion limit here.
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(node: Any) -> Any:
    """`node` with every unpaired surrogate in its strings (keys too) replaced by U+FFFD.

    JSON can carry one as an escape (`"\\ud800"`); Python keeps it in the string, and no
    UTF-8 database driver can store it. A valid pair is one character by then, so any
    surrogate left is unpaired. Walked with a stack of its own, as `_has_nul`."""
    if isinstance(node, str):
        return _SURROGATE.sub("\ufffd", node)
    root: list[Any] = [node]
    pending: list[tuple[Any, Any]] = [(root, 0)]
    while pending:
        parent, key = pending.pop()
        item = parent[key]
        if isinstance(item, str):
            parent[key] = _SURROGATE.sub("\ufffd", item)
        elif isinstance(item, dict):
            cleaned = {
                (_SURROGATE.sub("\ufffd", k) if isinstance(k, str) else k): v
                for k, v in item.items()
            }
            parent[key] = cleaned
            pending.extend((cleaned, k) for k in cleaned)
        elif isinstance(item, list):
            pending.extend((item, i) for i in range(len(item)))
    return root[0]


def _plain_id(value: str) -> bool:
    # Teams' ids are ASCII, and a conversation id goes into a header of every reply
    # (`x-ms-conversation-id`), which HTTP cannot carry beyond Latin-1.
    return len(value) <= 900 and value.isascii() and value.isprintable() and " " not in value


def shape_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with an activity's shape where the SDK would trip over it, or None.

    The SDK dereferences these fields without checking them; a hostile or broken activity
    is answered 400 here instead of failing half-way through a turn.
    """
    for key in ("channelId", "serviceUrl", "type"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"activity has no {key}"
    if len(body["channelId"]) > 64 or not _plain_id(body["channelId"]):
        return "activity channelId is malformed"
    if not _is_account(body.get("conversation")):
        return "activity has no conversation id"
    if not _is_account(body.get("from")):
        return "activity has no sender"
    if "recipient" in body and not _is_account(body.get("recipient"), need_id=False):
        return "activity recipient is malformed"
    for key in ("id", "text", "name", "replyToId", "locale", "textFormat"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return f"activity {key} must be text"
    for key in ("entities", "attachments", "membersAdded", "membersRemoved"):
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            return f"activity {key} must be a list of objects"
    for key in ("membersAdded", "membersRemoved"):
        if any(not _is_account(v) for v in body.get(key) or []):
            return f"activity {key} has a member without an id"
    channel_data = body.get("channelData")
    if channel_data is not None:
        if not isinstance(channel_data, dict):
            return "activity channelData must be an object"
        for key in ("tenant", "team", "channel", "settings", "meeting", "notification"):
            if key in channel_data and not isinstance(channel_data[key], dict | None):
                return f"activity channelData.{key} must be an object"
        if "eventType" in channel_data and not isinstance(channel_data["eventType"], str | None):
            return "activity channelData.eventType must be text"
    conversation = body["conversation"]
    ids = [
        conversation["id"],
        body["from"]["id"],
        body.get("id") or "",
        body.get("replyToId") or "",
    ]
    if not all(_plain_id(i) for i in ids):
        return "activity ids must be short printable ASCII text"
    for key in ("conversationType", "tenantId"):
        if key in conversation and not isinstance(conversation[key], str | None):
            return f"activity conversation.{key} must be text"
    return None


def json_bytes(body: Any) -> bytes:
    """`body` as JSON, the way `json.dumps` writes it, in a fraction of the time.

    A panel card is a few kilobytes of JSON on every vote; orjson writes it ten times
    faster than the standard library. Whatever orjson refuses (a lone surrogate someone
    typed, an integer over 64 bits) is written by `json.dumps`, so nothing is refused here.
    """
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body).encode()


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _body_of(invoke: InvokeResponse) -> Any:
    body = invoke.body
    if isinstance(body, Model):
        return body.serialize()
    return body


async def messages(request: web.Request) -> web.StreamResponse:
    """Receive one activity from the Bot Connector (or the Agents Playground)."""
    if request.content_type != "application/json":
        return _problem(415, "expected application/json")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _problem(413, "request body too large")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _problem(413, "request body too large")
    if len(raw) > MAX_BODY_BYTES:
        return _problem(413, "request body too large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser goes (a 2 KB body can do it).
        return _problem(400, "body is not valid JSON")
    if b"\\ud" in raw or b"\\uD" in raw:
        # Only an escape can carry a surrogate into the parsed body (UTF-8 cannot).
        body = without_lone_surrogates(body)
    if b"\\u0000" in raw and _has_nul(body):
        # A NUL character is in no legitimate activity, and PostgreSQL text cannot hold one.
        return _problem(400, "text must not contain NUL characters")
    if not isinstance(body, dict):
        return _problem(400, "body must be a JSON object (an activity)")
    problem = shape_problem(body)
    if problem is not None:
        return _problem(400, problem)
    try:
        activity = activity_from_json(body)
    except Exception:
        return _problem(400, "body is not a valid activity")
    if not isinstance(activity.type, str) or not activity.type:
        return _problem(400, "activity has no type")
    if not isinstance(activity.service_url, str) or not activity.service_url:
        return _problem(400, "activity has no serviceUrl")

    app = request.app
    token = activity_id_var.set(activity.id if isinstance(activity.id, str) else None)
    try:
        with app[FOREGROUND].serving():
            return await _answer(app, activity, request)
    finally:
        activity_id_var.reset(token)


async def _answer(app: web.Application, activity: Activity, request: web.Request) -> web.Response:
    """Authenticate and run the turn: the invoke's answer, else 201 (200 for an invoke)."""
    try:
        auth_result = await app[AUTHENTICATOR].authenticate(
            activity, request.headers.get("Authorization", "")
        )
    except AuthenticationError as exc:
        log.warning("request refused: authentication failed", extra={"reason": str(exc)})
        return _problem(401, "unauthorized")
    settings = app[SETTINGS]
    if not settings.service_url_allowed(activity.service_url):
        log.warning("request refused: serviceUrl not on the allow-list")
        return _problem(403, "serviceUrl not allowed")

    try:
        invoke = await app[ADAPTER].process_activity(auth_result, activity, app[BOT].on_turn)
    except Exception:
        if activity.type != "invoke":
            raise
        log.exception("invoke failed outside its turn")
        invoke = None
    if activity.type == "invoke" and (invoke is None or int(invoke.status or 200) >= 500):
        # Whatever failed (the database away, a bug), an invoke is answered: a card that says
        # to try again, never a 5xx Teams would show as an error of its own.
        return _try_again(activity)
    if invoke is None:
        return web.Response(status=201)
    return web.Response(
        body=json_bytes(_body_of(invoke)),
        status=int(invoke.status or 200),
        content_type="application/json",
    )


def _try_again(activity: Activity) -> web.Response:
    """The answer to an invoke whose turn failed: for a card's button, a card saying nothing
    was changed and to try again shortly; for anything else, a plain 200."""
    if activity.name != "adaptiveCard/action":
        return web.Response(status=200)
    _, data = verb_and_data(activity)
    reference = data.get("reference") if isinstance(data.get("reference"), str) else ""
    body = card_body(failed_card(reference))
    return web.Response(body=json_bytes(body), status=200, content_type="application/json")
