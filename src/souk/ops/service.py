"""Operations use cases: the audit log, the sellers overview, staff actions.

Every staff action writes its audit entry in the same transaction as the
change it records, so the log never misses an action nor shows one that did
not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.service import ProductsMerged, merge_products
from souk.core.clock import Clock
from souk.offers.models import Offer
from souk.ops.models import AuditEntry
from souk.ops.rules import MERGE_ACTION, check_reason, seller_status_for
from souk.orders import rules as order_rules
from souk.orders.models import Order
from souk.sellers.models import Seller
from souk.sellers.service import set_status


def record(
    session: Session,
    staff_user_id: int,
    action: str,
    subject: str,
    reason: str,
    details: dict[str, Any] | None = None,
    *,
    at: datetime,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (the use case commits)."""
    entry = AuditEntry(
        at=at,
        staff_user_id=staff_user_id,
        action=action,
        subject=subject,
        reason=reason,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry


def change_seller_status(
    session: Session, clock: Clock, *, staff_user_id: int, seller_id: str, action: str, reason: str
) -> Seller:
    """Suspend, reinstate or deactivate a seller, with the reason, and log it."""
    status = seller_status_for(action)
    reason = check_reason(reason)
    seller = session.get(Seller, seller_id)
    previous = seller.status if seller is not None else ""
    record(
        session,
        staff_user_id,
        f"seller.{action}",
        seller_id,
        reason,
        {"from": previous, "to": status},
        at=clock.now(),
    )
    # set_status checks the seller exists and commits the audit entry with the change.
    return set_status(session, clock, seller_id, status, reason)


def merge_duplicate(
    session: Session,
    clock: Clock,
    *,
    staff_user_id: int,
    duplicate_asin: str,
    kept_asin: str,
    reason: str,
) -> ProductsMerged:
    reason = check_reason(reason)
    merged = merge_products(
        session, clock, duplicate_asin=duplicate_asin, kept_asin=kept_asin, commit=False
    )
    record(
        session,
        staff_user_id,
        MERGE_ACTION,
        merged.duplicate_asin,
        reason,
        {"kept_asin": merged.kept_asin, "offers_moved": merged.offers_moved},
        at=clock.now(),
    )
    session.commit()
    return merged


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    staff_name: str
    staff_email: str


def audit_log(
    session: Session, *, subject: str = "", limit: int = 100, offset: int = 0
) -> list[AuditLine]:
    query = select(AuditEntry, User.name, User.email).join(
        User, User.id == AuditEntry.staff_user_id
    )
    if subject.strip():
        query = query.where(AuditEntry.subject == subject.strip())
    rows = session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    return [AuditLine(entry, name, email) for entry, name, email in rows]


@dataclass(frozen=True)
class SellerLine:
    """One row of the operations sellers list: the figures staff look at first."""

    seller: Seller
    active_offers: int
    orders_30_days: int
    cancellations_30_days: int


# The sellers list counts over this many days, as the seller dashboard does.
RECENT_DAYS = 30


def _counts(session: Session, query: Any) -> dict[str, int]:
    return {seller_id: count for seller_id, count in session.execute(query)}


def sellers_overview(
    session: Session,
    clock: Clock,
    *,
    status: str = "",
    text: str = "",
    limit: int = 200,
) -> list[SellerLine]:
    """Sellers with their offer and order counts, in a fixed number of queries."""
    query = select(Seller)
    if status:
        query = query.where(Seller.status == status)
    if text.strip():
        needle = text.strip().lower()
        query = query.where(
            func.lower(Seller.business_name).contains(needle)
            | func.lower(Seller.email).contains(needle)
            | (Seller.id == text.strip().upper())
        )
    sellers = list(session.scalars(query.order_by(Seller.business_name, Seller.id).limit(limit)))
    ids = [s.id for s in sellers]
    since = clock.now() - timedelta(days=RECENT_DAYS)
    offers = _counts(
        session,
        select(Offer.seller_id, func.count())
        .where(Offer.seller_id.in_(ids), Offer.is_active)
        .group_by(Offer.seller_id),
    )
    recent = (Order.seller_id.in_(ids), Order.purchased_at >= since)
    orders = _counts(
        session,
        select(Order.seller_id, func.count()).where(*recent).group_by(Order.seller_id),
    )
    canceled = _counts(
        session,
        select(Order.seller_id, func.count())
        .where(*recent, Order.status == order_rules.CANCELED, Order.canceled_by == "seller")
        .group_by(Order.seller_id),
    )
    return [
        SellerLine(s, offers.get(s.id, 0), orders.get(s.id, 0), canceled.get(s.id, 0))
        for s in sellers
    ]


def seller_line(session: Session, clock: Clock, seller_id: str) -> SellerLine | None:
    found = sellers_overview(session, clock, text=seller_id)
    return next((line for line in found if line.seller.id == seller_id), None)
