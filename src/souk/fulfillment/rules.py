"""Shipping rules: merchant carriers and tracking numbers, and the platform network
(promises, routing, stock buckets, inbound splits, returns grading, Prime)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from souk.core.errors import InvalidInput, InvalidState, OutOfStock


def _ups_check(number: str) -> bool:
    # 1Z + 6 shipper chars + 2 service digits + 7 package digits + 1 check digit.
    body, check = number[2:-1], number[-1]
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10 == int(check)


def _mod10_usps(number: str) -> bool:
    digits = [int(c) for c in number]
    check = digits.pop()
    total = 0
    for index, digit in enumerate(reversed(digits)):
        total += digit * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10 == check


CARRIERS: dict[str, tuple[re.Pattern[str], str]] = {
    "UPS": (re.compile(r"^1Z[0-9A-Z]{16}$"), "1Z followed by 16 letters or digits"),
    "USPS": (
        re.compile(r"^(9[1-5]\d{20}|9[1-5]\d{24}|[A-Z]{2}\d{9}US)$"),
        "22 or 26 digits starting 91-95, or AA123456789US",
    ),
    "FedEx": (re.compile(r"^(\d{12}|\d{15}|\d{20})$"), "12, 15 or 20 digits"),
    "DHL": (re.compile(r"^(\d{10}|JJD\d{18})$"), "10 digits or JJD and 18 digits"),
    "Royal Mail": (re.compile(r"^[A-Z]{2}\d{9}GB$"), "AA123456789GB"),
    "DPD": (re.compile(r"^\d{14}$"), "14 digits"),
    "Canada Post": (re.compile(r"^(\d{16}|[A-Z]{2}\d{9}CA)$"), "16 digits or AA123456789CA"),
    "Japan Post": (re.compile(r"^(\d{11,12}|[A-Z]{2}\d{9}JP)$"), "11-12 digits or AA123456789JP"),
    "India Post": (re.compile(r"^[A-Z]{2}\d{9}IN$"), "AA123456789IN"),
    "Correos": (re.compile(r"^(P[A-Z0-9]{15,22}|[A-Z]{2}\d{9}ES)$"), "PQ... or AA123456789ES"),
}


def check_tracking(carrier: str, tracking_number: str) -> tuple[str, str]:
    """The carrier and a cleaned tracking number, or an error saying the expected format."""
    if carrier not in CARRIERS:
        raise InvalidInput(f"Choose a carrier: {', '.join(CARRIERS)}.", field="carrier")
    cleaned = re.sub(r"[\s-]", "", tracking_number).upper()
    pattern, shape = CARRIERS[carrier]
    valid = bool(pattern.match(cleaned))
    if valid and carrier == "UPS":
        valid = _ups_check(cleaned)
    if valid and carrier == "USPS" and cleaned.isdigit():
        valid = _mod10_usps(cleaned)
    if not valid:
        raise InvalidInput(
            f"{tracking_number!r} is not a {carrier} tracking number ({shape}).",
            field="tracking_number",
        )
    return carrier, cleaned


# ----------------------------------------------------------- the platform network
# Fulfilment centres, delivery promises, order routing and stock buckets. Pure:
# times, holidays and stock come in as arguments.


#: Service levels of the network's carrier, fastest last.
STANDARD = "standard"
TWO_DAY = "two_day"
NEXT_DAY = "next_day"
SERVICE_LEVELS = (STANDARD, TWO_DAY, NEXT_DAY)
#: Checkout delivery speeds and the carrier service level that makes them.
SPEED_LEVELS = {"standard": STANDARD, "expedited": TWO_DAY, "next_day": NEXT_DAY}

#: Stock buckets of a SKU in one centre.
FULFILLABLE = "fulfillable"
INBOUND = "inbound"
RESERVED = "reserved"
UNFULFILLABLE = "unfulfillable"
RESEARCHING = "researching"
BUCKETS = (FULFILLABLE, INBOUND, RESERVED, UNFULFILLABLE, RESEARCHING)


def ups_tracking(shipper: str, serial: int) -> str:
    """A UPS-format tracking number (``1Z``, six shipper characters, service 01,
    seven digits and the check digit) for the network's ``serial``-th parcel."""
    shipper = (shipper.upper() + "000000")[:6]
    body = f"{shipper}01{serial % 10_000_000:07d}"
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return f"1Z{body}{(10 - total % 10) % 10}"


