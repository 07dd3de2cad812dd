"""Counts for the Seller Central dashboard (reads only)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.offers.models import Offer
from souk.orders.models import Order


def orders_to_ship(session: Session, seller_id: str, statuses: tuple[str, ...]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.seller_id == seller_id, Order.status.in_(statuses))
        )
        or 0
    )


def listings(session: Session, seller_id: str, marketplace: str) -> tuple[int, int]:
    """(active offers, of which out of stock) in the marketplace."""
    where = (Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.is_active)
    active = session.scalar(select(func.count()).select_from(Offer).where(*where)) or 0
    empty = (
        session.scalar(select(func.count()).select_from(Offer).where(*where, Offer.quantity == 0))
        or 0
    )
    return active, empty
