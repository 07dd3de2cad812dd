"""Builders for returns, claims and feedback tests: a listing, a paid order,
shipped and delivered on the test clock."""

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
from souk.orders.service import CheckoutRequest, place_order
from souk.sellers.models import Seller
from tests import factories as f

UPS = "1Z999AA10123456784"
_keys = itertools.count(1)


@dataclass
class Listing:
    seller: Seller
    product: Product
    offer: Offer


def listing(
    rt: Runtime,
    session: Session,
    *,
    price: str = "40.00",
    shipping: str = "5.00",
    channel: str = "MERCHANT",
    quantity: int = 20,
) -> Listing:
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=product.asin,
        price=price,
        shipping=shipping,
        quantity=quantity,
        channel=channel,
    )
    return Listing(seller, product, offer)


def order(rt: Runtime, session: Session, buyer: f.Buyer, offer: Offer, quantity: int = 1) -> Order:
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer.user.id,
            offer.marketplace,
            buyer.address.id,
            "standard",
            f.GOOD_CARD,
            f"returns-test-{next(_keys)}",
            ((offer.id, quantity),),
        ),
    ).orders[0]


def ship(rt: Runtime, session: Session, placed: Order) -> Order:
    rt.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    confirm_shipment(
        session,
        rt.clock,
        seller_id=placed.seller_id,
        order_id=placed.id,
        carrier="UPS",
        tracking_number=UPS,
    )
    return placed


def deliver(rt: Runtime, session: Session, placed: Order) -> Order:
    ship(rt, session, placed)
    rt.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    return record_delivery(session, rt.clock, placed.id)


def delivered_order(
    rt: Runtime, session: Session, buyer: f.Buyer, offer: Offer, quantity: int = 1
) -> Order:
    return deliver(rt, session, order(rt, session, buyer, offer, quantity))