def normalise_postal_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def region_of(postal_code: str, prefixes: Collection[str]) -> str | None:
    """The longest transit-table prefix the postal code starts with ("" matches all)."""
    code = normalise_postal_code(postal_code)
    best: str | None = None
    for prefix in prefixes:
        if code.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def is_carrier_day(day: date, days_off: Collection[date]) -> bool:
    """Carriers collect and deliver Monday to Friday, except on their holidays."""
    return day.weekday() < 5 and day not in days_off


def next_carrier_day(day: date, days_off: Collection[date]) -> date:
    while not is_carrier_day(day, days_off):
        day += timedelta(days=1)
    return day


def add_carrier_days(day: date, days: int, days_off: Collection[date]) -> date:
    while days > 0:
        day += timedelta(days=1)
        if is_carrier_day(day, days_off):
            days -= 1
    return day


def ship_day(now: datetime, zone: ZoneInfo, cutoff: time, days_off: Collection[date]) -> date:
    """The day a centre ships an order placed at ``now``: today before its local
    cut-off on a carrier day, otherwise the next carrier day."""
    local = now.astimezone(zone)
    day = local.date()
    if local.time() >= cutoff or not is_carrier_day(day, days_off):
        day = next_carrier_day(day + timedelta(days=1), days_off)
    return day


@dataclass(frozen=True)
class Lane:
    """Transit from a centre to one destination region at one service level."""

    days: int
    cost_minor: int


@dataclass(frozen=True)
class CentreFacts:
    code: str
    zone: ZoneInfo
    cutoff: time
    #: (postal-code prefix, service level) -> lane
    lanes: Mapping[tuple[str, str], Lane]
    days_off: frozenset[date] = frozenset()
    #: level -> prefixes, longest first (built once: promises run on every product page)
    prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        by_level: dict[str, list[str]] = {}
        for prefix, level in self.lanes:
            by_level.setdefault(level, []).append(prefix)
        ordered = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_level.items()}
        object.__setattr__(self, "prefixes", ordered)

    def lane(self, postal_code: str, level: str) -> Lane | None:
        code = normalise_postal_code(postal_code)
        for prefix in self.prefixes.get(level, ()):
            if code.startswith(prefix):
                return self.lanes[(prefix, level)]
        return None


@dataclass(frozen=True)
class Promise:
    centre: str
    level: str
    ship_day: date
    arrives: date
    cost_minor: int

    def deliver_by(self, zone: ZoneInfo) -> datetime:
        """The end of the promised day, as the latest delivery time."""
        return datetime.combine(self.arrives, time(20, 0), zone)


def promise_from(
    centre: CentreFacts, now: datetime, postal_code: str, level: str
) -> Promise | None:
    """When an order placed now arrives from ``centre`` (None when it does not serve
    the postal code at that level)."""
    lane = centre.lane(postal_code, level)
    if lane is None:
        return None
    shipped = ship_day(now, centre.zone, centre.cutoff, centre.days_off)
    arrives = add_carrier_days(shipped, lane.days, centre.days_off)
    return Promise(centre.code, level, shipped, arrives, lane.cost_minor)


def best_promise(
    centres: Sequence[CentreFacts], now: datetime, postal_code: str, level: str
) -> Promise | None:
    """The soonest (then cheapest) promise among centres that hold the item."""
    options = [p for c in centres if (p := promise_from(c, now, postal_code, level)) is not None]
    return min(options, key=lambda p: (p.arrives, p.cost_minor, p.centre), default=None)


