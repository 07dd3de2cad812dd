"""deal waitlist holds, scheduled product banners

Revision ID: 0020b_deal_content
Revises: 0019_merge_trust_money_global
Create Date: 2026-11-23 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0020b_deal_content"
down_revision: str | None = "0019_merge_trust_money_global"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("deal_waitlist") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=8), nullable=False, server_default="waiting")
        )
        batch.add_column(
            sa.Column("held_at", souk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("hold_until", souk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("deal_waitlist") as batch:
        batch.alter_column("status", server_default=None)
    op.create_index(
        "ix_deal_waitlist_status_hold", "deal_waitlist", ["status", "hold_until"], unique=False
    )
    op.create_table(
        "product_banners",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("headline", sa.String(length=160), nullable=False),
        sa.Column("image_key", sa.String(length=200), nullable=True),
        sa.Column("image_width", BIGINT, nullable=False),
        sa.Column("image_height", BIGINT, nullable=False),
        sa.Column("countries", JSON, nullable=False),
        sa.Column("states", JSON, nullable=False),
        sa.Column("postal_prefixes", JSON, nullable=False),
        sa.Column("starts_local", sa.String(length=16), nullable=False),
        sa.Column("ends_local", sa.String(length=16), nullable=False),
        sa.Column("each_zone", sa.Boolean(), nullable=False),
        sa.Column("window_start", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asin"],
            ["products.asin"],
            name=op.f("fk_product_banners_asin_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_product_banners_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_banners")),
    )
    op.create_index(
        op.f("ix_product_banners_seller_id"), "product_banners", ["seller_id"], unique=False
    )
    op.create_index(
        "ix_product_banners_live",
        "product_banners",
        ["marketplace", "asin", "window_start", "window_end"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_product_banners_live", table_name="product_banners")
    op.drop_index(op.f("ix_product_banners_seller_id"), table_name="product_banners")
    op.drop_table("product_banners")
    op.drop_index("ix_deal_waitlist_status_hold", table_name="deal_waitlist")
    with op.batch_alter_table("deal_waitlist") as batch:
        batch.drop_column("hold_until")
        batch.drop_column("held_at")
        batch.drop_column("status")
