"""No oversell on PostgreSQL: many buyers race for the last units with real connections.

These tests ask for ``postgres_url`` directly rather than ``rt``: SQLite has a
single writer, so the race only means something on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.db import make_engine
from souk.core.errors import SoukError
from souk.core.runtime import Runtime
from souk.offers.models import Offer
from souk.orders.models import Checkout, Order, OrderItem, Payment
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f
from tests.conftest import START, _truncate_postgres

BUYERS = 50
UNITS = 10


@pytest.fixture
def pg(postgres_url: str, tmp_path) -> Iterator[Runtime]:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=postgres_url,
        secret_key="test-secret",
        run_background=False,
    )
    # One connection per racing thread, so nobody waits for the pool instead of the row.
    engine = make_engine(postgres_url, pool_size=BUYERS + 5, max_overflow=0)
    runtime = Runtime.build(settings, clock=FrozenClock(START), engine=engine)
    yield runtime
    runtime.close()
    _truncate_postgres(postgres_url)


def _race(count: int, attempt) -> tuple[list[object], list[BaseException]]:
    """Run ``attempt(i)`` in ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcome = attempt(index)
        except BaseException as error:  # collected and judged by the test
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a checkout thread hung"
    return results, errors


def test_fifty_buyers_racing_for_ten_units_buy_exactly_ten(pg: Runtime):
    with pg.sessions() as session:
        seller = f.seller(session, pg.clock)
        product = f.product(session, pg.clock)
        offer = f.offer(session, pg.clock, seller_id=seller.id, asin=product.asin, quantity=UNITS)
        buyers = [f.buyer(session, pg.clock) for _ in range(BUYERS)]
        requests = [
            CheckoutRequest(
                buyer_id=b.user.id,
                marketplace="US",
                address_id=b.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key=f"race-{i}",
                lines=((offer.id, 1),),
            )
            for i, b in enumerate(buyers)
        ]

    def attempt(index: int) -> str:
        with pg.sessions() as own:  # each thread its own session and connection
            return place_order(own, pg.clock, pg.payments, requests[index]).orders[0].id

    placed, errors = _race(BUYERS, attempt)

    assert len(placed) == UNITS
    assert len(errors) == BUYERS - UNITS
    assert {type(e).__name__ for e in errors} == {"OutOfStock"}, errors[:3]
    with pg.sessions() as session:
        assert session.get(Offer, offer.id).quantity == 0
        orders = session.scalars(select(Order)).all()
        assert len(orders) == UNITS and {o.status for o in orders} == {"Unshipped"}
        assert session.scalar(select(func.sum(OrderItem.quantity))) == UNITS
        assert len({o.buyer_id for o in orders}) == UNITS
        # Every payment ends captured with an order, or released without one.
        order_checkouts = {o.checkout_id for o in orders}
        payments = session.scalars(select(Payment)).all()
        assert len(payments) == BUYERS
        for payment in payments:
            if payment.checkout_id in order_checkouts:
                assert payment.status == "captured"
            else:
                assert payment.status in ("released", "declined")
        assert Counter(p.status for p in payments) == {
            "captured": UNITS,
            "released": BUYERS - UNITS,
        }
        statuses = Counter(session.scalars(select(Checkout.status)))
        assert statuses == {"placed": UNITS, "failed": BUYERS - UNITS}


def test_stock_is_never_negative_when_buyers_take_several_units(pg: Runtime):
    with pg.sessions() as session:
        seller = f.seller(session, pg.clock)
        offer = f.offer(
            session,
            pg.clock,
            seller_id=seller.id,
            asin=f.product(session, pg.clock).asin,
            quantity=UNITS,
        )
        buyers = [f.buyer(session, pg.clock) for _ in range(12)]
        offer_id = offer.id

    def attempt(index: int) -> int:
        buyer = buyers[index]
        with pg.sessions() as own:
            result = place_order(
                own,
                pg.clock,
                pg.payments,
                CheckoutRequest(
                    buyer.user.id,
                    "US",
                    buyer.address.id,
                    "standard",
                    f.GOOD_CARD,
                    f"multi-{index}",
                    ((offer_id, 3),),
                ),
            )
            return result.orders[0].items[0].quantity

    placed, errors = _race(len(buyers), attempt)
    assert sum(placed) == 9  # three buyers of three; the last unit cannot make a fourth
    assert all(isinstance(e, SoukError) and e.code == "OutOfStock" for e in errors)
    with pg.sessions() as session:
        assert session.get(Offer, offer_id).quantity == 1


def test_same_idempotency_key_raced_by_eight_threads_makes_one_order(pg: Runtime):
    with pg.sessions() as session:
        seller = f.seller(session, pg.clock)
        offer = f.offer(
            session,
            pg.clock,
            seller_id=seller.id,
            asin=f.product(session, pg.clock).asin,
            quantity=UNITS,
        )
        buyer = f.buyer(session, pg.clock)
        request = CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="press-twice",
            lines=((offer.id, 2),),
        )

    def attempt(_: int) -> str:
        with pg.sessions() as own:
            return place_order(own, pg.clock, pg.payments, request).orders[0].id

    placed, errors = _race(8, attempt)
    # The winner places the order; the others replay it or are told it is in progress.
    assert len(set(placed)) == 1
    assert all(getattr(e, "code", "") == "CheckoutInProgress" for e in errors), errors[:3]
    with pg.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
        assert session.get(Offer, offer.id).quantity == UNITS - 2
