"""Prohibited-conduct tables: linked-account signals and reviews, policy cases,
upload counters, the brand registry, IP complaints and buyers' seller reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class LinkSignal(Base):
    """A fingerprint a seller account was seen with (bank, tax id, device, IP...)."""

    __tablename__ = "link_signals"
    __table_args__ = (
        UniqueConstraint("seller_id", "kind", "value"),
        Index("ix_link_signals_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: A keyed fingerprint (HMAC), never the raw value.
    value: Mapped[str] = mapped_column(String(64))
    #: What staff may see: "•••• 6789", "Chrome on a device first seen ...".
    label: Mapped[str] = mapped_column(String(200), default="")
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class LinkReview(Base):
    """A seller flagged by the linking job for staff review, with the evidence."""

    __tablename__ = "link_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    #: Sorted member ids of the cluster, comma-joined.
    cluster: Mapped[str] = mapped_column(Text)
    #: open | cleared | confirmed | held (a registration hold)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    reason: Mapped[str] = mapped_column(String(40), default="linked_cluster")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class LinkException(Base):
    """Two sellers staff allowed to share signals (a family business with two brands)."""

    __tablename__ = "link_exceptions"
    __table_args__ = (UniqueConstraint("first_seller_id", "second_seller_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    second_seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime]


class PolicyCase(Base):
    """One violation: what, the evidence, the points and the ladder step taken."""

    __tablename__ = "policy_cases"
    __table_args__ = (Index("ix_policy_cases_seller_created", "seller_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    #: open (recorded, waiting for staff) | actioned | dismissed
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    asin: Mapped[str] = mapped_column(String(10), default="")
    points: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(30))
    #: The enforcement action taken for it, when one was.
    action_id: Mapped[int | None]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class UploadCounter(Base):
    """Listing creations and updates per seller and hour (throttling)."""

    __tablename__ = "upload_counters"

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # listing | product
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)


class BrandOwner(Base):
    """The brand registry: a person who proved they own a brand's trademark."""

    __tablename__ = "brand_owners"
    __table_args__ = (UniqueConstraint("brand_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    trademark_number: Mapped[str] = mapped_column(String(40))
    trademark_office: Mapped[str] = mapped_column(String(40))
    registered_at: Mapped[datetime]
    #: Rights owners whose complaints keep being rejected are flagged.
    abusive: Mapped[bool] = mapped_column(default=False)


class IpComplaint(Base):
    """A rights owner's complaint against a seller's listing."""

    __tablename__ = "ip_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    complainant_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"))
    kind: Mapped[str] = mapped_column(String(20))  # trademark | copyright | patent | counterfeit
    evidence: Mapped[str] = mapped_column(Text)
    #: pending_review | upheld | rejected | reinstated
    status: Mapped[str] = mapped_column(String(20), default="pending_review", index=True)
    #: The enforcement action that took the listing down.
    action_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("policy_cases.id"))
    seller_response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class SellerReport(Base):
    """A buyer's report of suspicious conduct, from the seller's store page."""

    __tablename__ = "seller_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    reporter_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | closed
    created_at: Mapped[datetime]
