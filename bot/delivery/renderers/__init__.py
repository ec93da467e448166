"""The outbox's renderers by kind: each draws its message from the database at send time.

A renderer takes the app context, a session and the outbox row, and returns what to send
and where (`Rendered`), or raises `NotReady` (try later) or `Skip` (no longer wanted).
"""

from __future__ import annotations

from bot.delivery.courier import Renderer
from bot.delivery.renderers.case import (
    render_card_update,
    render_case_card,
    render_decision_notice,
    render_disagreement,
    render_disagreement_resolved,
    render_queries,
    render_queries_answer,
)
from bot.delivery.renderers.escalation import (
    render_escalation,
    render_escalation_outcome,
    render_mediation_notice,
)
from bot.delivery.renderers.files import render_file_offer
from bot.delivery.renderers.learning import render_learning_agenda, render_learning_review
from bot.delivery.renderers.notification import render_notification_draft
from bot.delivery.renderers.nudges import render_digest, render_nudge
from bot.delivery.renderers.progress import render_progress
from bot.delivery.renderers.reasons import render_reasons
from bot.delivery.renderers.stages import (
    render_information_request,
    render_meeting_notice,
    render_next_steps,
    render_report_ready,
    render_returns_status,
)
from bot.delivery.renderers.undelivered import render_not_reached
from bot.usecases.progress import PROGRESS
from bot.usecases.reasons import REASONS
from bot.usecases.undelivered import NOT_REACHED
from storage import outbox

RENDERERS: dict[str, Renderer] = {
    "case_card": render_case_card,
    outbox.CASE_CARD_UPDATE: render_card_update,
    "decision_notice": render_decision_notice,
    "queries_to_referrer": render_queries,
    "queries_answer": render_queries_answer,
    "disagreement_notice": render_disagreement,
    "disagreement_resolved": render_disagreement_resolved,
    "nudge": render_nudge,
    "digest": render_digest,
    "file_offer": render_file_offer,
    "information_request": render_information_request,
    "returns_status": render_returns_status,
    "meeting_notice": render_meeting_notice,
    "report_ready": render_report_ready,
    "next_steps": render_next_steps,
    "notification_draft": render_notification_draft,
    "learning_review": render_learning_review,
    "learning_agenda": render_learning_agenda,
    "escalation": render_escalation,
    "mediation_notice": render_mediation_notice,
    "escalation_outcome": render_escalation_outcome,
    PROGRESS: render_progress,
    REASONS: render_reasons,
    NOT_REACHED: render_not_reached,
}
