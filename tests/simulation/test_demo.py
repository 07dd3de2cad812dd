"""Loading a small demo marketplace and simulating trade, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select

from souk.accounts.service import authenticate
from souk.catalog.models import Product, ProductImage
from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.errors import Conflict, InvalidInput
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.fulfillment.models import Shipment
from souk.fulfillment.rules import check_tracking
from souk.offers.models import Offer
from souk.orders.models import Order
from souk.simulation.demo import DEMO_LOGINS, demo_is_loaded, load_demo
from souk.simulation.simulator import simulate

SMALL = {"products": 60, "sellers": 4, "buyers": 10, "days": 2, "seed": 5}
ORDERS_PER_DAY = 30


def _counts(rt: Runtime) -> dict[str, object]:
    with rt.read_sessions() as session:
        return {
            "products": session.scalar(select(func.count()).select_from(Product)),
            "offers": session.scalar(select(func.count()).select_from(Offer)),
            "orders": dict(
                session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
            ),
            "delivered": session.scalar(
                select(func.count()).select_from(Order).where(Order.delivered_at.is_not(None))
            ),
            "canceled_by": dict(
                session.execute(
                    select(Order.canceled_by, func.count())
                    .where(Order.canceled_by != "")
                    .group_by(Order.canceled_by)
                ).all()
            ),
        }


def test_small_demo_load_builds_a_trading_marketplace(rt: Runtime) -> None:
    with rt.read_sessions() as session:
        assert not demo_is_loaded(session)
    summary = load_demo(rt, progress=False, orders_per_day=ORDERS_PER_DAY, **SMALL)
    assert "60 products" in summary.describe()

    with rt.read_sessions() as session:
        assert demo_is_loaded(session)
        assert session.scalar(select(func.count()).select_from(Product)) == 60
        images = session.scalars(select(ProductImage)).all()
        assert len(images) == 60
        for image in images[:10]:
            path = rt.media.path(image.storage_key)
            assert path is not None and path.stat().st_size > 5_000
        sellers_with_offers = session.scalar(select(func.count(distinct(Offer.seller_id))))
        assert sellers_with_offers >= 4
        assert session.scalar(
            select(func.count()).select_from(Offer).where(Offer.condition != "new")
        )
        assert set(session.scalars(select(Offer.marketplace).distinct())) >= {"US"}
        for carrier, number in session.execute(
            select(Shipment.carrier, Shipment.tracking_number)
        ).all():
            check_tracking(carrier, number)
        for _, email, password in DEMO_LOGINS:
            assert authenticate(session, email, password).email == email
        latest = session.scalar(select(func.max(Order.purchased_at)))
        earliest = session.scalar(select(func.min(Order.purchased_at)))
    # History ends at "now" and goes back the requested days.
    assert rt.clock.now() - timedelta(days=1) < latest <= rt.clock.now()
    assert earliest >= rt.clock.now() - timedelta(days=2)

    counts = _counts(rt)
    statuses = counts["orders"]
    assert isinstance(statuses, dict)
    assert {"Unshipped", "Shipped", "Canceled"} <= set(statuses)
    assert counts["delivered"]
    assert summary.simulation is not None and summary.simulation.orders_placed > 30

    with pytest.raises(Conflict):
        load_demo(rt, progress=False, **SMALL)


def test_the_same_seed_gives_the_same_history(rt: Runtime, tmp_path: Path) -> None:
    load_demo(rt, progress=False, orders_per_day=ORDERS_PER_DAY, **SMALL)
    path = tmp_path / "again.db"
    upgrade(f"sqlite:///{path}")
    settings = Settings(
        var_dir=tmp_path / "again-var",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret",
        run_background=False,
    )
    again = Runtime.build(settings, clock=FrozenClock(rt.clock.now()))
    again.deliver_inline()
    try:
        load_demo(again, progress=False, orders_per_day=ORDERS_PER_DAY, **SMALL)
        assert _counts(again) == _counts(rt)
    finally:
        again.close()


def test_simulate_refuses_less_than_a_day_and_changes_nothing(rt: Runtime) -> None:
    for days in (0, -3):
        with pytest.raises(InvalidInput, match="at least one day") as raised:
            simulate(rt, days=days, seed=1, orders_per_day=10, progress=False)
        assert raised.value.field == "days"
    with pytest.raises(InvalidInput, match="Orders per day"):
        simulate(rt, days=1, seed=1, orders_per_day=0, progress=False)
    with rt.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_simulate_on_an_empty_marketplace_says_to_load_the_demo(rt: Runtime) -> None:
    with pytest.raises(InvalidInput, match="souk demo load"):
        simulate(rt, days=1, seed=1, orders_per_day=10, progress=False)


def test_simulate_continues_history_from_where_it_ended(rt: Runtime) -> None:
    load_demo(rt, progress=False, orders_per_day=ORDERS_PER_DAY, **{**SMALL, "days": 1})
    with rt.read_sessions() as session:
        before = session.scalar(select(func.count()).select_from(Order))
        last = session.scalar(select(func.max(Order.updated_at)))
    report = simulate(rt, days=1, seed=9, orders_per_day=20, progress=False)
    assert report.start == last
    assert report.orders_placed > 0
    with rt.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == before + (
            report.orders_placed
        )
    assert "orders/s" in report.describe()
