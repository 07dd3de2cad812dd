"""Tables of global selling: the marketplaces a seller sells in, recorded exchange
rates, offers copied across marketplaces, product text per language, and the
time zones and languages people choose for themselves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SellerMarketplace(Base):
    """A marketplace a seller has enabled, with how offers reach it and its local terms."""

    __tablename__ = "seller_marketplaces"
    __table_args__ = (UniqueConstraint("seller_id", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    #: Copy offers from this marketplace (None: the seller lists here by hand).
    copy_from: Mapped[str | None] = mapped_column(String(2))
    margin_bp: Mapped[int] = mapped_column(default=0)
    #: The shipping template copied offers use here: charge and handling time.
    shipping_minor: Mapped[int] = mapped_column(default=0)
    handling_days: Mapped[int] = mapped_column(default=2)
    #: The seller's VAT (or GST) registration number in this marketplace.
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    enabled_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ExchangeRate(Base):
    """One day's rate: ``rate`` units of ``quote`` buy one unit of ``base``."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("day", "base", "quote"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    #: Decimal text ("0.9213"): exact on every database, never a float.
    rate: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[datetime]


class OfferCopy(Base):
    """An offer copied from a seller's source marketplace into another, kept in sync."""

    __tablename__ = "offer_copies"
    __table_args__ = (UniqueConstraint("source_offer_id", "target_marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    source_offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    target_marketplace: Mapped[str] = mapped_column(String(2))
    target_offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offers.id", ondelete="SET NULL"), index=True
    )
    #: synced | no_rate | failed: what the last sync did, for the seller to see.
    status: Mapped[str] = mapped_column(String(20), default="synced")
    message: Mapped[str] = mapped_column(Text, default="")
    rate: Mapped[str] = mapped_column(String(32), default="")
    rate_day: Mapped[date | None]
    synced_at: Mapped[datetime]


class ProductTranslation(Base):
    """A product's title, bullets and description in one language."""

    __tablename__ = "product_translations"

    asin: Mapped[str] = mapped_column(
        ForeignKey("products.asin", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(3), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    bullets: Mapped[list[Any]]
    description: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(14), default="")
    updated_at: Mapped[datetime]


class BuyerPreference(Base):
    """A buyer's own time zone and interface language (unset: the marketplace's)."""

    __tablename__ = "buyer_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime]


class SellerPreference(Base):
    """The time zone a seller's Seller Central shows dates and times in."""

    __tablename__ = "seller_preferences"

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
