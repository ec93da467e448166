"""The audit trail, readable: each recorded action in plain words, who took it, and the part
of its detail that is safe to show.

An audit event holds an action id (`case.view`, `vote`, `returns.request`...), who acted
(their Entra object id), when, the outcome and a small JSON detail. The detail is shown only
where it holds no free text: field ids, agency ids, dates, outcomes and counts, under the keys
below. Anything else (a reference someone typed, a reason, a tenant id) is left out, so a
referral's answer can never be printed from the audit, whatever a future feature puts there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from review.workbook import Table

__all__ = [
    "ACTION_WORDS",
    "AuditLine",
    "OUTCOME_WORDS",
    "action_words",
    "audit_table",
    "outcome_words",
    "shown_detail",
    "when_text",
]

LONDON = ZoneInfo("Europe/London")

ACTION_WORDS: dict[str, str] = {
    # The referral
    "referral.submit": "sent the referral",
    "referral.add": "added information to the referral",
    "case.view": "viewed the referral",
    "identity.view": "viewed who the child and family are",
    "agency.add": "added an agency to the case",
    "channel.register": "chose the channel for cases",
    # The virtual panel
    "panel.open": "opened the virtual panel",
    "vote.open": "opened the voting card",
    "vote": "voted",
    "queries.answer": "answered the panel's questions",
    "decision.offline": "recorded an off-line decision",
    "notice.open": "opened the decision notice",
    # After a Rapid Review decision
    "returns.pick": "opened the choice of agencies to ask",
    "returns.request": "sent information requests",
    "return.view": "opened their agency's return",
    "return.edit": "opened or changed their agency's return",
    "return.save": "saved their agency's return (draft)",
    "return.submit": "submitted their agency's return",
    "return.upload": "sent a chronology as a file",
    "returns.view": "asked for the agency returns",
    "meeting.open": "opened the meeting booking",
    "meeting.propose": "booked the Rapid Review meeting",
    "papers.circulated": "circulated the meeting papers",
    "chair.view": "opened the chair's notes",
    "chair.save": "saved the chair's notes",
    "chair.conclude": "recorded the conclusion of the meeting",
    "report.view": "asked for the Rapid Review report",
    "report.sent": "recorded the date the report was sent",
    # The statutory clock
    "milestone.done": "marked a milestone done",
    "milestone.record": "recorded by hand a milestone done",
    "milestone.snooze": "snoozed a reminder",
    "event.publication": "recorded the publication date",
    "event.complaint_received": "recorded a complaint received",
    "case.close": "closed the case",
    # Files offered in 1:1
    "file.accepted": "accepted a file offered to them",
    "file.declined": "declined a file offered to them",
    "file.expired": "deleted a file offered and not answered in 30 days",
    "outbox.undeliverable": "could not reach someone in Teams with a message",
    "outbox.sent_again": "wrote to me, and the messages waiting for them were sent",
    # The record itself
    "audit.view": "viewed the audit",
    "export.create": "exported the case's record",
    # The partnership
    "roster.import": "imported the roster",
    "retention.delete": "deleted cases past their retention period",
    "tenant.refused": "came from another organisation's Teams",
}
"""What each action id says, in plain words (the audit card and workbook)."""

OUTCOME_WORDS = {"ok": "done", "refused": "refused", "failed": "failed"}

_SAFE_KEYS = frozenset(
    {
        # what an action named: ids of fields, agencies, milestones, outcomes
        "agencies",
        "agency",
        "conclusion",
        "corrected",
        "fields",
        "file_id",
        "kind",
        "milestone",
        "outcome",
        "partner",
        "pathway_sought",
        "status",
        # dates and times
        "closed_before",
        "on",
        "period",
        "sent_on",
        "starts_at",
        # yes or no, and counts
        "first",
        "notifiable",
        "offered",
        "workbook",
        "added",
        "bytes",
        "events",
        "files",
        "invited",
        "members",
        "page",
        "part",
        "parts",
        "requests",
        "returns",
        "round",
        "rows",
        "sequence",
        "shown",
        "total",
        "votes",
    }
)
"""Detail keys whose values are ids, dates, outcomes or counts (never what someone typed)."""
# An id, a date or a time: letters, digits and . _ : + - only (no spaces: no sentence).
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:+\-]{1,64}")
_MAX_ITEMS = 20


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit event as people read it."""

    at: datetime
    who: str
    actor_id: str | None
    action: str
    what: str
    outcome: str
    detail: tuple[tuple[str, str], ...]


def action_words(action: str) -> str:
    """The action in plain words; an action with none yet is shown by its id."""
    return ACTION_WORDS.get(action, action)


def outcome_words(outcome: str) -> str:
    """The outcome in plain words ("done", "refused"), else as recorded."""
    return OUTCOME_WORDS.get(outcome, outcome)


def when_text(at: datetime) -> str:
    """A moment in London time, to the second: "Mon 23 Nov 2026 10:05:09"."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: a time zone is required")
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M:%S}"


def _safe_value(value: object) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value if _SAFE_TEXT.fullmatch(value) else None
    if isinstance(value, list | tuple):
        items = [_safe_value(v) for v in value[:_MAX_ITEMS]]
        if any(item is None for item in items):
            return None
        return ", ".join(item for item in items if item is not None) or "none"
    if isinstance(value, Mapping):
        parts = []
        for key, item in list(value.items())[:_MAX_ITEMS]:
            shown = _safe_value(item)
            if not isinstance(key, str) or not _SAFE_TEXT.fullmatch(key) or shown is None:
                return None
            parts.append(f"{key} {shown}")
        return ", ".join(parts) or "none"
    return None


def shown_detail(detail: Mapping[str, object] | None) -> tuple[tuple[str, str], ...]:
    """The detail's safe part as (key, value) pairs, in key order; the rest left out."""
    if not isinstance(detail, Mapping):
        return ()
    shown = []
    for key in sorted(k for k in detail if isinstance(k, str) and k in _SAFE_KEYS):
        value = _safe_value(detail[key])
        if value is not None:
            shown.append((key, value))
    return tuple(shown)


def detail_text(detail: Sequence[tuple[str, str]]) -> str:
    """The shown detail on one line: "agency gmp; part 2"."""
    return "; ".join(f"{key} {value}" for key, value in detail)


AUDIT_HEADERS = (
    "When (London)",
    "Who",
    "Entra object id",
    "What",
    "Action id",
    "Outcome",
    "Detail",
)


def audit_table(lines: Sequence[AuditLine]) -> Table:
    """The audit events as one worksheet, in the order given (newest first)."""
    return Table(
        "Audit",
        AUDIT_HEADERS,
        [
            (
                line.at,
                line.who,
                line.actor_id or "",
                line.what,
                line.action,
                line.outcome,
                detail_text(line.detail),
            )
            for line in lines
        ],
    )
