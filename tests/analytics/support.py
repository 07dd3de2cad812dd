"""Three weeks of one seller's trade, for analytics tests and the browser journey."""

from __future__ import annotations

from datetime import timedelta

from souk.core.clock import utc
from souk.orders.service import CheckoutRequest, place_order
from souk.recs.service import Shopper, record_view
from souk.search.models import SearchClick, SearchImpression, SearchLog
from tests import factories as f
from tests.promotions import support as s

DAYS = 21
#: units bought per weekday, Monday first: a weekly pattern for the forecast to find
WEEKDAY_UNITS = (1, 1, 1, 1, 2, 3, 2)


def build_trade(rt, session):  # type: ignore[no-untyped-def]
    """Three weeks of a seller's trade: daily orders from two buyers, views, a search."""
    rt.clock.set(utc(2026, 2, 2, 15))  # a Monday, 10:00 in New York
    seller = f.seller(session, rt.clock, name="Kettle House")
    rival = f.seller(session, rt.clock, name="Other Shop")
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    other = f.product(session, rt.clock, title="Rival Kettle")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="20.00", quantity=500,
        sku="KETTLE-1",
    )  # fmt: skip
    f.offer(session, rt.clock, seller_id=rival.id, asin=other.asin, price="18.00", quantity=50)
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    californian = s.buyer_in(session, rt.clock, "CA")
    for day in range(DAYS):
        buyer = new_yorker if day % 3 else californian
        units = WEEKDAY_UNITS[day % 7]
        place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key=f"day-{day}",
                lines=((offer.id, units),),
            ),
        )
        for visitor in ("v1", "v2", "v3"):
            record_view(session, rt.clock, Shopper(visitor=visitor), "US", kettle.asin)
        record_view(session, rt.clock, Shopper(visitor="v1"), "US", kettle.asin)  # same session
        session.commit()
        rt.clock.advance(timedelta(days=1))
    log = SearchLog(
        marketplace="US", query="steel kettle", normalised_query="steel kettl", visitor="v9",
        result_count=2, at=rt.clock.now() - timedelta(days=2),
    )  # fmt: skip
    session.add(log)
    session.flush()
    session.add_all(
        [
            SearchImpression(search_id=log.id, asin=kettle.asin, marketplace="US", position=1),
            SearchImpression(search_id=log.id, asin=other.asin, marketplace="US", position=2),
            SearchClick(
                search_id=log.id,
                asin=other.asin,
                marketplace="US",
                position=2,
                at=rt.clock.now() - timedelta(days=2),
            ),
            SearchClick(
                search_id=log.id,
                asin=kettle.asin,
                marketplace="US",
                position=1,
                at=rt.clock.now() - timedelta(days=2),
            ),
        ]
    )
    session.commit()
    return seller, kettle, offer
