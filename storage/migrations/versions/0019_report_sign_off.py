"""the Rapid Review report's sign-offs: who signed it off, as which role, when, and the
chair's notes it signed; cleared by a later edit of the notes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_sign_off",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("case.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes_saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_cleared", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_report_sign_off_case_id", "report_sign_off", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_report_sign_off_case_id", table_name="report_sign_off")
    op.drop_table("report_sign_off")
