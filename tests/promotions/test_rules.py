"""Promotion rules: the stacking table, audiences, per-zone starts across DST, events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from souk.core.clock import utc
from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.promotions import rules
from souk.promotions.rules import Audience, Discount, Location, Schedule


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


LIGHTNING = Discount(
    1, rules.LIGHTNING_DEAL, "Lightning deal", deal_price=usd("14.00"), units_left=5
)
PERCENT_20 = Discount(2, rules.PERCENT_OFF, "20% off", percent_bp=2000)
COUPON_10 = Discount(3, rules.COUPON, "Save 10%", percent_bp=1000, clipped=True)
COUPON_UNCLIPPED = Discount(4, rules.COUPON, "Save 50%", percent_bp=5000, clipped=False)
COUPON_3 = Discount(5, rules.COUPON, "Save 3.00", amount_off=usd("3.00"), clipped=True)
B2G1 = Discount(6, rules.BUY_X_GET_Y, "Buy 2, get 1 free", buy=2, get=1)
COUPON_HUGE = Discount(7, rules.COUPON, "Save 50.00", amount_off=usd("50.00"), clipped=True)
LIGHTNING_DEAR = Discount(
    8, rules.LIGHTNING_DEAL, "Lightning deal", deal_price=usd("25.00"), units_left=5
)
LIGHTNING_2_LEFT = Discount(
    9, rules.LIGHTNING_DEAL, "Lightning deal", deal_price=usd("14.00"), units_left=2
)
LIGHTNING_SOLD_OUT = Discount(
    10, rules.LIGHTNING_DEAL, "Lightning deal", deal_price=usd("14.00"), units_left=0
)

# list price 20.00; (discounts, quantity) -> expected parts (quantity, unit price, promotion ids)
STACKING_TABLE = [
    # nothing applies: the list price
    ((), 1, [(1, "20.00", ())]),
    # rule 1: one price deal per unit, the lowest price wins
    ((PERCENT_20,), 1, [(1, "16.00", (2,))]),
    ((LIGHTNING, PERCENT_20), 1, [(1, "14.00", (1,))]),
    ((LIGHTNING_DEAR, PERCENT_20), 1, [(1, "16.00", (2,))]),
    # a deal above the current price never applies: it would raise the price
    ((LIGHTNING_DEAR,), 1, [(1, "20.00", ())]),
    # rule 2: a deal sells only its remaining units; the rest at the best other price
    ((LIGHTNING_2_LEFT, PERCENT_20), 3, [(2, "14.00", (9,)), (1, "16.00", (2,))]),
    ((LIGHTNING_SOLD_OUT,), 2, [(2, "20.00", ())]),
    # rule 3: no coupon or multi-buy on a lightning deal's units
    ((LIGHTNING, COUPON_10), 1, [(1, "14.00", (1,))]),
    ((LIGHTNING, B2G1), 3, [(3, "14.00", (1,))]),
    # rule 4: coupons only when clipped; the larger one; stacked on a percentage off
    ((COUPON_UNCLIPPED,), 1, [(1, "20.00", ())]),
    ((COUPON_10, COUPON_3), 1, [(1, "17.00", (5,))]),
    ((PERCENT_20, COUPON_10), 2, [(2, "14.40", (2, 3))]),
    # rule 5: multi-buy or coupon, whichever saves more (3 units: 1 free = 20.00 > 6.00)
    ((B2G1, COUPON_10), 3, [(2, "20.00", (6,)), (1, "0.00", (6,))]),
    # ... 2 units get nothing free, so the coupon applies
    ((B2G1, COUPON_10), 2, [(2, "18.00", (3,))]),
    # multi-buy on a percentage-off price; 4 units: one free, one at the reduced price
    ((PERCENT_20, B2G1), 4, [(3, "16.00", (2, 6)), (1, "0.00", (2, 6))]),
    # rule 6: an amount coupon saves at most the unit price
    ((COUPON_HUGE,), 1, [(1, "0.00", (7,))]),
]


@pytest.mark.parametrize(("discounts", "quantity", "expected"), STACKING_TABLE)
def test_stacking_table(
    discounts: tuple[Discount, ...], quantity: int, expected: list[tuple[int, str, tuple[int, ...]]]
) -> None:
    priced = rules.price_line(usd("20.00"), quantity, discounts)
    got = [(p.quantity, p.unit_price.amount_str(), p.promotion_ids) for p in priced.parts]
    assert got == expected
    assert priced.quantity == quantity
    assert priced.total == sum((usd(u) * q for q, u, _ in expected), usd("0"))


def test_line_price_savings_and_labels() -> None:
    priced = rules.price_line(usd("20.00"), 3, (LIGHTNING_2_LEFT, PERCENT_20))
    assert priced.total == usd("44.00")
    assert priced.savings == usd("16.00")
    assert priced.labels == ("Lightning deal", "20% off")


def test_quantity_must_be_positive() -> None:
    with pytest.raises(InvalidInput):
        rules.price_line(usd("20.00"), 0, ())


@given(
    price=st.integers(1, 100_000),
    quantity=st.integers(1, 12),
    percent=st.integers(0, 9000),
    coupon=st.integers(0, 200_000),
    deal=st.integers(1, 200_000),
    left=st.integers(0, 12),
    buy=st.integers(1, 4),
    get=st.integers(1, 3),
)
def test_never_above_list_price_nor_below_zero(
    price: int, quantity: int, percent: int, coupon: int, deal: int, left: int, buy: int, get: int
) -> None:
    discounts = [
        Discount(1, rules.PERCENT_OFF, "p", percent_bp=percent),
        Discount(2, rules.COUPON, "c", amount_off=Money("USD", coupon), clipped=True),
        Discount(3, rules.LIGHTNING_DEAL, "d", deal_price=Money("USD", deal), units_left=left),
        Discount(4, rules.BUY_X_GET_Y, "b", buy=buy, get=get),
    ]
    priced = rules.price_line(Money("USD", price), quantity, discounts)
    assert priced.quantity == quantity
    for part in priced.parts:
        assert 0 <= part.unit_price.minor <= price
    deal_units = sum(p.quantity for p in priced.parts if 3 in p.promotion_ids)
    assert deal_units <= left


# -- audiences -----------------------------------------------------------------------------

NY = Location("US", "NY", "10001")
CA = Location("US", "CA", "94105")


@pytest.mark.parametrize(
    ("audience", "where", "included"),
    [
        (Audience(), None, True),
        (Audience(), NY, True),
        (Audience(states=("US-NY",)), NY, True),
        (Audience(states=("US-NY",)), CA, False),
        (Audience(states=("US-NY",)), None, False),
        (Audience(countries=("US",)), CA, True),
        (Audience(countries=("CA",)), CA, False),
        (Audience(postal_prefixes=("941",)), CA, True),
        (Audience(postal_prefixes=("941",)), NY, False),
        (Audience(states=("US-CA",), postal_prefixes=("100",)), CA, False),
        (Audience(postal_prefixes=("SW1A",)), Location("GB", "", "sw1a 1aa"), True),
    ],
)
def test_audience(audience: Audience, where: Location | None, included: bool) -> None:
    assert rules.audience_includes(audience, where) is included


def test_parse_audience_reads_forms_and_refuses_unknown_states() -> None:
    audience = rules.parse_audience("us", "NY, ca; US-TX", "100, 9 41", "US")
    assert audience == Audience(("US",), ("US-NY", "US-CA", "US-TX"), ("100", "941"))
    with pytest.raises(InvalidInput) as error:
        rules.parse_audience("", "ZZ", "", "US")
    assert error.value.field == "states"
    with pytest.raises(InvalidInput):
        rules.parse_audience("USA", "", "", "US")


# -- schedules across daylight saving time -------------------------------------------------

EIGHT_AM_EACH_ZONE = Schedule(datetime(2026, 3, 8, 8, 0), datetime(2026, 3, 8, 20, 0), True)


@pytest.mark.parametrize(
    ("state", "start_utc"),
    [
        # 8 March 2026: clocks went forward at 02:00, so 08:00 is daylight time
        ("NY", utc(2026, 3, 8, 12)),  # EDT, UTC-4
        ("IL", utc(2026, 3, 8, 13)),  # CDT, UTC-5
        ("CO", utc(2026, 3, 8, 14)),  # MDT, UTC-6
        ("AZ", utc(2026, 3, 8, 15)),  # MST all year, UTC-7
        ("CA", utc(2026, 3, 8, 15)),  # PDT, UTC-7
        ("HI", utc(2026, 3, 8, 18)),  # HST, UTC-10
    ],
)
def test_starts_at_eight_in_each_zone_after_the_spring_change(
    state: str, start_utc: datetime
) -> None:
    zone = rules.zone_for(Location("US", state), "America/New_York")
    start, _ = rules.window_in(EIGHT_AM_EACH_ZONE, zone)
    assert start == start_utc
    assert not rules.is_live(EIGHT_AM_EACH_ZONE, zone, start_utc - timedelta(minutes=1))
    assert rules.is_live(EIGHT_AM_EACH_ZONE, zone, start_utc)


def test_same_wall_time_the_day_before_the_change_is_an_hour_later_in_utc() -> None:
    before = Schedule(datetime(2026, 3, 7, 8, 0), datetime(2026, 3, 7, 9, 0), True)
    assert rules.window_in(before, "America/New_York")[0] == utc(2026, 3, 7, 13)
    assert rules.window_in(EIGHT_AM_EACH_ZONE, "America/New_York")[0] == utc(2026, 3, 8, 12)
    # autumn: 1 November 2026 clocks go back; 08:00 is standard time again
    autumn = Schedule(datetime(2026, 11, 1, 8, 0), datetime(2026, 11, 1, 9, 0), True)
    assert rules.window_in(autumn, "America/Los_Angeles")[0] == utc(2026, 11, 1, 16)


def test_a_skipped_wall_time_lands_an_hour_later() -> None:
    start = rules.local_instant(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert start == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_outer_window_spans_every_zone_of_the_audience() -> None:
    zones = rules.audience_zones(Audience(states=("US-NY", "US-CA")), "America/New_York")
    assert zones == ("America/Los_Angeles", "America/New_York")
    start, end = rules.outer_window(EIGHT_AM_EACH_ZONE, zones)
    assert (start, end) == (utc(2026, 3, 8, 12), utc(2026, 3, 9, 3))
    everyone = rules.audience_zones(Audience(), "America/New_York")
    assert "Pacific/Honolulu" in everyone and "America/Phoenix" in everyone


def test_schedule_checks() -> None:
    with pytest.raises(InvalidInput):
        rules.check_schedule(Schedule(datetime(2026, 3, 8, 9), datetime(2026, 3, 8, 8), False))
    with pytest.raises(InvalidInput) as error:
        rules.check_schedule(
            Schedule(datetime(2026, 3, 8, 0), datetime(2026, 3, 8, 13), False), max_hours=12
        )
    assert "12 hours" in error.value.message


# -- deal prices, lightning progress, events -----------------------------------------------


def test_a_deal_never_goes_above_the_recent_lowest() -> None:
    lowest = rules.recent_lowest(usd("20.00"), [usd("18.00"), usd("19.50")])
    assert lowest == usd("18.00")
    rules.check_deal_price(usd("17.99"), usd("20.00"), lowest)
    rules.check_deal_price(usd("18.00"), usd("20.00"), lowest)
    with pytest.raises(InvalidInput, match="recent lowest"):
        rules.check_deal_price(usd("18.01"), usd("20.00"), lowest)
    with pytest.raises(InvalidInput, match="below the current price"):
        rules.check_deal_price(usd("20.00"), usd("20.00"), usd("20.00"))


def test_check_discount() -> None:
    kwargs = {"min_bp": 500, "max_bp": 8000}
    rules.check_discount(rules.COUPON, usd("20"), percent_bp=1000, **kwargs)  # type: ignore[arg-type]
    for bad in (
        {"kind": rules.COUPON, "percent_bp": 100},
        {"kind": rules.COUPON},
        {"kind": rules.COUPON, "percent_bp": 1000, "amount_off": usd("1")},
        {"kind": rules.COUPON, "amount_off": usd("20")},
        {"kind": rules.PERCENT_OFF},
        {"kind": rules.BUY_X_GET_Y, "buy": 0, "get": 1},
        {"kind": rules.LIGHTNING_DEAL},
        {"kind": "mystery"},
    ):
        kind = bad.pop("kind")
        with pytest.raises(InvalidInput):
            rules.check_discount(kind, usd("20"), **bad, **kwargs)  # type: ignore[arg-type]


def test_lightning_progress() -> None:
    assert rules.units_left(10, 3) == 7
    assert rules.units_left(10, 12) == 0
    assert rules.claimed_percent(3, 1) == 33
    assert rules.claimed_percent(10, 10) == 100
    assert rules.claimed_percent(0, 0) == 100


EVENT = rules.EventRules(min_rating=3.5, min_discount_bp=1500)


def facts(**changes: object) -> rules.SubmissionFacts:
    base = {
        "product_rating": 4.2,
        "review_count": 12,
        "deal_price": usd("15.00"),
        "current_price": usd("20.00"),
        "recent_lowest": usd("18.00"),
        "stock": 50,
        "deal_quantity": 20,
    }
    base.update(changes)
    return rules.SubmissionFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, None),
        ({"product_rating": None}, "rating"),
        ({"product_rating": 3.4}, "rating"),
        ({"deal_price": usd("16.00"), "recent_lowest": usd("16.00")}, "recent lowest"),
        ({"deal_price": usd("17.01"), "recent_lowest": usd("19.00")}, "15%"),
        ({"stock": 10}, "in stock"),
        ({"deal_quantity": 0}, "at least one unit"),
    ],
)
def test_event_eligibility(changes: dict[str, object], problem: str | None) -> None:
    problems = rules.submission_problems(facts(**changes), EVENT)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]
