"""the roster run from Teams: a deputy's cover dates, and roster files waiting to be applied

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("cover_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cover_to", sa.Date(), nullable=True))
    op.create_table(
        "roster_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partnership_id",
            sa.Integer(),
            sa.ForeignKey("partnership.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "uploaded_by_member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False
        ),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("roster_fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_roster_upload_partnership_id", "roster_upload", ["partnership_id"])


def downgrade() -> None:
    op.drop_index("ix_roster_upload_partnership_id", table_name="roster_upload")
    op.drop_table("roster_upload")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("cover_to")
        batch.drop_column("cover_from")
