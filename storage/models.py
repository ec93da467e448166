"""SQLAlchemy 2 typed models: the forms of the process documents as tables.

Every timestamp is stored in UTC (`UTCDateTime`); dates a person sees are London dates and
are stored as plain `Date`. The child's details and everything people type about a case are
stored encrypted (`EncryptedJSON`, `EncryptedText`: storage/crypto.py); references, dates,
statuses and outcomes are not, so they can be queried.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import EncryptedJSON, EncryptedText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONDict = dict[str, Any]


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, JSONDict: JSON, dict[str, Any]: JSON}


class Partnership(Base):
    """A Local Safeguarding Children Partnership and the profile it runs on."""

    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Member(Base):
    """A person on the partnership's roster: their agency and roles."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("partnership_id", "email"),
        UniqueConstraint("partnership_id", "aad_object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    teams_user_id: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A deputy's cover (London dates, either end open): outside it they do not vote.
    cover_from: Mapped[date | None] = mapped_column(Date)
    cover_to: Mapped[date | None] = mapped_column(Date)


class RosterUpload(Base):
    """A roster file a manager sent, checked and waiting for their "Replace the roster".

    `entries` are the file's people as checked; `roster_fingerprint` is the roster the
    preview was made of (a roster changed since is not replaced from an old preview).
    `status` is pending, applied or superseded (a newer file from the same manager); the
    entries are cleared once it is no longer pending.
    """

    __tablename__ = "roster_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    uploaded_at: Mapped[datetime]
    file_name: Mapped[str] = mapped_column(String(200))
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    roster_fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    applied_at: Mapped[datetime | None]


class ReferenceCounter(Base):
    """The next case number per partnership and year (references never gap or repeat)."""

    __tablename__ = "reference_counter"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """A referral once submitted: its reference, pathway and status."""

    __tablename__ = "case"
    __table_args__ = (UniqueConstraint("partnership_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    pathway_sought: Mapped[str] = mapped_column(String(32))
    pathway: Mapped[str | None] = mapped_column(String(32))
    referring_agency: Mapped[str] = mapped_column(String(64))
    referrer_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    referrer_aad_object_id: Mapped[str | None] = mapped_column(String(64))
    event_date: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime]
    channel_activity_id: Mapped[str | None] = mapped_column(String(200))
    panel_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    panel_opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the panel's decision says about the incident being notifiable (None: not said).
    notifiable: Mapped[bool | None] = mapped_column(Boolean)
    # The National Panel's reference for the serious incident notification, once recorded.
    national_panel_reference: Mapped[str | None] = mapped_column(String(100))
    # How often a sealed decision was reopened (the National Panel asked to reconsider, or new
    # information came): each reopening's messages are its own.
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Referral(Base):
    """The Appendix A form (section 1) as submitted; child details live only here."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    submission_key: Mapped[str] = mapped_column(String(128), unique=True)
    form: Mapped[JSONDict] = mapped_column(EncryptedJSON)
    submitted_at: Mapped[datetime]


class AddedAgency(Base):
    """An agency beyond the profile's: one a manager added to a case (a school, a GP practice,
    a housing provider, probation), or one a referrer named as "another agency". Its `key`
    stands where a profile agency's id does (a lead's `Member.agency`, a request's agency)."""

    __tablename__ = "added_agency"
    __table_args__ = (
        UniqueConstraint("partnership_id", "key"),
        UniqueConstraint("partnership_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]
    added_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))


class ReferralAddition(Base):
    """An answer given after the referral was submitted ("not known yet" then): the field,
    its value, who added it and when. The latest addition of a field is its answer; every
    one is kept."""

    __tablename__ = "referral_addition"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText)
    added_at: Mapped[datetime]
    added_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    added_by_aad_object_id: Mapped[str | None] = mapped_column(String(64))
    added_by_name: Mapped[str] = mapped_column(String(200))


