"""Builders for performance tests: a seller's listing and orders with a chosen fate."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.runtime import Runtime
from souk.fulfillment.service import confirm_shipment, record_delivery
from souk.offers.models import Offer
from souk.orders.models import Order
from souk.orders.service import CheckoutRequest, cancel_by_seller, place_order
from souk.sellers.models import Seller
from tests import factories as f

UPS = "1Z999AA10123456784"
_keys = itertools.count(1)


@dataclass
class Shop:
    seller: Seller
    product: Product
    offer: Offer
    buyer: f.Buyer


def shop(rt: Runtime, session: Session, *, quantity: int = 500) -> Shop:
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, quantity=quantity)
    return Shop(seller, product, offer, f.buyer(session, rt.clock))


def buy(rt: Runtime, session: Session, shop: Shop, buyer: f.Buyer | None = None) -> Order:
    who = buyer or shop.buyer
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            who.user.id,
            shop.offer.marketplace,
            who.address.id,
            "standard",
            f.GOOD_CARD,
            f"performance-test-{next(_keys)}",
            ((shop.offer.id, 1),),
        ),
    ).orders[0]


def ship(rt: Runtime, session: Session, order: Order, *, late: bool = False) -> Order:
    """Ship now, or (late) an hour after the latest ship date, moving the clock there."""
    if late:
        rt.clock.set(order.latest_ship_at + timedelta(hours=1))  # type: ignore[attr-defined]
    confirm_shipment(
        session,
        rt.clock,
        seller_id=order.seller_id,
        order_id=order.id,
        carrier="UPS",
        tracking_number=UPS,
    )
    return order


def deliver(rt: Runtime, session: Session, order: Order, *, on_time: bool = True) -> Order:
    when = (
        order.latest_delivery_at - timedelta(hours=1)
        if on_time
        else (order.latest_delivery_at + timedelta(days=1))
    )
    if when > rt.clock.now():
        rt.clock.set(when)  # type: ignore[attr-defined]
    return record_delivery(session, rt.clock, order.id)


def cancel(rt: Runtime, session: Session, order: Order) -> Order:
    return cancel_by_seller(
        session,
        rt.clock,
        rt.payments,
        seller_id=order.seller_id,
        order_id=order.id,
        reason="NoInventory",
    )
