"""the chair's notes record who recorded the conclusion (the report names that chair)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Notes concluded before this revision keep NULL: their report names the roster's chairs.
    with op.batch_alter_table("chair_note") as batch:
        batch.add_column(sa.Column("concluded_by_member_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_chair_note_concluded_by_member_id_member"),
            "member",
            ["concluded_by_member_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("chair_note") as batch:
        batch.drop_constraint(
            op.f("fk_chair_note_concluded_by_member_id_member"), type_="foreignkey"
        )
        batch.drop_column("concluded_by_member_id")
