"""Seller standings, daily metric snapshots, enforcement actions and appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class SellerStandingRow(Base):
    """The latest recompute of a seller in a marketplace (what other capabilities read)."""

    __tablename__ = "seller_standings"

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    marketplace: Mapped[str] = mapped_column(String(2), primary_key=True)
    computed_at: Mapped[datetime]
    order_defect_rate: Mapped[float | None] = mapped_column(Float)
    cancellation_rate: Mapped[float | None] = mapped_column(Float)
    late_shipment_rate: Mapped[float | None] = mapped_column(Float)
    valid_tracking_rate: Mapped[float | None] = mapped_column(Float)
    on_time_delivery_rate: Mapped[float | None] = mapped_column(Float)
    response_rate_24h: Mapped[float | None] = mapped_column(Float)
    feedback_rating: Mapped[float | None] = mapped_column(Float)
    feedback_count: Mapped[int] = mapped_column(default=0)
    account_health: Mapped[int]
    health_band: Mapped[str] = mapped_column(String(10))
    is_new_seller: Mapped[bool]
    violation_points: Mapped[int] = mapped_column(default=0)
    #: Every metric: name -> numerator, denominator, window, target, orders behind it.
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MetricSnapshot(Base):
    """One day's figures of a seller in a marketplace, kept for trend charts."""

    __tablename__ = "seller_metric_snapshots"
    __table_args__ = (UniqueConstraint("seller_id", "marketplace", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2))
    day: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime]
    account_health: Mapped[int]
    health_band: Mapped[str] = mapped_column(String(10))
    #: name -> {"numerator", "denominator", "rate"} (no order lists in history).
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EnforcementAction(Base):
    """A step of the enforcement ladder taken against a seller, with its evidence."""

    __tablename__ = "enforcement_actions"
    __table_args__ = (Index("ix_enforcement_actions_seller_at", "seller_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2), default="")
    #: warning | listing_removal | selling_restriction | deactivation
    step: Mapped[str] = mapped_column(String(30))
    #: What the case is about, e.g. ``metric:order_defect_rate`` or ``ip_complaint``.
    case_kind: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: "system" for the rules, or the staff user id that took the action.
    actor: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column(default=0)
    asins: Mapped[list[Any]] = mapped_column(default=list)
    #: Offers a listing removal took off sale (restored when an appeal is approved).
    offer_ids: Mapped[list[Any]] = mapped_column(default=list)
    #: The seller status before the action (restored when an appeal is approved).
    previous_status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime]
    reversed_at: Mapped[datetime | None]


class Appeal(Base):
    """A seller's plan of action against an enforcement action, and staff's decision."""

    __tablename__ = "enforcement_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_actions.id", ondelete="CASCADE"), index=True
    )
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    root_cause: Mapped[str] = mapped_column(Text)
    actions_taken: Mapped[str] = mapped_column(Text)
    prevention: Mapped[str] = mapped_column(Text)
    #: pending | approved | declined
    status: Mapped[str] = mapped_column(String(10), index=True)
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
