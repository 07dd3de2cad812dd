"""merge the capability branches: Buy Box, returns and feedback, performance, identity
and policy, fulfilment and finance, seller API, global selling, promotions and analytics

Revision ID: 0019_merge_trust_money_global
Revises: 0011_buybox, 0012_returns_feedback, 0013_performance, 0014_identity_policy,
    0015_fulfilment_finance, 0016_seller_api, 0017_global_selling, 0018_promotions_analytics
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

revision: str = "0019_merge_trust_money_global"
down_revision: str | Sequence[str] | None = (
    "0011_buybox",
    "0012_returns_feedback",
    "0013_performance",
    "0014_identity_policy",
    "0015_fulfilment_finance",
    "0016_seller_api",
    "0017_global_selling",
    "0018_promotions_analytics",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
