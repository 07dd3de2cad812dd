"""What buyers searched for, what they were shown and what they clicked.

These records feed ranking (conversion), sponsored ads and recommendations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SearchLog(Base):
    __tablename__ = "search_logs"
    __table_args__ = (Index("ix_search_logs_marketplace_at", "marketplace", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    query: Mapped[str] = mapped_column(String(200))
    normalised_query: Mapped[str] = mapped_column(String(200), index=True)
    category_path: Mapped[str] = mapped_column(String(500), default="")
    visitor: Mapped[str] = mapped_column(String(64), default="")  # cookie id or user id
    result_count: Mapped[int]
    at: Mapped[datetime]


class SearchImpression(Base):
    __tablename__ = "search_impressions"
    __table_args__ = (Index("ix_search_impressions_asin", "asin", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("search_logs.id", ondelete="CASCADE"), index=True
    )
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(2))
    position: Mapped[int]


class SearchClick(Base):
    __tablename__ = "search_clicks"
    __table_args__ = (Index("ix_search_clicks_asin", "asin", "marketplace", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("search_logs.id", ondelete="CASCADE"), index=True
    )
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(2))
    position: Mapped[int]
    at: Mapped[datetime]


class SearchPending(Base):
    """Products whose index documents are out of date; applied in batches."""

    __tablename__ = "search_pending"

    asin: Mapped[str] = mapped_column(String(10), primary_key=True)
    since: Mapped[datetime]
