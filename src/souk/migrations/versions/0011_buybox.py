"""buy box: stored featured-offer decisions and their history

Revision ID: 0011_buybox
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0011_buybox"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "buybox_decisions",
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("featured_offer_id", ID, nullable=True),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.Column("explanation", JSON, nullable=False),
        sa.Column("signature", sa.String(length=32), nullable=False),
        sa.Column("computed_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("asin", "marketplace", name=op.f("pk_buybox_decisions")),
    )
    op.create_table(
        "buybox_history",
        sa.Column("id", ID, nullable=False),
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("valid_from", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buybox_history")),
    )
    op.create_index(
        "ix_buybox_history_product",
        "buybox_history",
        ["asin", "marketplace", "valid_from"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_buybox_history_product", table_name="buybox_history")
    op.drop_table("buybox_history")
    op.drop_table("buybox_decisions")
