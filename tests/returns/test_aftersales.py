"""The simulated after-sales day: returns, refunds, claims and feedback stay
inside souk's rules, and a seed reproduces them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.feedback.models import SellerFeedback
from souk.jobs.registry import run_job
from souk.orders.models import Order
from souk.returns import rules
from souk.returns.models import Claim, Refund, ReturnRequest
from souk.simulation import aftersales
from souk.simulation.rules import SellerTraits
from tests import factories as f
from tests.returns import support as s


@dataclass(frozen=True)
class _Seller:
    key: str
    traits: SellerTraits


STRUGGLING = SellerTraits(1.0, 2, late_shipment_rate=0.3, cancel_rate=0.08, assortment=1.0)
DEPENDABLE = SellerTraits(1.0, 1, late_shipment_rate=0.0, cancel_rate=0.0, assortment=1.0)


def test_unreliable_sellers_get_worse_feedback() -> None:
    import random

    def mean(u: float) -> float:
        rng = random.Random(7)
        return sum(aftersales.stars_for(rng, u, False, False) for _ in range(2000)) / 2000

    assert aftersales.unreliability(DEPENDABLE) == 0.0
    assert aftersales.unreliability(STRUGGLING) == 1.0
    assert mean(0.0) > 4.4 > mean(0.6)


def test_a_month_of_aftersales_follows_the_rules(rt, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Dense on purpose: every order gets a return, feedback and a claim planned.
    monkeypatch.setattr(aftersales, "RETURN_RATE", 1.0)
    monkeypatch.setattr(aftersales, "FEEDBACK_RATE", 1.0)
    monkeypatch.setattr(aftersales, "CLAIM_RATE", 1.0)
    item = s.listing(rt, session, price="25.00", shipping="3.00", quantity=50)
    buyers = [f.buyer(session, rt.clock) for _ in range(3)]
    orders = [s.delivered_order(rt, session, b, item.offer, 2) for b in [*buyers, buyers[0]]]
    session.commit()
    sellers = {item.seller.id: _Seller("struggling@example.com", STRUGGLING)}
    day = orders[0].purchased_at.replace(hour=0, minute=0, second=0, microsecond=0)
    totals = aftersales.AftersalesReport()
    for _ in range(34):
        rt.clock.set(day + timedelta(days=1))
        report = aftersales.simulate_day(rt, rt.clock, 3, day, sellers)
        assert rt.clock.now() == day + timedelta(days=1)  # the clock ends at the day's end
        run_job(rt.sessions, rt.clock, "returns.auto_authorize")
        for name in vars(totals):
            setattr(totals, name, getattr(totals, name) + getattr(report, name))
        day += timedelta(days=1)

    session.expire_all()
    assert totals.returns == len(orders) and totals.feedback == len(orders)
    assert totals.claims >= 1 and totals.received >= 1
    by_order = {o.id: o for o in session.scalars(select(Order))}
    for request in session.scalars(select(ReturnRequest)):
        delivered = by_order[request.order_id].delivered_at
        assert delivered <= request.requested_at <= delivered + timedelta(days=30)
        assert request.status != rules.REQUESTED  # answered, or authorised by souk
    refunded = dict(
        session.execute(
            select(Refund.order_id, func.sum(Refund.amount_minor)).group_by(Refund.order_id)
        ).all()
    )
    assert refunded and all(refunded[o] <= by_order[o].total_minor for o in refunded)
    for feedback in session.scalars(select(SellerFeedback)):
        delivered = by_order[feedback.order_id].delivered_at
        assert delivered <= feedback.left_at <= delivered + timedelta(days=90)
    for claim in session.scalars(select(Claim)):
        order = by_order[claim.order_id]
        assert claim.filed_at >= order.latest_delivery_at + timedelta(days=3)
    # A struggling seller's buyers are not happy.
    mean = session.scalar(select(func.avg(SellerFeedback.stars)))
    assert mean is not None and float(mean) < 4.0


@pytest.mark.parametrize("seed", [11])
def test_the_same_seed_gives_the_same_aftersales(rt, session, seed) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    session.commit()
    sellers = {item.seller.id: _Seller("steady@example.com", DEPENDABLE)}
    start = order.delivered_at.replace(hour=0, minute=0, second=0, microsecond=0)
    plan = [
        aftersales._Day(rt, rt.clock, seed, start, sellers).rng(order, "feedback").random()
        for _ in range(2)
    ]
    assert plan[0] == plan[1]
    other = aftersales._Day(rt, rt.clock, seed + 1, start, sellers).rng(order, "feedback").random()
    assert other != plan[0]
