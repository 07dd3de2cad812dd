"""Sponsored Products: campaigns, ad groups, ads, targets, and what they did."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class Campaign(Base):
    __tablename__ = "ad_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    daily_budget_minor: Mapped[int]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    bidding_strategy: Mapped[str] = mapped_column(String(20))
    top_of_search_percent: Mapped[int] = mapped_column(default=0)
    rest_of_search_percent: Mapped[int] = mapped_column(default=0)
    product_page_percent: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="enabled")
    created_at: Mapped[datetime]


class AdGroup(Base):
    __tablename__ = "ad_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    default_bid_minor: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="enabled")


class Ad(Base):
    """One of the seller's own offers, advertised in an ad group."""

    __tablename__ = "ads"
    __table_args__ = (UniqueConstraint("ad_group_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_group_id: Mapped[int] = mapped_column(
        ForeignKey("ad_groups.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    asin: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="enabled")


class Target(Base):
    """A keyword (broad, phrase, exact; or negative), a product, or a category."""

    __tablename__ = "ad_targets"
    __table_args__ = (Index("ix_ad_targets_lookup", "marketplace", "kind", "match_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_group_id: Mapped[int] = mapped_column(
        ForeignKey("ad_groups.id", ondelete="CASCADE"), index=True
    )
    marketplace: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(10))  # keyword | product | category
    match_type: Mapped[str] = mapped_column(String(10), default="")
    keyword: Mapped[str] = mapped_column(String(200), default="")
    #: First stemmed keyword word, the ASIN, or the category id: what an auction looks up.
    match_key: Mapped[str] = mapped_column(String(200))
    negative: Mapped[bool] = mapped_column(default=False)
    bid_minor: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default="enabled")


class AdImpression(Base):
    __tablename__ = "ad_impressions"
    __table_args__ = (Index("ix_ad_impressions_campaign_at", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    ad_id: Mapped[int] = mapped_column(ForeignKey("ads.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("ad_targets.id", ondelete="CASCADE"))
    placement: Mapped[str] = mapped_column(String(20))
    search_term: Mapped[str] = mapped_column(String(200), default="")
    context_asin: Mapped[str] = mapped_column(String(10), default="")
    slot: Mapped[int]
    price_minor: Mapped[int]  # what a click costs, fixed by the auction
    visitor: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime]


class AdClick(Base):
    __tablename__ = "ad_clicks"
    __table_args__ = (
        Index("ix_ad_clicks_campaign_at", "campaign_id", "at"),
        Index("ix_ad_clicks_visitor_ad", "visitor", "ad_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    impression_id: Mapped[int] = mapped_column(
        ForeignKey("ad_impressions.id", ondelete="CASCADE"), unique=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    ad_id: Mapped[int] = mapped_column(ForeignKey("ads.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("ad_targets.id", ondelete="CASCADE"))
    visitor: Mapped[str] = mapped_column(String(64), default="")
    cost_minor: Mapped[int]  # 0 when not charged
    charged: Mapped[bool]
    why_not_charged: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime]


class AdDailyStats(Base):
    """Impressions and clicks per ad and day: predicted CTR reads this, not raw rows."""

    __tablename__ = "ad_daily_stats"

    ad_id: Mapped[int] = mapped_column(ForeignKey("ads.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    impressions: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
    spend_minor: Mapped[int] = mapped_column(default=0)
