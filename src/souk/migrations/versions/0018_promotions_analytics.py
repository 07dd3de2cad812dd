"""promotions and analytics: events, promotions (coupons, percentage off, buy X get Y,
lightning deals), coupon clips, promotion claims, deal waitlists, offer price days

Revision ID: 0018_promotions_analytics
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0018_promotions_analytics"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promo_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submissions_close_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("min_rating", sa.Double(), nullable=False),
        sa.Column(
            "min_discount_bp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_events")),
        sa.UniqueConstraint("slug", name=op.f("uq_promo_events_slug")),
    )
    op.create_table(
        "promotions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "asins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "percent_bp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "amount_off_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "deal_price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "buy_quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "get_quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "deal_quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claimed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "budget_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "spent_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "redemption_limit", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "redemptions", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "countries",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "states",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "postal_prefixes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("starts_local", sa.String(length=16), nullable=False),
        sa.Column("ends_local", sa.String(length=16), nullable=False),
        sa.Column("each_zone", sa.Boolean(), nullable=False),
        sa.Column("window_start", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("headline", sa.String(length=160), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["promo_events.id"], name=op.f("fk_promotions_event_id_promo_events")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_promotions_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    op.create_index(op.f("ix_promotions_event_id"), "promotions", ["event_id"], unique=False)
    op.create_index(
        "ix_promotions_live",
        "promotions",
        ["marketplace", "status", "window_start", "window_end"],
        unique=False,
    )
    op.create_index(op.f("ix_promotions_seller_id"), "promotions", ["seller_id"], unique=False)
    op.create_table(
        "coupon_clips",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("clipped_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_coupon_clips_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_coupon_clips_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_clips")),
        sa.UniqueConstraint("promotion_id", "buyer_id", name=op.f("uq_coupon_clips_promotion_id")),
    )
    op.create_index(op.f("ix_coupon_clips_buyer_id"), "coupon_clips", ["buyer_id"], unique=False)
    op.create_table(
        "deal_waitlist",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("joined_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_deal_waitlist_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_deal_waitlist_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_waitlist")),
        sa.UniqueConstraint("promotion_id", "buyer_id", name=op.f("uq_deal_waitlist_promotion_id")),
    )
    op.create_table(
        "offer_price_days",
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "lowest_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_offer_price_days_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("offer_id", "day", name=op.f("pk_offer_price_days")),
    )
    op.create_table(
        "promotion_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "checkout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("units", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "discount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_promotion_claims_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["checkouts.id"],
            name=op.f("fk_promotion_claims_checkout_id_checkouts"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_promotion_claims_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promotion_claims_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_claims")),
    )
    op.create_index(
        op.f("ix_promotion_claims_checkout_id"), "promotion_claims", ["checkout_id"], unique=False
    )
    op.create_index(
        op.f("ix_promotion_claims_promotion_id"), "promotion_claims", ["promotion_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_promotion_claims_promotion_id"), table_name="promotion_claims")
    op.drop_index(op.f("ix_promotion_claims_checkout_id"), table_name="promotion_claims")
    op.drop_table("promotion_claims")
    op.drop_table("offer_price_days")
    op.drop_table("deal_waitlist")
    op.drop_index(op.f("ix_coupon_clips_buyer_id"), table_name="coupon_clips")
    op.drop_table("coupon_clips")
    op.drop_index(op.f("ix_promotions_seller_id"), table_name="promotions")
    op.drop_index("ix_promotions_live", table_name="promotions")
    op.drop_index(op.f("ix_promotions_event_id"), table_name="promotions")
    op.drop_table("promotions")
    op.drop_table("promo_events")
