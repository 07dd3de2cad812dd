"""Search at scale: souk's tantivy index against PostgreSQL full-text search.

1,000,000 synthetic products; 1,000 buyer-like queries of one to four words,
some with filters, each with facet counts and, for souk, the sponsored-slot
auction. PostgreSQL answers the same queries over the same rows with a
``tsvector`` column and a GIN index. Prints latency percentiles, the ratio,
index build time and size on disk.

    .venv/bin/python bench/search.py [--products N] [--queries N]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_gen import products, queries
from common import scratch_database, summary, timed

from souk.core.money import Money
from souk.search.index import ProductDocument, TantivyIndex
from souk.search.rules import price_bucket
from souk.search.service import SearchRequest, search

BUCKETS = [1000, 2500, 5000, 10000, 20000]


def documents(count: int) -> list[ProductDocument]:
    return [
        ProductDocument(
            asin=p.asin,
            marketplace="US",
            title=p.title,
            brand=p.brand,
            bullets="",
            description="",
            category_names=p.category_names,
            category_paths=p.category_path,
            conditions=("new",),
            seller_ids=("A0000000000001",),
            price_minor=p.price_minor,
            price_bucket=price_bucket(p.price_minor, BUCKETS),
            in_stock=p.in_stock,
            platform_fulfilled=p.platform,
            delivery_days=p.delivery_days,
            rating_x10=0,
            review_count=0,
            sales_velocity=p.velocity,
            conversion_rate=0.0,
        )
        for p in products(count)
    ]


def load_postgres(engine: sa.Engine, docs: list[ProductDocument]) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE bench_products (asin text PRIMARY KEY, title text, brand text,"
                " cat1 text, cat2 text, cat_names text, price integer, in_stock boolean,"
                " platform boolean, velocity double precision,"
                " tsv tsvector GENERATED ALWAYS AS (to_tsvector('english',"
                " title || ' ' || brand || ' ' || cat_names)) STORED)"
            )
        )
        raw = conn.connection.dbapi_connection
        buffer = io.StringIO()
        for d in docs:
            buffer.write(
                "\t".join(
                    [
                        d.asin,
                        d.title,
                        d.brand,
                        d.category_paths[0],
                        d.category_paths[1],
                        d.category_names,
                        str(d.price_minor),
                        "t" if d.in_stock else "f",
                        "t" if d.platform_fulfilled else "f",
                        repr(d.sales_velocity),
                    ]
                )
                + "\n"
            )
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY bench_products (asin, title, brand, cat1, cat2, cat_names, price,"
                " in_stock, platform, velocity) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        conn.execute(sa.text("CREATE INDEX ON bench_products USING gin (tsv)"))
        conn.execute(sa.text("ANALYZE bench_products"))
    return time.perf_counter() - started


def postgres_query(conn: sa.Connection, text: str, filters: dict[str, object]) -> None:
    where = "tsv @@ q AND in_stock"
    params: dict[str, object] = {"text": text}
    if "price_max_minor" in filters:
        where += " AND price <= :price_max"
        params["price_max"] = filters["price_max_minor"]
    if filters.get("platform_fulfilled"):
        where += " AND platform"
    base = f"FROM bench_products, plainto_tsquery('english', :text) q WHERE {where}"
    conn.execute(
        sa.text(f"SELECT asin {base} ORDER BY ts_rank(tsv, q) DESC LIMIT 24"), params
    ).all()
    conn.execute(
        sa.text(f"SELECT brand, count(*) {base} GROUP BY brand ORDER BY 2 DESC LIMIT 30"), params
    ).all()
    conn.execute(sa.text(f"SELECT cat1, count(*) {base} GROUP BY cat1"), params).all()
    conn.execute(sa.text(f"SELECT count(*) {base}"), params).all()


def setup_ads(url: str) -> object:
    """A souk database with sellers bidding on keywords, for the auction per query."""
    from catalog_gen import NOUNS

    from souk.ads.service import add_ad, add_ad_group, add_keyword, create_campaign
    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.core.clock import SystemClock
    from souk.core.config import Settings
    from souk.core.migrate import upgrade
    from souk.core.runtime import Runtime
    from souk.offers.rules import OfferTerms
    from souk.offers.service import put_offer
    from souk.sellers.service import register_seller

    upgrade(url)
    rt = Runtime.build(
        Settings(database_url=url, var_dir=Path(tempfile.mkdtemp()), secret_key="bench"),
        clock=SystemClock(),
    )
    usd = lambda v: Money.parse(v, "USD")  # noqa: E731
    with rt.sessions() as session:
        for n in range(200):
            seller, _ = register_seller(
                session,
                rt.clock,
                business_name=f"Bench Seller {n}",
                email=f"bench{n}@example.com",
                country="US",
                plan="professional",
                password="Bench-Pass-1",
            )
            noun = NOUNS[n % len(NOUNS)].replace("-", " ")
            product = create_product(
                session,
                rt.clock,
                ProductDraft(
                    title=f"Bench {noun} {n}", category_path="Bench/Goods", brand=f"Brand{n}"
                ),
            ).product
            put_offer(
                session,
                rt.clock,
                seller_id=seller.id,
                asin=product.asin,
                marketplace="US",
                terms=OfferTerms(
                    sku=f"S{n}",
                    condition="new",
                    price=usd("19.99"),
                    shipping=usd("0"),
                    quantity=1000,
                    handling_days=1,
                ),
            )
            campaign = create_campaign(
                session,
                rt.clock,
                seller_id=seller.id,
                marketplace="US",
                name="c",
                daily_budget=usd("1000"),
                start_date=date(2020, 1, 1),
                bidding_strategy="fixed",
            )
            group = add_ad_group(
                session,
                seller_id=seller.id,
                campaign_id=campaign.id,
                name="g",
                default_bid=usd(f"0.{20 + n % 70:02d}"),
            )
            add_ad(session, seller_id=seller.id, ad_group_id=group.id, sku=f"S{n}")
            for match in ("broad", "phrase", "exact"):
                add_keyword(
                    session,
                    seller_id=seller.id,
                    ad_group_id=group.id,
                    keyword=noun,
                    match_type=match,
                )
    return rt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--postgres-seconds",
        type=float,
        default=240,
        help="stop the PostgreSQL baseline after this long",
    )
    args = parser.parse_args()

    print(f"generating {args.products:,} products ...", flush=True)
    docs = documents(args.products)
    workload = queries(args.queries)
    folder = Path(tempfile.mkdtemp(prefix="souk-bench-search-"))
    index = TantivyIndex(folder)
    build = timed(lambda: index.rebuild(docs))
    print(
        f"souk index build: {build:6.1f} s, {index.size_on_disk() / 1e6:6.1f} MB on disk",
        flush=True,
    )

    from sqlalchemy.orm import Session

    from souk.ads.service import search_auction
    from souk.core.db import make_engine

    with scratch_database("souk_bench_search") as url:
        rt = setup_ads(url)
        search_times, auction_times, page_times = [], [], []
        ads_shown = 0
        with Session(rt.engine) as session:  # type: ignore[attr-defined]
            for text, filters in workload:
                request = SearchRequest(
                    "US",
                    text,
                    price_max=Money("USD", filters["price_max_minor"])  # type: ignore[arg-type]
                    if "price_max_minor" in filters
                    else None,
                    platform_fulfilled=bool(filters.get("platform_fulfilled")),
                )
                start = time.perf_counter()
                page = search(index, request)
                middle = time.perf_counter()
                slots = search_auction(
                    session,
                    rt.clock,  # type: ignore[attr-defined]
                    marketplace="US",
                    query=text,
                    visitor="bench",
                    exclude_asins={r.asin for r in page.results},
                )
                end = time.perf_counter()
                search_times.append(middle - start)
                auction_times.append(end - middle)
                page_times.append(end - start)
                ads_shown += len(slots)
        rt.close()  # type: ignore[attr-defined]
        print(f"souk search + facets:                 {summary(search_times)}")
        print(
            f"souk sponsored-slot auction:          {summary(auction_times)}  ads shown {ads_shown}"
        )
        print(f"souk whole results page (both):       {summary(page_times)}", flush=True)

        engine = make_engine(url)
        load = load_postgres(engine, docs)
        print(f"PostgreSQL load + GIN index: {load:6.1f} s", flush=True)
        pg_times: list[float] = []
        deadline = time.perf_counter() + args.postgres_seconds
        with engine.connect() as conn:
            for text, filters in workload:
                if time.perf_counter() > deadline:
                    break
                pg_times.append(timed(lambda t=text, f=filters: postgres_query(conn, t, f)))
        engine.dispose()
    print(
        f"PostgreSQL FTS (tsvector/GIN + facets): {summary(pg_times)}"
        + (
            f"  (first {len(pg_times)} of {len(workload)} queries within the time cap)"
            if len(pg_times) < len(workload)
            else ""
        )
    )
    same = search_times[: len(pg_times)]
    from common import percentile

    for p in (50, 99):
        ratio = percentile(pg_times, p) / percentile(same, p)
        print(f"p{p}: PostgreSQL search + facets / souk search + facets = {ratio:6.1f}x")
    print(
        f"p99 of souk's whole results page with ads: {percentile(page_times, 99) * 1000:.1f} ms"
        " (target < 20 ms)"
    )


if __name__ == "__main__":
    main()
