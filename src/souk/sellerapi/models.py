"""Seller-API tables: applications and their tokens, reports, feeds and their
documents, notification destinations and subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SellerApiApplication(Base):
    """A seller's own software, known by a client id and secret."""

    __tablename__ = "spapi_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    #: Only a digest is kept: the secret is shown once, when it is made.
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    #: Signs notifications sent to this application's destinations.
    signing_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SellerApiRefreshToken(Base):
    """An authorisation of an application by its seller (long-lived)."""

    __tablename__ = "spapi_refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("spapi_applications.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SellerApiAccessToken(Base):
    """A short-lived token sent as ``x-amz-access-token``; grantless ones have no seller."""

    __tablename__ = "spapi_access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("spapi_applications.id", ondelete="CASCADE"), index=True
    )
    refresh_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("spapi_refresh_tokens.id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SellerApiDocument(Base):
    """A report's output, a feed's input or a feed's processing report."""

    __tablename__ = "spapi_documents"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # report | feed_input | feed_result
    content_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class SellerApiReport(Base):
    __tablename__ = "spapi_reports"
    __table_args__ = (Index("ix_spapi_reports_seller_created", "seller_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    report_type: Mapped[str] = mapped_column(String(100))
    marketplace_ids: Mapped[list[Any]] = mapped_column(default=list)
    data_start: Mapped[datetime | None]
    data_end: Mapped[datetime | None]
    #: IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    processing_start: Mapped[datetime | None]
    processing_end: Mapped[datetime | None]
    document_id: Mapped[str | None] = mapped_column(ForeignKey("spapi_documents.id"))


class SellerApiFeed(Base):
    __tablename__ = "spapi_feeds"
    __table_args__ = (Index("ix_spapi_feeds_seller_created", "seller_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    feed_type: Mapped[str] = mapped_column(String(100))
    marketplace_ids: Mapped[list[Any]] = mapped_column(default=list)
    input_document_id: Mapped[str] = mapped_column(ForeignKey("spapi_documents.id"))
    result_document_id: Mapped[str | None] = mapped_column(ForeignKey("spapi_documents.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    processing_start: Mapped[datetime | None]
    processing_end: Mapped[datetime | None]


class SellerApiDestination(Base):
    """Where an application wants notifications delivered (an HTTPS or local URL)."""

    __tablename__ = "spapi_destinations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("spapi_applications.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SellerApiSubscription(Base):
    __tablename__ = "spapi_subscriptions"
    __table_args__ = (
        Index("ix_spapi_subscriptions_seller_type", "seller_id", "notification_type"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("spapi_applications.id", ondelete="CASCADE"), index=True
    )
    notification_type: Mapped[str] = mapped_column(String(60))
    destination_id: Mapped[str] = mapped_column(
        ForeignKey("spapi_destinations.id", ondelete="CASCADE"), index=True
    )
    payload_version: Mapped[str] = mapped_column(String(10), default="1.0")
    created_at: Mapped[datetime]
