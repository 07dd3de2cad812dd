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
from souk.orders.rules import CANCELED
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


def test_units_held_for_the_waitlist_never_oversell_while_buyers_race(pg: Runtime):
    """Six units sold, two orders canceled: their units are held for the first two
    buyers waiting. Twenty buyers (the two holders among them) then race for the deal,
    while the hold job runs: the holders get their units, nobody else gets a deal unit."""
    from datetime import timedelta

    from souk.core.events import deliver_pending
    from souk.orders.service import cancel_by_buyer
    from souk.promotions import waitlist
    from souk.promotions.models import DealWaitlist
    from souk.promotions.service import join_waitlist

    with pg.sessions() as session:
        seller = f.seller(session, pg.clock)
        product = f.product(session, pg.clock)
        offer = f.offer(
            session, pg.clock, seller_id=seller.id, asin=product.asin, price="20.00",
            quantity=200, sku="HOLD-1",
        )  # fmt: skip
        first = [s.buyer_in(session, pg.clock, "NY") for _ in range(DEAL_UNITS)]
        racers = [s.buyer_in(session, pg.clock, "NY") for _ in range(20)]
        deal = s.lightning(session, pg.clock, seller_id=seller.id, sku="HOLD-1", units=DEAL_UNITS)
        deal_id, offer_id = deal.id, offer.id
        ids = [(b.user.id, b.address.id) for b in first + racers]
    pg.clock.set(utc(2026, 3, 8, 13))

    def request(buyer: tuple[int, int], key: str) -> CheckoutRequest:
        return CheckoutRequest(
            buyer_id=buyer[0], marketplace="US", address_id=buyer[1], delivery_speed="standard",
            card=f.GOOD_CARD, idempotency_key=key, lines=((offer_id, 1),),
        )  # fmt: skip

    with pg.sessions() as session:
        orders = [
            place_order(session, pg.clock, pg.payments, request(b, f"first-{i}")).orders[0].id
            for i, b in enumerate(ids[:DEAL_UNITS])
        ]
        for buyer_id, _ in ids[DEAL_UNITS:]:
            pg.clock.advance(timedelta(seconds=1))
            join_waitlist(session, pg.clock, buyer_id, deal_id)
        for (buyer_id, _), order_id in list(zip(ids[:DEAL_UNITS], orders, strict=True))[:2]:
            cancel_by_buyer(
                session, pg.clock, pg.payments, buyer_id=buyer_id, order_id=order_id,
                reason="Changed my mind",
            )  # fmt: skip
    # The cancellations' events release the units (here through the outbox).
    while deliver_pending(pg.sessions, pg.clock):
        pass
    with pg.sessions() as session:
        held = session.scalars(
            select(DealWaitlist.buyer_id).where(DealWaitlist.status == waitlist.HELD)
        ).all()
    holders = {ids[DEAL_UNITS][0], ids[DEAL_UNITS + 1][0]}
    assert set(held) == holders
    barrier = threading.Barrier(len(racers) + 1)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def buy(index: int) -> None:
        barrier.wait()
        try:
            with pg.sessions() as own:
                place_order(
                    own, pg.clock, pg.payments, request(ids[DEAL_UNITS + index], f"r{index}")
                )
        except BaseException as error:
            with lock:
                errors.append(error)

    def lapse() -> None:
        barrier.wait()
        with pg.sessions() as own:
            waitlist.lapse_holds(own, pg.clock.now())  # nothing is due: holds stay

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(racers))]
    threads.append(threading.Thread(target=lapse))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a checkout thread hung"
    assert not errors, errors[:3]
    with pg.sessions() as session:
        claimed = session.get(Promotion, deal_id).claimed
        deal_buyers = (
            session.execute(
                select(Order.buyer_id)
                .join(OrderItem, OrderItem.order_id == Order.id)
                .where(
                    OrderItem.offer_id == offer_id,
                    OrderItem.unit_price_minor == 1400,
                    Order.status != CANCELED,
                )
            )
            .scalars()
            .all()
        )
    assert claimed == DEAL_UNITS
    assert len(deal_buyers) == DEAL_UNITS
    assert holders <= set(deal_buyers)
