"""The demo marketplace ``make run`` loads on first start.

A catalog of real films and generated products with product shots, the
platform's retail account and third-party sellers in several marketplaces
with their own prices, speeds and reliability, buyers with addresses, and a
few weeks of simulated trade that ends now. Everything goes through souk's
use cases, so the demo data obeys the same rules as real data.
"""

from __future__ import annotations

import itertools
import multiprocessing
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from faker import Faker
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, register_user
from souk.catalog.models import Product, ProductImage
from souk.catalog.rules import slugify
from souk.catalog.service import add_image, create_product
from souk.core.clock import FrozenClock
from souk.core.errors import Conflict
from souk.core.events import deliver_pending
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.core.runtime import Runtime
from souk.fulfillment.demo import finish as finish_fulfilment
from souk.fulfillment.demo import prepare as prepare_fulfilment
from souk.globalselling.demo import load_global_selling_demo
from souk.marketplaces.rules import MARKETPLACES, SHIP_TO_COUNTRY
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.policy import rules as policy_rules
from souk.promotions.demo import load_promotions_demo
from souk.sellers.models import Seller
from souk.sellers.service import platform_retail, register_seller
from souk.simulation.demo_catalog import ProductPlan, plan_catalog
from souk.simulation.images import ImageSpec, render_many
from souk.simulation.rules import SellerTraits, platform_traits, seller_traits
from souk.simulation.simulator import SimulationReport, simulate

DEMO_PASSWORD = "souk-Demo-2026"
BUYER_EMAIL = "buyer@souk.example"
SELLER_EMAIL = "seller@souk.example"
STAFF_EMAIL = "staff@souk.example"
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("buyer", BUYER_EMAIL, DEMO_PASSWORD),
    ("seller", SELLER_EMAIL, DEMO_PASSWORD),
    ("staff", STAFF_EMAIL, DEMO_PASSWORD),
]

# Rough exchange rates from US dollars, for pricing the same goods elsewhere.
FX_FROM_USD = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92, "JPY": 150.0, "CAD": 1.36}
# Where third-party sellers are based, by share (most trade is in the US).
SELLER_HOMES = (("US", 70), ("UK", 12), ("DE", 12), ("JP", 6))
BUYER_HOMES = (("US", 86), ("UK", 6), ("DE", 5), ("JP", 3))
# How many third-party offers a product gets (2-6 competing offers are common).
OFFER_COUNTS = ((0, 10), (1, 34), (2, 22), (3, 14), (4, 9), (5, 6), (6, 5))
RETAIL_SHARE = 0.10
USED_SHARE = 0.04
USED_SHARE_MEDIA = 0.25
USED_GRADES = ("used_like_new", "used_very_good", "used_good", "used_acceptable")
IMAGE_BATCH = 40
COMMIT_EVERY = 200
US_STATES = ("NY", "CA", "TX", "FL", "IL", "WA", "MA", "PA", "OH", "GA", "CO", "NC", "MI", "OR")


@dataclass
class DemoSummary:
    products: int
    images: int
    sellers: int
    offers: int
    buyers: int
    simulation: SimulationReport | None
    seconds: float

    def describe(self) -> str:
        lines = [
            f"Demo marketplace loaded in {self.seconds:.0f} s: {self.products} products with "
            f"{self.images} images, {self.sellers} sellers with {self.offers} offers, "
            f"{self.buyers} buyers."
        ]
        if self.simulation is not None:
            lines.append(self.simulation.describe())
        lines.append("Demo logins:")
        return "\n".join(lines)


@dataclass(frozen=True)
class _DemoSeller:
    id: str
    marketplace: str
    plan: str
    traits: SellerTraits


def demo_is_loaded(session: Session) -> bool:
    """True once a demo load has finished (its staff login is created last)."""
    return session.scalar(select(User.id).where(User.email == STAFF_EMAIL)) is not None


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
    )


