"""Offers: a seller's SKU, price and stock for a product in one marketplace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("seller_id", "marketplace", "sku"),
        Index("ix_offers_product", "asin", "marketplace"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"))
    marketplace: Mapped[str] = mapped_column(String(2))
    sku: Mapped[str] = mapped_column(String(200))
    condition: Mapped[str] = mapped_column(String(30))
    condition_note: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int]
    shipping_minor: Mapped[int] = mapped_column(default=0)
    #: Units available to sell now; checkout decrements it atomically.
    quantity: Mapped[int] = mapped_column(default=0)
    handling_days: Mapped[int] = mapped_column(default=2)
    fulfillment_channel: Mapped[str] = mapped_column(String(10))  # MERCHANT | PLATFORM
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
