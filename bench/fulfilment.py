"""The fulfilment network's delivery promise and order routing.

1. "Arrives by" for a product page: the platform-fulfilled offer's stock per
   centre read from the database (SQLite), the cached network facts, cut-off in
   each centre's zone, transit to the buyer's postal code, weekends and carrier
   holidays; p50/p99 in microseconds, beside the fixed handling-plus-transit
   window the page showed before the network (orders.rules.delivery_window).
2. Routing 10,000 orders (1-3 lines, random US postal codes, stock spread over
   three centres): a promise per centre and the one-parcel-else-split choice,
   beside a baseline that sends every line to the first centre holding it.

    .venv/bin/python bench/fulfilment.py [--orders N] [--samples N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.finance.rules import Dimensions
from souk.fulfillment import network, rules
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.orders.rules import delivery_window
from souk.sellers.service import register_seller

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # a Tuesday, before Thanksgiving


def _us(micro: list[float]) -> str:
    return f"p50 {percentile(micro, 50):8.1f} us  p99 {percentile(micro, 99):8.1f} us"


def bench_promise(samples: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = Settings(
            var_dir=Path(tmp) / "var", database_url=url, secret_key="b", run_background=False
        )
        rt = Runtime.build(settings, clock=FrozenClock(NOW))
        rt.deliver_inline()
        with rt.sessions() as session:
            network.seed_network(session)
            seller, _ = register_seller(
                session,
                rt.clock,
                business_name="Bench Goods",
                email="bench@example.com",
                country="US",
                plan="professional",
                password="Correct-Horse-9",
            )
            product = create_product(
                session,
                rt.clock,
                ProductDraft(
                    title="Bench Kettle 1.7 l",
                    category_path="Home & Kitchen/Kettles",
                    brand="Bench",
                    bullets=("Boils fast",),
                ),
            ).product
            offer = put_offer(
                session,
                rt.clock,
                seller_id=seller.id,
                asin=product.asin,
                marketplace="US",
                terms=OfferTerms(
                    sku="BENCH-1",
                    condition="new",
                    price=Money.parse("29.99", "USD"),
                    shipping=Money.zero("USD"),
                    quantity=0,
                    handling_days=1,
                    fulfillment_channel="PLATFORM",
                ),
            )
            session.commit()
            for code in ("EWR4", "DFW7", "ONT8"):
                plan = network.create_inbound_plan(
                    session,
                    rt.clock,
                    seller_id=seller.id,
                    marketplace="US",
                    name=code,
                    lines=[
                        network.InboundRequestLine(
                            offer.sku,
                            20,
                            Dimensions(Decimal(9), Decimal(6), Decimal(3), Decimal(1)),
                        )
                    ],
                    centre_code=code,
                )
                view = network.plan_view(session, seller.id, plan.id)
                for shipment, _centre, lines in view.shipments:
                    network.receive_shipment(
                        session,
                        rt.clock,
                        shipment_id=shipment.id,
                        counts={o.id: (line.expected, 0) for line, o in lines},
                    )
            offer_id = offer.id
        rng = random.Random(3)
        zips = [f"{rng.randint(0, 99999):05d}" for _ in range(samples)]
        market = MARKETPLACES["US"]
        with rt.read_sessions() as session:
            network.promise_for_offer(
                session, offer_id=offer_id, marketplace="US", postal_code="10001", now=NOW
            )
            ours, base = [], []
            for code in zips:
                t = time.perf_counter()
                promise = network.promise_for_offer(
                    session, offer_id=offer_id, marketplace="US", postal_code=code, now=NOW
                )
                ours.append((time.perf_counter() - t) * 1e6)
                assert promise is not None
                t = time.perf_counter()
                delivery_window(NOW, 1, 3, 5, market.zone, 14)
                base.append((time.perf_counter() - t) * 1e6)
        rt.close()
    print(f"product-page promise ({samples} postal codes, stock query included)")
    print(f"  network promise : {_us(ours)}")
    print(f"  fixed window    : {_us(base)}   (baseline, no stock or lanes)")
    print(f"  ratio p99       : {percentile(ours, 99) / max(percentile(base, 99), 1e-9):.1f}x")


def bench_routing(orders: int) -> None:
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    days_off = network.carrier_days_off("US", NOW.year)
    facts = []
    for spec in network.DEFAULT_NETWORK:
        if spec.marketplace != "US":
            continue
        lanes = {}
        for prefix, _region, standard, two_day, _next_day, cost in spec.lanes:
            lanes[(prefix, rules.STANDARD)] = rules.Lane(standard, cost)
            lanes[(prefix, rules.TWO_DAY)] = rules.Lane(two_day, cost + 250)
        facts.append(
            rules.CentreFacts(
                spec.code, ZoneInfo(spec.time_zone), dtime(spec.cutoff_hour), lanes, days_off
            )
        )
    rng = random.Random(11)
    work = []
    for n in range(orders):
        lines = {n * 10 + i: rng.randint(1, 3) for i in range(rng.randint(1, 3))}
        available = {line: {c.code: rng.choice((0, 2, 5, 50)) for c in facts} for line in lines}
        for line, wanted in lines.items():  # every order can be filled somewhere
            available[line][facts[rng.randrange(3)].code] += wanted
        work.append((f"{rng.randint(0, 99999):05d}", lines, available))

    start = time.perf_counter()
    split = 0
    for postal, lines, available in work:
        promises = {
            c.code: p for c in facts if (p := rules.promise_from(c, NOW, postal, rules.STANDARD))
        }
        allocations = rules.route(lines, available, promises)
        split += len({a.centre for a in allocations}) > 1
    ours = time.perf_counter() - start

    start = time.perf_counter()
    for _postal, lines, available in work:
        for line, wanted in lines.items():
            next(code for code, units in available[line].items() if units >= wanted or units)
    base = time.perf_counter() - start
    print(f"routing {orders:,} orders ({split:,} split over centres)")
    print(f"  promise + route : {ours * 1000:8.1f} ms  ({orders / ours:,.0f} orders/s)")
    print(f"  first centre    : {base * 1000:8.1f} ms  (baseline, no promise)")
    print(f"  ratio           : {ours / max(base, 1e-9):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=5_000)
    args = parser.parse_args()
    bench_promise(args.samples)
    bench_routing(args.orders)


if __name__ == "__main__":
    main()
