"""identity verification and prohibited conduct: seller identities, documents,
verification log, linked-account signals and reviews, policy cases, upload counters,
brand registry, IP complaints, buyers' seller reports

Revision ID: 0014_identity_policy
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0014_identity_policy"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brand_owners",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("brand_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trademark_number", sa.String(length=40), nullable=False),
        sa.Column("trademark_office", sa.String(length=40), nullable=False),
        sa.Column("registered_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_brand_owners_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_brand_owners_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_owners")),
        sa.UniqueConstraint("brand_id", "user_id", name=op.f("uq_brand_owners_brand_id")),
    )
    op.create_index(op.f("ix_brand_owners_brand_id"), "brand_owners", ["brand_id"], unique=False)
    op.create_index(op.f("ix_brand_owners_user_id"), "brand_owners", ["user_id"], unique=False)
    op.create_table(
        "identity_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purged_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_identity_documents_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_documents")),
    )
    op.create_index(
        op.f("ix_identity_documents_seller_id"), "identity_documents", ["seller_id"], unique=False
    )
    op.create_table(
        "link_exceptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first_seller_id", sa.String(length=14), nullable=False),
        sa.Column("second_seller_id", sa.String(length=14), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "granted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("granted_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_seller_id"],
            ["sellers.id"],
            name=op.f("fk_link_exceptions_first_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_link_exceptions_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["second_seller_id"],
            ["sellers.id"],
            name=op.f("fk_link_exceptions_second_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_exceptions")),
        sa.UniqueConstraint(
            "first_seller_id", "second_seller_id", name=op.f("uq_link_exceptions_first_seller_id")
        ),
    )
    op.create_table(
        "link_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("cluster", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_link_reviews_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_link_reviews_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_reviews")),
    )
    op.create_index(op.f("ix_link_reviews_seller_id"), "link_reviews", ["seller_id"], unique=False)
    op.create_index(op.f("ix_link_reviews_status"), "link_reviews", ["status"], unique=False)
    op.create_table(
        "link_signals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("first_seen_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_link_signals_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_signals")),
        sa.UniqueConstraint("seller_id", "kind", "value", name=op.f("uq_link_signals_seller_id")),
    )
    op.create_index("ix_link_signals_kind_value", "link_signals", ["kind", "value"], unique=False)
    op.create_index(op.f("ix_link_signals_seller_id"), "link_signals", ["seller_id"], unique=False)
    op.create_table(
        "policy_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("points", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_policy_cases_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_policy_cases_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_cases")),
    )
    op.create_index(op.f("ix_policy_cases_kind"), "policy_cases", ["kind"], unique=False)
    op.create_index(
        "ix_policy_cases_seller_created", "policy_cases", ["seller_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_policy_cases_status"), "policy_cases", ["status"], unique=False)
    op.create_table(
        "seller_identities",
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("address_line1", sa.String(length=180), nullable=False),
        sa.Column("address_line2", sa.String(length=180), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("subdivision", sa.String(length=10), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("tax_id_kind", sa.String(length=40), nullable=False),
        sa.Column("tax_id_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("bank_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("tax_id_last4", sa.String(length=4), nullable=False),
        sa.Column("bank_last4", sa.String(length=4), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("submitted_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("verified_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("high_volume", sa.Boolean(), nullable=False),
        sa.Column("high_volume_since", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "sales_12_months", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "revenue_12_months_minor",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("disclose_on_store", sa.Boolean(), nullable=False),
        sa.Column("notice_sent_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspended_for_inform", sa.Boolean(), nullable=False),
        sa.Column("checked_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_seller_identities_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_seller_identities_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_seller_identities")),
    )
    op.create_index(
        op.f("ix_seller_identities_high_volume"), "seller_identities", ["high_volume"], unique=False
    )
    op.create_index(
        op.f("ix_seller_identities_status"), "seller_identities", ["status"], unique=False
    )
    op.create_table(
        "seller_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column(
            "reporter_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["users.id"],
            name=op.f("fk_seller_reports_reporter_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_seller_reports_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_reports")),
    )
    op.create_index(
        op.f("ix_seller_reports_seller_id"), "seller_reports", ["seller_id"], unique=False
    )
    op.create_index(op.f("ix_seller_reports_status"), "seller_reports", ["status"], unique=False)
    op.create_table(
        "upload_counters",
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("hour", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("refused", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_upload_counters_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seller_id", "kind", "hour", name=op.f("pk_upload_counters")),
    )
    op.create_table(
        "verification_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "staff_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_verification_events_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"], ["users.id"], name=op.f("fk_verification_events_staff_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_events")),
    )
    op.create_index(
        op.f("ix_verification_events_seller_id"), "verification_events", ["seller_id"], unique=False
    )
    op.create_table(
        "ip_complaints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("brand_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "complainant_user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("asin", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("seller_response", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asin"], ["products.asin"], name=op.f("fk_ip_complaints_asin_products")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_ip_complaints_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["policy_cases.id"], name=op.f("fk_ip_complaints_case_id_policy_cases")
        ),
        sa.ForeignKeyConstraint(
            ["complainant_user_id"],
            ["users.id"],
            name=op.f("fk_ip_complaints_complainant_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_ip_complaints_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_ip_complaints_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_complaints")),
    )
    op.create_index(op.f("ix_ip_complaints_brand_id"), "ip_complaints", ["brand_id"], unique=False)
    op.create_index(
        op.f("ix_ip_complaints_complainant_user_id"),
        "ip_complaints",
        ["complainant_user_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ip_complaints_seller_id"), "ip_complaints", ["seller_id"], unique=False
    )
    op.create_index(op.f("ix_ip_complaints_status"), "ip_complaints", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("ip_complaints")
    op.drop_table("verification_events")
    op.drop_table("upload_counters")
    op.drop_table("seller_reports")
    op.drop_table("seller_identities")
    op.drop_table("policy_cases")
    op.drop_table("link_signals")
    op.drop_table("link_reviews")
    op.drop_table("link_exceptions")
    op.drop_table("identity_documents")
    op.drop_table("brand_owners")
