"""Promise, routing, stock buckets, inbound splits, returns and Prime as pure rules."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState, OutOfStock
from souk.fulfillment import rules
from souk.fulfillment.network import DEFAULT_NETWORK, carrier_days_off

NY = ZoneInfo("America/New_York")


def _facts(code: str, year: int = 2026) -> rules.CentreFacts:
    spec = next(s for s in DEFAULT_NETWORK if s.code == code)
    lanes = {}
    for prefix, _region, standard, two_day, next_day, cost in spec.lanes:
        lanes[(prefix, rules.STANDARD)] = rules.Lane(standard, cost)
        lanes[(prefix, rules.TWO_DAY)] = rules.Lane(two_day, cost + 250)
        if next_day:
            lanes[(prefix, rules.NEXT_DAY)] = rules.Lane(next_day, cost + 700)
    return rules.CentreFacts(
        code, ZoneInfo(spec.time_zone), time(spec.cutoff_hour), lanes, carrier_days_off("US", year)
    )


EAST, CENTRAL, WEST = _facts("EWR4"), _facts("DFW7"), _facts("ONT8")


def _ny(y, m, d, h, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=NY)


def test_before_cutoff_ships_today_and_arrives_next_day_nearby():
    promise = rules.promise_from(EAST, _ny(2026, 3, 2, 9), "10001", rules.STANDARD)
    assert promise is not None
    assert (promise.ship_day, promise.arrives) == (date(2026, 3, 2), date(2026, 3, 3))


def test_after_cutoff_moves_one_day():
    before = rules.promise_from(EAST, _ny(2026, 3, 2, 13, 59), "10001", rules.STANDARD)
    after = rules.promise_from(EAST, _ny(2026, 3, 2, 14, 0), "10001", rules.STANDARD)
    assert before.arrives == date(2026, 3, 3)
    assert after.ship_day == date(2026, 3, 3)
    assert after.arrives == date(2026, 3, 4)


def test_cutoff_is_in_the_centres_own_zone():
    # 16:30 in New York is 13:30 in Moreno Valley: still before the west centre's cut-off.
    now = _ny(2026, 3, 2, 16, 30)
    assert rules.promise_from(WEST, now, "90210", rules.STANDARD).ship_day == date(2026, 3, 2)
    assert rules.promise_from(EAST, now, "90210", rules.STANDARD).ship_day == date(2026, 3, 3)


def test_weekend_in_between():
    # Friday before cut-off: ships Friday, one carrier day later is Monday.
    friday = rules.promise_from(EAST, _ny(2026, 3, 6, 10), "10001", rules.STANDARD)
    assert (friday.ship_day, friday.arrives) == (date(2026, 3, 6), date(2026, 3, 9))
    # Friday after cut-off and Saturday: ship Monday, arrive Tuesday.
    late = rules.promise_from(EAST, _ny(2026, 3, 6, 15), "10001", rules.STANDARD)
    saturday = rules.promise_from(EAST, _ny(2026, 3, 7, 9), "10001", rules.STANDARD)
    assert late.ship_day == saturday.ship_day == date(2026, 3, 9)
    assert late.arrives == saturday.arrives == date(2026, 3, 10)


def test_carrier_holiday():
    # Independence Day is observed on Friday 3 July 2026: Thursday's parcel arrives Monday.
    promise = rules.promise_from(EAST, _ny(2026, 7, 2, 10), "10001", rules.STANDARD)
    assert promise.arrives == date(2026, 7, 6)
    # Thanksgiving (Thursday 26 November): Wednesday after cut-off ships on Friday.
    wednesday = rules.promise_from(EAST, _ny(2026, 11, 25, 15), "10001", rules.STANDARD)
    assert wednesday.ship_day == date(2026, 11, 27)
    assert wednesday.arrives == date(2026, 11, 30)


def test_opposite_coast_gets_the_nearer_centre():
    now = _ny(2026, 3, 2, 9)
    west_buyer = rules.best_promise([EAST, CENTRAL, WEST], now, "90210", rules.STANDARD)
    east_buyer = rules.best_promise([EAST, CENTRAL, WEST], now, "10001", rules.STANDARD)
    assert west_buyer.centre == "ONT8"
    assert east_buyer.centre == "EWR4"
    # Only the east centre holds stock: the west buyer waits longer.
    far = rules.best_promise([EAST], now, "90210", rules.STANDARD)
    assert far.arrives > west_buyer.arrives
    # Prime two-day from the far centre is within two carrier days.
    prime = rules.promise_from(EAST, now, "90210", rules.TWO_DAY)
    assert prime.arrives == date(2026, 3, 4)


def test_region_prefix_matching():
    assert rules.region_of("90210-1234", ["9", "90", ""]) == "90"
    assert rules.region_of("sw1a 1aa", ["", "SW"]) == "SW"
    assert rules.region_of("12345", ["9"]) is None


def test_route_prefers_one_parcel_then_splits():
    now = _ny(2026, 3, 2, 9)
    promises = {
        f.code: rules.promise_from(f, now, "90210", rules.STANDARD) for f in (EAST, CENTRAL, WEST)
    }
    # West holds item 1 but not item 2; central holds both: one parcel from central.
    available = {1: {"ONT8": 5, "DFW7": 5}, 2: {"DFW7": 1, "EWR4": 4}}
    allocations = rules.route({1: 2, 2: 1}, available, promises)
    assert {a.centre for a in allocations} == {"DFW7"}
    # Nobody holds everything: each line from its soonest centres, split.
    split = rules.route({1: 7, 2: 3}, {1: {"ONT8": 5, "EWR4": 5}, 2: {"EWR4": 4}}, promises)
    assert sorted((a.line, a.centre, a.quantity) for a in split) == [
        (1, "EWR4", 2),
        (1, "ONT8", 5),
        (2, "EWR4", 3),
    ]
    with pytest.raises(OutOfStock):
        rules.route({1: 11}, {1: {"ONT8": 5, "EWR4": 5}}, promises)


def test_buckets_never_go_negative():
    b = rules.Buckets(fulfillable=3)
    b = rules.move(b, rules.FULFILLABLE, rules.RESERVED, 2)
    assert (b.fulfillable, b.reserved) == (1, 2)
    with pytest.raises(InvalidState):
        rules.move(b, rules.FULFILLABLE, rules.RESERVED, 2)
    with pytest.raises(InvalidInput):
        rules.move(b, rules.FULFILLABLE, None, 0)
    assert rules.move(b, rules.RESERVED, None, 2).reserved == 0


def test_receipt_reconciliation():
    assert rules.reconcile_receipt(10, 7, 1) == rules.Receipt(10, 7, 1, short=2, over=0)
    assert rules.reconcile_receipt(10, 11, 0) == rules.Receipt(10, 11, 0, short=0, over=1)
    with pytest.raises(InvalidInput):
        rules.reconcile_receipt(10, -1, 0)


def test_inbound_split_by_demand_and_capacity():
    centres = [
        rules.CentreCapacity("EWR4", 1000, 0.5),
        rules.CentreCapacity("DFW7", 1000, 0.3),
        rules.CentreCapacity("ONT8", 10, 0.2),
    ]
    plan = rules.split_inbound(100, centres, one_centre=False)
    assert plan == {"EWR4": 60, "DFW7": 30, "ONT8": 10} or sum(plan.values()) == 100
    assert sum(plan.values()) == 100 and plan["ONT8"] <= 10
    assert rules.split_inbound(100, centres, one_centre=True) == {"EWR4": 100}
    with pytest.raises(InvalidState):
        rules.split_inbound(5000, centres, one_centre=False)


def test_returns_grading_decides_who_pays():
    assert rules.grade_return("sellable") == (rules.FULFILLABLE, "")
    assert rules.grade_return("customer_damaged") == (rules.UNFULFILLABLE, "seller")
    assert rules.grade_return("warehouse_damaged") == (rules.UNFULFILLABLE, "platform")
    with pytest.raises(InvalidInput):
        rules.grade_return("lost")


def test_prime_terms():
    now = utc(2026, 1, 31, 12)
    trial = rules.start_prime(now, "monthly", 30, had_trial=False)
    assert trial.status == "trial" and trial.renews_at == utc(2026, 3, 2, 12)
    again = rules.start_prime(now, "monthly", 30, had_trial=True)
    assert again.status == "active" and again.renews_at == utc(2026, 2, 28, 12)
    assert rules.next_renewal(utc(2028, 2, 29), "yearly") == utc(2029, 2, 28)
    with pytest.raises(InvalidInput):
        rules.start_prime(now, "weekly", 30, had_trial=False)


def test_merchant_prime_badge_thresholds():
    assert rules.merchant_prime_eligible(100, 95, 100, 20, 0.93, 0.99)
    assert not rules.merchant_prime_eligible(100, 92, 100, 20, 0.93, 0.99)
    assert not rules.merchant_prime_eligible(100, 99, 98, 20, 0.93, 0.99)
    assert not rules.merchant_prime_eligible(10, 10, 10, 20, 0.93, 0.99)


def test_network_tracking_numbers_are_valid_ups_numbers():
    for serial in (1, 999, 1234567):
        number = rules.ups_tracking("SKEWR4", serial)
        assert rules.check_tracking("UPS", number) == ("UPS", number)


def test_network_tracking_numbers_are_valid_for_every_carrier(session):
    from souk.fulfillment.network import _tracking
    from souk.fulfillment.rules import CARRIERS, check_tracking

    for carrier in CARRIERS:
        number = _tracking(session, carrier, "BER3")
        assert check_tracking(carrier, number)[1] == number
