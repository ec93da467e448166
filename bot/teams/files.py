"""Files in 1:1 chats, both ways, through Teams' bot file APIs (personal chats only).

Out: a file the app made is offered with a file consent card. When the person allows it,
Teams sends `fileConsent/invoke` with an upload URL in their OneDrive; the bytes are PUT
there in one request and a file info card shows the file in the chat.
In: a file a person sends arrives as a `file.download.info` attachment whose download URL is
pre-authenticated and short-lived; it is read at once, capped in size.

Both URLs must be on the `file_hosts` allow-list (OneDrive and SharePoint hosts): any other
is refused and never fetched. URLs carry access tokens, so they are never logged or audited.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from yarl import URL

from bot.context import AppContext
from bot.settings import is_loopback
from bot.usecases import files as offers
from bot.usecases.people import Person

log = logging.getLogger(__name__)

FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024
READABLE_TYPES = frozenset({"csv", "txt", "xlsx"})
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)
MAX_REDIRECTS = 3

Reply = Callable[[Any], Awaitable[Any]]


class FileRefused(Exception):
    """A file could not be taken in; the message is a sentence for the person."""


# --- out: the consent card, and the answer to it ----------------------------------------


def file_info_activity(upload_info: Mapping[str, Any], name: str) -> Activity:
    """The file info card showing an uploaded file in the chat, with a sentence."""
    card = Attachment(
        content_type=FILE_INFO_CARD,
        content_url=_text(upload_info.get("contentUrl"), 2000),
        name=_text(upload_info.get("name"), 200) or name,
        content={
            "uniqueId": _text(upload_info.get("uniqueId"), 200),
            "fileType": _text(upload_info.get("fileType"), 20),
        },
    )
    activity = MessageFactory.attachment(card)
    activity.text = f"{name} is in your OneDrive now."
    return activity


async def answer_file_consent(
    app: AppContext, *, person: Person, value: Mapping[str, Any], reply: Reply
) -> None:
    """Answer `fileConsent/invoke`: upload on accept (to the recipient only), or record a no.

    `reply` sends a message to the chat (a TurnContext's `send_activity`). A file already
    answered is answered again in words, never uploaded twice.
    """
    try:
        await _answer(app, person, value, reply)
    except Exception:
        log.exception("file consent answer failed")
        try:
            await reply(
                "Something went wrong on our side and the file was not sent. "
                "Please try again shortly."
            )
        except Exception as exc:  # Teams refused that too (403, 404, 5xx, unreachable)
            log.warning("could not say the file was not sent", extra={"why": type(exc).__name__})


async def _answer(app: AppContext, person: Person, value: Mapping[str, Any], reply: Reply) -> None:
    action = value.get("action")
    context = value.get("context")
    file_id = _file_id(context.get("file_id") if isinstance(context, Mapping) else None)
    if action not in ("accept", "decline") or file_id is None:
        await reply("I did not understand that answer to a file card, so nothing was sent.")
        return
    audit_action = "file.accepted" if action == "accept" else "file.declined"
    file = await offers.offered_file(app, file_id)
    if file is None:
        await reply(f"That file is no longer on offer. {offers.ASK_AGAIN}")
        return
    if not person.aad_object_id or person.aad_object_id != file.recipient_aad_object_id:
        await offers.audit_file(
            app, person, file, audit_action, "refused", reason="not the recipient"
        )
        await reply("That file was offered to someone else, so it was not sent to you.")
        return
    if not offers.is_open(file):
        await reply(offers.answered_again(file))
        return
    if action == "decline":
        await reply(await offers.decline(app, person, file))
        return
    upload_info = value.get("uploadInfo")
    upload_info = upload_info if isinstance(upload_info, Mapping) else {}
    url = _allowed_url(app, upload_info.get("uploadUrl"))
    if url is None:
        await offers.audit_file(app, person, file, audit_action, "refused", reason="upload host")
        await reply(
            f"{file.name} was not sent: the upload address did not point to OneDrive. "
            "Nothing was uploaded. Please try again shortly."
        )
        return
    claimed_at = await offers.claim_upload(app, file)
    if claimed_at is None:
        # Another accept of this file is uploading it (or has just finished).
        await reply(offers.answered_again(await offers.current(app, file)))
        return
    try:
        status = await _upload(url, file.content or b"")
    except Exception:
        await offers.release(app, file, claimed_at)
        raise
    if status not in (200, 201):
        await offers.release(app, file, claimed_at)
        await offers.audit_file(app, person, file, audit_action, "failed", status=status)
        await reply(
            f"I could not put {file.name} in your OneDrive just now, so it was not sent. "
            "Please try again shortly, or ask for it again from the case."
        )
        return
    answered = await offers.record_uploaded(app, person, file, claimed_at, audit_action)
    if answered is not None:
        # Not this answer's claim any more (taken over as stale): the file was answered.
        await reply(offers.answered_again(answered))
        return
    await reply(file_info_activity(upload_info, file.name))


async def _upload(url: URL, content: bytes) -> int | None:
    """PUT the whole file to a OneDrive upload session; the HTTP status (None: no answer)."""
    size = len(content)
    headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as http,
            http.put(url, data=content, headers=headers, allow_redirects=False) as response,
        ):
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("file upload failed", extra={"why": type(exc).__name__})
        return None


# --- in: a file a person sent ------------------------------------------------------------


async def download_attachment(
    app: AppContext,
    attachment: Mapping[str, Any],
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    kind: str = "chronology",
) -> tuple[str, bytes]:
    """The name and bytes of a file sent in 1:1 (a CSV, text or .xlsx file up to `max_bytes`).

    `attachment` is as Teams sends it (camelCase; `Attachment.serialize()` gives that);
    `kind` is what the file should be, for the messages ("chronology", "roster").
    Every failure raises FileRefused with a sentence to tell the person.
    """
    if attachment.get("contentType") != FILE_DOWNLOAD_INFO:
        raise FileRefused("That is not a file I can read. Send the file itself in this chat.")
    content = attachment.get("content")
    content = content if isinstance(content, Mapping) else {}
    name = _text(attachment.get("name"), 200) or "file"
    file_type = _text(content.get("fileType"), 20).lower()
    if file_type not in READABLE_TYPES:
        raise FileRefused(
            f"I can only read a {kind} from an Excel workbook (.xlsx) or a CSV file: save "
            "it as one of those (in Excel: File, Save As) and send me that file."
        )
    url = _allowed_url(app, content.get("downloadUrl"))
    if url is None:
        raise FileRefused(
            "I could not fetch that file: it is not stored where Teams keeps chat files. "
            "Send it again in this chat."
        )
    try:
        async with aiohttp.ClientSession(timeout=DOWNLOAD_TIMEOUT) as http:
            return name, await _fetch(app, http, url, max_bytes, kind)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("file download failed", extra={"why": type(exc).__name__})
        raise FileRefused(
            "I could not fetch that file from OneDrive just now. Please send it again."
        ) from None


async def _fetch(
    app: AppContext, http: aiohttp.ClientSession, url: URL, max_bytes: int, kind: str
) -> bytes:
    too_big = FileRefused(
        f"That file is larger than {max_bytes // (1024 * 1024)} MB, more than a "
        f"{kind} needs. Save only the {kind} sheet as CSV and send that."
    )
    for _ in range(MAX_REDIRECTS + 1):
        async with http.get(url, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                target = _allowed_url(app, str(url.join(URL(response.headers.get("Location", "")))))
                if target is None:
                    raise FileRefused(
                        "I could not fetch that file: OneDrive sent me elsewhere. "
                        "Send it again in this chat."
                    )
                url = target
                continue
            if response.status != 200:
                raise FileRefused(
                    "I could not fetch that file from OneDrive (it may have expired). "
                    "Please send it again."
                )
            if (response.content_length or 0) > max_bytes:
                raise too_big
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise too_big
                chunks.append(chunk)
            return b"".join(chunks)
    raise FileRefused("I could not fetch that file: OneDrive kept redirecting. Send it again.")


# --- shared ------------------------------------------------------------------------------


def _allowed_url(app: AppContext, raw: object) -> URL | None:
    """`raw` as a URL when it is HTTPS (or loopback HTTP) on an allowed host, else None."""
    if not isinstance(raw, str) or not raw or len(raw) > 8000:
        return None
    try:
        url = URL(raw, encoded=True)
    except ValueError:
        return None
    host = url.host
    if not url.is_absolute() or not host or url.user is not None or url.password is not None:
        return None
    secure = url.scheme == "https" or (url.scheme == "http" and is_loopback(host))
    if not secure or not app.settings.file_host_allowed(host):
        return None
    return url


def _file_id(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
        return int(raw)
    return None


def _text(raw: object, limit: int) -> str:
    return raw.strip()[:limit] if isinstance(raw, str) else ""
