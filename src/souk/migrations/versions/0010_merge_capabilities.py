"""merge the capability branches: recommendations, operations, reviews, messaging

Revision ID: 0010_merge_capabilities
Revises: 0006_recs, 0007_ops, 0008_reviews, 0009_messaging
Create Date: 2026-11-23 10:30:00
"""

from collections.abc import Sequence

revision: str = "0010_merge_capabilities"
down_revision: str | Sequence[str] | None = (
    "0006_recs",
    "0007_ops",
    "0008_reviews",
    "0009_messaging",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
