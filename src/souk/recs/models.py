"""Behaviour events, their daily rollup and browsing histories.

Raw events are kept compact (small codes, no JSON) and only for
``raw_event_days``; a job folds older ones into ``RecsDailyCount``. The fitted
model itself is not a table: it is a file under ``var/recs/`` that the web
process maps into memory (see ``store.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base

#: event kinds, one letter each to keep rows small
VIEW, SEARCH, CART, PURCHASE = "v", "s", "c", "p"
KINDS = {VIEW: "view", SEARCH: "search", CART: "add to cart", PURCHASE: "purchase"}


class RecsEvent(Base):
    """One thing a buyer or an anonymous visitor did: viewed, searched, added, bought."""

    __tablename__ = "recs_events"
    __table_args__ = (
        Index("ix_recs_events_buyer_at", "buyer_id", "at"),
        Index("ix_recs_events_visitor_at", "visitor", "at"),
        Index("ix_recs_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(1))
    marketplace: Mapped[str] = mapped_column(String(2))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visitor: Mapped[str | None] = mapped_column(String(32))  # the guest's cookie id
    asin: Mapped[str | None] = mapped_column(String(10))
    basket: Mapped[str | None] = mapped_column(String(24))  # checkout id of a purchase
    query: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]


class RecsDailyCount(Base):
    """Events per product, marketplace, kind and day, once the raw rows have aged out."""

    __tablename__ = "recs_daily_counts"

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class BrowsingHistory(Base):
    """ "Your browsing history": a product a buyer (or a guest, by cookie) looked at."""

    __tablename__ = "recs_browsing_history"
    __table_args__ = (
        UniqueConstraint("buyer_id", "marketplace", "asin"),
        UniqueConstraint("visitor", "marketplace", "asin"),
        Index("ix_recs_history_buyer", "buyer_id", "marketplace", "viewed_at"),
        Index("ix_recs_history_visitor", "visitor", "marketplace", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visitor: Mapped[str | None] = mapped_column(String(32))
    marketplace: Mapped[str] = mapped_column(String(2))
    asin: Mapped[str] = mapped_column(ForeignKey("products.asin", ondelete="CASCADE"))
    viewed_at: Mapped[datetime]


class RecsDigest(Base):
    """One "Inspired by your browsing" e-mail: queued at most once per buyer, marketplace
    and period (the unique key is what makes a second run of the job a no-op)."""

    __tablename__ = "recs_digests"
    __table_args__ = (UniqueConstraint("buyer_id", "marketplace", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2))
    period_start: Mapped[date] = mapped_column(Date)
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_mail.id", ondelete="SET NULL"), index=True
    )
    asins: Mapped[str] = mapped_column(String(400))  # the suggested products, comma-separated
    html: Mapped[str] = mapped_column(Text)  # the HTML part; the text part is the mail's body
    unsubscribe_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class RecsDigestPreference(Base):
    """A buyer's choice about the digest; without a row the buyer receives it."""

    __tablename__ = "recs_digest_preferences"

    buyer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    subscribed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]