class PanelVote(Base):
    """One vote by a panel member; a changed vote is a new row (history is kept)."""

    __tablename__ = "panel_vote"
    __table_args__ = (
        # Each partner's latest vote in a round is the last entry of its range.
        Index("ix_panel_vote_latest", "case_id", "round", "agency", "cast_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    agency: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(EncryptedText)
    serious_harm_basis: Mapped[str | None] = mapped_column(EncryptedText)
    queries: Mapped[str | None] = mapped_column(EncryptedText)
    round: Mapped[int] = mapped_column(Integer, default=1)
    activity_id: Mapped[str | None] = mapped_column(String(200))
    cast_at: Mapped[datetime]
    # The member's answer to "is the incident notifiable?", where the panel is asked it.
    notifiable: Mapped[bool | None] = mapped_column(Boolean)


class PanelQuery(Base):
    """Questions the panel sent back to the referrer in one round, and the answer."""

    __tablename__ = "panel_query"
    __table_args__ = (UniqueConstraint("case_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    questions: Mapped[str] = mapped_column(EncryptedText)
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(EncryptedText)
    answered_at: Mapped[datetime | None]
    answered_by_aad_object_id: Mapped[str | None] = mapped_column(String(64))


class Decision(Base):
    """The sealed panel decision (section 2.1 and 2.2)."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime]
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_how: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    rationales: Mapped[JSONDict] = mapped_column(EncryptedJSON)
    deciders: Mapped[JSONDict] = mapped_column(JSON)
    # The panel's agreed answer to "is the incident notifiable?" (None: not asked).
    notifiable: Mapped[bool | None] = mapped_column(Boolean)


class EarlierDecision(Base):
    """A sealed decision the panel was asked to reconsider: kept as it was, with why and when
    the panel reopened (the report shows every one)."""

    __tablename__ = "earlier_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime]
    notifiable: Mapped[bool | None] = mapped_column(Boolean)
    rationales: Mapped[JSONDict] = mapped_column(EncryptedJSON)
    deciders: Mapped[JSONDict] = mapped_column(JSON)
    reopened_at: Mapped[datetime]
    reopened_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    why: Mapped[str] = mapped_column(String(32))
    """"reconsider" (the National Panel asked) or "new_information"."""
    detail: Mapped[str | None] = mapped_column(EncryptedText)


class NationalPanelAnswer(Base):
    """The National Panel's answer to a Rapid Review, recorded by a manager with its date."""

    __tablename__ = "national_panel_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(32))
    answered_on: Mapped[date] = mapped_column(Date)
    asks: Mapped[str | None] = mapped_column(EncryptedText)
    """What further information it asks for, and from whom (free text)."""
    asks_by: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime]
    recorded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class LearningReview(Base):
    """A learning review agreed by the group (the PIP, the Executive Group): its meeting, the
    method, lead and due date it chose, and the learning summary that closes the case."""

    __tablename__ = "learning_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    meeting_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(200))
    lead: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    local_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    updated_at: Mapped[datetime]
    updated_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class Escalation(Base):
    """An escalated disagreement (pathway C): the mediation booked, and the final
    determination with its reasons, which the referrer is told."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    mediation_on: Mapped[date | None] = mapped_column(Date)
    mediation_where: Mapped[str | None] = mapped_column(String(200))
    determination: Mapped[str | None] = mapped_column(EncryptedText)
    reasons: Mapped[str | None] = mapped_column(EncryptedText)
    updated_at: Mapped[datetime]
    updated_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class Complaint(Base):
    """A complaint about a case, one row each (a second never overwrites the first): when it
    was received, its status (open, responded, referred to a partner agency, with the agency)
    and the date of the written response."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    responded_on: Mapped[date | None] = mapped_column(Date)
    referred_to: Mapped[str | None] = mapped_column(String(64))
    recorded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """An anchor event of the statutory clock that has happened (e.g. panel_decision)."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    recorded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class Milestone(Base):
    """A statutory milestone of a case: its due date as last computed, and when it was done."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("case_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    milestone: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date | None] = mapped_column(Date)
    earliest_on: Mapped[date | None] = mapped_column(Date)
    waiting_for: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None]
    done_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    # Why a manager recorded by hand a milestone an action of the bot completes.
    done_note: Mapped[str | None] = mapped_column(EncryptedText)


class OutboundMessage(Base):
    """The nudge outbox: one row per (case, milestone, stage, date), claimed and sent once."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        UniqueConstraint("case_id", "milestone", "stage", "due_on", name="uq_outbound_nudge"),
        # Partnership-wide messages (the daily digest) have no case: NULLs never clash in a
        # unique constraint, so they get their own partial unique index.
        Index(
            "uq_outbound_partnership_message",
            "partnership_id",
            "kind",
            "milestone",
            "stage",
            "due_on",
            unique=True,
            postgresql_where=text("case_id IS NULL"),
            sqlite_where=text("case_id IS NULL"),
        ),
        Index("ix_outbound_message_status_send_after", "status", "send_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    milestone: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    send_after: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    sent_activity_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Recorded just before the POST to Teams: a claim taken over after it may have reached
    # Teams, and is sent again saying so (`resent`).
    send_started_at: Mapped[datetime | None]
    resent: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ConversationRef(Base):
    """A stored conversation reference (channel or 1:1) for proactive messages."""

    __tablename__ = "conversation_reference"
    __table_args__ = (UniqueConstraint("partnership_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[str] = mapped_column(String(500))
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[JSONDict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedActivity(Base):
    """The idempotency ledger: an activity id seen once is not acted on again."""

    __tablename__ = "processed_activity"

    activity_key: Mapped[str] = mapped_column(String(600), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """An append-only record of who did or saw what, and when. Never child details."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="SET NULL")
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(32), default="ok")
    activity_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[JSONDict] = mapped_column(JSON, default=dict)


