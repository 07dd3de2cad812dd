"""Checkout throughput and latency through the JSON API on PostgreSQL.

Starts souk (``create_app`` via ``souk.web.asgi``) under uvicorn in a subprocess
on a fresh PostgreSQL database, with sellers, products, offers with plenty of
stock and buyers holding API tokens. Then, for 1, 8 and 32 concurrent buyers,
it measures orders per second and p50/p99 latency of ``POST /api/v1/checkout``,
and beside each the same number of bare INSERTs of equivalent rows (one
``orders`` and one ``order_items`` row per transaction) with plain SQL on the
same database, as a ratio.

    .venv/bin/python bench/checkout.py [--orders N] [--concurrency 1,8,32]

Environment: ``SOUK_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) names the server; a
database ``souk_bench_<pid>`` is created on it and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa

from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, issue_api_token, register_user
from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.clock import SystemClock
from souk.core.config import Settings
from souk.core.db import make_engine
from souk.core.migrate import upgrade
from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.sellers.service import register_seller

ADMIN_URL = os.environ.get(
    "SOUK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SELLERS = 8
PRODUCTS = 64
STOCK = 1_000_000
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
# One server process per core, as souk is deployed (souk serve --workers 2).
WORKERS = max(1, min(4, os.cpu_count() or 1))
TARGET_ORDERS_PER_SECOND = 150  # with 32 concurrent buyers
TARGET_P99_MS = 100  # with 8 concurrent buyers


@dataclass(frozen=True)
class BenchBuyer:
    token: str
    address_id: int


@dataclass(frozen=True)
class Fixture:
    offers: list[tuple[int, str, str]]  # (offer id, seller id, asin)
    buyers: list[BenchBuyer]
    buyer_id: int
    checkout_id: int


@dataclass(frozen=True)
class Run:
    label: str
    count: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        if len(self.latencies_ms) == 2:  # from wrk: [p50, p99]
            return self.latencies_ms[0] if p == 50 else self.latencies_ms[1]
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_database(name: str) -> str:
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(name: str) -> None:
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _load(url: str, var_dir: Path, buyers: int) -> Fixture:
    """Sellers, products and well-stocked offers, and buyers with tokens and addresses."""
    settings = Settings(var_dir=var_dir, database_url=url, secret_key="bench", run_background=False)
    rt = Runtime.build(settings, clock=SystemClock())
    clock = rt.clock
    offers = []
    with rt.sessions() as session:
        sellers = [
            register_seller(
                session,
                clock,
                business_name=f"Bench Seller {n}",
                email=f"seller{n}@bench.example",
                country="US",
                plan="professional",
                password="Bench-Seller-1",
            )[0]
            for n in range(SELLERS)
        ]
        for n in range(PRODUCTS):
            product = create_product(
                session,
                clock,
                ProductDraft(f"Bench Widget {n}", "Bench/Widgets", brand="Benchmark"),
            ).product
            seller = sellers[n % SELLERS]
            terms = OfferTerms(
                sku=f"BENCH-{n}",
                condition="new",
                price=Money("USD", 1000 + n),
                shipping=Money("USD", 0),
                quantity=STOCK,
                handling_days=1,
            )
            offer = put_offer(
                session,
                clock,
                seller_id=seller.id,
                asin=product.asin,
                marketplace="US",
                terms=terms,
            )
            offers.append((offer.id, seller.id, product.asin))
        people = []
        for n in range(buyers):
            user = register_user(
                session,
                clock,
                email=f"buyer{n}@bench.example",
                name=f"Buyer {n}",
                password="Bench-Buyer-1",
            )
            address = add_address(
                session,
                user.id,
                PostalAddress("Bench Buyer", "1 Main St", "Springfield", "62701", "US", "IL"),
            )
            people.append(BenchBuyer(issue_api_token(session, clock, user.id), address.id))
        # A checkout row the bare INSERTs can point their orders at.
        checkout_id = session.execute(
            sa.text(
                "INSERT INTO checkouts (buyer_id, idempotency_key, marketplace, status, failure,"
                " currency, total_minor, created_at) VALUES (:b, 'bare-inserts', 'US', 'placed',"
                " '', 'USD', 0, now()) RETURNING id"
            ),
            {"b": user.id},
        ).scalar_one()
        session.commit()
        buyer_id = user.id
    rt.close()
    return Fixture(offers, people, buyer_id, checkout_id)


def _start_server(url: str, var_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        SOUK_DATABASE_URL=url,
        SOUK_VAR_DIR=str(var_dir),
        SOUK_SECRET_KEY="bench",
        SOUK_RUN_BACKGROUND="false",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "souk.web.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("souk did not start within 60 seconds")


def _in_threads(concurrency: int, total: int, work) -> tuple[float, list[float]]:
    """Run ``work(worker, i)`` ``total`` times over ``concurrency`` threads started together."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    failures: list[str] = []

    def worker(index: int) -> None:
        mine = list(range(index, total, concurrency))
        state = work.setup(index)
        barrier.wait()
        own = []
        for i in mine:
            started = time.perf_counter()
            try:
                work(state, i)
            except Exception as exc:  # reported after the run
                failures.append(f"{type(exc).__name__}: {exc}")
            own.append((time.perf_counter() - started) * 1000)
        work.teardown(state)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return elapsed, latencies


