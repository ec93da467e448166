"""a learning review agreed by the partnership's group: its meeting, method, lead, due date
and learning summary

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learning_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("case.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(200), nullable=True),
        sa.Column("lead", sa.String(200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("local_review", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("learning_review")
