"""The platform fulfilment network's use cases: centres and transit lanes, stock
per centre, inbound plans and receiving, delivery promises, routing orders to
centres, pick/pack/ship, removals, graded returns and the aged-inventory report.

For platform-fulfilled offers ``offers.quantity`` stays equal to the fulfillable
units across centres (less units sold but not yet routed), so the Buy Box,
search and checkout's atomic reservation keep working unchanged.
"""

from __future__ import annotations

import secrets
import threading
import time as _time
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import DomainEvent, emit, on
from souk.core.policy import FeeSchedule, default_policy
from souk.finance import rules as finance_rules
from souk.finance.rules import Dimensions, check_dimensions
from souk.fulfillment import rules
from souk.fulfillment.models import (
    CentreStock,
    FulfilmentCentre,
    InboundLine,
    InboundPlan,
    InboundShipment,
    InboundShipmentLine,
    OutboundLine,
    OutboundShipment,
    ProductMeasure,
    Removal,
    ReturnReceipt,
    Shipment,
    StockEvent,
    StockLot,
    TransitLane,
)
from souk.jobs.registry import job
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.orders import rules as order_rules
from souk.orders.models import Order, OrderNote
from souk.returns.models import ReturnRequest
from souk.sellers.models import Seller

# ------------------------------------------------------------------ centres


@dataclass(frozen=True)
class CentreSpec:
    code: str
    marketplace: str
    name: str
    address: str
    city: str
    postal_code: str
    country: str
    time_zone: str
    cutoff_hour: int
    capacity_units: int
    #: (prefix, region name, standard days, two-day days, next-day days or 0, cost per parcel)
    lanes: tuple[tuple[str, str, int, int, int, int], ...]


