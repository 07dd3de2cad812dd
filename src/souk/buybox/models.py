"""Stored featured-offer decisions, and their history for view-share reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class BuyboxDecision(Base):
    """The current decision for one product in one marketplace.

    ``candidates`` are the offers sharing the box, ``[[offer_id, weight], ...]``;
    which of them is featured at a moment follows from the rotation period, so the
    row need not change when a period ends. ``featured_offer_id`` is the pick of
    the period the decision was computed in.
    """

    __tablename__ = "buybox_decisions"

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    featured_offer_id: Mapped[int | None]
    suppressed: Mapped[bool] = mapped_column(default=False)
    candidates: Mapped[list[Any]]
    explanation: Mapped[dict[str, Any]]
    #: A digest of candidates and suppression: history gets a row when it changes.
    signature: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime]


class BuyboxHistory(Base):
    """Candidates and suppression from ``valid_from`` until the next row of the product."""

    __tablename__ = "buybox_history"
    __table_args__ = (Index("ix_buybox_history_product", "asin", "marketplace", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(2))
    valid_from: Mapped[datetime]
    suppressed: Mapped[bool] = mapped_column(default=False)
    candidates: Mapped[list[Any]]
