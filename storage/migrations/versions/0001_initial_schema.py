"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("e_tag", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )
    op.create_table(
        "partnership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership")),
        sa.UniqueConstraint("slug", name=op.f("uq_partnership_slug")),
    )
    op.create_table(
        "processed_activity",
        sa.Column("activity_key", sa.String(length=600), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("activity_key", name=op.f("pk_processed_activity")),
    )
    op.create_table(
        "conversation_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_conversation_reference_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_reference")),
        sa.UniqueConstraint(
            "partnership_id",
            "kind",
            "key",
            name=op.f("uq_conversation_reference_partnership_id_kind_key"),
        ),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("teams_user_id", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_member_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint(
            "partnership_id", "aad_object_id", name=op.f("uq_member_partnership_id_aad_object_id")
        ),
        sa.UniqueConstraint("partnership_id", "email", name=op.f("uq_member_partnership_id_email")),
    )
    op.create_table(
        "reference_counter",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_reference_counter_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partnership_id", "year", name=op.f("pk_reference_counter")),
    )
    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("pathway_sought", sa.String(length=32), nullable=False),
        sa.Column("pathway", sa.String(length=32), nullable=True),
        sa.Column("referring_agency", sa.String(length=64), nullable=False),
        sa.Column("referrer_member_id", sa.Integer(), nullable=True),
        sa.Column("referrer_aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_activity_id", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_case_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_member_id"], ["member.id"], name=op.f("fk_case_referrer_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint(
            "partnership_id", "year", "seq", name=op.f("uq_case_partnership_id_year_seq")
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_case_reference")),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_status"), ["status"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_audit_event_case_id_case"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_audit_event_partnership_id_partnership"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index("ix_audit_event_case_at", ["case_id", "at"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_event_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_member_id"],
            ["member.id"],
            name=op.f("fk_case_event_recorded_by_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "event", name=op.f("uq_case_event_case_id_event")),
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_member_id", sa.Integer(), nullable=True),
        sa.Column("rationales", sa.JSON(), nullable=False),
        sa.Column("deciders", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_decision_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_member_id"],
            ["member.id"],
            name=op.f("fk_decision_recorded_by_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("case_id", name=op.f("uq_decision_case_id")),
    )
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("earliest_on", sa.Date(), nullable=True),
        sa.Column("waiting_for", sa.String(length=64), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_member_id", sa.Integer(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_milestone_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["done_by_member_id"], ["member.id"], name=op.f("fk_milestone_done_by_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
        sa.UniqueConstraint("case_id", "milestone", name=op.f("uq_milestone_case_id_milestone")),
    )
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_activity_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_outbound_message_case_id_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_outbound_message_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_message")),
        sa.UniqueConstraint("case_id", "milestone", "stage", "due_on", name="uq_outbound_nudge"),
    )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_message_status_send_after", ["status", "send_after"], unique=False
        )

    op.create_table(
        "panel_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("serious_harm_basis", sa.Text(), nullable=True),
        sa.Column("queries", sa.Text(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_panel_vote_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_panel_vote_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_vote")),
    )
    with op.batch_alter_table("panel_vote", schema=None) as batch_op:
        batch_op.create_index("ix_panel_vote_case_agency", ["case_id", "agency"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=128), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_referral_case_id_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("case_id", name=op.f("uq_referral_case_id")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_referral_submission_key")),
    )


def downgrade() -> None:

    op.drop_table("referral")
    with op.batch_alter_table("panel_vote", schema=None) as batch_op:
        batch_op.drop_index("ix_panel_vote_case_agency")

    op.drop_table("panel_vote")
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_message_status_send_after")

    op.drop_table("outbound_message")
    op.drop_table("milestone")
    op.drop_table("decision")
    op.drop_table("case_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_case_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status"))

    op.drop_table("case")
    op.drop_table("reference_counter")
    op.drop_table("member")
    op.drop_table("conversation_reference")
    op.drop_table("processed_activity")
    op.drop_table("partnership")
    op.drop_table("bot_state")
