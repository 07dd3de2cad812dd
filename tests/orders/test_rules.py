"""Order rules: per-seller split, totals, delivery windows, cancellation, statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.errors import InvalidInput, InvalidState
from souk.core.money import Money
from souk.orders import rules
from souk.orders.rules import Purchasable

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
CUTOFF = 14


def _line(seller: str, offer_id: int, price: int, qty: int = 1, **changes) -> Purchasable:
    fields = dict(
        offer_id=offer_id,
        seller_id=seller,
        asin="B000000001",
        sku=f"SKU-{offer_id}",
        title="Kettle",
        condition="new",
        unit_price=Money("USD", price),
        unit_shipping=Money("USD", 0),
        quantity=qty,
        handling_days=1,
        fulfillment_channel="MERCHANT",
    )
    fields.update(changes)
    return Purchasable(**fields)


def test_split_by_seller_makes_one_parcel_per_seller_in_stable_order():
    lines = [_line("B", 1, 100), _line("A", 2, 200), _line("B", 3, 300, handling_days=4)]
    parcels = rules.split_by_seller(lines)
    assert [p.seller_id for p in parcels] == ["A", "B"]
    assert [line.offer_id for line in parcels[1].lines] == [1, 3]
    assert parcels[1].handling_days == 4  # the slowest line sets the parcel's handling


def test_platform_and_merchant_lines_of_one_seller_ship_separately():
    lines = [_line("A", 1, 100), _line("A", 2, 100, fulfillment_channel="PLATFORM")]
    parcels = rules.split_by_seller(lines)
    assert [(p.seller_id, p.fulfillment_channel) for p in parcels] == [
        ("A", "MERCHANT"),
        ("A", "PLATFORM"),
    ]


@given(
    st.lists(
        st.tuples(st.sampled_from("ABCD"), st.integers(1, 10_000), st.integers(1, 30)),
        min_size=1,
        max_size=12,
    )
)
def test_split_keeps_every_line_exactly_once(specs):
    lines = [_line(seller, n, price, qty) for n, (seller, price, qty) in enumerate(specs)]
    parcels = rules.split_by_seller(lines)
    assert sorted(line.offer_id for p in parcels for line in p.lines) == list(range(len(lines)))
    assert len({p.seller_id for p in parcels}) == len(parcels)
    items = sum(rules.parcel_items_total(p, "USD").minor for p in parcels)
    assert items == sum(price * qty for _, price, qty in specs)


def test_totals_multiply_unit_prices_and_add_the_speed_charge():
    parcel = rules.split_by_seller(
        [
            _line("A", 1, 1999, 2, unit_shipping=Money("USD", 300)),
            _line("A", 2, 500, 1, unit_shipping=Money("USD", 100)),
        ]
    )[0]
    assert rules.parcel_items_total(parcel, "USD") == Money("USD", 4498)
    assert rules.parcel_shipping_total(parcel, "USD", Money("USD", 599)) == Money(
        "USD", 599 + 600 + 100
    )


def test_shipping_total_refuses_another_currency():
    parcel = rules.split_by_seller([_line("A", 1, 100)])[0]
    with pytest.raises(Exception):  # noqa: B017 - CurrencyMismatch or InvalidInput both refuse
        rules.parcel_shipping_total(parcel, "USD", Money("EUR", 0))
    with pytest.raises(InvalidInput):
        rules.parcel_shipping_total(parcel, "EUR", Money("USD", 0))


@pytest.mark.parametrize(
    ("qty", "ok"), [(0, False), (-1, False), (1, True), (30, True), (31, False)]
)
def test_check_quantity(qty, ok):
    if ok:
        assert rules.check_quantity(qty, 30) == qty
    else:
        with pytest.raises(InvalidInput):
            rules.check_quantity(qty, 30)


def _ny(day: int, hour: int, minute: int = 0) -> datetime:
    # March 2026: Monday the 2nd ... Friday the 6th, weekend 7th-8th (DST starts the 8th).
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def _window(purchased: datetime, handling: int, lo: int = 3, hi: int = 5, zone=NEW_YORK):
    return rules.delivery_window(purchased, handling, lo, hi, zone, CUTOFF)


def test_before_cutoff_on_a_weekday_handling_starts_today():
    window = _window(_ny(2, 9), handling=1)  # Monday 09:00
    assert window.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 3)  # Tuesday
    assert window.earliest_delivery_at.astimezone(NEW_YORK).date() == date(2026, 3, 6)  # Fri
    assert window.latest_delivery_at.astimezone(NEW_YORK).date() == date(2026, 3, 10)  # Tue


def test_zero_handling_before_cutoff_ships_the_same_day():
    window = _window(_ny(2, 13, 59), handling=0)
    assert window.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 2)


def test_after_the_cutoff_hour_handling_starts_next_business_day():
    before = _window(_ny(2, 13, 59), handling=0)
    after = _window(_ny(2, 14, 0), handling=0)
    assert after.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 3)
    assert after.latest_ship_at - before.latest_ship_at == timedelta(days=1)


def test_friday_after_cutoff_ships_monday():
    window = _window(_ny(6, 16), handling=0)
    assert window.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 9)


@pytest.mark.parametrize("day", [7, 8])
def test_weekend_orders_are_handled_from_monday(day):
    window = _window(_ny(day, 10), handling=1)
    ship = window.latest_ship_at.astimezone(NEW_YORK).date()
    assert ship == date(2026, 3, 10)  # Monday is the start, one handling day: Tuesday


def test_transit_skips_weekends():
    window = _window(_ny(5, 9), handling=1, lo=1, hi=2)  # Thursday, ships Friday
    assert window.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 6)
    assert window.earliest_delivery_at.astimezone(NEW_YORK).date() == date(2026, 3, 9)
    assert window.latest_delivery_at.astimezone(NEW_YORK).date() == date(2026, 3, 10)


def test_cutoff_is_read_in_the_marketplace_zone():
    # 05:30 UTC on a Monday is 14:30 in Tokyo (after cut-off) but 00:30 in New York.
    instant = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    tokyo = _window(instant, 0, zone=TOKYO)
    new_york = _window(instant, 0, zone=NEW_YORK)
    assert tokyo.latest_ship_at.astimezone(TOKYO).date() == date(2026, 3, 3)
    assert new_york.latest_ship_at.astimezone(NEW_YORK).date() == date(2026, 3, 2)
    assert tokyo.latest_ship_at.tzinfo is not None


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 10),
    st.integers(0, 5),
    st.integers(0, 5),
)
def test_window_is_ordered_and_on_business_days(purchased, handling, lo, extra):
    window = _window(purchased, handling, lo, lo + extra)
    assert purchased < window.latest_ship_at
    assert window.latest_ship_at <= window.earliest_delivery_at + timedelta(hours=16)
    assert window.earliest_delivery_at <= window.latest_delivery_at
    for moment in (window.latest_ship_at, window.earliest_delivery_at, window.latest_delivery_at):
        assert moment.astimezone(NEW_YORK).weekday() < 5


def test_add_business_days_and_next_business_day():
    friday = date(2026, 3, 6)
    assert rules.add_business_days(friday, 1) == date(2026, 3, 9)
    assert rules.add_business_days(friday, 0) == friday
    assert rules.next_business_day(date(2026, 3, 7)) == date(2026, 3, 9)
    assert rules.next_business_day(friday) == friday


REASONS = ["NoInventory", "PricingError"]


@pytest.mark.parametrize("status", [rules.PENDING, rules.UNSHIPPED])
@pytest.mark.parametrize("by", ["buyer", "seller"])
def test_open_orders_can_be_canceled(status, by):
    rules.check_can_cancel(status, by, "NoInventory", REASONS)


@pytest.mark.parametrize(
    "status", [rules.PARTIALLY_SHIPPED, rules.SHIPPED, rules.CANCELED, rules.UNFULFILLABLE]
)
@pytest.mark.parametrize("by", ["buyer", "seller"])
def test_shipped_or_closed_orders_cannot_be_canceled(status, by):
    with pytest.raises(InvalidState):
        rules.check_can_cancel(status, by, "NoInventory", REASONS)


def test_seller_reason_must_be_in_policy():
    with pytest.raises(InvalidInput) as error:
        rules.check_can_cancel(rules.UNSHIPPED, "seller", "Felt like it", REASONS)
    assert error.value.field == "reason"


def test_buyer_must_give_a_reason():
    with pytest.raises(InvalidInput):
        rules.check_can_cancel(rules.UNSHIPPED, "buyer", "  ", REASONS)
    rules.check_can_cancel(rules.UNSHIPPED, "buyer", "Changed my mind", REASONS)


def test_status_after_shipping():
    assert rules.status_after_shipping([(2, 0), (1, 0)]) == rules.UNSHIPPED
    assert rules.status_after_shipping([(2, 1), (1, 0)]) == rules.PARTIALLY_SHIPPED
    assert rules.status_after_shipping([(2, 2), (1, 1)]) == rules.SHIPPED


def test_late_shipment():
    deadline = datetime(2026, 3, 3, 23, 59, 59, tzinfo=NEW_YORK)
    assert not rules.is_late_shipment(deadline, deadline)
    assert rules.is_late_shipment(deadline, deadline + timedelta(seconds=1))


def test_a_dearer_speed_that_arrives_no_sooner_is_beaten():
    from datetime import UTC, datetime

    from souk.orders.rules import SpeedOption, beaten_speeds

    def day(n: int) -> datetime:
        return datetime(2026, 3, n, 23, 0, tzinfo=UTC)

    options = [
        SpeedOption("standard", 0, day(3), True),
        SpeedOption("expedited", 599, day(3), True),
        SpeedOption("one_day", 1299, day(2), True),
        SpeedOption("freight", 2500, day(2), False),  # not for this cart: never beats others
    ]
    assert beaten_speeds(options) == {"expedited"}
    # An unavailable cheap speed does not push a dearer one out.
    cheap_but_unavailable = SpeedOption("a", 0, day(3), False)
    assert beaten_speeds([cheap_but_unavailable, SpeedOption("b", 5, day(3), True)]) == set()
