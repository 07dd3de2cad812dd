"""global selling: seller marketplaces, exchange rates, offer copies, product translations,
buyer and seller time zone and language preferences

Revision ID: 0017_global_selling
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0017_global_selling"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seller_marketplaces",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("copy_from", sa.String(length=2), nullable=True),
        sa.Column(
            "margin_bp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "shipping_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "handling_days", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("vat_number", sa.String(length=40), nullable=False),
        sa.Column("enabled_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_seller_marketplaces_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_marketplaces")),
        sa.UniqueConstraint(
            "seller_id", "marketplace", name=op.f("uq_seller_marketplaces_seller_id")
        ),
    )
    op.create_index(
        op.f("ix_seller_marketplaces_seller_id"), "seller_marketplaces", ["seller_id"], unique=False
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("day", "base", "quote", name=op.f("uq_exchange_rates_day")),
    )
    op.create_table(
        "offer_copies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column(
            "source_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("target_marketplace", sa.String(length=2), nullable=False),
        sa.Column(
            "target_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("rate_day", sa.Date(), nullable=True),
        sa.Column("synced_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_offer_copies_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_offer_id"],
            ["offers.id"],
            name=op.f("fk_offer_copies_source_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_offer_id"],
            ["offers.id"],
            name=op.f("fk_offer_copies_target_offer_id_offers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_copies")),
        sa.UniqueConstraint(
            "source_offer_id", "target_marketplace", name=op.f("uq_offer_copies_source_offer_id")
        ),
    )
    op.create_index(op.f("ix_offer_copies_seller_id"), "offer_copies", ["seller_id"], unique=False)
    op.create_index(
        op.f("ix_offer_copies_target_offer_id"), "offer_copies", ["target_offer_id"], unique=False
    )
    op.create_table(
        "product_translations",
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "bullets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asin"],
            ["products.asin"],
            name=op.f("fk_product_translations_asin_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asin", "language", name=op.f("pk_product_translations")),
    )
    op.create_table(
        "buyer_preferences",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=3), nullable=True),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_buyer_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_buyer_preferences")),
    )
    op.create_table(
        "seller_preferences",
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_seller_preferences_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_seller_preferences")),
    )


def downgrade() -> None:
    op.drop_table("seller_preferences")
    op.drop_table("buyer_preferences")
    op.drop_table("product_translations")
    op.drop_index(op.f("ix_offer_copies_target_offer_id"), table_name="offer_copies")
    op.drop_index(op.f("ix_offer_copies_seller_id"), table_name="offer_copies")
    op.drop_table("offer_copies")
    op.drop_table("exchange_rates")
    op.drop_index(op.f("ix_seller_marketplaces_seller_id"), table_name="seller_marketplaces")
    op.drop_table("seller_marketplaces")
