"""merge: Prime and claim money, scheduled deal content, recommendation digests

Revision ID: 0021_merge_money_deals_recs
Revises: 0020a_money_gaps, 0020b_deal_content, 0020d_recs_digest
Create Date: 2026-11-23 17:30:00
"""

from collections.abc import Sequence

revision: str = "0021_merge_money_deals_recs"
down_revision: str | Sequence[str] | None = (
    "0020a_money_gaps",
    "0020b_deal_content",
    "0020d_recs_digest",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
