"""Builders for messaging tests: a seller with a product, a buyer with an order."""

from __future__ import annotations

from dataclasses import dataclass

from souk.catalog.models import Product
from souk.core.runtime import Runtime
from souk.orders.models import Order
from souk.orders.service import CheckoutRequest, place_order
from souk.sellers.models import Seller
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@dataclass
class Trade:
    seller: Seller
    buyer: f.Buyer
    product: Product
    order: Order


def trade(rt: Runtime, session, *, state: str = "IL") -> Trade:  # type: ignore[no-untyped-def]
    seller = f.seller(session, rt.clock, name="Kettle House")
    product = f.product(session, rt.clock, title="Acme Steel Kettle 1.7 l")
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, price="34.99")
    buyer = f.buyer(session, rt.clock)
    if state != "IL":
        buyer.address.state = state
        session.commit()
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="messaging-1",
            lines=((offer.id, 1),),
        ),
    )
    session.commit()
    return Trade(seller, buyer, product, result.orders[0])
