"""partnership-wide outbox messages (the daily digest) are unique per day

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_outbound_partnership_message",
        "outbound_message",
        ["partnership_id", "kind", "milestone", "stage", "due_on"],
        unique=True,
        postgresql_where=sa.text("case_id IS NULL"),
        sqlite_where=sa.text("case_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_outbound_partnership_message", table_name="outbound_message")