def _us_lanes(home: str) -> tuple[tuple[str, str, int, int, int, int], ...]:
    """US ZIP regions by first digit; transit grows with distance from the centre."""
    regions = {
        "0": ("New England", 0),
        "1": ("New York & Pennsylvania", 0),
        "2": ("Mid-Atlantic", 1),
        "3": ("Southeast", 2),
        "4": ("Great Lakes", 2),
        "5": ("Upper Midwest", 3),
        "6": ("Central", 3),
        "7": ("South Central", 4),
        "8": ("Mountain", 5),
        "9": ("Pacific", 6),
    }
    order = "0123456789"
    position = {"east": 0.5, "central": 6.5, "west": 9.0}[home]
    lanes = []
    for prefix, (name, _) in regions.items():
        distance = abs(order.index(prefix) - position)
        ground = 1 + min(int(distance // 2), 4)
        lanes.append(
            (prefix, name, ground, min(ground, 2), 1 if ground <= 2 else 0, 450 + 60 * ground)
        )
    return tuple(lanes)


#: The network souk starts with; operators add centres and lanes in /ops.
DEFAULT_NETWORK: tuple[CentreSpec, ...] = (
    CentreSpec(
        "EWR4",
        "US",
        "Robbinsville",
        "50 New Canton Way",
        "Robbinsville",
        "08691",
        "US",
        "America/New_York",
        14,
        200_000,
        _us_lanes("east"),
    ),
    CentreSpec(
        "DFW7",
        "US",
        "Fort Worth",
        "944 W Sandy Lake Rd",
        "Coppell",
        "75019",
        "US",
        "America/Chicago",
        14,
        150_000,
        _us_lanes("central"),
    ),
    CentreSpec(
        "ONT8",
        "US",
        "Moreno Valley",
        "24208 San Michele Rd",
        "Moreno Valley",
        "92551",
        "US",
        "America/Los_Angeles",
        14,
        200_000,
        _us_lanes("west"),
    ),
    CentreSpec(
        "LTN1",
        "UK",
        "Marston Gate",
        "Ridgmont",
        "Bedford",
        "MK43 0ZA",
        "GB",
        "Europe/London",
        15,
        120_000,
        (("", "Great Britain", 2, 2, 1, 320),),
    ),
    CentreSpec(
        "BER3",
        "DE",
        "Brieselang",
        "Havellandstrasse 5",
        "Brieselang",
        "14656",
        "DE",
        "Europe/Berlin",
        15,
        120_000,
        (("", "Deutschland", 2, 2, 1, 390),),
    ),
    CentreSpec(
        "NRT1",
        "JP",
        "Ichikawa",
        "Shiohama 2-13-1",
        "Ichikawa",
        "272-0127",
        "JP",
        "Asia/Tokyo",
        15,
        100_000,
        (("", "Japan", 2, 2, 1, 600),),
    ),
)


def seed_network(session: Session, specs: Sequence[CentreSpec] = DEFAULT_NETWORK) -> int:
    """Create the centres and lanes that do not exist yet; returns how many centres."""
    made = 0
    for spec in specs:
        if session.scalar(select(FulfilmentCentre.id).where(FulfilmentCentre.code == spec.code)):
            continue
        add_centre(session, spec)
        made += 1
    session.commit()
    return made


def add_centre(session: Session, spec: CentreSpec) -> FulfilmentCentre:
    if spec.marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {spec.marketplace!r}.", field="marketplace")
    try:
        ZoneInfo(spec.time_zone)
    except Exception:
        raise InvalidInput(f"Unknown time zone {spec.time_zone!r}.", field="time_zone") from None
    if not 0 <= spec.cutoff_hour <= 23:
        raise InvalidInput("The cut-off hour is 0 to 23.", field="cutoff_hour")
    if spec.capacity_units <= 0:
        raise InvalidInput("Capacity must be more than zero.", field="capacity_units")
    code = spec.code.strip().upper()
    if not code or len(code) > 8:
        raise InvalidInput("A centre code has 1 to 8 characters.", field="code")
    if session.scalar(select(FulfilmentCentre.id).where(FulfilmentCentre.code == code)):
        raise InvalidInput(f"Centre {code} exists already.", field="code")
    centre = FulfilmentCentre(
        code=code,
        marketplace=spec.marketplace,
        name=spec.name,
        address=spec.address,
        city=spec.city,
        postal_code=spec.postal_code,
        country=spec.country,
        time_zone=spec.time_zone,
        cutoff_hour=spec.cutoff_hour,
        capacity_units=spec.capacity_units,
    )
    session.add(centre)
    session.flush()
    for prefix, region, standard, two_day, next_day, cost in spec.lanes:
        levels = [(rules.STANDARD, standard, cost), (rules.TWO_DAY, two_day, cost + 250)]
        if next_day:
            levels.append((rules.NEXT_DAY, next_day, cost + 700))
        for level, days, lane_cost in levels:
            session.add(
                TransitLane(
                    centre_id=centre.id,
                    prefix=rules.normalise_postal_code(prefix),
                    region=region,
                    level=level,
                    days=days,
                    cost_minor=lane_cost,
                )
            )
    _network_cache.clear()
    return centre


def centres(session: Session, marketplace: str | None = None) -> list[FulfilmentCentre]:
    query = select(FulfilmentCentre).order_by(FulfilmentCentre.marketplace, FulfilmentCentre.code)
    if marketplace:
        query = query.where(FulfilmentCentre.marketplace == marketplace)
    return list(session.scalars(query))


def lanes_of(session: Session, centre_id: int) -> list[TransitLane]:
    return list(
        session.scalars(
            select(TransitLane)
            .where(TransitLane.centre_id == centre_id)
            .order_by(TransitLane.prefix, TransitLane.level)
        )
    )


@lru_cache(maxsize=64)
def carrier_days_off(country: str, year: int) -> frozenset[date]:
    """Public holidays on which the country's carriers neither collect nor deliver."""
    try:
        days = holidays.country_holidays(country, years=[year, year + 1])
    except NotImplementedError:
        return frozenset()
    return frozenset(days.keys())


class _NetworkCache:
    """Centre facts per marketplace, read once a minute: promises on product pages
    must not query lanes on every view."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._data: dict[tuple[int, str, int], tuple[float, dict[int, rules.CentreFacts]]] = {}

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def get(self, session: Session, marketplace: str, year: int) -> dict[int, rules.CentreFacts]:
        key = (id(session.get_bind()), marketplace, year)
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and _time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        facts = _load_facts(session, marketplace, year)
        with self._lock:
            self._data[key] = (_time.monotonic(), facts)
        return facts


_network_cache = _NetworkCache()


def _load_facts(session: Session, marketplace: str, year: int) -> dict[int, rules.CentreFacts]:
    rows = list(
        session.scalars(
            select(FulfilmentCentre).where(
                FulfilmentCentre.marketplace == marketplace, FulfilmentCentre.is_active
            )
        )
    )
    lanes: dict[int, dict[tuple[str, str], rules.Lane]] = defaultdict(dict)
    if rows:
        for lane in session.scalars(
            select(TransitLane).where(TransitLane.centre_id.in_([c.id for c in rows]))
        ):
            lanes[lane.centre_id][(lane.prefix, lane.level)] = rules.Lane(
                lane.days, lane.cost_minor
            )
    return {
        c.id: rules.CentreFacts(
            code=c.code,
            zone=ZoneInfo(c.time_zone),
            cutoff=time(c.cutoff_hour, c.cutoff_minute),
            lanes=lanes[c.id],
            days_off=carrier_days_off(c.country, year),
        )
        for c in rows
    }


def network_facts(
    session: Session, marketplace: str, now: datetime
) -> dict[int, rules.CentreFacts]:
    return _network_cache.get(session, marketplace, now.year)


# -------------------------------------------------------------------- stock


def _stock_row(session: Session, centre_id: int, offer: Offer) -> CentreStock:
    row = session.scalar(
        select(CentreStock).where(
            CentreStock.centre_id == centre_id, CentreStock.offer_id == offer.id
        )
    )
    if row is None:
        row = CentreStock(centre_id=centre_id, offer_id=offer.id, seller_id=offer.seller_id)
        session.add(row)
        session.flush()
    return row


def move_stock(
    session: Session,
    *,
    centre_id: int,
    offer_id: int,
    source: str | None,
    target: str | None,
    quantity: int,
    reason: str,
    reference: str,
    at: datetime,
) -> None:
    """Move units between buckets with one conditional UPDATE (so concurrent moves
    never take a count below zero) and record the event. Raises InvalidState when
    the source bucket holds fewer units."""
    if quantity <= 0:
        raise InvalidInput("Move at least one unit.", field="quantity")
    if source == target:
        raise InvalidInput("Source and target buckets are the same.")
    values: dict[str, object] = {}
    condition = [CentreStock.centre_id == centre_id, CentreStock.offer_id == offer_id]
    if source is not None:
        column = getattr(CentreStock, source)
        values[source] = column - quantity
        condition.append(column >= quantity)
    if target is not None:
        values[target] = getattr(CentreStock, target) + quantity
    result = session.execute(
        update(CentreStock)
        .where(*condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidState(f"Not enough {source} units in the centre to move {quantity}.")
    session.add(
        StockEvent(
            centre_id=centre_id,
            offer_id=offer_id,
            source=source or "",
            target=target or "",
            quantity=quantity,
            reason=reason,
            reference=reference,
            at=at,
        )
    )


def _offer_quantity(session: Session, offer_id: int, delta: int) -> None:
    """Keep the offer's sellable count in step with fulfillable units."""
    query = update(Offer).where(Offer.id == offer_id)
    if delta < 0:
        query = query.where(Offer.quantity >= -delta)
    result = session.execute(
        query.values(quantity=Offer.quantity + delta).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidState("Those units are already sold to buyers.")


def _offer_changed(session: Session, offer_id: int, at: datetime) -> None:
    offer = session.get(Offer, offer_id)
    assert offer is not None
    session.refresh(offer, ["quantity"])
    emit(
        session,
        "offer.changed",
        offer.asin,
        {
            "offer_id": offer.id,
            "asin": offer.asin,
            "seller_id": offer.seller_id,
            "marketplace": offer.marketplace,
            "sku": offer.sku,
            "change": "quantity",
            "price_minor": offer.price_minor,
            "shipping_minor": offer.shipping_minor,
            "quantity": offer.quantity,
            "currency": offer.currency,
        },
        at,
    )


def _consume_lots(session: Session, centre_id: int, offer_id: int, quantity: int) -> None:
    """Take units from the oldest lots first (ageing follows what is left)."""
    for lot in session.scalars(
        select(StockLot)
        .where(
            StockLot.centre_id == centre_id, StockLot.offer_id == offer_id, StockLot.remaining > 0
        )
        .order_by(StockLot.received_at, StockLot.id)
        .with_for_update()
    ):
        if quantity == 0:
            return
        take = min(lot.remaining, quantity)
        lot.remaining -= take
        quantity -= take


@dataclass(frozen=True)
class StockLine:
    centre: FulfilmentCentre
    offer: Offer
    title: str
    buckets: rules.Buckets


def seller_stock(session: Session, seller_id: str, marketplace: str) -> list[StockLine]:
    rows = session.execute(
        select(CentreStock, FulfilmentCentre, Offer, Product.title)
        .join(FulfilmentCentre, FulfilmentCentre.id == CentreStock.centre_id)
        .join(Offer, Offer.id == CentreStock.offer_id)
        .join(Product, Product.asin == Offer.asin)
        .where(CentreStock.seller_id == seller_id, Offer.marketplace == marketplace)
        .order_by(Offer.sku, FulfilmentCentre.code)
    ).all()
    return [
        StockLine(
            centre,
            offer,
            title,
            rules.Buckets(
                stock.fulfillable,
                stock.inbound,
                stock.reserved,
                stock.unfulfillable,
                stock.researching,
            ),
        )
        for stock, centre, offer, title in rows
    ]


def stock_events(session: Session, offer_id: int, limit: int = 50) -> list[StockEvent]:
    return list(
        session.scalars(
            select(StockEvent)
            .where(StockEvent.offer_id == offer_id)
            .order_by(StockEvent.at.desc(), StockEvent.id.desc())
            .limit(limit)
        )
    )


# ------------------------------------------------------------- measurements


def parse_dimensions(length: str, width: str, height: str, weight: str, units: str) -> Dimensions:
    try:
        values = [Decimal(str(v).strip()) for v in (length, width, height, weight)]
    except InvalidOperation:
        raise InvalidInput("Sizes and weight are numbers, like 12.5.", field="length") from None
    return check_dimensions(Dimensions(*values, units=units))


def record_measure(
    session: Session, asin: str, dims: Dimensions, by: str, at: datetime
) -> ProductMeasure:
    measure = session.get(ProductMeasure, asin)
    if measure is None:
        measure = ProductMeasure(asin=asin)
        session.add(measure)
    elif measure.measured_by == "centre" and by == "seller":
        return measure  # the centre's own measurement wins over a declaration
    measure.length, measure.width, measure.height = dims.length, dims.width, dims.height
    measure.weight = dims.weight
    measure.units = dims.units
    measure.measured_by = by
    measure.updated_at = at
    return measure


def measure_of(session: Session, asin: str) -> Dimensions | None:
    measure = session.get(ProductMeasure, asin)
    if measure is None:
        return None
    return Dimensions(
        Decimal(measure.length),
        Decimal(measure.width),
        Decimal(measure.height),
        Decimal(measure.weight),
        measure.units,
    )


# ------------------------------------------------------------------ inbound


@dataclass(frozen=True)
class InboundRequestLine:
    sku: str
    quantity: int
    dimensions: Dimensions | None = None
    prep: str = "none"
    labelling: str = "seller"


PLACEMENTS = ("split", "one_centre", "cross_border")
PREP = ("none", "polybag", "bubble_wrap", "labelling")


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


def _demand_shares(facts: dict[int, rules.CentreFacts], now: datetime) -> dict[int, float]:
    """Each centre's share of destination regions it reaches soonest at standard."""
    prefixes = {p for f in facts.values() for (p, level) in f.lanes if level == rules.STANDARD}
    shares: dict[int, float] = {cid: 0.0 for cid in facts}
    for prefix in prefixes:
        best = min(
            (
                (lane.days, lane.cost_minor, facts[cid].code, cid)
                for cid in facts
                if (lane := facts[cid].lanes.get((prefix, rules.STANDARD))) is not None
            ),
            default=None,
        )
        if best is not None:
            shares[best[3]] += 1.0
    total = sum(shares.values()) or 1.0
    return {cid: share / total for cid, share in shares.items()}


def create_inbound_plan(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    name: str,
    lines: Sequence[InboundRequestLine],
    placement: str = "split",
    ship_from: str = "",
    centre_code: str | None = None,
) -> InboundPlan:
    """A seller's plan to send units; split into shipments per centre, units
    counted as inbound there. Placement and cross-border fees are charged.
    ``centre_code`` sends everything to one named centre (the placement fee applies)."""
    now = clock.now()
    if placement not in PLACEMENTS:
        raise InvalidInput(f"Placement is one of {', '.join(PLACEMENTS)}.", field="placement")
    if not lines:
        raise InvalidInput("Add at least one SKU to send.", field="lines")
    name = name.strip() or f"Shipment {now:%Y-%m-%d}"
    facts = network_facts(session, marketplace, now)
    if not facts:
        raise InvalidState(f"souk has no fulfilment centre in {marketplace} yet.")
    rows = {
        c.id: c
        for c in session.scalars(select(FulfilmentCentre).where(FulfilmentCentre.id.in_(facts)))
    }
    used = dict(
        session.execute(
            select(
                CentreStock.centre_id,
                func.sum(
                    CentreStock.fulfillable
                    + CentreStock.inbound
                    + CentreStock.reserved
                    + CentreStock.unfulfillable
                    + CentreStock.researching
                ),
            )
            .where(CentreStock.centre_id.in_(facts))
            .group_by(CentreStock.centre_id)
        ).all()
    )
    shares = _demand_shares(facts, now)
    free = {cid: rows[cid].capacity_units - int(used.get(cid) or 0) for cid in facts}
    plan = InboundPlan(
        id=_new_id("FBA"),
        seller_id=seller_id,
        marketplace=marketplace,
        name=name[:120],
        placement=placement,
        status="working",
        ship_from=ship_from[:300],
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    by_centre: dict[int, list[tuple[Offer, int]]] = defaultdict(list)
    seen: set[int] = set()
    for line in lines:
        if line.prep not in PREP:
            raise InvalidInput(f"Prep is one of {', '.join(PREP)}.", field="prep")
        if line.labelling not in ("seller", "platform"):
            raise InvalidInput("Labelling is by the seller or the platform.", field="labelling")
        if not 1 <= line.quantity <= 100_000:
            raise InvalidInput("Send 1 to 100,000 units of a SKU.", field="quantity")
        offer = session.scalar(
            select(Offer).where(
                Offer.seller_id == seller_id,
                Offer.marketplace == marketplace,
                Offer.sku == line.sku.strip(),
            )
        )
        if offer is None:
            raise NotFound(f"You have no SKU {line.sku!r} in {marketplace}.", field="sku")
        if offer.fulfillment_channel != "PLATFORM":
            raise InvalidInput(
                f"SKU {offer.sku} is fulfilled by you; switch it to platform fulfilment first.",
                field="sku",
            )
        if offer.id in seen:
            raise InvalidInput(f"SKU {offer.sku} is listed twice.", field="sku")
        seen.add(offer.id)
        if line.dimensions is not None:
            record_measure(session, offer.asin, line.dimensions, "seller", now)
        elif session.get(ProductMeasure, offer.asin) is None:
            raise InvalidInput(f"Give the unit size and weight of SKU {offer.sku}.", field="length")
        candidates = [
            rules.CentreCapacity(str(cid), free[cid], shares[cid])
            for cid in facts
            if centre_code is None or facts[cid].code == centre_code
        ]
        if not candidates:
            raise InvalidInput(f"No centre {centre_code} in {marketplace}.", field="centre")
        split = rules.split_inbound(
            line.quantity, candidates, one_centre=placement != "split" or centre_code is not None
        )
        for cid_text, units in split.items():
            cid = int(cid_text)
            free[cid] -= units
            by_centre[cid].append((offer, units))
        session.add(
            InboundLine(
                plan_id=plan.id,
                offer_id=offer.id,
                quantity=line.quantity,
                prep=line.prep,
                labelling=line.labelling,
            )
        )
    session.flush()
    lead_days = 10 if placement == "cross_border" else 3
    for cid, parts in sorted(by_centre.items(), key=lambda item: rows[item[0]].code):
        shipment = InboundShipment(
            id=_new_id("SK"),
            plan_id=plan.id,
            centre_id=cid,
            status="working",
            boxes=max(1, sum(units for _, units in parts) // 40 + 1),
            expected_at=now + timedelta(days=lead_days),
        )
        session.add(shipment)
        session.flush()
        for offer, units in parts:
            _stock_row(session, cid, offer)
            session.add(
                InboundShipmentLine(shipment_id=shipment.id, offer_id=offer.id, expected=units)
            )
            move_stock(
                session,
                centre_id=cid,
                offer_id=offer.id,
                source=None,
                target=rules.INBOUND,
                quantity=units,
                reason="inbound_plan",
                reference=shipment.id,
                at=now,
            )
    units = sum(line.quantity for line in lines)
    schedule = fee_schedule(marketplace, now)
    currency = MARKETPLACES[marketplace].currency
    if placement == "one_centre" and schedule.inbound_placement_per_unit_minor:
        charge_fee(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="inbound_placement",
            amount_minor=schedule.inbound_placement_per_unit_minor * units,
            currency=currency,
            reference=plan.id,
            description=f"Inbound placement, {units} units to one centre",
            key=f"placement:{plan.id}",
            at=now,
        )
    if placement == "cross_border" and schedule.cross_border_per_unit_minor:
        charge_fee(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="cross_border_inbound",
            amount_minor=schedule.cross_border_per_unit_minor * units,
            currency=currency,
            reference=plan.id,
            description=f"Consolidated cross-border inbound, {units} units",
            key=f"cross-border:{plan.id}",
            at=now,
        )
    session.commit()
    return plan


def fee_schedule(marketplace: str, at: datetime) -> FeeSchedule:
    return finance_rules.schedule_at(default_policy().for_marketplace(marketplace).fees, at.date())


def charge_fee(
    session: Session,
    *,
    seller_id: str,
    marketplace: str,
    kind: str,
    amount_minor: int,
    currency: str,
    reference: str,
    description: str,
    key: str,
    at: datetime,
) -> None:
    """Tell the ledger the network charged the seller a fee (``fulfilment.fee``)."""
    emit(
        session,
        "fulfilment.fee",
        seller_id,
        {
            "seller_id": seller_id,
            "marketplace": marketplace,
            "kind": kind,
            "amount_minor": amount_minor,
            "currency": currency,
            "reference": reference,
            "description": description,
            "key": key,
            "at": at.isoformat(),
        },
        at,
    )


def reimburse(
    session: Session,
    *,
    seller_id: str,
    marketplace: str,
    amount_minor: int,
    currency: str,
    reference: str,
    description: str,
    key: str,
    at: datetime,
) -> None:
    """The platform lost or damaged the seller's units: credit their value."""
    emit(
        session,
        "fulfilment.reimbursement",
        seller_id,
        {
            "seller_id": seller_id,
            "marketplace": marketplace,
            "amount_minor": amount_minor,
            "currency": currency,
            "reference": reference,
            "description": description,
            "key": key,
            "at": at.isoformat(),
        },
        at,
    )


def seller_plans(session: Session, seller_id: str, marketplace: str) -> list[InboundPlan]:
    return list(
        session.scalars(
            select(InboundPlan)
            .where(InboundPlan.seller_id == seller_id, InboundPlan.marketplace == marketplace)
            .order_by(InboundPlan.created_at.desc(), InboundPlan.id)
        )
    )


@dataclass(frozen=True)
class PlanView:
    plan: InboundPlan
    shipments: list[
        tuple[InboundShipment, FulfilmentCentre, list[tuple[InboundShipmentLine, Offer]]]
    ]


def plan_view(session: Session, seller_id: str | None, plan_id: str) -> PlanView:
    plan = session.get(InboundPlan, plan_id)
    if plan is None or (seller_id is not None and plan.seller_id != seller_id):
        raise NotFound(f"No inbound plan {plan_id}.")
    shipments = []
    for shipment, centre in session.execute(
        select(InboundShipment, FulfilmentCentre)
        .join(FulfilmentCentre, FulfilmentCentre.id == InboundShipment.centre_id)
        .where(InboundShipment.plan_id == plan.id)
        .order_by(FulfilmentCentre.code)
    ).all():
        lines = list(
            session.execute(
                select(InboundShipmentLine, Offer)
                .join(Offer, Offer.id == InboundShipmentLine.offer_id)
                .where(InboundShipmentLine.shipment_id == shipment.id)
                .order_by(Offer.sku)
            ).all()
        )
        shipments.append((shipment, centre, lines))
    return PlanView(plan, shipments)


def mark_inbound_shipped(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    shipment_id: str,
    carrier: str,
    tracking_number: str,
) -> InboundShipment:
    shipment = session.get(InboundShipment, shipment_id)
    plan = session.get(InboundPlan, shipment.plan_id) if shipment else None
    if shipment is None or plan is None or plan.seller_id != seller_id:
        raise NotFound(f"No inbound shipment {shipment_id}.")
    if shipment.status != "working":
        raise InvalidState(f"Shipment {shipment_id} is {shipment.status} already.")
    carrier, tracking = rules.check_tracking(carrier, tracking_number)
    now = clock.now()
    shipment.status = "shipped"
    shipment.carrier = carrier
    shipment.tracking_number = tracking
    shipment.shipped_at = now
    plan.status = "shipped"
    plan.updated_at = now
    session.commit()
    return shipment


def inbound_awaiting(
    session: Session, marketplace: str | None = None
) -> list[tuple[InboundShipment, InboundPlan, FulfilmentCentre]]:
    query = (
        select(InboundShipment, InboundPlan, FulfilmentCentre)
        .join(InboundPlan, InboundPlan.id == InboundShipment.plan_id)
        .join(FulfilmentCentre, FulfilmentCentre.id == InboundShipment.centre_id)
        .where(InboundShipment.status.in_(("working", "shipped")))
        .order_by(InboundShipment.expected_at, InboundShipment.id)
    )
    if marketplace:
        query = query.where(InboundPlan.marketplace == marketplace)
    return list(session.execute(query).all())


def receive_shipment(
    session: Session,
    clock: Clock,
    *,
    shipment_id: str,
    counts: dict[int, tuple[int, int]],
) -> list[rules.Receipt]:
    """A centre counts a shipment: sellable units become fulfillable (and sellable on
    the offer at once), damaged ones unfulfillable, missing ones are researched."""
    shipment = session.get(InboundShipment, shipment_id)
    if shipment is None:
        raise NotFound(f"No inbound shipment {shipment_id}.")
    if shipment.status not in ("working", "shipped"):
        raise InvalidState(f"Shipment {shipment_id} is {shipment.status} already.")
    plan = session.get(InboundPlan, shipment.plan_id)
    assert plan is not None
    now = clock.now()
    lines = list(
        session.scalars(
            select(InboundShipmentLine).where(InboundShipmentLine.shipment_id == shipment.id)
        )
    )
    unknown = set(counts) - {line.offer_id for line in lines}
    if unknown:
        raise InvalidInput("Count only the SKUs in this shipment.", field="counts")
    receipts = []
    for line in lines:
        received, damaged = counts.get(line.offer_id, (0, 0))
        receipt = rules.reconcile_receipt(line.expected, received, damaged)
        receipts.append(receipt)
        line.received, line.damaged = receipt.received, receipt.damaged
        line.short, line.over = receipt.short, receipt.over
        kwargs = {"centre_id": shipment.centre_id, "offer_id": line.offer_id, "at": now}
        # Every expected unit leaves "inbound": as sellable, damaged or missing.
        left = line.expected
        for target, units in (
            (rules.FULFILLABLE, received),
            (rules.UNFULFILLABLE, damaged),
            (rules.RESEARCHING, receipt.short),
        ):
            from_inbound = min(units, left)
            if from_inbound:
                move_stock(
                    session,
                    source=rules.INBOUND,
                    target=target,
                    quantity=from_inbound,
                    reason="received",
                    reference=shipment.id,
                    **kwargs,
                )  # type: ignore[arg-type]
                left -= from_inbound
            if units - from_inbound:
                move_stock(
                    session,
                    source=None,
                    target=target,
                    quantity=units - from_inbound,
                    reason="received_over",
                    reference=shipment.id,
                    **kwargs,
                )  # type: ignore[arg-type]
        if received:
            session.add(
                StockLot(
                    centre_id=shipment.centre_id,
                    offer_id=line.offer_id,
                    received_at=now,
                    remaining=received,
                )
            )
            _offer_quantity(session, line.offer_id, received)
            _offer_changed(session, line.offer_id, now)
    shipment.status = "closed"
    shipment.received_at = now
    shipment.closed_at = now
    if all(
        s.status == "closed"
        for s in session.scalars(select(InboundShipment).where(InboundShipment.plan_id == plan.id))
    ):
        plan.status = "closed"
    plan.updated_at = now
    emit(
        session,
        "fulfilment.received",
        shipment.id,
        {
            "shipment_id": shipment.id,
            "seller_id": plan.seller_id,
            "received": sum(r.received for r in receipts),
            "damaged": sum(r.damaged for r in receipts),
            "short": sum(r.short for r in receipts),
            "over": sum(r.over for r in receipts),
        },
        now,
    )
    session.commit()
    return receipts


def resolve_research(session: Session, clock: Clock) -> int:
    """Units missing longer than the research window are reimbursed to the seller
    at the offer's price less the referral fee, and leave the network."""
    now = clock.now()
    done = 0
    for stock, offer in session.execute(
        select(CentreStock, Offer)
        .join(Offer, Offer.id == CentreStock.offer_id)
        .where(CentreStock.researching > 0)
    ).all():
        days = default_policy().for_marketplace(offer.marketplace).fulfilment.research_days
        since = session.scalar(
            select(func.max(StockEvent.at)).where(
                StockEvent.offer_id == offer.id,
                StockEvent.centre_id == stock.centre_id,
                StockEvent.target == rules.RESEARCHING,
            )
        )
        if since is None or _aware(since) > now - timedelta(days=days):
            continue
        units = stock.researching
        move_stock(
            session,
            centre_id=stock.centre_id,
            offer_id=offer.id,
            source=rules.RESEARCHING,
            target=None,
            quantity=units,
            reason="lost_reimbursed",
            reference="",
            at=now,
        )
        reimburse(
            session,
            seller_id=offer.seller_id,
            marketplace=offer.marketplace,
            amount_minor=_unit_value(offer) * units,
            currency=offer.currency,
            reference=offer.sku,
            description=f"Reimbursement: {units} unit(s) of {offer.sku} lost in a centre",
            key=f"lost:{stock.id}:{now.isoformat()}",
            at=now,
        )
        done += 1
    session.commit()
    return done


def _unit_value(offer: Offer) -> int:
    """What a lost unit is worth to the seller: its price less a typical referral fee."""
    return offer.price_minor * 85 // 100


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ----------------------------------------------------------------- promises


def is_prime_member(session: Session, user_id: int | None, marketplace: str, now: datetime) -> bool:
    if user_id is None:
        return False
    from souk.fulfillment.prime import active_membership

    return active_membership(session, user_id, marketplace, now) is not None


def offer_centres(session: Session, offer_ids: Collection[int]) -> dict[int, dict[int, int]]:
    """offer -> centre -> fulfillable units."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    if not offer_ids:
        return found
    for offer_id, centre_id, units in session.execute(
        select(CentreStock.offer_id, CentreStock.centre_id, CentreStock.fulfillable).where(
            CentreStock.offer_id.in_(list(offer_ids)), CentreStock.fulfillable > 0
        )
    ):
        found[offer_id][centre_id] = units
    return found


@dataclass(frozen=True)
class DeliveryPromise:
    arrives: date
    ship_day: date
    centre: str
    level: str
    prime: bool  # the Prime promise (free two-day) applies


def promise_for_offer(
    session: Session,
    *,
    offer_id: int,
    marketplace: str,
    postal_code: str,
    now: datetime,
    level: str = rules.STANDARD,
    prime_member: bool = False,
) -> DeliveryPromise | None:
    """ "Arrives by" for a platform-fulfilled offer, from the centres holding it."""
    stock = offer_centres(session, [offer_id]).get(offer_id, {})
    return promise_from_stock(session, stock, marketplace, postal_code, now, level, prime_member)


def promise_from_stock(
    session: Session,
    stock: dict[int, int],
    marketplace: str,
    postal_code: str,
    now: datetime,
    level: str = rules.STANDARD,
    prime_member: bool = False,
) -> DeliveryPromise | None:
    if not stock:
        return None
    facts = network_facts(session, marketplace, now)
    held = [facts[cid] for cid in stock if cid in facts]
    if prime_member and level == rules.STANDARD:
        level = rules.TWO_DAY
    best = rules.best_promise(held, now, postal_code, level)
    if best is None:
        return None
    prime = level in (rules.TWO_DAY, rules.NEXT_DAY) and prime_member
    return DeliveryPromise(best.arrives, best.ship_day, best.centre, level, prime)


def prime_eligible_offers(session: Session, offer_ids: Collection[int]) -> set[int]:
    """Platform-fulfilled offers with fulfillable units in a centre carry the Prime badge."""
    return set(offer_centres(session, offer_ids))


# ------------------------------------------------------------------ routing


def _route_order(session: Session, order: Order, now: datetime) -> list[OutboundShipment]:
    level = rules.SPEED_LEVELS.get(order.delivery_speed, rules.STANDARD)
    if level == rules.STANDARD and is_prime_member(session, order.buyer_id, order.marketplace, now):
        level = rules.TWO_DAY
    facts = network_facts(session, order.marketplace, now)
    items = {item.id: item for item in order.items}
    stock = offer_centres(session, [item.offer_id for item in order.items])
    available = {
        item.id: {
            facts[cid].code: units
            for cid, units in stock.get(item.offer_id, {}).items()
            if cid in facts
        }
        for item in order.items
    }
    promises: dict[str, rules.Promise] = {}
    by_code = {f.code: cid for cid, f in facts.items()}
    for fact in facts.values():
        promise = rules.promise_from(fact, now, order.ship_postal_code, level)
        if promise is None and level != rules.STANDARD:
            promise = rules.promise_from(fact, now, order.ship_postal_code, rules.STANDARD)
        if promise is not None:
            promises[fact.code] = promise
    allocations = rules.route({i: item.quantity for i, item in items.items()}, available, promises)
    carrier = default_policy().for_marketplace(order.marketplace).fulfilment.carrier
    made: dict[str, OutboundShipment] = {}
    for allocation in allocations:
        cid = by_code[allocation.centre]
        item = items[allocation.line]
        move_stock(
            session,
            centre_id=cid,
            offer_id=item.offer_id,
            source=rules.FULFILLABLE,
            target=rules.RESERVED,
            quantity=allocation.quantity,
            reason="order",
            reference=order.id,
            at=now,
        )
        shipment = made.get(allocation.centre)
        if shipment is None:
            promise = promises[allocation.centre]
            shipment = OutboundShipment(
                order_id=order.id,
                centre_id=cid,
                status="assigned",
                level=promise.level,
                carrier=carrier,
                tracking_number=_tracking(session, carrier, allocation.centre),
                promised_ship_day=promise.ship_day,
                promised_by=promise.arrives,
                assigned_at=now,
            )
            session.add(shipment)
            session.flush()
            made[allocation.centre] = shipment
        session.add(
            OutboundLine(
                shipment_id=shipment.id,
                order_item_id=item.id,
                offer_id=item.offer_id,
                quantity=allocation.quantity,
            )
        )
    session.add(
        OrderNote(
            order_id=order.id,
            at=now,
            kind="routed",
            text="Ships from " + ", ".join(sorted(made)),
        )
    )
    return list(made.values())


def _tracking(session: Session, carrier: str, centre_code: str) -> str:
    serial = (session.scalar(select(func.count(OutboundShipment.id))) or 0) + 1
    serial = serial * 1000 + secrets.randbelow(1000)
    if carrier == "UPS":
        return rules.ups_tracking("SK" + centre_code[:4], serial)
    if carrier == "DHL":
        return f"JJD{serial:018d}"
    if carrier == "DPD":
        return f"{serial:014d}"
    if carrier == "FedEx":
        return f"{serial % 10**12:012d}"
    return _s10(serial, _POSTAL_SUFFIX.get(carrier, "GB"))


# Postal operators' international (UPU S10) numbers end in their country code.
_POSTAL_SUFFIX = {
    "USPS": "US",
    "Royal Mail": "GB",
    "Canada Post": "CA",
    "Japan Post": "JP",
    "India Post": "IN",
    "Correos": "ES",
}


def _s10(serial: int, country: str) -> str:
    """A UPU S10 item number: two letters, eight digits, a check digit, the country."""
    digits = f"{serial % 10**8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"SK{digits}{check}{country}"


@on("order.placed")
def _route_on_order(session: Session, event: DomainEvent) -> None:
    order = session.scalar(
        select(Order)
        .where(Order.id == event.payload["order_id"])
        .options(selectinload(Order.items))
    )
    if order is None or order.fulfillment_channel != "PLATFORM":
        return
    if session.scalar(select(OutboundShipment.id).where(OutboundShipment.order_id == order.id)):
        return  # routed already (a redelivered event)
    if not network_facts(session, order.marketplace, event.occurred_at):
        return  # no network in this marketplace: the platform's own staff ship it
    _route_order(session, order, event.occurred_at)


@on("order.canceled")
def _unreserve_on_cancel(session: Session, event: DomainEvent) -> None:
    rows = session.execute(
        select(OutboundShipment, OutboundLine)
        .join(OutboundLine, OutboundLine.shipment_id == OutboundShipment.id)
        .where(
            OutboundShipment.order_id == event.payload["order_id"],
            OutboundShipment.status != "shipped",
            OutboundShipment.status != "canceled",
        )
    ).all()
    for shipment, line in rows:
        move_stock(
            session,
            centre_id=shipment.centre_id,
            offer_id=line.offer_id,
            source=rules.RESERVED,
            target=rules.FULFILLABLE,
            quantity=line.quantity,
            reason="order_canceled",
            reference=shipment.order_id,
            at=event.occurred_at,
        )
    for shipment in {s.id: s for s, _ in rows}.values():
        shipment.status = "canceled"


# ---------------------------------------------------------- pick, pack, ship

STEPS = {"assigned": "picked", "picked": "packed", "packed": "shipped"}


def outbound_queue(
    session: Session, centre_id: int | None = None, limit: int = 100
) -> list[tuple[OutboundShipment, FulfilmentCentre]]:
    query = (
        select(OutboundShipment, FulfilmentCentre)
        .join(FulfilmentCentre, FulfilmentCentre.id == OutboundShipment.centre_id)
        .where(OutboundShipment.status.in_(("assigned", "picked", "packed")))
        .order_by(OutboundShipment.promised_ship_day, OutboundShipment.id)
        .limit(limit)
    )
    if centre_id is not None:
        query = query.where(OutboundShipment.centre_id == centre_id)
    return list(session.execute(query).all())


def order_shipments(
    session: Session, order_id: str
) -> list[tuple[OutboundShipment, FulfilmentCentre]]:
    return list(
        session.execute(
            select(OutboundShipment, FulfilmentCentre)
            .join(FulfilmentCentre, FulfilmentCentre.id == OutboundShipment.centre_id)
            .where(OutboundShipment.order_id == order_id)
            .order_by(OutboundShipment.id)
        ).all()
    )


def advance(
    session: Session, clock: Clock, shipment_id: int, *, commit: bool = True
) -> OutboundShipment:
    """The next step for an outbound shipment: pick, then pack, then ship."""
    shipment = session.get(OutboundShipment, shipment_id, with_for_update=True)
    if shipment is None:
        raise NotFound(f"No outbound shipment {shipment_id}.")
    if shipment.status not in STEPS:
        raise InvalidState(f"Shipment {shipment_id} is {shipment.status}.")
    now = clock.now()
    step = STEPS[shipment.status]
    if step == "picked":
        shipment.picked_at = now
    elif step == "packed":
        shipment.packed_at = now
    else:
        _ship(session, shipment, now)
        shipment.shipped_at = now
    shipment.status = step
    if commit:
        session.commit()
    return shipment


def _ship(session: Session, shipment: OutboundShipment, now: datetime) -> None:
    order = session.scalar(
        select(Order).where(Order.id == shipment.order_id).options(selectinload(Order.items))
    )
    assert order is not None
    if order.status not in (order_rules.UNSHIPPED, order_rules.PARTIALLY_SHIPPED):
        raise InvalidState(f"An order that is {order.status} cannot be shipped.")
    items = {item.id: item for item in order.items}
    for line in session.scalars(
        select(OutboundLine).where(OutboundLine.shipment_id == shipment.id)
    ):
        move_stock(
            session,
            centre_id=shipment.centre_id,
            offer_id=line.offer_id,
            source=rules.RESERVED,
            target=None,
            quantity=line.quantity,
            reason="shipped",
            reference=order.id,
            at=now,
        )
        _consume_lots(session, shipment.centre_id, line.offer_id, line.quantity)
        items[line.order_item_id].quantity_shipped += line.quantity
    session.add(
        Shipment(
            order_id=order.id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=now,
        )
    )
    order.status = order_rules.status_after_shipping(
        [(i.quantity, i.quantity_shipped) for i in order.items]
    )
    order.updated_at = now
    centre = session.get(FulfilmentCentre, shipment.centre_id)
    assert centre is not None
    session.add(
        OrderNote(
            order_id=order.id,
            at=now,
            kind="shipped",
            text=f"Shipped from {centre.code} with {shipment.carrier}, "
            f"tracking {shipment.tracking_number}",
        )
    )
    if order.status == order_rules.SHIPPED:
        order.shipped_at = now
        emit(
            session,
            "order.shipped",
            order.id,
            {
                "order_id": order.id,
                "seller_id": order.seller_id,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "shipped_at": now.isoformat(),
                "late": order_rules.is_late_shipment(order.latest_ship_at, now),
                "channel": "PLATFORM",
            },
            now,
        )


def run_outbound(session: Session, clock: Clock, limit: int = 500) -> int:
    """Work the centres' queues: every shipment due to ship today is picked, packed
    and shipped (the network's conveyor, run by a job)."""
    now = clock.now()
    done = 0
    for shipment, centre in outbound_queue(session, limit=limit):
        local_day = now.astimezone(ZoneInfo(centre.time_zone)).date()
        if shipment.promised_ship_day > local_day:
            continue
        while shipment.status in STEPS:
            advance(session, clock, shipment.id, commit=False)
        done += 1
    session.commit()
    return done


# ----------------------------------------------------------------- returns


def receive_return(
    session: Session,
    clock: Clock,
    *,
    order_id: str,
    offer_id: int,
    quantity: int,
    grade: str,
    commit: bool = True,
) -> ReturnReceipt:
    """A customer's return of platform-fulfilled units reaches the centres that
    shipped them and is graded: sellable units go back on sale; who caused the
    damage pays. Units of an order split across centres go back to each centre
    that shipped them (one receipt per centre; the first is returned).
    ``commit=False`` leaves the transaction to the caller (the returns flow, which
    refunds the buyer in the same transaction)."""
    target, liable = rules.grade_return(grade)
    shipped: dict[int, tuple[OutboundShipment, int]] = {}
    for shipment, line in session.execute(
        select(OutboundShipment, OutboundLine)
        .join(OutboundLine, OutboundLine.shipment_id == OutboundShipment.id)
        .where(
            OutboundShipment.order_id == order_id,
            OutboundLine.offer_id == offer_id,
            OutboundShipment.status == "shipped",
        )
        .order_by(OutboundShipment.id)
    ).all():
        first, units = shipped.get(shipment.centre_id, (shipment, 0))
        shipped[shipment.centre_id] = (first, units + line.quantity)
    if not shipped:
        raise NotFound("That unit was not shipped by the fulfilment network.", field="order_id")
    returned = dict(
        session.execute(
            select(ReturnReceipt.centre_id, func.sum(ReturnReceipt.quantity))
            .where(ReturnReceipt.order_id == order_id, ReturnReceipt.offer_id == offer_id)
            .group_by(ReturnReceipt.centre_id)
        ).all()
    )
    left = {cid: units - int(returned.get(cid) or 0) for cid, (_, units) in shipped.items()}
    total_left = sum(left.values())
    if not 1 <= quantity <= total_left:
        raise InvalidInput(f"At most {total_left} unit(s) can come back.", field="quantity")
    offer = session.get(Offer, offer_id)
    assert offer is not None
    receipts = []
    wanted = quantity
    for centre_id, units in left.items():
        take = min(units, wanted)
        if take <= 0:
            continue
        shipment = shipped[centre_id][0]
        receipts.append(
            _receive_at_centre(
                session, clock.now(), shipment, offer, order_id, take, grade, target, liable
            )
        )
        wanted -= take
    if commit:
        session.commit()
    return receipts[0]


def _receive_at_centre(
    session: Session,
    now: datetime,
    shipment: OutboundShipment,
    offer: Offer,
    order_id: str,
    quantity: int,
    grade: str,
    target: str,
    liable: str,
) -> ReturnReceipt:
    """Returned units back at the centre that shipped them: stock, fee, reimbursement."""
    offer_id = offer.id
    _stock_row(session, shipment.centre_id, offer)
    move_stock(
        session,
        centre_id=shipment.centre_id,
        offer_id=offer_id,
        source=None,
        target=target,
        quantity=quantity,
        reason=f"return_{grade}",
        reference=order_id,
        at=now,
    )
    if target == rules.FULFILLABLE:
        session.add(
            StockLot(
                centre_id=shipment.centre_id, offer_id=offer_id, received_at=now, remaining=quantity
            )
        )
        _offer_quantity(session, offer_id, quantity)
        _offer_changed(session, offer_id, now)
    receipt = ReturnReceipt(
        order_id=order_id,
        offer_id=offer_id,
        centre_id=shipment.centre_id,
        quantity=quantity,
        grade=grade,
        liable=liable,
        label_tracking=_tracking(session, shipment.carrier, "RT"),
        received_at=now,
    )
    session.add(receipt)
    session.flush()
    schedule = fee_schedule(offer.marketplace, now)
    if schedule.returns_processing_per_unit_minor:
        charge_fee(
            session,
            seller_id=offer.seller_id,
            marketplace=offer.marketplace,
            kind="returns_processing",
            amount_minor=schedule.returns_processing_per_unit_minor * quantity,
            currency=offer.currency,
            reference=order_id,
            description=f"Returns processing, {quantity} unit(s) of {offer.sku}",
            key=f"return-fee:{receipt.id}",
            at=now,
        )
    if liable == "platform":
        reimburse(
            session,
            seller_id=offer.seller_id,
            marketplace=offer.marketplace,
            amount_minor=_unit_value(offer) * quantity,
            currency=offer.currency,
            reference=order_id,
            description=f"Reimbursement: {quantity} returned unit(s) of {offer.sku} "
            "damaged by the network",
            key=f"return-reimbursement:{receipt.id}",
            at=now,
        )
    return receipt


def return_receipts(session: Session, order_ids: Collection[str]) -> dict[str, list[ReturnReceipt]]:
    """The graded receipts of these orders' returns, oldest first."""
    found: dict[str, list[ReturnReceipt]] = defaultdict(list)
    if not order_ids:
        return found
    for receipt in session.scalars(
        select(ReturnReceipt)
        .where(ReturnReceipt.order_id.in_(list(order_ids)))
        .order_by(ReturnReceipt.received_at, ReturnReceipt.id)
    ):
        found[receipt.order_id].append(receipt)
    return found


def returns_awaiting(session: Session, limit: int = 50) -> list[tuple[ReturnRequest, Order]]:
    """Authorised returns of orders a centre shipped, oldest first: what the
    centres' returns desks expect to receive and grade."""
    shipped = select(OutboundShipment.order_id).where(OutboundShipment.status == "shipped")
    rows = session.execute(
        select(ReturnRequest, Order)
        .join(Order, Order.id == ReturnRequest.order_id)
        .where(
            ReturnRequest.status == "authorized",
            Order.fulfillment_channel == "PLATFORM",
            Order.id.in_(shipped),
        )
        .order_by(ReturnRequest.decided_at, ReturnRequest.id)
        .limit(limit)
    ).all()
    return [(request, order) for request, order in rows]


def recent_return_receipts(
    session: Session, limit: int = 20
) -> list[tuple[ReturnReceipt, FulfilmentCentre]]:
    """The latest graded returns with the centre that received them."""
    rows = session.execute(
        select(ReturnReceipt, FulfilmentCentre)
        .join(FulfilmentCentre, FulfilmentCentre.id == ReturnReceipt.centre_id)
        .order_by(ReturnReceipt.received_at.desc(), ReturnReceipt.id.desc())
        .limit(limit)
    ).all()
    return [(receipt, centre) for receipt, centre in rows]


def network_shipped(session: Session, order_id: str) -> bool:
    """Whether a centre shipped any of this order (its returns come back to one)."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(OutboundShipment)
            .where(OutboundShipment.order_id == order_id, OutboundShipment.status == "shipped")
        )
    )


# ------------------------------------------------------- removals and ageing


def request_removal(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    offer_id: int,
    centre_id: int,
    quantity: int,
    kind: str,
    bucket: str = rules.FULFILLABLE,
    reason: str = "seller",
) -> Removal:
    """Take units out of a centre: back to the seller ("return") or destroyed ("disposal")."""
    if kind not in ("return", "disposal"):
        raise InvalidInput("A removal is a return or a disposal.", field="kind")
    if bucket not in (rules.FULFILLABLE, rules.UNFULFILLABLE):
        raise InvalidInput("Remove fulfillable or unfulfillable units.", field="bucket")
    if quantity <= 0:
        raise InvalidInput("Remove at least one unit.", field="quantity")
    offer = session.get(Offer, offer_id)
    if offer is None or offer.seller_id != seller_id:
        raise NotFound(f"No offer {offer_id}.", field="offer_id")
    now = clock.now()
    move_stock(
        session,
        centre_id=centre_id,
        offer_id=offer_id,
        source=bucket,
        target=None,
        quantity=quantity,
        reason=f"removal_{kind}",
        reference=reason,
        at=now,
    )
    if bucket == rules.FULFILLABLE:
        _offer_quantity(session, offer_id, -quantity)
        _consume_lots(session, centre_id, offer_id, quantity)
        _offer_changed(session, offer_id, now)
    schedule = fee_schedule(offer.marketplace, now)
    oversize = _is_oversize(session, offer, schedule)
    if kind == "return":
        per_unit = (
            schedule.removal_oversize_per_unit_minor
            if oversize
            else schedule.removal_per_unit_minor
        )
    else:
        per_unit = (
            schedule.disposal_oversize_per_unit_minor
            if oversize
            else schedule.disposal_per_unit_minor
        )
    removal = Removal(
        seller_id=seller_id,
        offer_id=offer_id,
        centre_id=centre_id,
        kind=kind,
        bucket=bucket,
        quantity=quantity,
        reason=reason,
        status="completed",
        fee_minor=per_unit * quantity,
        currency=offer.currency,
        requested_at=now,
    )
    session.add(removal)
    session.flush()
    charge_fee(
        session,
        seller_id=seller_id,
        marketplace=offer.marketplace,
        kind="removal" if kind == "return" else "disposal",
        amount_minor=removal.fee_minor,
        currency=offer.currency,
        reference=offer.sku,
        description=f"{'Removal' if kind == 'return' else 'Disposal'} of {quantity} "
        f"unit(s) of {offer.sku}",
        key=f"removal:{removal.id}",
        at=now,
    )
    session.commit()
    return removal


def _is_oversize(session: Session, offer: Offer, schedule: FeeSchedule) -> bool:
    dims = measure_of(session, offer.asin)
    if dims is None:
        return False
    fees = default_policy().for_marketplace(offer.marketplace).fees
    try:
        return finance_rules.size_tier(dims.convert(fees.units), schedule.size_tiers).oversize
    except InvalidInput:
        return True


def removals(
    session: Session, seller_id: str, limit: int = 50
) -> list[tuple[Removal, Offer, FulfilmentCentre]]:
    return list(
        session.execute(
            select(Removal, Offer, FulfilmentCentre)
            .join(Offer, Offer.id == Removal.offer_id)
            .join(FulfilmentCentre, FulfilmentCentre.id == Removal.centre_id)
            .where(Removal.seller_id == seller_id)
            .order_by(Removal.requested_at.desc(), Removal.id.desc())
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True)
class AgedRow:
    offer: Offer
    title: str
    buckets: dict[str, int]  # report bucket -> units
    cubic_feet_per_unit: Decimal | None


def aged_inventory(
    session: Session, seller_id: str, marketplace: str, now: datetime
) -> tuple[list[str], list[AgedRow]]:
    """Units on hand by age since receipt (0-90, 91-180, 181-270, 271-365, 365+)."""
    bounds = default_policy().for_marketplace(marketplace).fulfilment.aged_buckets
    names = finance_rules.aged_bucket_names(bounds)
    rows: dict[int, AgedRow] = {}
    for lot, offer, title in session.execute(
        select(StockLot, Offer, Product.title)
        .join(Offer, Offer.id == StockLot.offer_id)
        .join(Product, Product.asin == Offer.asin)
        .where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, StockLot.remaining > 0
        )
        .order_by(Offer.sku)
    ).all():
        if offer.id not in rows:
            dims = measure_of(session, offer.asin)
            rows[offer.id] = AgedRow(
                offer, title, dict.fromkeys(names, 0), dims.cubic_feet() if dims else None
            )
        age = (now - _aware(lot.received_at)).days
        rows[offer.id].buckets[finance_rules.aged_bucket(age, bounds)] += lot.remaining
    return names, list(rows.values())


def charge_storage(session: Session, clock: Clock, month: date | None = None) -> int:
    """Monthly storage and aged-inventory surcharges for every seller's units on hand
    (charged once per month, at the rates of the month being charged)."""
    now = clock.now()
    month = month or (now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    charged = 0
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for lot, offer in session.execute(
        select(StockLot, Offer)
        .join(Offer, Offer.id == StockLot.offer_id)
        .join(Seller, Seller.id == Offer.seller_id)
        # The platform's own retail stock pays no fees to itself.
        .where(StockLot.remaining > 0, Seller.is_platform_retail.is_(False))
    ).all():
        dims = measure_of(session, offer.asin)
        if dims is None:
            continue
        market_fees = default_policy().for_marketplace(offer.marketplace).fees
        schedule = finance_rules.schedule_at(market_fees, month)
        local = dims.convert(market_fees.units)
        try:
            oversize = finance_rules.size_tier(local, schedule.size_tiers).oversize
        except InvalidInput:
            oversize = True
        volume = local.cubic_feet() * lot.remaining
        storage = finance_rules.storage_fee(volume, month.month, schedule, oversize, offer.currency)
        age = (now - _aware(lot.received_at)).days
        aged = finance_rules.aged_surcharge(volume, age, schedule, offer.currency)
        totals[(offer.seller_id, offer.marketplace, offer.currency)] += storage.minor
        totals[(offer.seller_id, offer.marketplace, "aged:" + offer.currency)] += aged.minor
    for (seller_id, marketplace, currency), amount in sorted(totals.items()):
        if amount <= 0:
            continue
        aged = currency.startswith("aged:")
        currency = currency.removeprefix("aged:")
        charge_fee(
            session,
            seller_id=seller_id,
            marketplace=marketplace,
            kind="aged_inventory" if aged else "storage",
            amount_minor=amount,
            currency=currency,
            reference=f"{month:%Y-%m}",
            description=("Aged inventory surcharge" if aged else "Monthly storage")
            + f", {month:%B %Y}",
            key=f"{'aged' if aged else 'storage'}:{seller_id}:{marketplace}:{month:%Y-%m}",
            at=now,
        )
        charged += 1
    session.commit()
    return charged


# --------------------------------------------------------------------- jobs


@job("fulfilment.ship", timedelta(minutes=5), "Pick, pack and ship network orders due today.")
def _ship_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return run_outbound(session, clock)


@job("fulfilment.storage", timedelta(hours=12), "Charge last month's storage and aged surcharges.")
def _storage_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return charge_storage(session, clock)


@job(
    "fulfilment.research", timedelta(hours=12), "Reimburse units missing past the research window."
)
def _research_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return resolve_research(session, clock)


@job(
    "prime.renew",
    timedelta(hours=1),
    "Charge the Prime fee of ended trials and periods and roll them into the next one.",
)
def _prime_job(sessions, clock: Clock) -> int:  # type: ignore[no-untyped-def]
    from souk.core.runtime import runtime_of
    from souk.fulfillment.prime import renew_due
    from souk.orders.payments import TestPaymentProvider

    rt = runtime_of(sessions)
    payments = rt.payments if rt is not None else TestPaymentProvider()
    with sessions() as session:
        return renew_due(session, clock, payments)


def network_window(
    session: Session,
    parcel: order_rules.SellerParcel,
    *,
    marketplace: str,
    speed: str,
    prime_member: bool,
    postal_code: str,
    now: datetime,
) -> order_rules.DeliveryWindow | None:
    """The delivery window of a platform-fulfilled parcel: the latest of its items'
    network promises at the chosen speed (Prime members get two-day on standard).
    None when an item has too few units in the centres (the default window applies)."""
    level = rules.SPEED_LEVELS.get(speed, rules.STANDARD)
    stock = offer_centres(session, [line.offer_id for line in parcel.lines])
    promises = []
    for line in parcel.lines:
        held = stock.get(line.offer_id, {})
        if sum(held.values()) < line.quantity:
            return None
        promise = promise_from_stock(
            session, held, marketplace, postal_code, now, level, prime_member
        )
        if promise is None:
            return None
        promises.append(promise)
    if not promises:
        return None
    last = max(promises, key=lambda p: p.arrives)
    zone = MARKETPLACES[marketplace].zone
    ship = max(p.ship_day for p in promises)
    return order_rules.DeliveryWindow(
        latest_ship_at=datetime.combine(ship, time(23, 59, 59), zone),
        earliest_delivery_at=datetime.combine(last.arrives, time(8, 0), zone),
        latest_delivery_at=datetime.combine(last.arrives, time(20, 0), zone),
    )


def ship_order(session: Session, clock: Clock, order_id: str) -> int:
    """Pick, pack and ship every open outbound shipment of one order (the
    simulator's carrier collection); returns how many shipments left."""
    count = 0
    for shipment in session.scalars(
        select(OutboundShipment).where(
            OutboundShipment.order_id == order_id, OutboundShipment.status.in_(tuple(STEPS))
        )
    ).all():
        while shipment.status in STEPS:
            advance(session, clock, shipment.id, commit=False)
        count += 1
    session.commit()
    return count
