"""seller api: applications, tokens, reports, feeds, documents, notifications

Revision ID: 0016_seller_api
Revises: 0010_merge_capabilities
Create Date: 2026-11-23 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0016_seller_api"
down_revision: str | None = "0010_merge_capabilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spapi_applications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("signing_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_spapi_applications_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_applications")),
        sa.UniqueConstraint("client_id", name=op.f("uq_spapi_applications_client_id")),
    )
    op.create_index(
        op.f("ix_spapi_applications_seller_id"), "spapi_applications", ["seller_id"], unique=False
    )
    op.create_table(
        "spapi_documents",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_spapi_documents_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_documents")),
    )
    op.create_index(
        op.f("ix_spapi_documents_seller_id"), "spapi_documents", ["seller_id"], unique=False
    )
    op.create_table(
        "spapi_destinations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["spapi_applications.id"],
            name=op.f("fk_spapi_destinations_application_id_spapi_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_destinations")),
    )
    op.create_index(
        op.f("ix_spapi_destinations_application_id"),
        "spapi_destinations",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "spapi_feeds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("feed_type", sa.String(length=100), nullable=False),
        sa.Column(
            "marketplace_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("input_document_id", sa.String(length=80), nullable=False),
        sa.Column("result_document_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processing_start", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("processing_end", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["input_document_id"],
            ["spapi_documents.id"],
            name=op.f("fk_spapi_feeds_input_document_id_spapi_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["result_document_id"],
            ["spapi_documents.id"],
            name=op.f("fk_spapi_feeds_result_document_id_spapi_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_spapi_feeds_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_feeds")),
    )
    op.create_index(
        "ix_spapi_feeds_seller_created", "spapi_feeds", ["seller_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_spapi_feeds_status"), "spapi_feeds", ["status"], unique=False)
    op.create_table(
        "spapi_refresh_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["spapi_applications.id"],
            name=op.f("fk_spapi_refresh_tokens_application_id_spapi_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_spapi_refresh_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_spapi_refresh_tokens_application_id"),
        "spapi_refresh_tokens",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "spapi_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("report_type", sa.String(length=100), nullable=False),
        sa.Column(
            "marketplace_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("data_start", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("data_end", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processing_start", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("processing_end", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("document_id", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["spapi_documents.id"],
            name=op.f("fk_spapi_reports_document_id_spapi_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_spapi_reports_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_reports")),
    )
    op.create_index(
        "ix_spapi_reports_seller_created",
        "spapi_reports",
        ["seller_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_spapi_reports_status"), "spapi_reports", ["status"], unique=False)
    op.create_table(
        "spapi_access_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "refresh_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["spapi_applications.id"],
            name=op.f("fk_spapi_access_tokens_application_id_spapi_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refresh_token_id"],
            ["spapi_refresh_tokens.id"],
            name=op.f("fk_spapi_access_tokens_refresh_token_id_spapi_refresh_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_spapi_access_tokens")),
    )
    op.create_index(
        op.f("ix_spapi_access_tokens_application_id"),
        "spapi_access_tokens",
        ["application_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_spapi_access_tokens_expires_at"),
        "spapi_access_tokens",
        ["expires_at"],
        unique=False,
    )
    op.create_table(
        "spapi_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("notification_type", sa.String(length=60), nullable=False),
        sa.Column("destination_id", sa.String(length=40), nullable=False),
        sa.Column("payload_version", sa.String(length=10), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["spapi_applications.id"],
            name=op.f("fk_spapi_subscriptions_application_id_spapi_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["spapi_destinations.id"],
            name=op.f("fk_spapi_subscriptions_destination_id_spapi_destinations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_spapi_subscriptions_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spapi_subscriptions")),
    )
    op.create_index(
        op.f("ix_spapi_subscriptions_application_id"),
        "spapi_subscriptions",
        ["application_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_spapi_subscriptions_destination_id"),
        "spapi_subscriptions",
        ["destination_id"],
        unique=False,
    )
    op.create_index(
        "ix_spapi_subscriptions_seller_type",
        "spapi_subscriptions",
        ["seller_id", "notification_type"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("spapi_subscriptions")
    op.drop_table("spapi_access_tokens")
    op.drop_table("spapi_reports")
    op.drop_table("spapi_refresh_tokens")
    op.drop_table("spapi_feeds")
    op.drop_table("spapi_destinations")
    op.drop_table("spapi_documents")
    op.drop_table("spapi_applications")
