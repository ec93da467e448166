"""complaints, a register: one row per complaint with its own dates and status

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("referred_to", sa.String(64), nullable=True),
        sa.Column("recorded_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaint_case_id", "complaint", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_complaint_case_id", table_name="complaint")
    op.drop_table("complaint")
