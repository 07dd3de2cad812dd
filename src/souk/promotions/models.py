"""Promotions, coupon clips, lightning-deal claims and waitlists, events, price history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class Event(Base):
    """A sales event (a two-day members' sale) with its own landing page."""

    __tablename__ = "promo_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    submissions_close_at: Mapped[datetime]
    min_rating: Mapped[float]
    min_discount_bp: Mapped[int]
    created_at: Mapped[datetime]


class Targeted:
    """An audience (countries, states, postal prefixes) and a schedule of wall-clock
    times: what promotions and product banners share, read by the same rules."""

    countries: Mapped[list[Any]]
    states: Mapped[list[Any]]
    postal_prefixes: Mapped[list[Any]]
    #: Wall-clock times, ISO "YYYY-MM-DDTHH:MM", read in each buyer's zone when each_zone.
    starts_local: Mapped[str] = mapped_column(String(16))
    ends_local: Mapped[str] = mapped_column(String(16))
    each_zone: Mapped[bool] = mapped_column(default=False)
    #: The span in which it is live somewhere (UTC), to narrow queries.
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]


class Promotion(Targeted, Base):
    """A seller's coupon, percentage off, buy-X-get-Y or lightning deal on some of its
    products in one marketplace, for an audience, on a schedule of wall-clock times."""

    __tablename__ = "promotions"
    __table_args__ = (
        Index("ix_promotions_live", "marketplace", "status", "window_start", "window_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    #: active | submitted (to an event, awaiting review) | rejected | ended
    status: Mapped[str] = mapped_column(String(12))
    asins: Mapped[list[Any]]
    percent_bp: Mapped[int] = mapped_column(default=0)
    amount_off_minor: Mapped[int] = mapped_column(default=0)
    deal_price_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    buy_quantity: Mapped[int] = mapped_column(default=0)
    get_quantity: Mapped[int] = mapped_column(default=0)
    #: Lightning deals: units on offer and units claimed so far.
    deal_quantity: Mapped[int] = mapped_column(default=0)
    claimed: Mapped[int] = mapped_column(default=0)
    #: Coupons: spending budget and redemption limit (0 = none), and use so far.
    budget_minor: Mapped[int] = mapped_column(default=0)
    spent_minor: Mapped[int] = mapped_column(default=0)
    redemption_limit: Mapped[int] = mapped_column(default=0)
    redemptions: Mapped[int] = mapped_column(default=0)
    headline: Mapped[str] = mapped_column(String(160), default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("promo_events.id"), index=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class CouponClip(Base):
    __tablename__ = "coupon_clips"
    __table_args__ = (UniqueConstraint("promotion_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clipped_at: Mapped[datetime]


class PromotionClaim(Base):
    """Units of a checkout bought with a promotion: a lightning deal's claimed units
    or a coupon's redemption. Released when the order is canceled."""

    __tablename__ = "promotion_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(
        ForeignKey("promotions.id", ondelete="CASCADE"), index=True
    )
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    seller_id: Mapped[str] = mapped_column(String(14))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    units: Mapped[int]
    discount_minor: Mapped[int]
    released: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


class DealWaitlist(Base):
    """Buyers waiting for units of a fully claimed lightning deal to come back.

    A released unit is held for the first buyer waiting (first come, first served):
    the unit stays counted in the deal's ``claimed`` while it is held, so nobody
    else can take it, and the buyer has until ``hold_until`` to buy it."""

    __tablename__ = "deal_waitlist"
    __table_args__ = (
        UniqueConstraint("promotion_id", "buyer_id"),
        Index("ix_deal_waitlist_status_hold", "status", "hold_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime]
    #: waiting | held (a unit is kept for the buyer) | bought | lapsed (the hold ran out)
    status: Mapped[str] = mapped_column(String(8), default="waiting")
    held_at: Mapped[datetime | None]
    hold_until: Mapped[datetime | None]


class ProductBanner(Targeted, Base):
    """A seller's banner (a headline, an optional image) on one product's page, for an
    audience, on a schedule of wall-clock times read like a promotion's."""

    __tablename__ = "product_banners"
    __table_args__ = (
        Index("ix_product_banners_live", "marketplace", "asin", "window_start", "window_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin", ondelete="CASCADE"))
    headline: Mapped[str] = mapped_column(String(160))
    #: A checked image in media storage, or None for a text-only banner.
    image_key: Mapped[str | None] = mapped_column(String(200))
    image_width: Mapped[int] = mapped_column(default=0)
    image_height: Mapped[int] = mapped_column(default=0)
    #: active | withdrawn (the seller took it down early)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime]


class OfferPriceDay(Base):
    """The lowest price an offer had on a day (UTC), for "recent lowest price" rules."""

    __tablename__ = "offer_price_days"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lowest_minor: Mapped[int]