def _weighted(rng: random.Random, pairs: tuple[tuple[object, int], ...]) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _price_minor(cents_usd: float, currency: str) -> int:
    """A shelf price in local currency: .99 endings, yen in tens ending in 80."""
    amount = cents_usd * FX_FROM_USD[currency]
    if currency == "JPY":
        return max(180, int(amount / 100) // 100 * 100 + 80)
    return max(99, int(amount) // 100 * 100 + 99)


# -- sellers --------------------------------------------------------------------------------


def _create_sellers(setup: Runtime, count: int, seed: int, fake: Faker) -> list[_DemoSeller]:
    rng = random.Random(f"{seed}:sellers")
    sellers = []
    with setup.sessions() as session:
        retail = platform_retail(session, setup.clock)
        sellers.append(_DemoSeller(retail.id, "US", "professional", platform_traits()))
        names: set[str] = set()
        for number in range(count):
            email = SELLER_EMAIL if number == 0 else f"seller{number:03d}@sellers.souk.example"
            marketplace = "US" if number == 0 else str(_weighted(rng, SELLER_HOMES))
            plan = "professional" if number == 0 or rng.random() < 0.75 else "individual"
            name = "Northwind Goods" if number == 0 else fake.company()
            while name in names:
                name = f"{fake.company()} {rng.choice(('Direct', 'Outlet', 'Store'))}"
            names.add(name)
            traits = seller_traits(email, seed)
            seller, _ = register_seller(
                session,
                setup.clock,
                business_name=name,
                email=email,
                country=SHIP_TO_COUNTRY[marketplace],
                plan=plan,
                password=DEMO_PASSWORD if number == 0 else f"{rng.getrandbits(64):x}-Demo",
                owner_name=fake.name(),
            )
            # Store profile: the seller's usual handling time and a line about them.
            seller.default_handling_days = traits.handling_days
            seller.about = f"{name}: {fake.catch_phrase().lower()}."
            session.commit()
            sellers.append(_DemoSeller(seller.id, marketplace, plan, traits))
    return sellers


# -- catalog --------------------------------------------------------------------------------


def _batches(plans: list[ProductPlan]) -> Iterator[list[ImageSpec]]:
    for start in range(0, len(plans), IMAGE_BATCH):
        yield [plan.image for plan in plans[start : start + IMAGE_BATCH]]


def _start_rendering(
    plans: list[ProductPlan],
) -> tuple[ProcessPoolExecutor | None, Iterator[bytes]]:
    """Product shots in plan order, drawn by a worker process while this one
    writes the catalog, offers and buyers (it uses the machine's other core).

    The worker is forked (Linux) so nothing re-imports the caller's main
    module; it only draws and never touches the database connections it
    inherits. Elsewhere the images are drawn in this process when needed.
    """
    if sys.platform != "linux":
        return None, itertools.chain.from_iterable(map(render_many, _batches(plans)))
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    return pool, itertools.chain.from_iterable(pool.map(render_many, _batches(plans)))


def _create_catalog(setup: Runtime, plans: list[ProductPlan], bar: Progress) -> dict[str, Product]:
    """Product pages first; their images follow once drawn (:func:`_attach_images`)."""
    task = bar.add_task("catalog", total=len(plans))
    created: dict[str, Product] = {}
    with setup.sessions() as session:
        for number, plan in enumerate(plans):
            parent = created.get(plan.parent_key) if plan.parent_key else None
            result = create_product(
                session,
                setup.clock,
                plan.draft,
                parent_asin=parent.asin if parent else None,
                variation_theme=plan.variation_theme,
                variation_values=plan.variation_values,
                commit=False,
            )
            created[plan.key] = result.product
            if number % COMMIT_EVERY == 0:
                session.commit()
            bar.advance(task)
        session.commit()
    return created


def _attach_images(
    setup: Runtime,
    plans: list[ProductPlan],
    products: dict[str, Product],
    images: Iterator[bytes],
    bar: Progress,
) -> None:
    task = bar.add_task("product images", total=len(plans))
    with setup.sessions() as session:
        for number, (plan, image) in enumerate(zip(plans, images, strict=True)):
            product = products[plan.key]
            add_image(session, setup.media, product.asin, image, product.title[:300], commit=False)
            if number % COMMIT_EVERY == 0:
                session.commit()
            bar.advance(task)
        session.commit()


# -- offers ---------------------------------------------------------------------------------


def _pick_sellers(rng: random.Random, sellers: list[_DemoSeller], count: int) -> list[_DemoSeller]:
    """``count`` distinct sellers, favouring those with wide assortments and US sellers."""

    def key(seller: _DemoSeller) -> float:
        weight = seller.traits.assortment * (1.0 if seller.marketplace == "US" else 0.6)
        return rng.random() ** (1 / weight)

    return sorted(sellers, key=key, reverse=True)[:count]


def _terms(
    rng: random.Random, seller: _DemoSeller, plan: ProductPlan, sku: str, used: bool, retail: bool
) -> OfferTerms:
    currency = MARKETPLACES[seller.marketplace].currency
    assert plan.reference_cents is not None
    cents = plan.reference_cents * seller.traits.price_level * rng.uniform(0.96, 1.04)
    condition = "new"
    if used:
        condition = rng.choice(USED_GRADES)
        cents *= rng.uniform(0.5, 0.8)
    shipping_cents = 0 if retail or rng.random() < 0.6 else rng.choice((399, 499, 599))
    if seller.plan == "individual":
        shipping_cents = 399
    shipping = 0 if shipping_cents == 0 else _price_minor(shipping_cents, currency)
    platform = retail or (seller.plan == "professional" and rng.random() < 0.15)
    handling = 1 if platform else seller.traits.handling_days
    conduct = default_policy().for_marketplace(seller.marketplace).conduct
    if policy_rules.is_media(
        slugify(plan.draft.category_path.split("/")[0]), conduct.media_categories
    ):
        # Demo sellers keep the media rule: books, films and games ship within 2 days.
        handling = min(handling, conduct.media_max_handling_days)
    return OfferTerms(
        sku=sku,
        condition=condition,
        price=Money(currency, _price_minor(cents, currency)),
        shipping=Money(currency, shipping),
        quantity=rng.randint(40, 150) if retail else rng.randint(1, 5 if used else 40),
        handling_days=handling,
        fulfillment_channel="PLATFORM" if platform else "MERCHANT",
    )


def _create_offers(
    setup: Runtime,
    plans: list[ProductPlan],
    products: dict[str, Product],
    sellers: list[_DemoSeller],
    seed: int,
    bar: Progress,
) -> int:
    rng = random.Random(f"{seed}:offers")
    retail, third_party = sellers[0], sellers[1:]
    sellable = [plan for plan in plans if plan.reference_cents is not None]
    task = bar.add_task("offers", total=len(sellable))
    skus: dict[str, int] = {}
    count = 0
    with setup.sessions() as session:
        for number, plan in enumerate(sellable):
            asin = products[plan.key].asin
            offer_count = int(str(_weighted(rng, OFFER_COUNTS)))
            if plan.parent_key:
                offer_count = min(offer_count, 2)
            chosen = _pick_sellers(rng, third_party, offer_count)
            with_retail = rng.random() < RETAIL_SHARE or not chosen
            offers = [(seller, False) for seller in chosen]
            if with_retail:
                offers.append((retail, True))
                if rng.random() < 0.3:
                    for market in ("UK", "DE"):
                        abroad = _DemoSeller(retail.id, market, "professional", retail.traits)
                        offers.append((abroad, True))
            for seller, is_retail in offers:
                used_share = USED_SHARE_MEDIA if plan.used_market else USED_SHARE
                used = not is_retail and rng.random() < used_share
                if seller.plan == "individual" and plan.used_market and rng.random() < 0.5:
                    used = True
                skus[seller.id] = skus.get(seller.id, 0) + 1
                prefix = "SOUK" if is_retail else "SKU"
                sku = f"{prefix}-{skus[seller.id]:05d}{'-U' if used else ''}"
                put_offer(
                    session,
                    setup.clock,
                    seller_id=seller.id,
                    asin=asin,
                    marketplace=seller.marketplace,
                    terms=_terms(rng, seller, plan, sku, used, is_retail),
                    commit=False,
                )
                count += 1
            if number % COMMIT_EVERY == 0:
                session.commit()
            bar.advance(task)
        session.commit()
    return count


# -- buyers ---------------------------------------------------------------------------------


def _address(fake_by_market: dict[str, Faker], marketplace: str, name: str) -> PostalAddress:
    fake = fake_by_market[marketplace]
    if marketplace == "US":
        return PostalAddress(
            name,
            fake.street_address(),
            fake.city(),
            fake.zipcode(),
            "US",
            state=fake.random_element(US_STATES),
            phone=fake.numerify("(###) 555-####"),
        )
    if marketplace == "UK":
        return PostalAddress(name, fake.street_address(), fake.city(), fake.postcode(), "GB")
    if marketplace == "DE":
        return PostalAddress(name, fake.street_address(), fake.city(), fake.postcode(), "DE")
    return PostalAddress(
        name,
        f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}",
        fake.city(),
        fake.zipcode(),
        "JP",
        state=fake.prefecture(),
    )


def _create_buyers(setup: Runtime, count: int, seed: int, bar: Progress) -> int:
    rng = random.Random(f"{seed}:buyers")
    locales = {"US": "en_US", "UK": "en_GB", "DE": "de_DE", "JP": "ja_JP"}
    fakes = {}
    for market, locale in locales.items():
        fakes[market] = Faker(locale)
        fakes[market].seed_instance(f"{seed}:{locale}")
    task = bar.add_task("buyers", total=count)
    with setup.sessions() as session:
        for number in range(count):
            marketplace = "US" if number == 0 else str(_weighted(rng, BUYER_HOMES))
            fake = fakes[marketplace]
            name = "Alex Morgan" if number == 0 else fake.name()
            email = BUYER_EMAIL if number == 0 else f"shopper{number:04d}@buyers.souk.example"
            user = register_user(
                session,
                setup.clock,
                email=email,
                name=name,
                password=DEMO_PASSWORD if number == 0 else f"{rng.getrandbits(64):x}-Demo",
                marketplace=marketplace,
            )
            if number == 0:
                address = PostalAddress(
                    name, "350 Fifth Avenue", "New York", "10118", "US", state="NY"
                )
            else:
                address = _address(fakes, marketplace, name)
            add_address(session, user.id, address)
            bar.advance(task)
    return count


def _deliver_backlog(setup: Runtime, bar: Progress) -> None:
    """Deliver the events the bulk load emitted (price and stock changes for search)."""
    with setup.read_sessions() as session:
        from souk.core.events import OutboxEvent

        pending = session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        )
    task = bar.add_task("delivering events", total=pending or 0)
    while delivered := deliver_pending(setup.sessions, setup.clock, limit=500):
        bar.advance(task, delivered)


