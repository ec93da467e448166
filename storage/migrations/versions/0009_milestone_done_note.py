"""a milestone recorded by hand keeps the reason given for it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestone") as batch:
        batch.add_column(sa.Column("done_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestone") as batch:
        batch.drop_column("done_note")
