"""Demo data for the fulfilment network: centres, unit sizes, opening stock of
platform-fulfilled offers spread over centres (with varied ages for the aged
report), restocking through real inbound plans, bank accounts, exchange rates."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.catalog.models import Category, Product
from souk.core.clock import Clock
from souk.finance import service as finance
from souk.finance.models import PayoutAccount
from souk.finance.rules import Dimensions
from souk.fulfillment import network, rules
from souk.fulfillment.models import (
    CentreStock,
    InboundShipment,
    InboundShipmentLine,
    ProductMeasure,
    StockEvent,
    StockLot,
)
from souk.offers.models import Offer
from souk.sellers.models import Seller

#: Typical packed unit per department: inches and pounds.
UNITS = {
    "electronics": (8.0, 6.0, 3.0, 1.1),
    "books": (9.0, 6.0, 1.2, 1.0),
    "movies-tv": (7.5, 5.3, 0.6, 0.25),
    "clothing": (12.0, 10.0, 1.5, 0.6),
    "grocery": (8.0, 5.0, 3.0, 1.2),
    "beauty": (6.0, 3.0, 2.0, 0.5),
    "home-kitchen": (14.0, 10.0, 8.0, 3.5),
    "sports-outdoors": (20.0, 10.0, 8.0, 6.0),
    "toys-games": (12.0, 9.0, 4.0, 1.5),
}
DEFAULT = (10.0, 8.0, 4.0, 1.5)


def _unit(department: str, rng: random.Random) -> Dimensions:
    base = UNITS.get(department, DEFAULT)
    vary = [round(v * rng.uniform(0.85, 1.15), 2) for v in base]
    return Dimensions(*(Decimal(str(v)) for v in vary))


def stock_network(session: Session, clock: Clock, seed: int) -> int:
    """Seed the centres, measure products, and count every platform-fulfilled
    offer's units into centres near demand. Returns the offers stocked."""
    network.seed_network(session)
    rng = random.Random(f"{seed}:network")
    now = clock.now()
    facts_by_market: dict[str, dict[int, rules.CentreFacts]] = {}
    stocked = 0
    rows = session.execute(
        select(Offer, Category.path)
        .join(Product, Product.asin == Offer.asin)
        .join(Category, Category.id == Product.category_id)
        .where(Offer.fulfillment_channel == "PLATFORM", Offer.quantity > 0)
        .order_by(Offer.id)
    ).all()
    measured = set(session.scalars(select(ProductMeasure.asin)).all())
    for offer, path in rows:
        if offer.marketplace not in facts_by_market:
            facts_by_market[offer.marketplace] = network.network_facts(
                session, offer.marketplace, now
            )
        facts = facts_by_market[offer.marketplace]
        if not facts:
            continue
        if offer.asin not in measured:
            dims = _unit(path.split("/", 1)[0].lower().replace(" & ", "-").replace(" ", "-"), rng)
            network.record_measure(session, offer.asin, dims, "centre", now)
            measured.add(offer.asin)
        shares = network._demand_shares(facts, now)
        split = rules.split_inbound(
            offer.quantity,
            [rules.CentreCapacity(str(cid), 10**9, shares[cid]) for cid in facts],
            one_centre=False,
        )
        for cid_text, units in split.items():
            cid = int(cid_text)
            age = rng.choices((5, 20, 45, 80, 120, 200, 300), (30, 25, 20, 10, 8, 5, 2))[0]
            received = now - timedelta(days=age)
            session.add(
                CentreStock(
                    centre_id=cid, offer_id=offer.id, seller_id=offer.seller_id, fulfillable=units
                )
            )
            session.add(
                StockLot(centre_id=cid, offer_id=offer.id, received_at=received, remaining=units)
            )
            session.add(
                StockEvent(
                    centre_id=cid,
                    offer_id=offer.id,
                    source="",
                    target=rules.FULFILLABLE,
                    quantity=units,
                    reason="opening_count",
                    reference="",
                    at=received,
                )
            )
        stocked += 1
        if stocked % 500 == 0:
            session.commit()
    session.commit()
    return stocked


def restock(session: Session, clock: Clock, offer: Offer, units: int) -> bool:
    """Send ``units`` through a real inbound plan and receive them at once; False
    when the offer's marketplace has no centres."""
    if not network.network_facts(session, offer.marketplace, clock.now()):
        return False
    plan = network.create_inbound_plan(
        session,
        clock,
        seller_id=offer.seller_id,
        marketplace=offer.marketplace,
        name=f"Restock {offer.sku}",
        lines=[network.InboundRequestLine(offer.sku, units)],
    )
    for shipment in session.scalars(
        select(InboundShipment).where(InboundShipment.plan_id == plan.id)
    ).all():
        lines = session.scalars(
            select(InboundShipmentLine).where(InboundShipmentLine.shipment_id == shipment.id)
        ).all()
        network.receive_shipment(
            session,
            clock,
            shipment_id=shipment.id,
            counts={line.offer_id: (line.expected, 0) for line in lines},
        )
    return True


#: Demo exchange rates (quote per USD, GBP, EUR).
RATES = {
    ("USD", "EUR"): "0.9234",
    ("USD", "GBP"): "0.7861",
    ("EUR", "USD"): "1.0829",
    ("GBP", "USD"): "1.2721",
    ("USD", "JPY"): "151.37",
    ("EUR", "GBP"): "0.8513",
}


def prepare(session: Session, clock: Clock, seed: int) -> int:
    """Before trade starts: centres and opening stock, a verified bank account for
    every selling business, and the exchange rates payouts convert at."""
    stocked = stock_network(session, clock, seed)
    provider = finance.TestPayoutProvider()
    accounts = set(session.scalars(select(PayoutAccount.seller_id)).all())
    for seller in session.scalars(select(Seller).where(Seller.is_platform_retail.is_(False))).all():
        if seller.id in accounts:
            continue
        iban = {"DE": "DE89370400440532013000", "GB": "GB29NWBK60161331926819"}.get(seller.country)
        country = seller.country if iban else "US"
        finance.add_payout_account(
            session,
            clock,
            provider,
            seller_id=seller.id,
            holder=seller.business_name,
            bank_name="souk Test Bank",
            country=country,
            currency=finance.COUNTRY_CURRENCY[country],
            routing_number="" if iban else "011000015",
            account_number=iban or f"{int(seller.id.encode().hex(), 16) % 10**10:010d}",
        )
    day = clock.now().date()
    for (base, quote), rate in RATES.items():
        if finance.rate_for(session, base, quote, day) is None:
            finance.record_rate(
                session, clock, day=day, base=base, quote=quote, rate=rate, source="demo"
            )
    return stocked


def finish(session: Session, clock: Clock) -> int:
    """After the simulated history: close the settlement periods that ended."""
    return finance.settle_due(session, clock, finance.TestPayoutProvider())
