"""Stock per centre under concurrency on PostgreSQL: counts never go negative,
and the offer's sellable count stays equal to fulfillable units."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.db import make_engine
from souk.core.events import deliver_pending
from souk.core.runtime import Runtime
from souk.fulfillment import network
from souk.fulfillment.models import CentreStock, StockEvent
from souk.offers.models import Offer
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f
from tests.conftest import START, _truncate_postgres
from tests.fulfillment.support import platform_offer, stock_at
from tests.orders.test_concurrency import _race

THREADS = 24


@pytest.fixture
def pg(postgres_url: str, tmp_path) -> Iterator[Runtime]:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=postgres_url,
        secret_key="test-secret",
        run_background=False,
    )
    engine = make_engine(postgres_url, pool_size=THREADS + 5, max_overflow=0)
    runtime = Runtime.build(settings, clock=FrozenClock(START), engine=engine)
    yield runtime
    runtime.close()
    _truncate_postgres(postgres_url)


def test_racing_removals_never_take_a_bucket_below_zero(pg: Runtime):
    with pg.sessions() as session:
        stocked = platform_offer(pg, session)
        stock_at(pg, session, stocked, {"EWR4": 10})
        centre_id = next(c.id for c in network.centres(session, "US") if c.code == "EWR4")

    def attempt(index: int) -> int:
        with pg.sessions() as own:
            return network.request_removal(
                own,
                pg.clock,
                seller_id=stocked.seller_id,
                offer_id=stocked.offer_id,
                centre_id=centre_id,
                quantity=1 + index % 2,
                kind="return",
            ).quantity

    removed, errors = _race(THREADS, attempt)
    assert {type(e).__name__ for e in errors} <= {"InvalidState"}, errors[:3]
    with pg.sessions() as session:
        row = session.scalar(select(CentreStock).where(CentreStock.offer_id == stocked.offer_id))
        assert row.fulfillable == 10 - sum(removed) >= 0
        assert sum(removed) >= 9  # everything that fitted went out
        assert session.get(Offer, stocked.offer_id).quantity == row.fulfillable
        events = session.scalar(
            select(func.sum(StockEvent.quantity)).where(StockEvent.reason == "removal_return")
        )
        assert events == sum(removed)


def test_racing_checkouts_route_exactly_what_was_sold(pg: Runtime):
    with pg.sessions() as session:
        stocked = platform_offer(pg, session)
        stock_at(pg, session, stocked, {"EWR4": 4, "ONT8": 4})
        buyers = [f.buyer(session, pg.clock) for _ in range(THREADS)]
        session.commit()
        requests = [
            CheckoutRequest(
                buyer_id=b.user.id,
                marketplace="US",
                address_id=b.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key=f"race-{i}",
                lines=((stocked.offer_id, 1),),
            )
            for i, b in enumerate(buyers)
        ]

    def attempt(index: int) -> str:
        with pg.sessions() as own:
            return place_order(own, pg.clock, pg.payments, requests[index]).orders[0].id

    placed, errors = _race(THREADS, attempt)
    assert len(placed) == 8
    assert {type(e).__name__ for e in errors} == {"OutOfStock"}
    while deliver_pending(pg.sessions, pg.clock):
        pass
    with pg.sessions() as session:
        rows = session.scalars(
            select(CentreStock).where(CentreStock.offer_id == stocked.offer_id)
        ).all()
        assert sum(r.reserved for r in rows) == 8
        assert all(r.fulfillable == 0 and r.reserved == 4 for r in rows)
        assert session.get(Offer, stocked.offer_id).quantity == 0
