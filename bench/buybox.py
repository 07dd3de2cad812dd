"""The featured offer (Buy Box) at scale.

1. One product's decision (eligibility, scores, suppression, rotation, reasons)
   with 1, 10 and 100 offers, beside sorting the same offers by landed price:
   the pure rules, then through the service (load, decide, store) beside
   loading the same offers sorted by landed price.
2. The full recompute of every product of a 1,000,000-offer catalog on SQLite
   (100,000 products, 2,000 sellers with standings, 300,000 recent order lines
   for the recent selling prices), beside loading the same offers with their
   sellers' flags sorted by landed price per product (a lowest-price featured
   offer's whole cost), in the same run.

The catalog is generated straight into SQLite in bulk (recursive CTEs).

    .venv/bin/python bench/buybox.py [--offers N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import summary, timed

from souk.buybox import rules
from souk.buybox.batch import recompute_all
from souk.buybox.service import recompute_products
from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.money import Money
from souk.core.policy import load_policy
from souk.core.runtime import Runtime
from souk.performance.rules import NEUTRAL_STANDING

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OFFERS_PER_PRODUCT = 10
SELLERS = 2000


def _offers(n: int, rng: random.Random) -> list[rules.OfferFacts]:
    return [
        rules.OfferFacts(
            offer_id=i + 1,
            seller_id=f"S{i % 50}",
            condition="new" if rng.random() < 0.8 else "used_good",
            price=Money("USD", rng.randint(1500, 2500)),
            shipping=Money("USD", rng.choice([0, 0, 399])),
            quantity=rng.randint(0, 30),
            handling_days=rng.randint(0, 4),
            fulfillment_channel=rng.choice(["MERCHANT", "PLATFORM"]),
            seller_plan="professional" if rng.random() < 0.9 else "individual",
            seller_status="active" if rng.random() < 0.95 else "suspended",
            seller_on_holiday=False,
            sku=f"SKU-{i}",
        )
        for i in range(n)
    ]


def _landed(offer: rules.OfferFacts) -> int:
    return offer.price.minor + offer.shipping.minor


def one_product() -> None:
    policy = load_policy().for_marketplace("US").buybox
    rng = random.Random(7)
    context = rules.ProductContext("B000000001", "US", Money("USD", 2100), "US")
    standings = {f"S{i}": NEUTRAL_STANDING for i in range(50)}
    print("one product's decision (rules.decide) vs sorting its offers by landed price")
    for size in (1, 10, 100):
        offers = _offers(size, rng)
        repeat = max(20, 4000 // size)
        decide = [
            timed(lambda o=offers: rules.decide(context, o, standings, policy, 1))
            for _ in range(repeat)
        ]
        sort = [timed(lambda o=offers: sorted(o, key=_landed)) for _ in range(repeat)]
        decide_mean = sum(decide) / len(decide)
        sort_mean = sum(sort) / len(sort)
        print(f"  {size:3d} offers  decide: {summary(decide)}")
        print(f"  {size:3d} offers  sort:   {summary(sort)}")
        print(f"  {size:3d} offers  ratio decide / sort = {decide_mean / sort_mean:6.1f}")


def populate(path: Path, offers: int) -> None:
    """Products, sellers with standings, offers and recent orders, in bulk (with
    ``offers`` 0: the category and the sellers only)."""
    products = max(1, offers // OFFERS_PER_PRODUCT)
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    cte = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)"
    with conn:
        conn.execute(
            "INSERT INTO categories (id, parent_id, name, slug, path, depth)"
            " VALUES (1, NULL, 'Everything', 'everything', 'everything', 0)"
        )
        conn.execute(
            f"{cte} INSERT INTO products (asin, title, normalised_title, category_id, description,"
            " bullets, attributes, variation_theme, variation_values, created_at, updated_at)"
            " SELECT 'B0' || printf('%08d', i), 'Product ' || i, 'product ' || i, 1, '', '[]',"
            " '{}', '', '{}', ?, ? FROM n",
            (products, now, now),
        )
        conn.execute(
            f"{cte} INSERT INTO sellers (id, business_name, store_name, email, country, plan,"
            " status, status_reason, is_platform_retail, on_holiday, about, returns_policy,"
            " default_handling_days, created_at)"
            " SELECT 'A' || printf('%012d', i), 'Seller ' || i, 'Store ' || i,"
            " 'seller' || i || '@bench.example', 'US',"
            " CASE WHEN i % 10 = 0 THEN 'individual' ELSE 'professional' END,"
            " CASE WHEN i % 50 = 0 THEN 'suspended' ELSE 'active' END, '', 0,"
            " CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, '', '', 2, ? FROM n",
            (SELLERS, now),
        )
        # Standings: most sellers healthy with varied rates, a few critical.
        conn.execute(
            f"{cte} INSERT INTO seller_standings (seller_id, marketplace, computed_at,"
            " order_defect_rate, cancellation_rate, late_shipment_rate, valid_tracking_rate,"
            " on_time_delivery_rate, response_rate_24h, feedback_rating, feedback_count,"
            " account_health, health_band, is_new_seller, violation_points, metrics)"
            " SELECT 'A' || printf('%012d', i), 'US', ?, (i % 13) / 500.0, (i % 7) / 200.0,"
            " (i % 11) / 150.0, 1.0 - (i % 9) / 100.0, 0.97, 1.0 - (i % 5) / 20.0,"
            " 3.5 + (i % 15) / 10.0, 50 + i % 400, 200 + (i * 37) % 800,"
            " CASE WHEN i % 40 = 7 THEN 'critical' ELSE 'healthy' END, 0, 0, '{}' FROM n",
            (SELLERS, now),
        )
    if offers > 0:
        with conn:
            _offers_and_orders(conn, cte, offers, products, now)
    conn.execute("ANALYZE")
    conn.close()


def _offers_and_orders(
    conn: sqlite3.Connection, cte: str, offers: int, products: int, now: str
) -> None:
    """Offers of every product from distinct sellers, and recent orders of them."""
    # Offers: each product's offers from distinct sellers, prices around a product
    # base price, some used, some platform-fulfilled, some sold out.
    conn.execute(
        f"{cte} INSERT INTO offers (id, seller_id, asin, marketplace, sku, condition,"
        " condition_note, currency, price_minor, shipping_minor, quantity, handling_days,"
        " fulfillment_channel, is_active, created_at, updated_at)"
        " SELECT i + 1,"
        f" 'A' || printf('%012d', ((i / {OFFERS_PER_PRODUCT}) * 7 + (i % {OFFERS_PER_PRODUCT})"
        f" * 191) % {SELLERS}),"
        f" 'B0' || printf('%08d', (i / {OFFERS_PER_PRODUCT}) % {products}), 'US',"
        " 'SKU-' || i,"
        " CASE WHEN abs(random()) % 10 = 0 THEN 'used_good' ELSE 'new' END, '', 'USD',"
        f" 1000 + ((i / {OFFERS_PER_PRODUCT}) * 37) % 9000 + abs(random()) % 800,"
        " CASE WHEN abs(random()) % 3 = 0 THEN 399 ELSE 0 END,"
        " CASE WHEN abs(random()) % 20 = 0 THEN 0 ELSE abs(random()) % 40 END,"
        " abs(random()) % 5,"
        " CASE WHEN abs(random()) % 4 = 0 THEN 'PLATFORM' ELSE 'MERCHANT' END, 1, ?, ?"
        " FROM n",
        (offers, now, now),
    )
    # Recent orders: 300 lines per 1,000 offers over the last 30 days.
    lines = max(1, offers * 3 // 10)
    conn.execute(
        "INSERT INTO users (id, email, name, password_hash, is_staff, is_active,"
        " default_marketplace, created_at) VALUES (1, 'buyer@bench.example', 'Buyer', '',"
        " 0, 1, 'US', ?)",
        (now,),
    )
    conn.execute(
        "INSERT INTO checkouts (id, buyer_id, idempotency_key, marketplace, status, failure,"
        " currency, total_minor, created_at) VALUES (1, 1, 'bench', 'US', 'placed', '',"
        " 'USD', 0, ?)",
        (now,),
    )
    conn.execute(
        f"{cte} INSERT INTO orders (id, checkout_id, buyer_id, seller_id, marketplace, status,"
        " fulfillment_channel, delivery_speed, currency, items_minor, shipping_minor,"
        " total_minor, purchased_at, updated_at, latest_ship_at, earliest_delivery_at,"
        " latest_delivery_at, canceled_by, cancel_reason, ship_name, ship_line1, ship_line2,"
        " ship_city, ship_state, ship_postal_code, ship_country, ship_phone)"
        " SELECT printf('%03d-%07d-%07d', i % 1000, i, i), 1, 1, 'A000000000001', 'US',"
        " CASE WHEN i % 25 = 0 THEN 'Canceled' ELSE 'Shipped' END, 'MERCHANT', 'standard',"
        " 'USD', 0, 0, 0, datetime(?, '-' || (abs(random()) % 40) || ' days'), ?, ?, ?, ?,"
        " '', '', 'Buyer', '1 Main St', '', 'Springfield', 'IL', '62701', 'US', '' FROM n",
        (lines, now, now, now, now, now),
    )
    conn.execute(
        f"{cte} INSERT INTO order_items (id, order_id, offer_id, asin, sku, title, condition,"
        " quantity, quantity_shipped, unit_price_minor, shipping_minor)"
        " SELECT i + 1, printf('%03d-%07d-%07d', i % 1000, i, i), o.id, o.asin, o.sku, 'x',"
        " 'new', 1 + i % 2, 0, o.price_minor, o.shipping_minor"
        f" FROM n JOIN offers o ON o.id = 1 + (i * 7919) % {offers}",
        (lines,),
    )


def full_recompute(offers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buybox.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        started = time.perf_counter()
        populate(path, offers)
        print(
            f"\ngenerated {offers:,} offers of {max(1, offers // OFFERS_PER_PRODUCT):,} products"
            f" in {time.perf_counter() - started:.0f} s"
        )
        rt = Runtime.build(
            Settings(database_url=url, var_dir=Path(tmp) / "var", secret_key="bench"),
            clock=FrozenClock(NOW),
        )
        # The same offers with the same seller flags the recompute reads, sorted by
        # landed price within each product: what a lowest-price featured offer costs.
        baseline_sql = sa.text(
            "SELECT o.id, o.asin, o.seller_id, o.price_minor + o.shipping_minor AS landed,"
            " o.quantity, o.handling_days, o.condition, o.fulfillment_channel, s.plan,"
            " s.status, s.on_holiday FROM offers o JOIN sellers s ON s.id = o.seller_id"
            " WHERE o.marketplace = 'US' AND o.is_active ORDER BY o.asin, landed"
        )

        def baseline() -> int:
            with rt.sessions() as session:
                return len(session.execute(baseline_sql).all())

        base = timed(baseline)
        print(
            f"baseline: load the offers with their sellers, sorted by landed price per product:"
            f" {base:6.2f} s"
        )
        written = 0

        def souk() -> None:
            nonlocal written
            written = recompute_all(rt.sessions, rt.clock, ["US"])

        full = timed(souk)
        print(
            f"souk full recompute (eligibility, scores, suppression, rotation, store): "
            f"{full:6.2f} s ({written:,} decisions)"
        )
        print(f"ratio full recompute / sort baseline = {full / base:5.2f}  (target <= 5)")
        rt.close()


def stored_decision(tmp: Path) -> None:
    """One product's decision through the service (load, decide, store) on SQLite."""
    path = tmp / "one.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    populate(path, 0)  # sellers with standings, no offers
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
    conn = sqlite3.connect(path)
    with conn:
        for size in (1, 10, 100):
            conn.execute(
                "INSERT INTO products (asin, title, normalised_title, category_id, description,"
                " bullets, attributes, variation_theme, variation_values, created_at,"
                " updated_at) VALUES (?, 'Product', 'product', 1, '', '[]', '{}', '', '{}', ?, ?)",
                (f"B1{size:08d}", now, now),
            )
            conn.executemany(
                "INSERT INTO offers (seller_id, asin, marketplace, sku, condition,"
                " condition_note, currency, price_minor, shipping_minor, quantity,"
                " handling_days, fulfillment_channel, is_active, created_at, updated_at)"
                " VALUES (?, ?, 'US', ?, 'new', '', 'USD', ?, 0, ?, ?, ?, 1, ?, ?)",
                [
                    (
                        f"A{(i * 13) % SELLERS:012d}",
                        f"B1{size:08d}",
                        f"ONE-{size}-{i}",
                        2000 + (i * 37) % 500,
                        1 + i % 30,
                        i % 4,
                        "PLATFORM" if i % 4 == 0 else "MERCHANT",
                        now,
                        now,
                    )
                    for i in range(size)
                ],
            )
    conn.close()
    rt = Runtime.build(
        Settings(database_url=url, var_dir=tmp / "var-one", secret_key="bench"),
        clock=FrozenClock(NOW),
    )
    print("\none product's stored decision (load, decide, store) vs loading its offers sorted")
    sort_sql = sa.text(
        "SELECT o.id, o.price_minor + o.shipping_minor AS landed FROM offers o"
        " JOIN sellers s ON s.id = o.seller_id WHERE o.asin = :asin AND o.marketplace = 'US'"
        " AND o.is_active ORDER BY landed"
    )
    for size in (1, 10, 100):
        asin = f"B1{size:08d}"

        def decide(asin: str = asin) -> None:
            with rt.sessions() as session, session.begin():
                recompute_products(session, [asin], "US", NOW)

        def sort(asin: str = asin) -> None:
            with rt.sessions() as session:
                session.execute(sort_sql, {"asin": asin}).all()

        decide()
        decided = [timed(decide) for _ in range(100)]
        sorted_ = [timed(sort) for _ in range(100)]
        ratio = (sum(decided) / len(decided)) / (sum(sorted_) / len(sorted_))
        print(f"  {size:3d} offers  stored decision: {summary(decided)}")
        print(f"  {size:3d} offers  sorted load:     {summary(sorted_)}")
        print(f"  {size:3d} offers  ratio = {ratio:5.1f}")
    rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=1_000_000)
    args = parser.parse_args()
    one_product()
    with tempfile.TemporaryDirectory() as tmp:
        stored_decision(Path(tmp))
    full_recompute(args.offers)


if __name__ == "__main__":
    main()
