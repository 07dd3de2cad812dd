"""Seller accounts (businesses), their staff and store profiles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class Seller(Base):
    __tablename__ = "sellers"

    id: Mapped[str] = mapped_column(String(14), primary_key=True)
    business_name: Mapped[str] = mapped_column(String(120))
    store_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    plan: Mapped[str] = mapped_column(String(20))  # individual | professional
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: The platform's own retail account ("sold by souk").
    is_platform_retail: Mapped[bool] = mapped_column(default=False)
    on_holiday: Mapped[bool] = mapped_column(default=False)
    about: Mapped[str] = mapped_column(Text, default="")
    returns_policy: Mapped[str] = mapped_column(Text, default="")
    default_handling_days: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime]


class SellerUser(Base):
    """A person who works in a seller's Seller Central, with a role."""

    __tablename__ = "seller_users"
    __table_args__ = (UniqueConstraint("seller_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | inventory | orders
