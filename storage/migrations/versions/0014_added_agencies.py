"""agencies a manager adds to a case, or a referrer names as "another agency"

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "added_agency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partnership_id",
            sa.Integer(),
            sa.ForeignKey("partnership.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="SET NULL"), nullable=True
        ),
        sa.UniqueConstraint("partnership_id", "key"),
        sa.UniqueConstraint("partnership_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("added_agency")
