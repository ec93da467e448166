"""POST /api/messages: our own front door to the Bot Framework adapter.

`CloudAdapter.process` answers 500 for a bad token and serialises some invoke bodies twice;
here every request is checked first (type, size, JSON, activity, authentication) and answered
with the right 4xx, and the adapter only ever runs an authenticated activity.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity
from msrest.serialization import Model

from bot.auth import AuthenticationError
from bot.keys import ADAPTER, AUTHENTICATOR, BOT, SETTINGS
from bot.logs import activity_id_var

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


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
    except (ValueError, UnicodeDecodeError):
        return _problem(400, "body is not valid JSON")
    if not isinstance(body, dict):
        return _problem(400, "body must be a JSON object (an activity)")
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return _problem(400, "body is not a valid activity")
    if not isinstance(activity.type, str) or not activity.type:
        return _problem(400, "activity has no type")
    if not isinstance(activity.service_url, str) or not activity.service_url:
        return _problem(400, "activity has no serviceUrl")

    app = request.app
    token = activity_id_var.set(activity.id if isinstance(activity.id, str) else None)
    try:
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

        invoke = await app[ADAPTER].process_activity(auth_result, activity, app[BOT].on_turn)
        if invoke is None:
            return web.Response(status=201 if activity.type != "invoke" else 200)
        return web.json_response(_body_of(invoke), status=int(invoke.status or 200))
    finally:
        activity_id_var.reset(token)
