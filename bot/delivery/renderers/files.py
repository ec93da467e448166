"""The renderer of a file offer: Teams' file consent card, in the recipient's 1:1 chat.

When the person allows it, Teams asks the bot to upload the file (bot/teams/files.py).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.delivery.addresses import personal_address
from bot.delivery.courier import Rendered, Skip, Unreachable
from bot.delivery.message import Attachment, Outgoing
from storage import files as files_repo
from storage import outbox
from storage import repositories as repo
from storage.files import OFFERED
from storage.models import Member, OutboundMessage, SharedFile

FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"


def consent_message(file: SharedFile) -> Outgoing:
    """The file consent card offering `file` (its id comes back in the answer's context)."""
    context = {"file_id": file.id}
    card = Attachment(
        content_type=FILE_CONSENT_CARD,
        name=file.name,
        content={
            "description": file.description,
            "sizeInBytes": file.size,
            "acceptContext": context,
            "declineContext": dict(context),
        },
    )
    return Outgoing((card,))


async def render_file_offer(
    app: AppContext, session: AsyncSession, row: OutboundMessage
) -> Rendered:
    """The outbox renderer of `file_offer`: the consent card, in the recipient's 1:1 chat."""
    try:
        file_id = int(row.stage)
    except ValueError:
        raise Skip("the row names no file") from None
    file = await files_repo.get_offered(session, file_id)
    if file is None or file.partnership_id != app.partnership_id:
        raise Skip("the file is no longer offered")
    if file.status != OFFERED:
        raise Skip(f"the file was already {file.status}")
    waiting_for = files_repo.awaited_member(file.recipient_aad_object_id)
    if waiting_for is not None:
        # Offered to a roster member with no Entra id: theirs once they message the bot.
        member = await session.get(Member, waiting_for)
        if member is None:
            raise Skip("the file's recipient is no longer on the roster")
        raise Unreachable(member.id, outbox.NO_ENTRA_ID)
    member = await repo.find_member(
        session, app.partnership_id, aad_object_id=file.recipient_aad_object_id, email=None
    )
    member_id = member.id if member is not None else None
    address = await personal_address(
        app, session, file.recipient_aad_object_id, member_id=member_id
    )
    return Rendered(address, consent_message(file), recipient=member_id)