@dataclass(frozen=True)
class Allocation:
    line: int  # the order item's id
    centre: str
    quantity: int


def route(
    lines: Mapping[int, int],
    available: Mapping[int, Mapping[str, int]],
    promises: Mapping[str, Promise],
) -> list[Allocation]:
    """Which centres ship which units of an order.

    ``lines`` maps order item -> units; ``available`` item -> centre -> fulfillable
    units; ``promises`` centre -> its promise to the buyer. One centre that can
    fill the whole order is preferred (one parcel), soonest then cheapest; otherwise
    each line is filled from its soonest, cheapest centres in turn (a split).
    """
    ranked = sorted(promises.values(), key=lambda p: (p.arrives, p.cost_minor, p.centre))
    for promise in ranked:
        if all(available.get(line, {}).get(promise.centre, 0) >= n for line, n in lines.items()):
            return [Allocation(line, promise.centre, n) for line, n in sorted(lines.items())]
    allocations: list[Allocation] = []
    for line, wanted in sorted(lines.items()):
        left = wanted
        for promise in ranked:
            if left == 0:
                break
            take = min(left, available.get(line, {}).get(promise.centre, 0))
            if take > 0:
                allocations.append(Allocation(line, promise.centre, take))
                left -= take
        if left:
            raise OutOfStock(f"The network is {left} unit(s) short for order line {line}.")
    return allocations


@dataclass(frozen=True)
class Buckets:
    fulfillable: int = 0
    inbound: int = 0
    reserved: int = 0
    unfulfillable: int = 0
    researching: int = 0

    def get(self, bucket: str) -> int:
        return int(getattr(self, bucket))


def move(buckets: Buckets, source: str | None, target: str | None, quantity: int) -> Buckets:
    """Units moved between buckets (``None``: into or out of the network). Counts
    never go negative."""
    if quantity <= 0:
        raise InvalidInput("Move at least one unit.", field="quantity")
    values = {name: buckets.get(name) for name in BUCKETS}
    if source is not None:
        if values[source] < quantity:
            raise InvalidState(
                f"Only {values[source]} unit(s) are {source}; cannot move {quantity}."
            )
        values[source] -= quantity
    if target is not None:
        values[target] += quantity
    return Buckets(**values)


@dataclass(frozen=True)
class Receipt:
    """What a centre counted for one inbound line, and how it reconciles."""

    expected: int
    received: int  # sellable units counted
    damaged: int
    short: int
    over: int


def reconcile_receipt(expected: int, received: int, damaged: int) -> Receipt:
    if received < 0 or damaged < 0:
        raise InvalidInput("Counts cannot be negative.", field="received")
    counted = received + damaged
    return Receipt(
        expected=expected,
        received=received,
        damaged=damaged,
        short=max(expected - counted, 0),
        over=max(counted - expected, 0),
    )


@dataclass(frozen=True)
class CentreCapacity:
    code: str
    free_units: int
    demand_share: float  # share of the marketplace's buyers this centre reaches soonest


def split_inbound(
    quantity: int, centres: Sequence[CentreCapacity], one_centre: bool
) -> dict[str, int]:
    """Spread ``quantity`` units over centres in proportion to nearby demand, within
    their free capacity; ``one_centre`` sends all to the best single centre."""
    if quantity <= 0:
        raise InvalidInput("Send at least one unit.", field="quantity")
    ranked = sorted(centres, key=lambda c: (-c.demand_share, c.code))
    if one_centre:
        for centre in ranked:
            if centre.free_units >= quantity:
                return {centre.code: quantity}
        raise InvalidState("No single fulfilment centre has room for this shipment.")
    if sum(max(c.free_units, 0) for c in centres) < quantity:
        raise InvalidState("The network has no room for this many units now.")
    total_share = sum(c.demand_share for c in ranked) or 1.0
    plan: dict[str, int] = {}
    left = quantity
    for centre in ranked:
        share = int(quantity * centre.demand_share / total_share)
        take = min(share, centre.free_units, left)
        if take > 0:
            plan[centre.code] = take
            left -= take
    for centre in ranked:  # remainders go to the centres nearest demand with room
        if left == 0:
            break
        room = centre.free_units - plan.get(centre.code, 0)
        take = min(room, left)
        if take > 0:
            plan[centre.code] = plan.get(centre.code, 0) + take
            left -= take
    return plan


