"""Order rules: splitting a cart per seller, totals, delivery windows, statuses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from souk.core.errors import InvalidInput, InvalidState
from souk.core.money import Money

PENDING = "Pending"
UNSHIPPED = "Unshipped"
PARTIALLY_SHIPPED = "PartiallyShipped"
SHIPPED = "Shipped"
CANCELED = "Canceled"
UNFULFILLABLE = "Unfulfillable"
STATUSES = (PENDING, UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, CANCELED, UNFULFILLABLE)
OPEN_STATUSES = (PENDING, UNSHIPPED, PARTIALLY_SHIPPED)


@dataclass(frozen=True)
class Purchasable:
    """A cart line as checkout sees it: the offer's current terms and the quantity wanted."""

    offer_id: int
    seller_id: str
    asin: str
    sku: str
    title: str
    condition: str
    unit_price: Money
    unit_shipping: Money
    quantity: int
    handling_days: int
    fulfillment_channel: str


@dataclass(frozen=True)
class SellerParcel:
    """What becomes one order: one seller's lines in a checkout."""

    seller_id: str
    lines: tuple[Purchasable, ...]
    fulfillment_channel: str
    handling_days: int


@dataclass(frozen=True)
class DeliveryWindow:
    latest_ship_at: datetime
    earliest_delivery_at: datetime
    latest_delivery_at: datetime


def check_quantity(quantity: int, max_quantity: int) -> int:
    if quantity < 1:
        raise InvalidInput("Quantity must be at least 1.", field="quantity")
    if quantity > max_quantity:
        raise InvalidInput(f"You can buy at most {max_quantity} of an item.", field="quantity")
    return quantity


def split_by_seller(lines: list[Purchasable]) -> list[SellerParcel]:
    """One parcel per seller and fulfilment channel, in a stable order. A seller's
    platform-fulfilled and self-shipped items become separate orders, as they ship
    from different places."""
    groups: dict[tuple[str, str], list[Purchasable]] = defaultdict(list)
    for line in lines:
        groups[(line.seller_id, line.fulfillment_channel)].append(line)
    return [
        SellerParcel(
            seller_id=seller_id,
            lines=tuple(group),
            fulfillment_channel=channel,
            handling_days=max(line.handling_days for line in group),
        )
        for (seller_id, channel), group in sorted(groups.items())
    ]


def parcel_items_total(parcel: SellerParcel, currency: str) -> Money:
    total = Money.zero(currency)
    for line in parcel.lines:
        total += line.unit_price * line.quantity
    return total


def parcel_shipping_total(parcel: SellerParcel, currency: str, speed_charge: Money) -> Money:
    """Per-unit shipping charges of the seller plus the chosen speed's surcharge."""
    total = speed_charge
    for line in parcel.lines:
        total += line.unit_shipping * line.quantity
    if total.currency != currency:
        raise InvalidInput("Shipping charges must be in the marketplace currency.")
    return total


def add_business_days(day: date, days: int) -> date:
    """``days`` working days after ``day`` (Saturdays and Sundays skipped)."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def delivery_window(
    purchased_at: datetime,
    handling_days: int,
    transit_days_min: int,
    transit_days_max: int,
    zone: ZoneInfo,
    cutoff_hour: int,
) -> DeliveryWindow:
    """When the order must ship and when it will arrive, in the marketplace's zone.

    An order after the local cut-off hour, or on a weekend, is handled from the
    next business day; handling and transit count business days only.
    """
    local = purchased_at.astimezone(zone)
    start = local.date()
    if local.hour >= cutoff_hour or start.weekday() >= 5:
        start = add_business_days(start, 1)
    ship_day = (
        add_business_days(start, handling_days) if handling_days else next_business_day(start)
    )
    earliest = add_business_days(ship_day, transit_days_min)
    latest = add_business_days(ship_day, transit_days_max)
    end_of_day = time(23, 59, 59)
    return DeliveryWindow(
        latest_ship_at=datetime.combine(ship_day, end_of_day, zone),
        earliest_delivery_at=datetime.combine(earliest, time(8, 0), zone),
        latest_delivery_at=datetime.combine(latest, time(20, 0), zone),
    )


def check_can_cancel(status: str, by: str, reason: str, allowed_reasons: list[str]) -> None:
    """Buyers and sellers may cancel only before anything has shipped."""
    if status not in (PENDING, UNSHIPPED):
        raise InvalidState(f"An order that is {status} can no longer be canceled.")
    if by == "seller" and reason not in allowed_reasons:
        raise InvalidInput(
            f"Choose a cancellation reason: {', '.join(allowed_reasons)}.", field="reason"
        )
    if by == "buyer" and not reason.strip():
        raise InvalidInput("Tell us why you are canceling.", field="reason")


def status_after_shipping(quantities: list[tuple[int, int]]) -> str:
    """Order status from (ordered, shipped) per line."""
    shipped = sum(s for _, s in quantities)
    ordered = sum(o for o, _ in quantities)
    if shipped == 0:
        return UNSHIPPED
    return SHIPPED if shipped >= ordered else PARTIALLY_SHIPPED


def is_late_shipment(latest_ship_at: datetime, shipped_at: datetime) -> bool:
    return shipped_at > latest_ship_at


@dataclass(frozen=True)
class SpeedOption:
    """One delivery speed as checkout would sell it for a cart."""

    code: str
    charge_minor: int  # what the speed adds to the cart, in minor units
    latest_delivery_at: datetime | None
    available: bool


def beaten_speeds(options: list[SpeedOption]) -> set[str]:
    """Speeds not worth offering: one costs more than another available speed yet
    arrives no sooner (from a centre near the buyer, standard may already be next-day)."""
    return {
        option.code
        for option in options
        if option.available
        and option.latest_delivery_at is not None
        and any(
            other.available
            and other.charge_minor < option.charge_minor
            and other.latest_delivery_at is not None
            and other.latest_delivery_at <= option.latest_delivery_at
            for other in options
        )
    }