def _refuse_partial(rt: Runtime) -> None:
    with rt.read_sessions() as session:
        if session.scalar(select(Seller.id).where(Seller.email == SELLER_EMAIL)) is not None:
            raise Conflict(
                "Part of the demo is already in this database (an interrupted load?). "
                "Load the demo into an empty database."
            )


def orders_per_day_for(buyers: int) -> int:
    """A steady history that still loads quickly (the default 300 buyers place
    about 30 orders a day, some 650 over three weeks)."""
    return max(5, buyers // 10)


def load_demo(
    rt: Runtime,
    *,
    products: int = 4000,
    sellers: int = 40,
    buyers: int = 300,
    days: int = 10,
    seed: int = 7,
    progress: bool = True,
    orders_per_day: int | None = None,
) -> DemoSummary:
    """Load the demo marketplace; its trade history ends at ``rt.clock.now()``."""
    began = time.perf_counter()
    _refuse_partial(rt)
    now = rt.clock.now()
    trade_starts = now - timedelta(days=days)
    # The catalog and accounts appear the day before trade starts. Events are
    # delivered in one pass afterwards rather than after each commit.
    setup = Runtime.build(
        rt.settings,
        clock=FrozenClock(trade_starts - timedelta(days=1)),
        payments=rt.payments,
        engine=rt.engine,
    )
    fake = Faker("en_US")
    fake.seed_instance(seed)
    plans = list(plan_catalog(products, seed))
    # Start drawing before any progress bar thread exists (the worker is forked).
    pool, images = _start_rendering(plans)
    try:
        with _progress(progress) as bar:
            demo_sellers = _create_sellers(setup, sellers, seed, fake)
            created = _create_catalog(setup, plans, bar)
            offers = _create_offers(setup, plans, created, demo_sellers, seed, bar)
            _create_buyers(setup, buyers, seed, bar)
            _deliver_backlog(setup, bar)
            with setup.sessions() as session:  # centres, platform stock, bank accounts, rates
                prepare_fulfilment(session, setup.clock, seed)
            _attach_images(setup, plans, created, images, bar)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report = None
    if days >= 1:
        report = simulate(
            rt,
            days=days,
            seed=seed,
            orders_per_day=orders_per_day or orders_per_day_for(buyers),
            progress=progress,
            start=trade_starts,
        )
    load_global_selling_demo(rt, seller_email=SELLER_EMAIL, days=days, seed=seed)
    load_promotions_demo(rt, seller_email=SELLER_EMAIL, seed=seed)
    with rt.sessions() as session:  # the settlements that closed during the history
        finish_fulfilment(session, rt.clock)
    _rebuild_search(rt)
    with rt.sessions() as session:
        register_user(
            session,
            rt.clock,
            email=STAFF_EMAIL,
            name="Sam Operator",
            password=DEMO_PASSWORD,
            is_staff=True,
        )
        images = session.scalar(select(func.count()).select_from(ProductImage)) or 0
    return DemoSummary(
        products=len(created),
        images=images,
        sellers=len(demo_sellers),
        offers=offers,
        buyers=buyers,
        simulation=report,
        seconds=time.perf_counter() - began,
    )


def _rebuild_search(rt: Runtime) -> None:
    from souk.search.service import rebuild

    with rt.read_sessions() as session:
        rebuild(session, rt.clock, rt.search_index)
