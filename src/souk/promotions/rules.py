"""Promotion rules: who a promotion reaches, when it starts in each time zone,
how discounts stack into the price charged, and who may join an event.

Stacking, in the order they are applied to a cart line (each one tested in
``tests/promotions/test_rules.py``):

1. Price deals (a lightning deal, a percentage off a selection): at most one
   per unit, the one giving the lowest unit price. A deal that would not lower
   the price does not apply, so a deal never raises a price.
2. A lightning deal sells only its remaining units: a buyer wanting more pays
   the best other price for the rest.
3. A lightning deal's price is final: no coupon and no buy-X-get-Y on those units.
4. Coupons count only once clipped; one coupon per line (the larger saving); a
   coupon stacks on a percentage-off price.
5. Buy X get Y and a coupon never combine on one line: the one that saves the
   buyer more applies (the coupon on a tie).
6. No unit costs less than nothing: an amount coupon saves at most the unit price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from souk.catalog.rules import off_platform_contact
from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.policy.rules import promotional_claims

COUPON = "coupon"
PERCENT_OFF = "percent_off"
BUY_X_GET_Y = "buy_x_get_y"
LIGHTNING_DEAL = "lightning_deal"
KINDS = (COUPON, PERCENT_OFF, BUY_X_GET_Y, LIGHTNING_DEAL)
KIND_LABELS = {
    COUPON: "Coupon",
    PERCENT_OFF: "Percentage off",
    BUY_X_GET_Y: "Buy X get Y",
    LIGHTNING_DEAL: "Lightning deal",
}

# The zone of each US state (and DC): the one most of its people live in.
US_STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(
        [
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "IN",
            "KY",
            "ME",
            "MD",
            "MA",
            "MI",
            "NH",
            "NJ",
            "NY",
            "NC",
            "OH",
            "PA",
            "RI",
            "SC",
            "VT",
            "VA",
            "WV",
        ],
        "America/New_York",
    ),
    **dict.fromkeys(
        [
            "AL",
            "AR",
            "IL",
            "IA",
            "KS",
            "LA",
            "MN",
            "MS",
            "MO",
            "NE",
            "ND",
            "OK",
            "SD",
            "TN",
            "TX",
            "WI",
        ],
        "America/Chicago",
    ),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY", "ID"], "America/Denver"),
    "AZ": "America/Phoenix",  # no daylight saving time
    **dict.fromkeys(["CA", "NV", "OR", "WA"], "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
}
CA_PROVINCE_ZONES: dict[str, str] = {
    **dict.fromkeys(["ON", "QC"], "America/Toronto"),
    **dict.fromkeys(["NS", "NB", "PE"], "America/Halifax"),
    "NL": "America/St_Johns",
    "MB": "America/Winnipeg",
    "SK": "America/Regina",
    "AB": "America/Edmonton",
    "BC": "America/Vancouver",
    **dict.fromkeys(["YT", "NT", "NU"], "America/Edmonton"),
}
REGION_ZONES: dict[str, dict[str, str]] = {"US": US_STATE_ZONES, "CA": CA_PROVINCE_ZONES}


# -- audiences -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a buyer receives deliveries (their default address)."""

    country: str
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Audience:
    """Who a promotion reaches. Empty means everyone on the marketplace; otherwise a
    buyer must match every non-empty part. States are ``"US-NY"`` style codes."""

    countries: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    postal_prefixes: tuple[str, ...] = ()

    @property
    def is_everyone(self) -> bool:
        return not (self.countries or self.states or self.postal_prefixes)


def _postal(text: str) -> str:
    return "".join(text.split()).upper()


