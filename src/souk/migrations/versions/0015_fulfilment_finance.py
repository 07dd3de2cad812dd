"""fulfilment network and finance: centres, lanes, stock per centre, inbound,
outbound, removals, returns, Prime memberships; the seller ledger, statements,
payouts and exchange rates

Revision ID: 0015_fulfilment_finance
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql  # noqa: F401

import souk.core.db

revision: str = "0015_fulfilment_finance"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fc_centres",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.Column(
            "cutoff_hour", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "cutoff_minute", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "capacity_units", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_centres")),
        sa.UniqueConstraint("code", name=op.f("uq_fc_centres_code")),
    )
    op.create_index(op.f("ix_fc_centres_marketplace"), "fc_centres", ["marketplace"], unique=False)
    op.create_table(
        "finance_fx_rates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("recorded_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_fx_rates")),
        sa.UniqueConstraint("day", "base", "quote", name=op.f("uq_finance_fx_rates_day")),
    )
    op.create_table(
        "fc_inbound_plans",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("placement", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ship_from", sa.String(length=300), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_fc_inbound_plans_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_inbound_plans")),
    )
    op.create_index(
        op.f("ix_fc_inbound_plans_seller_id"), "fc_inbound_plans", ["seller_id"], unique=False
    )
    op.create_table(
        "fc_transit_lanes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("days", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "cost_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["fc_centres.id"],
            name=op.f("fk_fc_transit_lanes_centre_id_fc_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_transit_lanes")),
        sa.UniqueConstraint(
            "centre_id", "prefix", "level", name=op.f("uq_fc_transit_lanes_centre_id")
        ),
    )
    op.create_table(
        "finance_payout_accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("bank_name", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("provider_token", sa.String(length=80), nullable=False),
        sa.Column("verified_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_finance_payout_accounts_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_payout_accounts")),
        sa.UniqueConstraint("seller_id", name=op.f("uq_finance_payout_accounts_seller_id")),
    )
    op.create_table(
        "finance_statements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "opening_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "closing_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "reserve_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "payout_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "carried_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_finance_statements_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_statements")),
        sa.UniqueConstraint(
            "seller_id", "marketplace", "period_start", name=op.f("uq_finance_statements_seller_id")
        ),
    )
    op.create_index(
        op.f("ix_finance_statements_seller_id"), "finance_statements", ["seller_id"], unique=False
    )
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("source_key", sa.String(length=120), nullable=False),
        sa.Column("occurred_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_ledger_transactions_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ledger_transactions_source_key")),
    )
    op.create_index(
        "ix_ledger_tx_seller_at",
        "ledger_transactions",
        ["seller_id", "marketplace", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "prime_memberships",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("plan", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "fee_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("had_trial", sa.Boolean(), nullable=False),
        sa.Column("started_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trial_ends_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("renews_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("canceled_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_prime_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prime_memberships")),
        sa.UniqueConstraint("user_id", "marketplace", name=op.f("uq_prime_memberships_user_id")),
    )
    op.create_table(
        "fc_inbound_shipments",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.String(length=16), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("boxes", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=60), nullable=False),
        sa.Column("expected_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["fc_centres.id"],
            name=op.f("fk_fc_inbound_shipments_centre_id_fc_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["fc_inbound_plans.id"],
            name=op.f("fk_fc_inbound_shipments_plan_id_fc_inbound_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_inbound_shipments")),
    )
    op.create_index(
        op.f("ix_fc_inbound_shipments_centre_id"),
        "fc_inbound_shipments",
        ["centre_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fc_inbound_shipments_plan_id"), "fc_inbound_shipments", ["plan_id"], unique=False
    )
    op.create_table(
        "fc_product_measures",
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("length", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("width", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("height", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("weight", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("units", sa.String(length=8), nullable=False),
        sa.Column("measured_by", sa.String(length=10), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asin"], ["products.asin"], name=op.f("fk_fc_product_measures_asin_products")
        ),
        sa.PrimaryKeyConstraint("asin", name=op.f("pk_fc_product_measures")),
    )
    op.create_table(
        "finance_payouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("target_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=30), nullable=False),
        sa.Column("rate_day", sa.Date(), nullable=True),
        sa.Column(
            "fee_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "converted_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_reference", sa.String(length=80), nullable=False),
        sa.Column("account_last4", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("failure", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_finance_payouts_seller_id_sellers")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["finance_statements.id"],
            name=op.f("fk_finance_payouts_statement_id_finance_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_payouts")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_finance_payouts_statement_id")),
    )
    op.create_index(
        op.f("ix_finance_payouts_seller_id"), "finance_payouts", ["seller_id"], unique=False
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seller_id", sa.String(length=20), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column(
            "amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("occurred_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_entries_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        "ix_ledger_entries_book",
        "ledger_entries",
        ["seller_id", "marketplace", "account", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_entries_transaction_id"), "ledger_entries", ["transaction_id"], unique=False
    )
    op.create_table(
        "fc_inbound_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.String(length=16), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prep", sa.String(length=20), nullable=False),
        sa.Column("labelling", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_inbound_lines_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["fc_inbound_plans.id"],
            name=op.f("fk_fc_inbound_lines_plan_id_fc_inbound_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_inbound_lines")),
    )
    op.create_table(
        "fc_inbound_shipment_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shipment_id", sa.String(length=16), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expected", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("damaged", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("short", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("over", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_inbound_shipment_lines_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["fc_inbound_shipments.id"],
            name=op.f("fk_fc_inbound_shipment_lines_shipment_id_fc_inbound_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_inbound_shipment_lines")),
        sa.UniqueConstraint(
            "shipment_id", "offer_id", name=op.f("uq_fc_inbound_shipment_lines_shipment_id")
        ),
    )
    op.create_table(
        "fc_outbound_shipments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=19), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=60), nullable=False),
        sa.Column("promised_ship_day", sa.Date(), nullable=False),
        sa.Column("promised_by", sa.Date(), nullable=False),
        sa.Column("assigned_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("picked_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("packed_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["fc_centres.id"],
            name=op.f("fk_fc_outbound_shipments_centre_id_fc_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fc_outbound_shipments_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_outbound_shipments")),
    )
    op.create_index(
        op.f("ix_fc_outbound_shipments_centre_id"),
        "fc_outbound_shipments",
        ["centre_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fc_outbound_shipments_order_id"),
        "fc_outbound_shipments",
        ["order_id"],
        unique=False,
    )
    op.create_table(
        "fc_removals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("bucket", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "fee_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["fc_centres.id"], name=op.f("fk_fc_removals_centre_id_fc_centres")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_removals_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_fc_removals_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_removals")),
    )
    op.create_index(op.f("ix_fc_removals_seller_id"), "fc_removals", ["seller_id"], unique=False)
    op.create_table(
        "fc_return_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=19), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("liable", sa.String(length=10), nullable=False),
        sa.Column("label_tracking", sa.String(length=60), nullable=False),
        sa.Column("received_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["fc_centres.id"],
            name=op.f("fk_fc_return_receipts_centre_id_fc_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_return_receipts_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fc_return_receipts_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_return_receipts")),
    )
    op.create_index(
        op.f("ix_fc_return_receipts_order_id"), "fc_return_receipts", ["order_id"], unique=False
    )
    op.create_table(
        "fc_stock",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column(
            "fulfillable", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("inbound", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reserved", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "unfulfillable", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "researching", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.CheckConstraint("fulfillable >= 0", name=op.f("ck_fc_stock_fulfillable_not_negative")),
        sa.CheckConstraint("inbound >= 0", name=op.f("ck_fc_stock_inbound_not_negative")),
        sa.CheckConstraint("researching >= 0", name=op.f("ck_fc_stock_researching_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_fc_stock_reserved_not_negative")),
        sa.CheckConstraint(
            "unfulfillable >= 0", name=op.f("ck_fc_stock_unfulfillable_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["fc_centres.id"], name=op.f("fk_fc_stock_centre_id_fc_centres")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_stock_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_fc_stock_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_stock")),
        sa.UniqueConstraint("centre_id", "offer_id", name=op.f("uq_fc_stock_centre_id")),
    )
    op.create_index(op.f("ix_fc_stock_offer_id"), "fc_stock", ["offer_id"], unique=False)
    op.create_index(op.f("ix_fc_stock_seller_id"), "fc_stock", ["seller_id"], unique=False)
    op.create_table(
        "fc_stock_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["fc_centres.id"], name=op.f("fk_fc_stock_events_centre_id_fc_centres")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_stock_events_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_stock_events")),
    )
    op.create_index(
        "ix_fc_stock_events_offer_at", "fc_stock_events", ["offer_id", "at"], unique=False
    )
    op.create_table(
        "fc_stock_lots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "centre_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "remaining", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_fc_stock_lots_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["fc_centres.id"], name=op.f("fk_fc_stock_lots_centre_id_fc_centres")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_stock_lots_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_stock_lots")),
    )
    op.create_index(
        "ix_fc_stock_lots_offer",
        "fc_stock_lots",
        ["offer_id", "centre_id", "received_at"],
        unique=False,
    )
    op.create_table(
        "fc_outbound_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "shipment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "order_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_fc_outbound_lines_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_fc_outbound_lines_order_item_id_order_items"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["fc_outbound_shipments.id"],
            name=op.f("fk_fc_outbound_lines_shipment_id_fc_outbound_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fc_outbound_lines")),
    )
    op.create_index(
        op.f("ix_fc_outbound_lines_shipment_id"), "fc_outbound_lines", ["shipment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fc_outbound_lines_shipment_id"), table_name="fc_outbound_lines")
    op.drop_table("fc_outbound_lines")
    op.drop_index("ix_fc_stock_lots_offer", table_name="fc_stock_lots")
    op.drop_table("fc_stock_lots")
    op.drop_index("ix_fc_stock_events_offer_at", table_name="fc_stock_events")
    op.drop_table("fc_stock_events")
    op.drop_index(op.f("ix_fc_stock_seller_id"), table_name="fc_stock")
    op.drop_index(op.f("ix_fc_stock_offer_id"), table_name="fc_stock")
    op.drop_table("fc_stock")
    op.drop_index(op.f("ix_fc_return_receipts_order_id"), table_name="fc_return_receipts")
    op.drop_table("fc_return_receipts")
    op.drop_index(op.f("ix_fc_removals_seller_id"), table_name="fc_removals")
    op.drop_table("fc_removals")
    op.drop_index(op.f("ix_fc_outbound_shipments_order_id"), table_name="fc_outbound_shipments")
    op.drop_index(op.f("ix_fc_outbound_shipments_centre_id"), table_name="fc_outbound_shipments")
    op.drop_table("fc_outbound_shipments")
    op.drop_table("fc_inbound_shipment_lines")
    op.drop_table("fc_inbound_lines")
    op.drop_index(op.f("ix_ledger_entries_transaction_id"), table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_book", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index(op.f("ix_finance_payouts_seller_id"), table_name="finance_payouts")
    op.drop_table("finance_payouts")
    op.drop_table("fc_product_measures")
    op.drop_index(op.f("ix_fc_inbound_shipments_plan_id"), table_name="fc_inbound_shipments")
    op.drop_index(op.f("ix_fc_inbound_shipments_centre_id"), table_name="fc_inbound_shipments")
    op.drop_table("fc_inbound_shipments")
    op.drop_table("prime_memberships")
    op.drop_index("ix_ledger_tx_seller_at", table_name="ledger_transactions")
    op.drop_table("ledger_transactions")
    op.drop_index(op.f("ix_finance_statements_seller_id"), table_name="finance_statements")
    op.drop_table("finance_statements")
    op.drop_table("finance_payout_accounts")
    op.drop_table("fc_transit_lanes")
    op.drop_index(op.f("ix_fc_inbound_plans_seller_id"), table_name="fc_inbound_plans")
    op.drop_table("fc_inbound_plans")
    op.drop_table("finance_fx_rates")
    op.drop_index(op.f("ix_fc_centres_marketplace"), table_name="fc_centres")
    op.drop_table("fc_centres")
