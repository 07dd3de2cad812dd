"""Carts, checkouts, per-seller orders and payments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from souk.core.db import Base


class Cart(Base):
    """A buyer's cart in one marketplace; guests hold one through a cookie token."""

    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("buyer_id", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    lines: Mapped[list[CartLine]] = relationship(
        order_by="CartLine.id", cascade="all, delete-orphan", back_populates="cart"
    )


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "offer_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    saved_for_later: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime]

    cart: Mapped[Cart] = relationship(back_populates="lines")


class Checkout(Base):
    """One press of "Place your order": one payment, one order per seller."""

    __tablename__ = "checkouts"
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    marketplace: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))  # started | placed | failed
    failure: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    provider_reference: Mapped[str] = mapped_column(String(100), default="")
    #: authorized | captured | released | declined | failed | refunded
    status: Mapped[str] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    refunded_minor: Mapped[int] = mapped_column(default=0)
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Order(Base):
    """One seller's part of a checkout, with statuses as in the SP-API orders model."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_seller_purchased", "seller_id", "purchased_at"),
        Index("ix_orders_buyer_purchased", "buyer_id", "purchased_at"),
        Index("ix_orders_seller_updated", "seller_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(19), primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    #: Pending | Unshipped | PartiallyShipped | Shipped | Canceled | Unfulfillable
    status: Mapped[str] = mapped_column(String(20), index=True)
    fulfillment_channel: Mapped[str] = mapped_column(String(10))
    delivery_speed: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    items_minor: Mapped[int]
    shipping_minor: Mapped[int]
    total_minor: Mapped[int]
    purchased_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    latest_ship_at: Mapped[datetime]
    earliest_delivery_at: Mapped[datetime]
    latest_delivery_at: Mapped[datetime]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    canceled_by: Mapped[str] = mapped_column(String(10), default="")  # buyer | seller | system
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    ship_name: Mapped[str] = mapped_column(String(120))
    ship_line1: Mapped[str] = mapped_column(String(180))
    ship_line2: Mapped[str] = mapped_column(String(180), default="")
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_state: Mapped[str] = mapped_column(String(100), default="")
    ship_postal_code: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))
    ship_phone: Mapped[str] = mapped_column(String(40), default="")

    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.id", cascade="all, delete-orphan", back_populates="order"
    )


class OrderItem(Base):
    """A line of an order; price and title frozen at purchase."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"), index=True)
    sku: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    condition: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[int]
    quantity_shipped: Mapped[int] = mapped_column(default=0)
    unit_price_minor: Mapped[int]
    shipping_minor: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderNote(Base):
    """What happened to an order and when, for the buyer's and seller's timelines."""

    __tablename__ = "order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