class BotStateItem(Base):
    """Bot Framework turn state (dialog stacks, drafts), with an e_tag for optimistic writes."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    # A referral's draft lives here until it is sent: its answers are sealed like the form's.
    data: Mapped[str] = mapped_column(EncryptedText)
    e_tag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InformationRequest(Base):
    """Appendix D: one agency asked for its return and chronology on a Rapid Review case.

    `status` is requested (sent, nothing saved yet), draft (saved, not submitted), returned
    (submitted, involved) or not_involved (submitted, not involved). A lead edits the return
    (`answers`, `chronology`) until the papers are circulated (`Meeting.papers_circulated_at`).
    """

    __tablename__ = "information_request"
    __table_args__ = (UniqueConstraint("case_id", "agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    agency: Mapped[str] = mapped_column(String(64))
    # The secret in the card's buttons: a card forwarded or guessed does not open another return.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    answers: Mapped[JSONDict] = mapped_column(EncryptedJSON, default=dict)
    chronology: Mapped[list[dict[str, Any]]] = mapped_column(EncryptedJSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # The period under review the agency was asked about (None: asked before it was recorded).
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    returned_at: Mapped[datetime | None]
    returned_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Meeting(Base):
    """The Rapid Review meeting of a case (Appendix E): when, where, how long."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    proposed_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    papers_circulated_at: Mapped[datetime | None]
    # Why it is held after its window or after the report is due (the report quotes it).
    late_reason: Mapped[str | None] = mapped_column(EncryptedText)


class ChairNote(Base):
    """Appendix F: the chair's notes (attendees, overview, discussion with invited partners,
    questions 4.1-4.7), the conclusion and the actions."""

    __tablename__ = "chair_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    notes: Mapped[JSONDict] = mapped_column(EncryptedJSON, default=dict)
    conclusion: Mapped[str | None] = mapped_column(String(32))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    saved_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    concluded_at: Mapped[datetime | None]
    # The chair who recorded the conclusion: the report names them (saving after it is allowed,
    # so the last saver need not be the chair who concluded).
    concluded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class ReportSignOff(Base):
    """A sign-off of the Rapid Review report: who signed, as which of the profile's sign-off
    roles, when, and the chair's notes it signed (their `saved_at`). An edit of the notes
    after it clears it (`cleared_at`); the person is told on their next view of the report."""

    __tablename__ = "report_sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    signed_at: Mapped[datetime]
    notes_saved_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    told_cleared: Mapped[bool] = mapped_column(Boolean, default=False)


class SharedFile(Base):
    """A file offered to one person in 1:1 (Teams file consent): the report, an invitation.

    Held until the person accepts (it is then uploaded to their OneDrive and the bytes are
    cleared) or declines, or for 30 days unanswered (then expired, the bytes cleared); only
    the person it was offered to can accept it. `status` is offered, uploading (an accept's
    claim while it uploads), accepted, declined or expired (storage/files.py).
    """

    __tablename__ = "shared_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    recipient_aad_object_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="offered")
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
