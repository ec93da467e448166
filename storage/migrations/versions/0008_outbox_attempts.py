"""the outbox records when a send began, and whether a row was sent again after an interruption

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_message") as batch:
        batch.add_column(sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("resent", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_message") as batch:
        batch.drop_column("resent")
        batch.drop_column("send_started_at")
