"""Seller identity: the details a seller submits, their documents, the verification
log and the INFORM Consumers Act state.

Tax ids, bank accounts and documents are stored encrypted (Fernet); what
linked-account detection needs to compare is kept only as keyed fingerprints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SellerIdentity(Base):
    """One seller's current identity details and verification status."""

    __tablename__ = "seller_identities"

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    #: not_started | pending | verified | rejected
    status: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(180), default="")
    address_line2: Mapped[str] = mapped_column(String(180), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    subdivision: Mapped[str] = mapped_column(String(10), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    tax_id_kind: Mapped[str] = mapped_column(String(40), default="")
    #: Fernet tokens: readable by verification staff only.
    tax_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    bank_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    tax_id_last4: Mapped[str] = mapped_column(String(4), default="")
    bank_last4: Mapped[str] = mapped_column(String(4), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    # INFORM Consumers Act.
    high_volume: Mapped[bool] = mapped_column(default=False, index=True)
    high_volume_since: Mapped[datetime | None]
    sales_12_months: Mapped[int] = mapped_column(default=0)
    revenue_12_months_minor: Mapped[int] = mapped_column(default=0)
    disclose_on_store: Mapped[bool] = mapped_column(default=False)
    notice_sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    suspended_for_inform: Mapped[bool] = mapped_column(default=False)
    checked_at: Mapped[datetime | None]


class IdentityDocument(Base):
    """A government id document; the file is encrypted in media storage."""

    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime]
    purged_at: Mapped[datetime | None]


class VerificationEvent(Base):
    """What happened to a seller's verification, in order (the seller's history)."""

    __tablename__ = "verification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    #: submitted | verified | rejected | documents_purged | inform_notice |
    #: inform_suspended | inform_lifted | recertify_reminder
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
