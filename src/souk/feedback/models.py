"""Seller feedback: a buyer's rating of the seller for one order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SellerFeedback(Base):
    """One per order. See ``souk.feedback.rules`` for the statuses."""

    __tablename__ = "seller_feedback"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_seller_feedback_seller_left", "seller_id", "marketplace", "left_at"),
    )

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    stars: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)
    on_time: Mapped[bool | None]
    as_described: Mapped[bool | None]
    #: published | held | struck | removed
    status: Mapped[str] = mapped_column(String(10), index=True)
    status_reasons: Mapped[str] = mapped_column(Text, default="")
    platform_fulfilled: Mapped[bool] = mapped_column(default=False)
    left_at: Mapped[datetime]
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None]
    #: The seller's removal request: open | granted | refused (None: never asked).
    removal_status: Mapped[str | None] = mapped_column(String(10), index=True)
    removal_reason: Mapped[str] = mapped_column(String(120), default="")
    removal_requested_at: Mapped[datetime | None]
    moderated_at: Mapped[datetime | None]
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderation_note: Mapped[str] = mapped_column(Text, default="")
