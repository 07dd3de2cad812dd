"""Best Sellers Rank at scale: the hourly recompute over 1,000,000 products and
10,000,000 sales, beside a single SQL GROUP BY of the same sales.

Sales are skewed like real ones (a few products sell most). souk reads its
daily rollup (kept current from order events), decays, ranks every level of
the category tree and writes the ranks; the baseline only sums units per
product. Both run on the same PostgreSQL database in the same run.

    .venv/bin/python bench/bsr.py [--products N] [--sales N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import scratch_database

from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.rankings.service import recompute

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def populate(engine: sa.Engine, products: int, sales: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO categories (id, parent_id, name, slug, path, depth)"
                " SELECT t, NULL, 'Department ' || t, 'd' || t, 'd' || t, 0"
                " FROM generate_series(1, 22) t"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO categories (id, parent_id, name, slug, path, depth)"
                " SELECT 100 + t * 10 + s, t, 'Aisle ' || s, 'a' || s, 'd' || t || '/a' || s, 1"
                " FROM generate_series(1, 22) t, generate_series(0, 9) s"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO products (asin, title, normalised_title, category_id, description,"
                " bullets, attributes, variation_theme, variation_values, created_at, updated_at)"
                " SELECT 'B0' || lpad(n::text, 8, '0'), 'Product ' || n, 'product ' || n,"
                " 100 + (n % 22 + 1) * 10 + (n / 22) % 10, '', '[]', '{}', '', '{}', :now, :now"
                " FROM generate_series(0, :products - 1) n"
            ),
            {"now": NOW, "products": products},
        )
        # A few products sell most: product index = N * u^3.
        conn.execute(
            sa.text(
                "CREATE TABLE bench_sales AS SELECT"
                " 'B0' || lpad(floor(:products * power(random(), 3))::int::text, 8, '0') AS asin,"
                " (:today - floor(random() * 30)::int) AS day,"
                " 1 + floor(random() * 3)::int AS units"
                " FROM generate_series(1, :sales)"
            ),
            {"products": products, "sales": sales, "today": NOW.date()},
        )
        # What the order-event handlers keep current, one row per product and day.
        conn.execute(
            sa.text(
                "INSERT INTO daily_sales (asin, marketplace, day, units)"
                " SELECT asin, 'US', day, sum(units) FROM bench_sales GROUP BY asin, day"
            )
        )
        conn.execute(sa.text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--sales", type=int, default=10_000_000)
    args = parser.parse_args()
    with scratch_database("souk_bench_bsr") as url:
        upgrade(url)
        rt = Runtime.build(
            Settings(database_url=url, var_dir=Path(tempfile.mkdtemp()), secret_key="bench"),
            clock=FrozenClock(NOW),
        )
        started = time.perf_counter()
        populate(rt.engine, args.products, args.sales)
        print(
            f"loaded {args.products:,} products and {args.sales:,} sales in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        with rt.engine.connect() as conn:
            days = conn.execute(sa.text("SELECT count(*) FROM daily_sales")).scalar_one()
        print(f"daily rollup: {days:,} product-days")
        started = time.perf_counter()
        with rt.engine.connect() as conn:
            summed = conn.execute(
                sa.text(
                    "SELECT asin, sum(units) FROM bench_sales WHERE day > :since GROUP BY asin"
                ),
                {"since": NOW.date().replace(day=1)},
            ).all()
        baseline = time.perf_counter() - started
        print(
            f"baseline: one SQL GROUP BY over the raw sales: {baseline:6.1f} s "
            f"({len(summed):,} products)",
            flush=True,
        )
        started = time.perf_counter()
        written = recompute(rt.sessions, rt.clock)
        souk = time.perf_counter() - started
        print(
            f"souk recompute (decay, rank every category level, write): {souk:6.1f} s "
            f"({written:,} ranks)"
        )
        print(f"ratio souk / baseline = {souk / baseline:5.2f}")
        rt.close()


if __name__ == "__main__":
    main()