class ApiCheckout:
    """One buyer per thread, each with its own HTTP connection."""

    def __init__(self, base: str, fixture: Fixture) -> None:
        self.base = base
        self.fixture = fixture

    def setup(self, index: int) -> tuple[httpx.Client, BenchBuyer, random.Random]:
        buyer = self.fixture.buyers[index]
        client = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {buyer.token}"}, timeout=30
        )
        return client, buyer, random.Random(index)

    def __call__(self, state: tuple[httpx.Client, BenchBuyer, random.Random], i: int) -> None:
        client, buyer, rng = state
        offer_id = rng.choice(self.fixture.offers)[0]
        response = client.post(
            "/api/v1/checkout",
            headers={"Idempotency-Key": uuid.uuid4().hex},
            json={
                "marketplace": "US",
                "address_id": buyer.address_id,
                "delivery_speed": "standard",
                "card": CARD,
                "lines": [{"offer_id": offer_id, "quantity": 1}],
            },
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")

    def teardown(self, state: tuple[httpx.Client, BenchBuyer, random.Random]) -> None:
        state[0].close()


class BareInserts:
    """The floor: the same rows a checkout writes for one order, with plain SQL."""

    ORDER = (
        "INSERT INTO orders (id, checkout_id, buyer_id, seller_id, marketplace, status,"
        " fulfillment_channel, delivery_speed, currency, items_minor, shipping_minor,"
        " total_minor, purchased_at, updated_at, latest_ship_at, earliest_delivery_at,"
        " latest_delivery_at, canceled_by, cancel_reason, ship_name, ship_line1, ship_line2,"
        " ship_city, ship_state, ship_postal_code, ship_country, ship_phone) VALUES"
        " (%s, %s, %s, %s, 'US', 'Unshipped', 'MERCHANT', 'standard', 'USD', 1000, 0, 1000,"
        " %s, %s, %s, %s, %s, '', '', 'Bench Buyer', '1 Main St', '', 'Springfield', 'IL',"
        " '62701', 'US', '')"
    )
    ITEM = (
        "INSERT INTO order_items (order_id, offer_id, asin, sku, title, condition, quantity,"
        " quantity_shipped, unit_price_minor, shipping_minor) VALUES"
        " (%s, %s, %s, 'BENCH', 'Bench Widget', 'new', 1, 0, 1000, 0)"
    )

    def __init__(self, url: str, fixture: Fixture, prefix: str) -> None:
        self.url = url
        self.fixture = fixture
        self.prefix = prefix

    def setup(self, index: int) -> tuple[psycopg.Connection, random.Random]:
        return psycopg.connect(self.url), random.Random(index)

    def __call__(self, state: tuple[psycopg.Connection, random.Random], i: int) -> None:
        conn, rng = state
        offer_id, seller_id, asin = rng.choice(self.fixture.offers)
        now = datetime.now(UTC)
        order_id = f"{self.prefix}-{i:07d}-0000000"
        with conn.transaction():
            conn.execute(
                self.ORDER,
                (
                    order_id,
                    self.fixture.checkout_id,
                    self.fixture.buyer_id,
                    seller_id,
                    now,
                    now,
                    now + timedelta(days=1),
                    now + timedelta(days=3),
                    now + timedelta(days=5),
                ),
            )
            conn.execute(self.ITEM, (order_id, offer_id, asin))

    def teardown(self, state: tuple[psycopg.Connection, random.Random]) -> None:
        state[0].close()


WRK_SCRIPT = """
local buyers = {%(buyers)s}
local offers = {%(offers)s}
local counter = 0
local created = 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
end
function init(args)
  math.randomseed(tid)
end
function request()
  counter = counter + 1
  local b = buyers[(counter * 7 + tid) %% #buyers + 1]
  local body = '{"marketplace":"US","address_id":' .. b[2] ..
    ',"delivery_speed":"standard","card":{"number":"4242424242424242","exp_month":12,' ..
    '"exp_year":2035,"cvc":"123"},"lines":[{"offer_id":' ..
    offers[math.random(#offers)] .. ',"quantity":1}]}'
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. b[1]
  headers["Idempotency-Key"] = "%(run)s-" .. tid .. "-" .. counter
  return wrk.format("POST", "/api/v1/checkout", headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def _wrk(
    base: str, fixture: Fixture, concurrency: int, seconds: int, run: str, folder: Path
) -> Run:
    """Drive checkout with wrk (a C load generator), so the client takes little of the
    CPU the server needs; every request has its own Idempotency-Key."""
    script = folder / f"checkout-{run}.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "buyers": ",".join(f'{{"{b.token}",{b.address_id}}}' for b in fixture.buyers),
            "offers": ",".join(str(offer_id) for offer_id, _, _ in fixture.offers),
            "run": run,
        }
    )
    threads = min(concurrency, 2)
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"{base}/api/v1/checkout",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in output.stdout.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {output.stdout[-600:]} {output.stderr[-600:]}")
    requests, duration_us, p50_us, p99_us, bad_status, errors = map(int, line.split()[1:])
    if bad_status or errors:
        raise SystemExit(
            f"{bad_status} non-2xx answers and {errors} socket errors at {concurrency} buyers"
        )
    # wrk reports percentiles, not samples: keep them as the run's two figures.
    return Run(str(concurrency), requests, duration_us / 1e6, [p50_us / 1000, p99_us / 1000])


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by souk's server processes and by PostgreSQL's, read from
    /proc (Linux; empty elsewhere): where a checkout's time goes, beside its rate."""
    if not Path("/proc/self/stat").exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    used = {"souk": 0.0, "PostgreSQL": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if server_pid in (pid, ppid):
            used["souk"] += seconds
        elif comm == "postgres":
            used["PostgreSQL"] += seconds
    return used


def _report(api: Run, bare: Run) -> None:
    print(
        f"{api.label:>4} buyers  checkout {api.per_second:7.1f} orders/s"
        f"  p50 {api.percentile(50):6.1f} ms  p99 {api.percentile(99):6.1f} ms"
        f"   | bare INSERTs {bare.per_second:7.1f}/s  p50 {bare.percentile(50):5.1f} ms"
        f"   | checkout/bare {api.per_second / bare.per_second:5.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders", type=int, default=0, help="orders per level (default 40/buyer, min 200)"
    )
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server processes")
    parser.add_argument("--seconds", type=int, default=10, help="wrk run length per level")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator (wrk, from Debian, leaves the CPU to the server)",
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    name = f"souk_bench_{os.getpid()}"
    url = _create_database(name)
    server = None
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
            var_dir = Path(tmp)
            print(f"Loading {SELLERS} sellers, {PRODUCTS} offers, {max(levels)} buyers ...")
            fixture = _load(url, var_dir, max(8, *levels))
            port = _free_port()
            server = _start_server(url, var_dir, port, args.workers)
            api = ApiCheckout(f"http://127.0.0.1:{port}", fixture)
            _in_threads(4, 40, api)  # warm up connections and caches
            print(f"POST /api/v1/checkout on PostgreSQL, uvicorn on 127.0.0.1:{port}")
            results: dict[int, Run] = {}
            print(f"load generator: {args.client}; server: uvicorn with {args.workers} workers")
            for level in levels:
                count = args.orders or max(200, 40 * level)
                before = _cpu_seconds(server.pid)
                if args.client == "wrk":
                    results[level] = _wrk(
                        f"http://127.0.0.1:{port}",
                        fixture,
                        level,
                        args.seconds,
                        f"r{level}",
                        var_dir,
                    )
                    count = results[level].count
                else:
                    seconds, latencies = _in_threads(level, count, api)
                    results[level] = Run(str(level), count, seconds, latencies)
                after = _cpu_seconds(server.pid)
                bare_seconds, bare_latencies = _in_threads(
                    level, count, BareInserts(url, fixture, f"9{level:02d}")
                )
                _report(results[level], Run(str(level), count, bare_seconds, bare_latencies))
                if after:
                    print(
                        "      CPU per order: "
                        + ", ".join(
                            f"{role} {(after[role] - before[role]) / count * 1000:.1f} ms"
                            for role in after
                        )
                    )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _drop_database(name)

    verdicts = []
    if 32 in results:
        rate = results[32].per_second
        verdicts.append(f"32 buyers: {rate:.0f} orders/s (target >= {TARGET_ORDERS_PER_SECOND})")
    if 8 in results:
        p99 = results[8].percentile(99)
        verdicts.append(f"8 buyers: p99 {p99:.0f} ms (target < {TARGET_P99_MS} ms)")
    for line in verdicts:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
