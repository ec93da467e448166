"""an escalated disagreement: the mediation booked and the final determination

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("case.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("mediation_on", sa.Date(), nullable=True),
        sa.Column("mediation_where", sa.String(200), nullable=True),
        sa.Column("determination", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("escalation")
