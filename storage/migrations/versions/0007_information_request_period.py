"""each information request records the period under review it asked the agency about

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Requests sent before this revision asked for no period: both stay NULL.
    with op.batch_alter_table("information_request") as batch:
        batch.add_column(sa.Column("period_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("period_to", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("information_request") as batch:
        batch.drop_column("period_to")
        batch.drop_column("period_from")
