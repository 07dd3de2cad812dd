"""The demo promotions load for the demo seller and show on Today's Deals."""

from __future__ import annotations

from sqlalchemy import select

from souk.promotions.demo import load_promotions_demo
from souk.promotions.models import Event, Promotion
from souk.promotions.service import deal_cards
from tests import factories as f


def test_demo_promotions(rt, session):
    seller = f.seller(session, rt.clock)
    for n in range(8):
        product = f.product(session, rt.clock)
        f.offer(
            session, rt.clock, seller_id=seller.id, asin=product.asin, price=f"{20 + n}.99",
            quantity=30,
        )  # fmt: skip
    email = seller.email
    session.commit()
    session.close()  # SQLite has one writer: the loader opens its own sessions
    assert load_promotions_demo(rt, seller_email=email) == 6
    kinds = sorted(p.kind for p in session.scalars(select(Promotion)))
    assert kinds.count("lightning_deal") == 4  # two of them submitted to the event
    assert session.scalar(select(Event.name)) == "Members' Spring Sale"
    live = {c.promotion.title for c in deal_cards(session, rt.clock.now(), "US", None)}
    assert live == {"Lightning deal of the day", "Ten percent coupon", "Buy two, get one free"}
    session.commit()
    assert load_promotions_demo(rt, seller_email="nobody@example.com") == 0
