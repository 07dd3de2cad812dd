"""Seller API at scale: getOrders with 100 orders a page, walking a seller's whole
history of 100,000 orders (plus as many of other sellers') over HTTP, beside a
single equivalent SQL query per page (the same keyset page of orders and their
items) on the same PostgreSQL database in the same run.

souk's figure includes everything a client waits for: HTTP, the access-token
check, the usage plan, the query, and building the SP-API JSON.

    .venv/bin/python bench/spapi.py [--orders N] [--pages N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile, scratch_database, summary, timed

from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, register_user
from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.orders.payments import Card
from souk.orders.service import CheckoutRequest, place_order
from souk.sellerapi.service import exchange_token, issue_credentials
from souk.sellers.service import register_seller

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ORDER_COLUMNS = (
    "checkout_id, buyer_id, seller_id, marketplace, status, fulfillment_channel, delivery_speed,"
    " currency, items_minor, shipping_minor, total_minor, latest_ship_at,"
    " earliest_delivery_at, latest_delivery_at, shipped_at, delivered_at, canceled_at,"
    " canceled_by, cancel_reason, ship_name, ship_line1, ship_line2, ship_city, ship_state,"
    " ship_postal_code, ship_country, ship_phone"
)


def populate(rt: Runtime, orders: int) -> tuple[str, str, str]:
    """A seller and a rival with ``orders`` orders each; returns (seller id, one of the
    template order ids, the rival's id)."""
    clock = rt.clock
    with rt.sessions() as session:
        sellers = [
            register_seller(
                session,
                clock,
                business_name=name,
                email=f"{name.lower().replace(' ', '.')}@example.com",
                country="US",
                plan="professional",
                password="Bench-Password-9",
            )[0]
            for name in ("Kettle House", "Rival Goods")
        ]
        buyer = register_user(
            session, clock, email="buyer@example.com", name="Ada Buyer", password="Bench-Pass-9"
        )
        address = add_address(
            session,
            buyer.id,
            PostalAddress("Ada Buyer", "1 Main St", "Springfield", "62701", "US", "IL"),
        )
        product = create_product(
            session,
            clock,
            ProductDraft(
                title="Acme Kettle 1.7 l", category_path="Home & Kitchen/Kitchen", brand="Acme"
            ),
        ).product
        templates = []
        for number, seller in enumerate(sellers):
            offer = put_offer(
                session,
                clock,
                seller_id=seller.id,
                asin=product.asin,
                marketplace="US",
                terms=OfferTerms(
                    f"KTL-{number}", "new", Money.parse("24.99", "USD"), Money.zero("USD"), 10**6, 1
                ),
            )
            placed = place_order(
                session,
                clock,
                rt.payments,
                CheckoutRequest(
                    buyer.id,
                    "US",
                    address.id,
                    "standard",
                    Card("4242424242424242", 12, 2030, "123", "Ada Buyer"),
                    f"bench-{number}",
                    ((offer.id, 1),),
                ),
            ).orders[0]
            templates.append(placed.id)
        seller_id, rival_id = sellers[0].id, sellers[1].id
    with rt.engine.begin() as conn:
        for number, template in enumerate(templates):
            # Order ids NNN-NNNNNNN-NNNNNNN, one a minute, interleaving both sellers.
            conn.execute(
                sa.text(
                    f"INSERT INTO orders (id, purchased_at, updated_at, {ORDER_COLUMNS})"
                    " SELECT lpad((:prefix)::text, 3, '0')"
                    " || '-' || lpad((n / 10000000)::text, 7, '0')"
                    " || '-' || lpad((n % 10000000)::text, 7, '0'),"
                    f" :start + n * interval '1 minute', :start + n * interval '1 minute',"
                    f" {ORDER_COLUMNS}"
                    " FROM orders t CROSS JOIN generate_series(1, :orders) n"
                    " WHERE t.id = :template"
                ),
                {"prefix": 900 + number, "start": START, "orders": orders, "template": template},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO order_items (order_id, offer_id, asin, sku, title, condition,"
                    " quantity, quantity_shipped, unit_price_minor, shipping_minor)"
                    " SELECT o.id, i.offer_id, i.asin, i.sku, i.title, i.condition, i.quantity,"
                    " i.quantity_shipped, i.unit_price_minor, i.shipping_minor"
                    " FROM orders o JOIN order_items i ON i.order_id = :template"
                    " WHERE o.id LIKE :prefix"
                ),
                {"template": template, "prefix": f"{900 + number}-%"},
            )
        conn.execute(sa.text("ANALYZE orders"))
        conn.execute(sa.text("ANALYZE order_items"))
    return seller_id, templates[0], rival_id


BASELINE = sa.text(
    "SELECT o.*, i.* FROM (SELECT * FROM orders WHERE seller_id = :seller"
    " AND purchased_at >= :since AND (purchased_at, id) > (:at, :id)"
    " ORDER BY purchased_at, id LIMIT 100) o JOIN order_items i ON i.order_id = o.id"
    " ORDER BY o.purchased_at, o.id"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--pages", type=int, default=100, help="pages per walk (three walks, 100 orders a page)"
    )
    args = parser.parse_args()
    import uvicorn

    from souk.web.app import create_app

    with scratch_database("souk_bench_spapi") as url, tempfile.TemporaryDirectory() as var:
        upgrade(url)
        clock = FrozenClock(START - timedelta(days=1))
        rt = Runtime.build(
            Settings(var_dir=Path(var), database_url=url, secret_key="bench", run_background=False),
            clock=clock,
        )
        began = time.perf_counter()
        seller_id, _template, _rival = populate(rt, args.orders)
        clock.set(START + timedelta(minutes=args.orders + 10))
        print(
            f"{args.orders:,} orders for the seller and {args.orders:,} for a rival in "
            f"{time.perf_counter() - began:.1f} s"
        )
        with rt.sessions() as session:
            creds = issue_credentials(session, clock, seller_id=seller_id, name="bench")
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        }

        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        rt.settings.base_url = f"http://127.0.0.1:{port}"
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(rt, background=False), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)

        souk_samples: list[float] = []
        cursors: list[tuple[datetime, str]] = []
        seen = 0
        token_uses = 0
        token = ""
        with httpx.Client(base_url=rt.settings.base_url, timeout=30) as client:
            # Walks of consecutive pages from the start, the middle and the end of the history.
            for fraction in (0.0, 0.45, 0.9):
                begin = START + timedelta(minutes=int(args.orders * fraction))
                params: dict[str, object] = {
                    "MarketplaceIds": "ATVPDKIKX0DER",
                    "CreatedAfter": begin.isoformat(),
                    "MaxResultsPerPage": 100,
                }
                last: tuple[datetime, str] = (begin, "")
                for _page in range(args.pages):
                    # Keep within the usage plan and the token's hour, on souk's clock.
                    clock.advance(timedelta(seconds=61))
                    if token_uses % 50 == 0:
                        with rt.sessions() as session:
                            token = exchange_token(session, clock, form)["access_token"]
                    token_uses += 1
                    cursors.append(last)
                    start = time.perf_counter()
                    answer = client.get(
                        "/orders/v0/orders", params=params, headers={"x-amz-access-token": token}
                    )
                    souk_samples.append(time.perf_counter() - start)
                    answer.raise_for_status()
                    payload = answer.json()["payload"]
                    orders = payload["Orders"]
                    assert len(orders) == 100, len(orders)
                    seen += len(orders)
                    final = orders[-1]
                    last = (datetime.fromisoformat(final["PurchaseDate"]), final["AmazonOrderId"])
                    params = {"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": payload["NextToken"]}
        server.should_exit = True

        sql_samples: list[float] = []
        with rt.engine.connect() as conn:
            for at, order_id in cursors:
                sql_samples.append(
                    timed(
                        lambda at=at, order_id=order_id: conn.execute(
                            BASELINE,
                            {
                                "seller": seller_id,
                                "since": START - timedelta(days=1),
                                "at": at,
                                "id": order_id,
                            },
                        ).all()
                    )
                )
        rt.close()
    print(
        f"getOrders, 100 a page, {len(souk_samples)} pages ({seen:,} orders) of a "
        f"{args.orders:,}-order history"
    )
    print(f"  souk over HTTP   {summary(souk_samples)}")
    print(f"  one SQL query    {summary(sql_samples)}")
    for p in (50, 99):
        ratio = percentile(souk_samples, p) / percentile(sql_samples, p)
        print(f"  p{p} ratio souk / SQL: {ratio:.1f}x")
    walks = [souk_samples[i * args.pages : (i + 1) * args.pages] for i in range(3)]
    print(
        "  p50 at the start, middle and end of the history: "
        + ", ".join(f"{percentile(w, 50) * 1000:.2f} ms" for w in walks)
        + " (keyset paging)"
    )


if __name__ == "__main__":
    main()
