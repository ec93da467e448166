"""the panel's own "notifiable?" answer, and answers added to a referral after it was sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("case", "panel_vote", "decision"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("notifiable", sa.Boolean(), nullable=True))
    op.create_table(
        "referral_addition",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("added_by_aad_object_id", sa.String(64), nullable=True),
        sa.Column("added_by_name", sa.String(200), nullable=False),
    )
    op.create_index("ix_referral_addition_case_id", "referral_addition", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_referral_addition_case_id", table_name="referral_addition")
    op.drop_table("referral_addition")
    for table in ("decision", "panel_vote", "case"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("notifiable")
