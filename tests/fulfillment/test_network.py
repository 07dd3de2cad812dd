"""The fulfilment network on both databases: inbound, receiving, routing, shipping."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.finance import service as finance
from souk.fulfillment import network
from souk.fulfillment.models import (
    CentreStock,
    InboundShipment,
    OutboundShipment,
    StockEvent,
)
from souk.fulfillment.rules import check_tracking
from souk.orders.models import Order
from souk.orders.service import cancel_by_buyer
from tests import factories as f
from tests.fulfillment.support import (
    UNIT,
    buy,
    buyer_at,
    offer_quantity,
    platform_offer,
    stock_at,
)


def _buckets(session, offer_id):
    session.expire_all()
    rows = session.scalars(select(CentreStock).where(CentreStock.offer_id == offer_id)).all()
    return {
        name: sum(getattr(r, name) for r in rows)
        for name in ("fulfillable", "inbound", "reserved", "unfulfillable", "researching")
    }


def test_inbound_plan_split_receive_with_discrepancies(rt, session):
    stocked = platform_offer(rt, session)
    plan = network.create_inbound_plan(
        session,
        rt.clock,
        seller_id=stocked.seller_id,
        marketplace="US",
        name="Spring restock",
        lines=[network.InboundRequestLine(stocked.sku, 90, UNIT)],
    )
    view = network.plan_view(session, stocked.seller_id, plan.id)
    assert len(view.shipments) == 3  # split across the three US centres by nearby demand
    assert sum(line.expected for _, _, lines in view.shipments for line, _ in lines) == 90
    assert _buckets(session, stocked.offer_id)["inbound"] == 90
    assert offer_quantity(session, stocked.offer_id) == 0  # nothing sellable yet

    shipment, _centre, lines = view.shipments[0]
    expected = lines[0][0].expected
    network.mark_inbound_shipped(
        session,
        rt.clock,
        seller_id=stocked.seller_id,
        shipment_id=shipment.id,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
    )
    receipts = network.receive_shipment(
        session,
        rt.clock,
        shipment_id=shipment.id,
        counts={stocked.offer_id: (expected - 3, 1)},
    )
    assert (receipts[0].short, receipts[0].damaged, receipts[0].over) == (2, 1, 0)
    buckets = _buckets(session, stocked.offer_id)
    assert buckets["fulfillable"] == expected - 3
    assert buckets["unfulfillable"] == 1
    assert buckets["researching"] == 2
    assert buckets["inbound"] == 90 - expected
    assert offer_quantity(session, stocked.offer_id) == expected - 3
    reasons = set(session.scalars(select(StockEvent.reason)).all())
    assert {"inbound_plan", "received"} <= reasons
    with pytest.raises(InvalidState):
        network.receive_shipment(session, rt.clock, shipment_id=shipment.id, counts={})
    session.rollback()

    # Over-receipt on another shipment: extra units come in from outside the plan.
    other, _, other_lines = view.shipments[1]
    n = other_lines[0][0].expected
    network.receive_shipment(
        session, rt.clock, shipment_id=other.id, counts={stocked.offer_id: (n + 2, 0)}
    )
    assert offer_quantity(session, stocked.offer_id) == expected - 3 + n + 2


def test_bad_inbound_requests_change_nothing(rt, session):
    stocked = platform_offer(rt, session)
    merchant = f.offer(
        session,
        rt.clock,
        seller_id=stocked.seller_id,
        asin=stocked.asin,
        condition="used_good",
        quantity=3,
    )
    session.commit()
    for lines, message in [
        ([], "at least one"),
        ([network.InboundRequestLine("NOPE", 5, UNIT)], "no SKU"),
        ([network.InboundRequestLine(merchant.sku, 5, UNIT)], "fulfilled by you"),
        ([network.InboundRequestLine(stocked.sku, 0, UNIT)], "1 to 100,000"),
    ]:
        with pytest.raises((InvalidInput, NotFound), match=message):
            network.create_inbound_plan(
                session,
                rt.clock,
                seller_id=stocked.seller_id,
                marketplace="US",
                name="x",
                lines=lines,
            )
        session.rollback()
    assert session.scalar(select(func.count(InboundShipment.id))) == 0
    assert session.scalar(select(func.count(StockEvent.id))) == 0


def test_order_routes_to_nearer_centre_ships_and_posts_to_ledger(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 5, "ONT8": 5})
    assert offer_quantity(session, stocked.offer_id) == 10
    west = buyer_at(rt, session, "90210", "CA", "Beverly Hills")
    order = buy(rt, session, west, stocked.offer_id, 2)
    session.commit()
    [(shipment, centre)] = network.order_shipments(session, order.id)
    assert centre.code == "ONT8"  # the west-coast buyer gets the west-coast centre
    # Checkout kept the network's promise in the order.
    session.expire_all()
    promised = session.get(Order, order.id).latest_delivery_at
    assert promised.astimezone(ZoneInfo("America/New_York")).date() == shipment.promised_by
    assert check_tracking("UPS", shipment.tracking_number)  # tracking from the start
    assert _buckets(session, stocked.offer_id) | {} == {
        "fulfillable": 8,
        "inbound": 0,
        "reserved": 2,
        "unfulfillable": 0,
        "researching": 0,
    }
    assert offer_quantity(session, stocked.offer_id) == 8  # equals fulfillable again

    east = buyer_at(rt, session, "10001", "NY", "New York")
    east_order = buy(rt, session, east, stocked.offer_id, 1, key="k2")
    session.commit()
    assert network.order_shipments(session, east_order.id)[0][1].code == "EWR4"

    # Pick, pack, ship with timestamps; the order ships and the ledger posts the sale.
    for step in ("picked", "packed", "shipped"):
        rt.clock.advance(timedelta(minutes=20))
        assert network.advance(session, rt.clock, shipment.id).status == step
    session.expire_all()
    shipped = session.get(OutboundShipment, shipment.id)
    assert shipped.picked_at < shipped.packed_at < shipped.shipped_at
    assert session.get(Order, order.id).status == "Shipped"
    assert _buckets(session, stocked.offer_id)["reserved"] == 1
    lines = finance.transactions(session, stocked.seller_id, "US")
    sale = next(line for line in lines if line.tx.kind == "order")
    # 2 x 29.99 = 59.98; referral 8 % per unit 2.40 x 2; fulfilment 7.00 x 2.
    assert sale.sales.minor == 5998
    assert sale.fees.minor == 2 * 240 + 2 * 700
    with pytest.raises(InvalidState):
        network.advance(session, rt.clock, shipment.id)


def test_split_when_no_centre_has_everything(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 2, "DFW7": 2})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 3)
    session.commit()
    parts = {c.code for _, c in network.order_shipments(session, order.id)}
    assert parts == {"EWR4", "DFW7"}
    assert network.run_outbound(session, rt.clock) == 2
    session.expire_all()
    assert session.get(Order, order.id).status == "Shipped"


def test_cancel_returns_reserved_units(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"DFW7": 4})
    buyer = buyer_at(rt, session, "75001", "TX", "Addison")
    order = buy(rt, session, buyer, stocked.offer_id, 3)
    session.commit()
    assert _buckets(session, stocked.offer_id)["reserved"] == 3
    cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason="Changed my mind",
    )
    assert _buckets(session, stocked.offer_id)["fulfillable"] == 4
    assert _buckets(session, stocked.offer_id)["reserved"] == 0
    assert offer_quantity(session, stocked.offer_id) == 4
    kinds = [line.tx.kind for line in finance.transactions(session, stocked.seller_id, "US")]
    assert "order_placed" in kinds and "order_canceled" in kinds
    assert finance.balances(session, stocked.seller_id, "US").pending.minor == 0


def test_product_page_promise_and_prime(rt, session):
    from souk.fulfillment import prime

    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 3})
    now = rt.clock.now()  # Monday 09:00 in New York
    near = network.promise_for_offer(
        session, offer_id=stocked.offer_id, marketplace="US", postal_code="10001", now=now
    )
    far = network.promise_for_offer(
        session, offer_id=stocked.offer_id, marketplace="US", postal_code="90210", now=now
    )
    assert near.arrives.isoformat() == "2026-03-03"
    assert far.arrives > near.arrives
    member = f.buyer(session, rt.clock)
    session.commit()
    prime.join(
        session,
        rt.clock,
        rt.payments,
        user_id=member.user.id,
        marketplace="US",
        plan="monthly",
        card=f.GOOD_CARD,
    )
    assert network.is_prime_member(session, member.user.id, "US", now)
    fast = network.promise_for_offer(
        session,
        offer_id=stocked.offer_id,
        marketplace="US",
        postal_code="90210",
        now=now,
        prime_member=True,
    )
    assert fast.prime and (fast.arrives - fast.ship_day).days <= 2
    assert network.prime_eligible_offers(session, [stocked.offer_id]) == {stocked.offer_id}
    cancelled = prime.cancel(session, rt.clock, user_id=member.user.id, marketplace="US")
    assert cancelled.status == "canceled"
    rt.clock.advance(timedelta(days=31))  # the trial ran out: no benefits, no renewal
    assert not network.is_prime_member(session, member.user.id, "US", rt.clock.now())
    with pytest.raises(NotFound):
        prime.cancel(session, rt.clock, user_id=member.user.id, marketplace="US")


def test_returns_grading_and_removals(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 6})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 2)
    session.commit()
    network.run_outbound(session, rt.clock)
    network.receive_return(
        session,
        rt.clock,
        order_id=order.id,
        offer_id=stocked.offer_id,
        quantity=1,
        grade="sellable",
    )
    assert offer_quantity(session, stocked.offer_id) == 5
    network.receive_return(
        session,
        rt.clock,
        order_id=order.id,
        offer_id=stocked.offer_id,
        quantity=1,
        grade="warehouse_damaged",
    )
    assert _buckets(session, stocked.offer_id)["unfulfillable"] == 1
    with pytest.raises(InvalidInput):
        network.receive_return(
            session,
            rt.clock,
            order_id=order.id,
            offer_id=stocked.offer_id,
            quantity=1,
            grade="sellable",
        )
    session.rollback()
    kinds = [line.tx.kind for line in finance.transactions(session, stocked.seller_id, "US")]
    assert kinds.count("returns_processing") == 2 and "reimbursement" in kinds

    centre = network.centres(session, "US")[0]
    ewr = next(c for c in network.centres(session, "US") if c.code == "EWR4")
    network.request_removal(
        session,
        rt.clock,
        seller_id=stocked.seller_id,
        offer_id=stocked.offer_id,
        centre_id=ewr.id,
        quantity=1,
        kind="disposal",
        bucket="unfulfillable",
    )
    network.request_removal(
        session,
        rt.clock,
        seller_id=stocked.seller_id,
        offer_id=stocked.offer_id,
        centre_id=ewr.id,
        quantity=2,
        kind="return",
    )
    assert offer_quantity(session, stocked.offer_id) == 3
    with pytest.raises(InvalidState):
        network.request_removal(
            session,
            rt.clock,
            seller_id=stocked.seller_id,
            offer_id=stocked.offer_id,
            centre_id=ewr.id,
            quantity=50,
            kind="return",
        )
    session.rollback()
    assert offer_quantity(session, stocked.offer_id) == 3
    del centre


def test_aged_inventory_and_storage_fees(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 100})
    rt.clock.advance(timedelta(days=200))
    _names, rows = network.aged_inventory(session, stocked.seller_id, "US", rt.clock.now())
    assert rows[0].buckets["181-270"] == 100
    network.charge_storage(session, rt.clock)
    network.charge_storage(session, rt.clock)  # charged once per month however often it runs
    fees = [
        line
        for line in finance.transactions(session, stocked.seller_id, "US")
        if line.tx.kind in ("storage", "aged_inventory")
    ]
    # 100 units x 0.25 cu ft = 25 cu ft: August storage 0.78 -> 19.50; aged 181+ -> 12.50.
    assert sorted(line.fees.minor for line in fees) == [1250, 1950]
