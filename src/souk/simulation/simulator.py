"""Days of synthetic trade, driven through souk's own use cases on a moving clock.

Buyers look at a product's offers and buy (mostly the featured offer) through
the cart and checkout; some cards are declined. Each order then has a fate
drawn from its seller's traits: shipped on time or late with a tracking
number in the carrier's format, canceled by the seller with a policy reason,
or canceled by the buyer first. Carriers deliver on time or late; sellers
restock and reprice. Jobs run once per simulated day.

The simulation is a small discrete-event loop: purchases happen at random
times of each day, and each order's next step waits in a queue ordered by
time, so the clock only moves forward. Every random decision comes from the
seed (and stable keys, never database ids that differ between runs).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import Address, User
from souk.core.clock import FrozenClock
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.core.runtime import Runtime
from souk.fulfillment import network
from souk.fulfillment.demo import restock as restock_network
from souk.fulfillment.service import confirm_shipment, record_delivery
from souk.jobs.registry import run_due
from souk.offers.models import Offer
from souk.offers.service import product_offers, update_price, update_quantity
from souk.orders import rules as order_rules
from souk.orders.cart import add_to_cart, cart_view, get_or_create_cart, remove_line
from souk.orders.models import Order
from souk.orders.payments import Card
from souk.orders.service import CheckoutRequest, cancel_by_buyer, cancel_by_seller, place_order
from souk.sellers.models import Seller, SellerUser
from souk.simulation.aftersales import simulate_day as simulate_aftersales
from souk.simulation.appeals import simulate_appeals
from souk.simulation.rules import (
    SellerTraits,
    event_rng,
    pick_carrier,
    platform_traits,
    seller_traits,
    tracking_number,
)
from souk.simulation.traffic import SearchTraffic, start_campaigns

GOOD_CARD = Card("4242424242424242", 12, 2035, "123", "Demo Buyer")
DECLINED_CARD = Card("4000000000000002", 12, 2035, "123", "Demo Buyer")
CAPTURE_FAILS_CARD = Card("4000000000000341", 12, 2035, "123", "Demo Buyer")

DECLINE_RATE = 0.03
CAPTURE_FAILURE_RATE = 0.005
RETRY_AFTER_DECLINE = 0.6
BUYER_CANCEL_RATE = 0.02
CARRIER_DELAY_RATE = 0.04
SECOND_ITEM_RATE = 0.18
OTHER_OFFER_RATE = 0.12
RESTOCK_BELOW = 1
RESTOCK_RATE = 0.7
REPRICE_SHARE = 0.002
SELLER_CANCEL_REASONS = (
    ("NoInventory", 60),
    ("PricingError", 15),
    ("ShippingAddressUndeliverable", 10),
    ("BuyerCanceled", 10),
    ("CustomerExchange", 5),
)
# Share of a day's orders placed in each UTC hour (busy in American evenings).
# Jobs whose result only the end of a simulation needs (the recommendation model,
# the search documents' sales figures): run on its last day only.
SIMULATION_DEFERRED_JOBS = frozenset({"recs.refresh", "search.apply_pending"})

HOURLY_WEIGHTS = (6, 5, 4, 3, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 7)


@dataclass
class SimulationReport:
    days: int
    start: datetime
    end: datetime
    checkouts: int = 0
    orders_placed: int = 0
    declined: int = 0
    unavailable: int = 0
    shipped: int = 0
    shipped_late: int = 0
    delivered: int = 0
    delivered_late: int = 0
    canceled_by_seller: int = 0
    canceled_by_buyer: int = 0
    restocked: int = 0
    repriced: int = 0
    job_runs: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def orders_per_second(self) -> float:
        return self.orders_placed / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        return (
            f"Simulated {self.days} days ({self.start:%Y-%m-%d %H:%M} to "
            f"{self.end:%Y-%m-%d %H:%M} UTC): {self.orders_placed} orders from "
            f"{self.checkouts} checkouts, {self.declined} cards declined, "
            f"{self.unavailable} purchases abandoned (out of stock).\n"
            f"  {self.shipped} shipped ({self.shipped_late} late), {self.delivered} delivered "
            f"({self.delivered_late} late), {self.canceled_by_seller} canceled by sellers, "
            f"{self.canceled_by_buyer} by buyers; {self.restocked} restocks, "
            f"{self.repriced} price changes, {self.job_runs} job runs.\n"
            f"  Orders now: {statuses or 'none'}.\n"
            f"  {self.seconds:.1f} s, {self.orders_per_second:.1f} orders/s."
        )


@dataclass(frozen=True)
class _Buyer:
    user_id: int
    marketplace: str
    address_id: int
    weight: float


@dataclass(frozen=True)
class _Seller:
    id: str
    key: str
    traits: SellerTraits
    is_platform: bool


@dataclass
class _World:
    """What the synthetic population is, read once at the start."""

    buyers: list[_Buyer]
    buyer_weights: list[float]
    sellers: dict[str, _Seller]
    #: Per marketplace: products with offers, most popular first, and cumulative weights.
    shelves: dict[str, tuple[list[str], list[float]]]


def _resume_point(rt: Runtime, days: int) -> datetime:
    """Where history ends: the latest order activity, or ``days`` before now."""
    with rt.read_sessions() as session:
        latest = session.scalar(select(func.max(Order.updated_at)))
    return latest if latest is not None else rt.clock.now() - timedelta(days=days)


def _load_world(rt: Runtime, seed: int) -> _World:
    with rt.read_sessions() as session:
        seller_rows = session.scalars(select(Seller).order_by(Seller.email)).all()
        sellers = {
            s.id: _Seller(
                s.id,
                s.email,
                platform_traits() if s.is_platform_retail else seller_traits(s.email, seed),
                s.is_platform_retail,
            )
            for s in seller_rows
        }
        staff_or_sellers = select(SellerUser.user_id)
        rows = session.execute(
            select(User.id, User.default_marketplace, User.email, Address.id)
            .join(Address, (Address.user_id == User.id) & Address.is_default)
            .where(~User.is_staff, User.is_active, User.id.not_in(staff_or_sellers))
            .order_by(User.email)
        ).all()
        offers = session.execute(
            select(Offer.marketplace, Offer.asin, func.min(Offer.id))
            .where(Offer.is_active)
            .group_by(Offer.marketplace, Offer.asin)
            .order_by(func.min(Offer.id))
        ).all()
    buyers = []
    for user_id, marketplace, email, address_id in rows:
        # A few buyers shop a lot, most now and then (heavy-tailed).
        weight = event_rng(seed, "buyer", email).paretovariate(1.6)
        if email.startswith("buyer@"):
            weight = max(weight, 6.0)
        buyers.append(_Buyer(user_id, marketplace, address_id, weight))
    listed: dict[str, list[str]] = defaultdict(list)
    for marketplace, asin, _ in offers:
        listed[marketplace].append(asin)
    shelves = {}
    for marketplace, asins in listed.items():
        # Popularity follows a long tail over a seeded order of the catalog.
        random.Random(f"{seed}:shelf:{marketplace}").shuffle(asins)
        weights = list(itertools.accumulate(1 / (rank + 8) ** 0.85 for rank in range(len(asins))))
        shelves[marketplace] = (asins, weights)
    buyers = [b for b in buyers if b.marketplace in shelves]
    return _World(buyers, list(itertools.accumulate(b.weight for b in buyers)), sellers, shelves)


class _Simulation:
    def __init__(self, rt: Runtime, world: _World, seed: int, report: SimulationReport) -> None:
        self.rt = rt
        self.clock: FrozenClock = rt.clock  # type: ignore[assignment]
        self.world = world
        self.seed = seed
        self.report = report
        self.queue: list[tuple[datetime, int, str, str]] = []
        self.sequence = itertools.count()
        self.checkout_number = itertools.count()
        self.traffic: SearchTraffic | None = None

    # -- time ---------------------------------------------------------------------------

    def advance_to(self, when: datetime) -> None:
        if when > self.clock.now():
            self.clock.set(when)

    def schedule(self, when: datetime, action: str, order_id: str) -> None:
        heapq.heappush(self.queue, (when, next(self.sequence), action, order_id))

    def run_until(self, until: datetime) -> None:
        while self.queue and self.queue[0][0] <= until:
            when, _, action, order_id = heapq.heappop(self.queue)
            self.advance_to(when)
            self.perform(action, order_id)
        self.advance_to(until)

    # -- buyers -------------------------------------------------------------------------

    def purchase(self, rng: random.Random) -> None:
        world = self.world
        buyer = world.buyers[
            bisect.bisect(world.buyer_weights, rng.random() * world.buyer_weights[-1])
        ]
        asins, weights = world.shelves[buyer.marketplace]
        wanted = [asins[bisect.bisect(weights, rng.random() * weights[-1])]]
        if rng.random() < SECOND_ITEM_RATE:
            wanted.append(asins[bisect.bisect(weights, rng.random() * weights[-1])])
        with self.rt.sessions() as session:
            if self.traffic is not None:
                # Search first: results, sponsored slots and clicks are recorded.
                wanted[0] = self.traffic.shop(
                    session, self.clock, buyer.user_id, buyer.marketplace, wanted[0]
                )
            cart = get_or_create_cart(
                session, self.clock, marketplace=buyer.marketplace, buyer_id=buyer.user_id
            )
            # Keep the cart even if an item below cannot be added (that rolls back).
            session.commit()
            channels = set()
            for asin in dict.fromkeys(wanted):
                offers = product_offers(session, asin, buyer.marketplace)
                choice = offers.featured
                if offers.others and (choice is None or rng.random() < OTHER_OFFER_RATE):
                    choice = offers.others[0] if choice is None else rng.choice(offers.others)
                if choice is None:
                    self.report.unavailable += 1
                    continue
                quantity = 1 if rng.random() < 0.88 else rng.randint(2, 3)
                try:
                    add_to_cart(session, self.clock, cart, choice.offer_id, quantity)
                    channels.add(choice.fulfillment_channel)
                except SoukError:
                    session.rollback()
                    self.report.unavailable += 1
            if not channels:
                return
            speed = rng.choices(("standard", "expedited"), (78, 22))[0]
            if channels == {"PLATFORM"} and rng.random() < 0.25:
                speed = "next_day"
            self.checkout(session, buyer, speed, rng)

    def checkout(self, session: Session, buyer: _Buyer, speed: str, rng: random.Random) -> None:
        roll = rng.random()
        card = GOOD_CARD
        if roll < DECLINE_RATE:
            card = DECLINED_CARD
        elif roll < DECLINE_RATE + CAPTURE_FAILURE_RATE:
            card = CAPTURE_FAILS_CARD
        for attempt in range(2):
            self.report.checkouts += 1
            key = f"sim-{self.seed}-{self.clock.now().timestamp():.0f}-{next(self.checkout_number)}"
            request = CheckoutRequest(
                buyer_id=buyer.user_id,
                marketplace=buyer.marketplace,
                address_id=buyer.address_id,
                delivery_speed=speed,
                card=card,
                idempotency_key=key,
            )
            try:
                result = place_order(session, self.clock, self.rt.payments, request)
            except SoukError as error:
                session.rollback()
                if error.code == "PaymentDeclined" and attempt == 0:
                    self.report.declined += 1
                    if rng.random() < RETRY_AFTER_DECLINE:
                        card = GOOD_CARD
                        continue
                else:
                    self.report.unavailable += 1
                self._abandon(session, buyer)
                return
            for order in result.orders:
                self.report.orders_placed += 1
                self.plan_fate(order)
            return

    def _abandon(self, session: Session, buyer: _Buyer) -> None:
        """The buyer walks away; their cart is emptied so it does not grow forever."""
        cart = get_or_create_cart(
            session, self.clock, marketplace=buyer.marketplace, buyer_id=buyer.user_id
        )
        for item in cart_view(session, cart).items:
            remove_line(session, self.clock, cart, item.line_id)

    # -- what happens to an order -------------------------------------------------------

    def _seller(self, order: Order) -> SellerTraits:
        seller = self.world.sellers.get(order.seller_id)
        if seller is None or order.fulfillment_channel == "PLATFORM":
            return platform_traits()
        return seller.traits

    def _rng(self, order: Order, step: str) -> random.Random:
        seller = self.world.sellers.get(order.seller_id)
        key = seller.key if seller else order.seller_id
        # Stable across runs: purchase instant, seller and amount identify the order.
        return event_rng(self.seed, step, order.purchased_at.isoformat(), key, order.total_minor)

    def plan_fate(self, order: Order) -> None:
        """Decide, once, whether the order ships (on time or late) or is canceled."""
        rng = self._rng(order, "fate")
        traits = self._seller(order)
        placed = order.purchased_at
        roll = rng.random()
        if roll < BUYER_CANCEL_RATE:
            when = placed + timedelta(minutes=rng.uniform(20, 360))
            self.schedule(when, "buyer_cancel", order.id)
        elif roll < BUYER_CANCEL_RATE + traits.cancel_rate:
            self.schedule(placed + timedelta(hours=rng.uniform(1, 20)), "seller_cancel", order.id)
        elif rng.random() < traits.late_shipment_rate:
            self.schedule(
                order.latest_ship_at + timedelta(hours=rng.uniform(2, 60)), "ship", order.id
            )
        else:
            # Most sellers ship within a day even when they promise more; the rest
            # use their handling time, still before the latest ship date.
            room = max(1.0, (order.latest_ship_at - placed).total_seconds() / 3600 - 1)
            hours = rng.uniform(0.5, min(room, 26.0) if rng.random() < 0.7 else room)
            self.schedule(placed + timedelta(hours=hours), "ship", order.id)

    def perform(self, action: str, order_id: str) -> None:
        with self.rt.sessions() as session:
            order = session.get(Order, order_id)
            if order is None:
                return
            try:
                if action == "ship":
                    self._ship(session, order)
                elif action == "deliver":
                    record_delivery(session, self.clock, order.id)
                    self.report.delivered += 1
                    if self.clock.now() > order.latest_delivery_at:
                        self.report.delivered_late += 1
                elif action == "seller_cancel":
                    reasons, weights = zip(*SELLER_CANCEL_REASONS, strict=True)
                    reason = self._rng(order, "reason").choices(reasons, weights)[0]
                    cancel_by_seller(
                        session,
                        self.clock,
                        self.rt.payments,
                        seller_id=order.seller_id,
                        order_id=order.id,
                        reason=reason,
                    )
                    self.report.canceled_by_seller += 1
                elif action == "buyer_cancel":
                    reasons = default_policy().for_marketplace(order.marketplace)
                    reason = self._rng(order, "reason").choice(reasons.cancellation.buyer_reasons)
                    cancel_by_buyer(
                        session,
                        self.clock,
                        self.rt.payments,
                        buyer_id=order.buyer_id,
                        order_id=order.id,
                        reason=reason,
                    )
                    self.report.canceled_by_buyer += 1
            except SoukError:
                # The order moved on meanwhile (canceled before shipping...): nothing to do.
                session.rollback()

    def _ship(self, session: Session, order: Order) -> None:
        rng = self._rng(order, "ship")
        if order.fulfillment_channel == "PLATFORM" and network.order_shipments(session, order.id):
            # The fulfilment centre picks, packs and ships it (tracking assigned at routing).
            network.ship_order(session, self.clock, order.id)
            self.report.shipped += 1
            self.plan_delivery(order, rng)
            return
        carrier = pick_carrier(order.marketplace, rng)
        confirm_shipment(
            session,
            self.clock,
            seller_id=order.seller_id,
            order_id=order.id,
            carrier=carrier,
            tracking_number=tracking_number(carrier, rng),
        )
        self.report.shipped += 1
        if order_rules.is_late_shipment(order.latest_ship_at, self.clock.now()):
            self.report.shipped_late += 1
        self.plan_delivery(order, rng)

    def plan_delivery(self, order: Order, rng: random.Random) -> None:
        speed = (
            default_policy()
            .for_marketplace(order.marketplace)
            .shipping.speeds.get(order.delivery_speed)
        )
        low, high = (speed.transit_days_min, speed.transit_days_max) if speed else (3, 5)
        days = rng.randint(low, high)
        if rng.random() < CARRIER_DELAY_RATE:
            days += rng.randint(1, 3)
        shipped = order.shipped_at or self.clock.now()
        arrives = shipped + timedelta(days=days, hours=rng.uniform(-6, 4))
        if rng.random() < self._seller(order).missing_scan_rate:
            return  # the carrier never reports this parcel: it has no valid tracking
        self.schedule(arrives, "deliver", order.id)

    def resume_open_orders(self) -> None:
        """Orders still open from earlier runs get their next step too."""
        with self.rt.read_sessions() as session:
            open_orders = session.scalars(
                select(Order)
                .where(Order.status.in_((*order_rules.OPEN_STATUSES, order_rules.SHIPPED)))
                .where(Order.delivered_at.is_(None))
                .order_by(Order.purchased_at, Order.total_minor)
            ).all()
        for order in open_orders:
            if order.status == order_rules.SHIPPED:
                self.plan_delivery(order, self._rng(order, "ship"))
            else:
                self.plan_fate(order)

    # -- sellers ------------------------------------------------------------------------

    def restock_and_reprice(self, day: int) -> None:
        rng = random.Random(f"{self.seed}:sellers:{day}")
        with self.rt.sessions() as session:
            low = session.scalars(
                select(Offer)
                .where(Offer.is_active, Offer.quantity < RESTOCK_BELOW)
                .order_by(Offer.id)
            ).all()
            for offer in low:
                seller = self.world.sellers.get(offer.seller_id)
                if seller is None or (not seller.is_platform and rng.random() > RESTOCK_RATE):
                    continue
                units = rng.randint(8, 40)
                if offer.fulfillment_channel != "PLATFORM" or not restock_network(
                    session, self.clock, offer, units
                ):
                    update_quantity(session, self.clock, offer, units)
                self.report.restocked += 1
            ids = session.scalars(select(Offer.id).where(Offer.is_active).order_by(Offer.id)).all()
            for offer_id in rng.sample(list(ids), k=int(len(ids) * REPRICE_SHARE)):
                offer = session.get(Offer, offer_id)
                assert offer is not None
                factor = rng.uniform(0.93, 1.06)
                step = 10 if offer.currency == "JPY" else 1
                minor = max(step, round(offer.price_minor * factor / step) * step)
                update_price(session, self.clock, offer, Money(offer.currency, minor))
                self.report.repriced += 1


def _day_orders(rng: random.Random, orders_per_day: int, day: datetime) -> int:
    weekend = 1.15 if day.weekday() >= 5 else 1.0
    return max(1, round(orders_per_day * weekend * rng.uniform(0.85, 1.15)))


def simulate(
    rt: Runtime,
    *,
    days: int,
    seed: int,
    orders_per_day: int = 150,
    progress: bool = True,
    start: datetime | None = None,
) -> SimulationReport:
    """Simulate ``days`` of trade starting where history ends (or at ``start``)."""
    if days < 1:
        raise InvalidInput("Simulate at least one day (--days 1 or more).", field="days")
    if orders_per_day < 1:
        raise InvalidInput("Orders per day must be at least 1.", field="orders_per_day")
    began = time.perf_counter()
    start = start or _resume_point(rt, days)
    clock = FrozenClock(start)
    sim_rt = Runtime.build(rt.settings, clock=clock, payments=rt.payments, engine=rt.engine)
    sim_rt.deliver_inline()
    world = _load_world(sim_rt, seed)
    if not world.buyers:
        raise InvalidInput(
            "There are no buyers with addresses and products with offers to simulate; "
            "load the demo first (souk demo load).",
            field="days",
        )
    report = SimulationReport(days=days, start=start, end=start + timedelta(days=days))
    simulation = _Simulation(sim_rt, world, seed, report)
    try:
        start_campaigns(sim_rt, clock, seed)
        simulation.traffic = SearchTraffic(sim_rt, seed)
        simulation.resume_open_orders()
        with Progress(
            TextColumn("[bold]simulating trade"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days · {task.fields[orders]} orders"),
            TimeElapsedColumn(),
            disable=not progress,
            transient=False,
        ) as bar:
            task = bar.add_task("days", total=days, orders=0)
            for day in range(days):
                day_start = start + timedelta(days=day)
                rng = random.Random(f"{seed}:day:{day_start.date().isoformat()}")
                moments = sorted(
                    day_start + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                    for hour in rng.choices(
                        range(24), HOURLY_WEIGHTS, k=_day_orders(rng, orders_per_day, day_start)
                    )
                )
                for moment in moments:
                    simulation.run_until(moment)
                    simulation.purchase(rng)
                day_end = day_start + timedelta(days=1)
                simulation.run_until(day_end)
                simulate_aftersales(sim_rt, clock, seed, day_start, world.sellers)
                simulation.restock_and_reprice(day)
                # Refitting recommendations only matters for the model the last day leaves.
                last_day = day == days - 1
                skip = frozenset() if last_day else SIMULATION_DEFERRED_JOBS
                report.job_runs += len(run_due(sim_rt.sessions, clock, skip=skip))
                simulate_appeals(sim_rt, clock, seed, world.sellers)
                bar.update(task, advance=1, orders=report.orders_placed)
        with sim_rt.read_sessions() as session:
            report.by_status = dict(
                session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
            )
    finally:
        if sim_rt.dispatcher is not None:
            sim_rt.dispatcher.detach()
    report.seconds = time.perf_counter() - began
    return report
