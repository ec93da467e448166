"""panel rounds and queries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "panel_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_aad_object_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_panel_query_case_id_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_query")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_panel_query_case_id_round")),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("panel_round", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("panel_opened_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_how", sa.Text(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("decided_how")

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("panel_opened_at")
        batch_op.drop_column("panel_round")

    op.drop_table("panel_query")
