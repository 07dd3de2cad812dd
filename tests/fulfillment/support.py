"""Builders for network tests: a seeded network and a seller's platform stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address
from souk.finance.rules import Dimensions
from souk.fulfillment import network
from souk.fulfillment.models import InboundShipment, InboundShipmentLine
from souk.offers.models import Offer
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f

UNIT = Dimensions(Decimal(12), Decimal(9), Decimal(4), Decimal("1.2"))  # large standard, $7.00


@dataclass
class Stocked:
    seller_id: str
    offer_id: int
    asin: str
    sku: str


def platform_offer(rt, session, *, price="29.99", category="Electronics/Audio") -> Stocked:
    network.seed_network(session)
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, category=category)
    offer = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=product.asin,
        price=price,
        quantity=0,
        channel="PLATFORM",
    )
    session.commit()
    return Stocked(seller.id, offer.id, product.asin, offer.sku)


def stock_at(rt, session, stocked: Stocked, counts: dict[str, int]) -> None:
    """Send ``counts`` units to each named centre and receive them all."""
    for code, units in counts.items():
        plan = network.create_inbound_plan(
            session,
            rt.clock,
            seller_id=stocked.seller_id,
            marketplace="US",
            name=f"to {code}",
            lines=[network.InboundRequestLine(stocked.sku, units, UNIT)],
            placement="one_centre",
            centre_code=code,
        )
        for shipment in session.scalars(
            select(InboundShipment).where(InboundShipment.plan_id == plan.id)
        ).all():
            lines = session.scalars(
                select(InboundShipmentLine).where(InboundShipmentLine.shipment_id == shipment.id)
            ).all()
            network.receive_shipment(
                session,
                rt.clock,
                shipment_id=shipment.id,
                counts={line.offer_id: (line.expected, 0) for line in lines},
            )


def buyer_at(rt, session, postal_code: str, state: str, city: str):
    buyer = f.buyer(session, rt.clock)
    address = add_address(
        session,
        buyer.user.id,
        PostalAddress("Ada Buyer", "1 Main St", city, postal_code, "US", state),
        make_default=True,
    )
    session.commit()
    return f.Buyer(buyer.user, address)


def buy(rt, session, buyer, offer_id: int, quantity: int = 1, key: str = "k1", speed="standard"):
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed=speed,
            card=f.GOOD_CARD,
            idempotency_key=key,
            lines=((offer_id, quantity),),
        ),
    ).orders[0]


def offer_quantity(session, offer_id: int) -> int:
    session.expire_all()
    return session.get(Offer, offer_id).quantity
