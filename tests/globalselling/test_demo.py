"""The demo marketplace's global selling: daily rates and the demo seller's copied offers."""

from __future__ import annotations

from sqlalchemy import func, select

from souk.globalselling import rules
from souk.globalselling import service as selling
from souk.globalselling.demo import DEMO_RATES, load_global_selling_demo
from souk.globalselling.models import ExchangeRate
from souk.offers.models import Offer
from souk.sellers.service import register_seller
from tests import factories as f


def test_demo_records_daily_rates_and_copies_the_demo_sellers_offers(rt, session):
    seller, _ = register_seller(
        session,
        rt.clock,
        business_name="Demo Seller",
        email="seller@souk.example",
        country="US",
        plan="professional",
        password=f.PASSWORD,
    )
    for price in ("12.99", "149.00"):
        product = f.product(session, rt.clock)
        f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, price=price)
    seller_id = seller.id
    session.commit()
    copied = load_global_selling_demo(rt, seller_email="seller@souk.example", days=3, seed=1)
    assert copied == 4
    with rt.read_sessions() as check:
        assert check.scalar(select(func.count()).select_from(ExchangeRate)) == 4 * len(DEMO_RATES)
        copies = check.scalars(
            select(Offer).where(Offer.seller_id == seller_id, Offer.marketplace.in_(["DE", "UK"]))
        ).all()
        assert {(o.marketplace, o.currency) for o in copies} == {("DE", "EUR"), ("UK", "GBP")}
        for offer in copies:
            assert rules.is_price_point(offer.price_minor, selling.price_points(offer.marketplace))
    # Loading again for a seller that does not exist copies nothing and fails nothing.
    assert load_global_selling_demo(rt, seller_email="nobody@souk.example", days=0, seed=1) == 0