#: Return grades: where the unit goes and who bears the loss.
RETURN_GRADES = {
    "sellable": (FULFILLABLE, ""),
    "customer_damaged": (UNFULFILLABLE, "seller"),
    "carrier_damaged": (UNFULFILLABLE, "platform"),
    "warehouse_damaged": (UNFULFILLABLE, "platform"),
    "defective": (UNFULFILLABLE, "seller"),
}


def grade_return(grade: str) -> tuple[str, str]:
    """(bucket the unit goes to, who pays for an unsellable unit: seller or platform)."""
    if grade not in RETURN_GRADES:
        raise InvalidInput(f"Grade is one of {', '.join(RETURN_GRADES)}.", field="grade")
    return RETURN_GRADES[grade]


#: The grade of a return when the centre records only the buyer-facing condition.
GRADE_FOR_CONDITION = {
    "as_sold": "sellable",
    "damaged": "customer_damaged",
    "incomplete": "customer_damaged",
}


def check_return_grade(grade: str, condition: str, deduction_percent: int) -> tuple[str, str]:
    """A centre's grade must agree with the condition the buyer is refunded for:
    only units back as sold are sellable, only a buyer's damage is customer
    damage, and a buyer who did not cause the damage keeps the whole refund."""
    target, liable = grade_return(grade)
    if grade == "sellable" and condition != "as_sold":
        raise InvalidInput("Only units that came back as sold are sellable.", field="grade")
    if grade == "customer_damaged" and condition == "as_sold":
        raise InvalidInput(
            "A unit the buyer returned as sold was not damaged by the buyer.", field="grade"
        )
    if grade != "customer_damaged" and deduction_percent:
        raise InvalidInput(
            "Only the buyer's own damage is kept back from the refund.",
            field="deduction_percent",
        )
    return target, liable


def merchant_prime_eligible(
    orders: int,
    on_time: int,
    tracked: int,
    min_orders: int,
    on_time_rate: float,
    tracking_rate: float,
) -> bool:
    """A merchant-fulfilled seller shows the Prime badge with enough orders delivered
    on time and shipped with valid tracking."""
    if orders < min_orders or orders == 0:
        return False
    return on_time / orders >= on_time_rate and tracked / orders >= tracking_rate


PRIME_PLANS = ("monthly", "yearly")


@dataclass(frozen=True)
class PrimeTerm:
    status: str  # trial | active
    trial_ends_at: datetime | None
    renews_at: datetime


def start_prime(now: datetime, plan: str, trial_days: int, had_trial: bool) -> PrimeTerm:
    """A new membership: a free trial for first-time members, then the plan's period."""
    if plan not in PRIME_PLANS:
        raise InvalidInput("Choose monthly or yearly.", field="plan")
    if not had_trial and trial_days > 0:
        ends = now + timedelta(days=trial_days)
        return PrimeTerm("trial", ends, ends)
    return PrimeTerm("active", None, next_renewal(now, plan))


def next_renewal(start: datetime, plan: str) -> datetime:
    if plan == "yearly":
        try:
            return start.replace(year=start.year + 1)
        except ValueError:  # 29 February
            return start.replace(year=start.year + 1, day=28)
    month = start.month % 12 + 1
    year = start.year + (1 if start.month == 12 else 0)
    day = min(
        start.day,
        [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1],
    )
    return start.replace(year=year, month=month, day=day)
