"""A lightning deal claimed by many buyers at once never oversells (PostgreSQL, threads).

Like tests/orders/test_concurrency.py this asks for ``postgres_url`` directly: SQLite
has a single writer, so the race only means something on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.db import make_engine
from souk.core.runtime import Runtime
from souk.orders.models import Order, OrderItem
from souk.orders.service import CheckoutRequest, place_order
from souk.promotions.models import Promotion, PromotionClaim
from tests import factories as f
from tests.conftest import START, _truncate_postgres
from tests.promotions import support as s

pytestmark = pytest.mark.postgres_only

BUYERS = 30
DEAL_UNITS = 6


@pytest.fixture
def pg(postgres_url: str, tmp_path) -> Iterator[Runtime]:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=postgres_url,
        secret_key="test-secret",
        run_background=False,
    )
    engine = make_engine(postgres_url, pool_size=BUYERS + 5, max_overflow=0)
    runtime = Runtime.build(settings, clock=FrozenClock(START), engine=engine)
    yield runtime
    runtime.close()
    _truncate_postgres(postgres_url)


def test_thirty_buyers_racing_for_a_six_unit_deal_get_six_units_at_the_deal_price(pg: Runtime):
    with pg.sessions() as session:
        seller = f.seller(session, pg.clock)
        product = f.product(session, pg.clock)
        offer = f.offer(
            session,
            pg.clock,
            seller_id=seller.id,
            asin=product.asin,
            price="20.00",
            quantity=200,
            sku="RACE-1",
        )
        buyers = [s.buyer_in(session, pg.clock, "NY") for _ in range(BUYERS)]
        deal = s.lightning(session, pg.clock, seller_id=seller.id, sku="RACE-1", units=DEAL_UNITS)
        deal_id, offer_id = deal.id, offer.id
    pg.clock.set(utc(2026, 3, 8, 13))  # 09:00 in New York: the deal is live
    requests = [
        CheckoutRequest(
            buyer_id=b.user.id,
            marketplace="US",
            address_id=b.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key=f"deal-race-{i}",
            # Two units each: a buyer may get one at the deal price and one at the list price.
            lines=((offer_id, 2),),
        )
        for i, b in enumerate(buyers)
    ]
    barrier = threading.Barrier(BUYERS)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            with pg.sessions() as own:
                place_order(own, pg.clock, pg.payments, requests[index])
        except BaseException as error:
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a checkout thread hung"
    # Those who lost the race fail with a clear message; nobody got an unclaimed deal.
    assert {type(e).__name__ for e in errors} <= {"OutOfStock"}, errors[:3]
    assert all("sold out" in str(e) for e in errors)
    with pg.sessions() as session:
        claimed = session.get(Promotion, deal_id).claimed
        deal_units = session.scalar(
            select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                OrderItem.offer_id == offer_id, OrderItem.unit_price_minor == 1400
            )
        )
        claim_units = session.scalar(select(func.sum(PromotionClaim.units)))
        orders = session.scalar(select(func.count()).select_from(Order))
    assert claimed == DEAL_UNITS
    assert deal_units == DEAL_UNITS
    assert claim_units == DEAL_UNITS
    assert orders == BUYERS - len(errors)
    assert orders >= DEAL_UNITS // 2
