"""each partner's latest vote in a round is found by index, not by sorting every vote

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (case_id, round, agency, cast_at, id): the latest vote of one partner in one round is
    # the last entry of its range. The old (case_id, agency) index is a prefix-less subset.
    op.create_index(
        "ix_panel_vote_latest",
        "panel_vote",
        ["case_id", "round", "agency", "cast_at", "id"],
        unique=False,
    )
    op.drop_index("ix_panel_vote_case_agency", table_name="panel_vote")


def downgrade() -> None:
    op.create_index("ix_panel_vote_case_agency", "panel_vote", ["case_id", "agency"], unique=False)
    op.drop_index("ix_panel_vote_latest", table_name="panel_vote")