def parse_audience(countries: str, states: str, postal_prefixes: str, home: str) -> Audience:
    """An audience from a seller's form: comma-separated lists. A state without a
    country (``"NY"``) is in the ``home`` country; unknown states are refused."""

    def items(text: str) -> list[str]:
        return [p.strip().upper() for p in text.replace(";", ",").split(",") if p.strip()]

    country_codes = items(countries)
    for code in country_codes:
        if len(code) != 2 or not code.isalpha():
            raise InvalidInput(f"{code!r} is not a two-letter country code.", field="countries")
    state_codes = []
    for raw in items(states):
        code = raw if "-" in raw else f"{home}-{raw}"
        country, _, state = code.partition("-")
        known = REGION_ZONES.get(country)
        if known is not None and state not in known:
            raise InvalidInput(f"{raw!r} is not a state or province of {country}.", field="states")
        if not state.isalnum() or len(state) > 3:
            raise InvalidInput(f"{raw!r} is not a state or province code.", field="states")
        state_codes.append(code)
    prefixes = [_postal(p) for p in items(postal_prefixes)]
    for prefix in prefixes:
        if not prefix.isalnum() or len(prefix) > 10:
            raise InvalidInput(f"{prefix!r} is not a postal-code prefix.", field="postal_prefixes")
    return Audience(tuple(country_codes), tuple(state_codes), tuple(prefixes))


def audience_includes(audience: Audience, where: Location | None) -> bool:
    """Whether a buyer at ``where`` is in the audience (an unknown location is only in
    an audience of everyone)."""
    if audience.is_everyone:
        return True
    if where is None:
        return False
    if audience.countries and where.country.upper() not in audience.countries:
        return False
    if audience.states and f"{where.country}-{where.state.strip()}".upper() not in audience.states:
        return False
    postal = _postal(where.postal_code)
    return not audience.postal_prefixes or any(
        postal.startswith(prefix) for prefix in audience.postal_prefixes
    )


def zone_for(where: Location | None, fallback: str) -> str:
    """The buyer's time zone: by state where a country spans several, else ``fallback``."""
    if where is None:
        return fallback
    zones = REGION_ZONES.get(where.country.upper(), {})
    return zones.get(where.state.strip().upper(), fallback)


def audience_zones(audience: Audience, fallback: str) -> tuple[str, ...]:
    """Every zone the audience's buyers may be in: its states' zones, every zone of a
    country split into several, and ``fallback`` (the marketplace's) otherwise."""
    zones: set[str] = set()
    for code in audience.states:
        country, _, state = code.partition("-")
        zones.add(REGION_ZONES.get(country, {}).get(state, fallback))
    if not audience.states:
        countries = audience.countries or tuple(REGION_ZONES)
        for country in countries:
            zones.update(REGION_ZONES.get(country, {}).values())
        zones.add(fallback)
    return tuple(sorted(zones))


# -- product banners ----------------------------------------------------------------------

BANNER_HEADLINE_MIN = 3
BANNER_HEADLINE_MAX = 160


def banner_text_problem(headline: str, promotional_phrases: Sequence[str]) -> str | None:
    """Why a banner headline may not be shown, or None. Banners are product content:
    like listings, no way to reach the seller off souk and no promotional claims
    (prices and deals are shown by souk's own deal badges, which can be checked)."""
    if not BANNER_HEADLINE_MIN <= len(headline) <= BANNER_HEADLINE_MAX:
        return (
            f"Write a headline of {BANNER_HEADLINE_MIN} to {BANNER_HEADLINE_MAX} characters "
            f"(this one has {len(headline)})."
        )
    contact = off_platform_contact(headline)
    if contact:
        return (
            f"Banners may not carry {', '.join(contact)}: buyers reach sellers through souk only."
        )
    claims = promotional_claims(headline, promotional_phrases)
    if claims:
        return f"Banners describe the product, not a deal: remove {', '.join(claims)}."
    return None


# -- schedules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When a promotion runs, as wall-clock times (naive datetimes). With
    ``each_zone`` they are read in each buyer's own zone (8:00 in every US zone);
    otherwise in the marketplace's zone."""

    starts: datetime
    ends: datetime
    each_zone: bool

    def __post_init__(self) -> None:
        if self.starts.tzinfo is not None or self.ends.tzinfo is not None:
            raise ValueError("schedule times are wall-clock (naive) times")


