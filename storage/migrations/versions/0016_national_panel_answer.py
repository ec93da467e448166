"""the National Panel's answers, and the earlier decisions of a panel reopened to reconsider

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "earlier_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notifiable", sa.Boolean(), nullable=True),
        sa.Column("rationales", sa.JSON(), nullable=False),
        sa.Column("deciders", sa.JSON(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("why", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_earlier_decision_case_id", "earlier_decision", ["case_id"])
    op.create_table(
        "national_panel_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("answer", sa.String(32), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("asks", sa.Text(), nullable=True),
        sa.Column("asks_by", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
    )
    op.create_index("ix_national_panel_answer_case_id", "national_panel_answer", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_national_panel_answer_case_id", table_name="national_panel_answer")
    op.drop_table("national_panel_answer")
    op.drop_index("ix_earlier_decision_case_id", table_name="earlier_decision")
    op.drop_table("earlier_decision")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("reopened")
