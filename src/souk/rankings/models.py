"""Daily units sold per product (the rollup ranking reads) and the ranks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class DailySales(Base):
    """Units sold per product, marketplace and UTC day, after exclusions.

    Kept current from order events, so ranking reads thousands of rows
    instead of every order line.
    """

    __tablename__ = "daily_sales"

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(default=0)


class SalesRank(Base):
    __tablename__ = "sales_ranks"
    __table_args__ = (Index("ix_sales_ranks_category", "marketplace", "category_id", "rank"),)

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int]
    score: Mapped[float]
    computed_at: Mapped[datetime]


class SalesRankHistory(Base):
    """A product's rank in its own category, once a day, for sellers' charts."""

    __tablename__ = "sales_rank_history"

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rank: Mapped[int]