def check_schedule(schedule: Schedule, max_hours: int | None = None) -> Schedule:
    """A schedule must end after it starts (and, for deals, last at most ``max_hours``)."""
    if schedule.ends <= schedule.starts:
        raise InvalidInput("The end must be after the start.", field="ends")
    if max_hours is not None and schedule.ends - schedule.starts > timedelta(hours=max_hours):
        raise InvalidInput(f"A deal runs for at most {max_hours} hours.", field="ends")
    return schedule


def local_instant(wall: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in ``zone``. A time skipped by a
    daylight-saving change (02:30 in spring) is read with the offset before the
    change, so it lands one hour later on the new clock (03:30)."""
    aware = wall.replace(tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC)


def window_in(schedule: Schedule, zone: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC for a buyer in ``zone`` (``zone`` is the marketplace's when
    the schedule is not per zone)."""
    return local_instant(schedule.starts, zone), local_instant(schedule.ends, zone)


def outer_window(schedule: Schedule, zones: Iterable[str]) -> tuple[datetime, datetime]:
    """The earliest start and latest end over ``zones``: the span in which the
    promotion is live somewhere (used to narrow queries)."""
    windows = [window_in(schedule, z) for z in zones]
    return min(w[0] for w in windows), max(w[1] for w in windows)


def live_span(
    schedule: Schedule, audience: Audience, market_zone: str, now: datetime
) -> tuple[datetime, datetime]:
    """The UTC span in which a schedule (of a promotion or a banner) is live somewhere
    in its audience: read in each of the audience's zones, or in the marketplace's.
    A schedule that has ended everywhere is refused."""
    zones = audience_zones(audience, market_zone) if schedule.each_zone else (market_zone,)
    start, end = outer_window(schedule, zones)
    if end <= now:
        raise InvalidInput("That schedule has already ended.", field="ends")
    return start, end


def is_live(schedule: Schedule, zone: str, now: datetime) -> bool:
    start, end = window_in(schedule, zone)
    return start <= now < end


# -- prices and stacking -------------------------------------------------------------------


@dataclass(frozen=True)
class Discount:
    """A promotion as pricing sees it. ``units_left`` is a lightning deal's unclaimed
    quantity; ``clipped`` says whether the buyer clipped a coupon."""

    promotion_id: int
    kind: str
    label: str
    percent_bp: int = 0
    amount_off: Money | None = None
    deal_price: Money | None = None
    buy: int = 0
    get: int = 0
    units_left: int = 0
    clipped: bool = False


@dataclass(frozen=True)
class PricePart:
    """``quantity`` units at ``unit_price``, with the promotions that made that price."""

    quantity: int
    unit_price: Money
    promotion_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class LinePrice:
    list_price: Money
    parts: tuple[PricePart, ...]
    labels: tuple[str, ...] = field(default=())

    @property
    def quantity(self) -> int:
        return sum(p.quantity for p in self.parts)

    @property
    def total(self) -> Money:
        result = Money.zero(self.list_price.currency)
        for part in self.parts:
            result += part.unit_price * part.quantity
        return result

    @property
    def savings(self) -> Money:
        return self.list_price * self.quantity - self.total

    @property
    def promotion_ids(self) -> tuple[int, ...]:
        seen: dict[int, None] = {}
        for part in self.parts:
            seen.update(dict.fromkeys(part.promotion_ids))
        return tuple(seen)


def deal_unit_price(list_price: Money, discount: Discount) -> Money:
    """A price deal's unit price, never above ``list_price``."""
    if discount.kind == LIGHTNING_DEAL and discount.deal_price is not None:
        return min(discount.deal_price, list_price)
    if discount.kind == PERCENT_OFF:
        return list_price - list_price.percent(discount.percent_bp)
    return list_price


def coupon_saving(unit_price: Money, coupon: Discount) -> Money:
    """What a coupon takes off one unit: its percentage or amount, at most the unit price."""
    if coupon.percent_bp:
        return min(unit_price.percent(coupon.percent_bp), unit_price)
    if coupon.amount_off is not None:
        return min(coupon.amount_off, unit_price)
    return Money.zero(unit_price.currency)


def _regular_units(
    quantity: int, unit: Money, ids: tuple[int, ...], discounts: Sequence[Discount]
) -> list[PricePart]:
    """Units outside a lightning deal: a coupon or buy-X-get-Y, whichever saves more."""
    if quantity <= 0:
        return []
    coupons = [d for d in discounts if d.kind == COUPON and d.clipped]
    best_coupon = max(
        coupons, key=lambda c: (coupon_saving(unit, c).minor, -c.promotion_id), default=None
    )
    coupon_total = (
        coupon_saving(unit, best_coupon) * quantity if best_coupon else Money.zero(unit.currency)
    )
    bxgy_best: tuple[int, Discount] | None = None
    for offer in (d for d in discounts if d.kind == BUY_X_GET_Y and d.buy > 0 and d.get > 0):
        free = quantity // (offer.buy + offer.get) * offer.get
        if free and (bxgy_best is None or free > bxgy_best[0]):
            bxgy_best = (free, offer)
    bxgy_total = unit * bxgy_best[0] if bxgy_best else Money.zero(unit.currency)
    if best_coupon is not None and coupon_total.minor > 0 and coupon_total >= bxgy_total:
        return [
            PricePart(
                quantity, unit - coupon_saving(unit, best_coupon), (*ids, best_coupon.promotion_id)
            )
        ]
    if bxgy_best is not None and bxgy_total.minor > 0:
        free, offer = bxgy_best
        parts = [PricePart(quantity - free, unit, (*ids, offer.promotion_id))]
        parts.append(PricePart(free, Money.zero(unit.currency), (*ids, offer.promotion_id)))
        return [p for p in parts if p.quantity]
    return [PricePart(quantity, unit, ids)]


def price_line(list_price: Money, quantity: int, discounts: Sequence[Discount]) -> LinePrice:
    """The price charged for ``quantity`` units of an offer listed at ``list_price``,
    after the promotions that reach this buyer now (see the stacking rules above)."""
    if quantity < 1:
        raise InvalidInput("Quantity must be at least 1.", field="quantity")
    percent = [d for d in discounts if d.kind == PERCENT_OFF and d.percent_bp > 0]
    best_percent = min(
        percent, key=lambda d: (deal_unit_price(list_price, d).minor, d.promotion_id), default=None
    )
    regular = deal_unit_price(list_price, best_percent) if best_percent else list_price
    regular_ids: tuple[int, ...] = ()
    if best_percent is not None and regular < list_price:
        regular_ids = (best_percent.promotion_id,)
    else:
        regular = list_price
    lightning = [
        d
        for d in discounts
        if d.kind == LIGHTNING_DEAL and d.deal_price is not None and d.units_left > 0
    ]
    best_deal = min(
        lightning,
        key=lambda d: (deal_unit_price(list_price, d).minor, d.promotion_id),
        default=None,
    )
    parts: list[PricePart] = []
    labels: list[str] = []
    rest = quantity
    if best_deal is not None and deal_unit_price(list_price, best_deal) < regular:
        at_deal = min(quantity, best_deal.units_left)
        parts.append(
            PricePart(at_deal, deal_unit_price(list_price, best_deal), (best_deal.promotion_id,))
        )
        labels.append(best_deal.label)
        rest -= at_deal
    parts.extend(_regular_units(rest, regular, regular_ids, discounts))
    used = {i for p in parts for i in p.promotion_ids}
    labels.extend(d.label for d in discounts if d.promotion_id in used and d.label not in labels)
    return LinePrice(list_price, tuple(p for p in parts if p.quantity), tuple(labels))


def check_discount(
    kind: str,
    list_price: Money | None,
    *,
    percent_bp: int = 0,
    amount_off: Money | None = None,
    deal_price: Money | None = None,
    buy: int = 0,
    get: int = 0,
    min_bp: int,
    max_bp: int,
) -> None:
    """The terms a seller enters must describe a real discount."""
    if kind not in KINDS:
        raise InvalidInput(f"Choose one of: {', '.join(KINDS)}.", field="kind")
    if kind in (COUPON, PERCENT_OFF) and percent_bp:
        if not min_bp <= percent_bp <= max_bp:
            raise InvalidInput(
                f"The discount must be from {min_bp / 100:g}% to {max_bp / 100:g}%.",
                field="percent",
            )
    elif kind == PERCENT_OFF:
        raise InvalidInput("Enter the percentage off.", field="percent")
    if kind == COUPON:
        if not percent_bp and (amount_off is None or amount_off.minor <= 0):
            raise InvalidInput("Enter a percentage or an amount off.", field="percent")
        if percent_bp and amount_off is not None:
            raise InvalidInput("A coupon is a percentage or an amount, not both.", field="amount")
        if amount_off is not None and list_price is not None and amount_off >= list_price:
            raise InvalidInput("The amount off must be less than the price.", field="amount")
    if kind == BUY_X_GET_Y and not (1 <= buy <= 20 and 1 <= get <= 20):
        raise InvalidInput("Buy and get quantities run from 1 to 20.", field="buy")
    if kind == LIGHTNING_DEAL and (deal_price is None or deal_price.minor <= 0):
        raise InvalidInput("Enter the deal price.", field="deal_price")


def check_deal_price(deal_price: Money, current: Money, recent_lowest: Money) -> None:
    """A deal must lower the price, and not above the lowest price of recent weeks:
    a deal never raises a price above the recent lowest."""
    if deal_price >= current:
        raise InvalidInput("The deal price must be below the current price.", field="deal_price")
    if deal_price > recent_lowest:
        raise InvalidInput(
            f"The deal price must be at or below the recent lowest price ({recent_lowest}).",
            field="deal_price",
        )


def recent_lowest(current: Money, observed: Iterable[Money]) -> Money:
    """The lowest of the current price and the prices observed in the recent window."""
    lowest = current
    for price in observed:
        lowest = min(lowest, price)
    return lowest


# -- lightning deals -----------------------------------------------------------------------


def units_left(quantity: int, claimed: int) -> int:
    return max(0, quantity - claimed)


def claimed_percent(quantity: int, claimed: int) -> int:
    """The progress bar: whole percent of the deal's units claimed (0-100)."""
    if quantity <= 0:
        return 100
    return min(100, claimed * 100 // quantity)


# -- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionFacts:
    """What decides whether a deal may join an event."""

    product_rating: float | None
    review_count: int
    deal_price: Money
    current_price: Money
    recent_lowest: Money
    stock: int
    deal_quantity: int


@dataclass(frozen=True)
class EventRules:
    min_rating: float
    min_discount_bp: int


def submission_problems(facts: SubmissionFacts, rules: EventRules) -> list[str]:
    """Why a deal cannot join an event (empty when it can): product rating, a price
    below the recent lowest with at least the minimum discount, and stock for it."""
    problems = []
    if rules.min_rating > 0 and (
        facts.product_rating is None or facts.product_rating < rules.min_rating
    ):
        problems.append(f"The product needs a rating of at least {rules.min_rating:g} stars.")
    if facts.deal_price >= facts.recent_lowest:
        problems.append(
            f"The deal price must be below the recent lowest price ({facts.recent_lowest})."
        )
    needed = facts.current_price - facts.current_price.percent(rules.min_discount_bp)
    if facts.deal_price > needed:
        problems.append(f"The deal must take at least {rules.min_discount_bp / 100:g}% off.")
    if facts.deal_quantity < 1:
        problems.append("Offer at least one unit.")
    elif facts.stock < facts.deal_quantity:
        problems.append(f"You have {facts.stock} in stock for a deal of {facts.deal_quantity}.")
    return problems


def calendar_months(starts: Sequence[datetime], zone: str) -> Mapping[tuple[int, int], list[int]]:
    """Indexes of ``starts`` grouped by (year, month) in ``zone``, for the event calendar."""
    months: dict[tuple[int, int], list[int]] = {}
    for index, start in enumerate(starts):
        local = start.astimezone(ZoneInfo(zone))
        months.setdefault((local.year, local.month), []).append(index)
    return months
