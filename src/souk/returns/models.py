"""Return requests and their items, refunds, A-to-z guarantee claims, chargebacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from souk.core.db import Base


class ReturnRequest(Base):
    """A buyer's request to send items of one order back."""

    __tablename__ = "return_requests"
    __table_args__ = (
        Index("ix_return_requests_seller_status", "seller_id", "status", "requested_at"),
        Index("ix_return_requests_status_due", "status", "authorize_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    #: requested | authorized | declined | received
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime]
    authorize_by: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(10), default="")  # seller | platform
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    label_carrier: Mapped[str] = mapped_column(String(40), default="")
    label_tracking: Mapped[str] = mapped_column(String(60), default="")
    received_at: Mapped[datetime | None]
    condition: Mapped[str] = mapped_column(String(20), default="")
    deduction_percent: Mapped[int] = mapped_column(default=0)
    restocked: Mapped[bool] = mapped_column(default=False)

    items: Mapped[list[ReturnItem]] = relationship(
        order_by="ReturnItem.id", cascade="all, delete-orphan", back_populates="request"
    )


class ReturnItem(Base):
    __tablename__ = "return_items"
    __table_args__ = (
        UniqueConstraint("return_id", "order_item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("return_requests.id", ondelete="CASCADE"), index=True
    )
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"))
    quantity: Mapped[int]

    request: Mapped[ReturnRequest] = relationship(back_populates="items")


class Refund(Base):
    """Money sent back to the buyer's card for one order (a return, a claim...)."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("return_requests.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    provider_reference: Mapped[str] = mapped_column(String(100), default="")
    issued_at: Mapped[datetime]


class Claim(Base):
    """An A-to-z guarantee claim: the buyer asks souk to step in."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("order_id"),
        Index("ix_claims_seller_filed", "seller_id", "filed_at"),
        Index("ix_claims_status_due", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    #: open | responded | decided | withdrawn
    status: Mapped[str] = mapped_column(String(20))
    filed_at: Mapped[datetime]
    respond_by: Mapped[datetime]
    seller_response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None]
    #: granted | denied (once decided)
    outcome: Mapped[str] = mapped_column(String(10), default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: automatic
    decision_note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]


class Chargeback(Base):
    """A card payment disputed with the card issuer, as reported by the provider."""

    __tablename__ = "chargebacks"
    __table_args__ = (
        UniqueConstraint("provider_reference"),
        Index("ix_chargebacks_seller_recorded", "seller_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    provider_reference: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    #: When the provider reported it (filed), and when souk recorded it.
    filed_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: open | won (the issuer decided for the seller) | lost
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    #: The seller's evidence for the issuer, once given.
    seller_response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
