"""Synthetic sellers' traits and carriers' tracking numbers."""

from __future__ import annotations

import random

import pytest

from souk.fulfillment.rules import CARRIERS, check_tracking
from souk.simulation.rules import (
    CARRIERS_BY_MARKETPLACE,
    event_rng,
    seller_traits,
    tracking_number,
    ups_check_digit,
    usps_check_digit,
)


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_generated_tracking_numbers_pass_the_carriers_format_check(carrier: str) -> None:
    rng = random.Random(carrier)
    for _ in range(200):
        number = tracking_number(carrier, rng)
        assert check_tracking(carrier, number) == (carrier, number)


def test_every_marketplace_ships_with_known_carriers() -> None:
    for carriers in CARRIERS_BY_MARKETPLACE.values():
        assert set(carriers) <= set(CARRIERS)


def test_ups_check_digit_matches_a_published_number() -> None:
    # 1Z999AA10123456784 is UPS's own sample tracking number.
    assert ups_check_digit("999AA1012345678") == 4


def test_a_wrong_check_digit_is_refused_by_the_carrier_check() -> None:
    rng = random.Random(3)
    ups = tracking_number("UPS", rng)
    usps = tracking_number("USPS", rng)
    assert usps[-1] == str(usps_check_digit(usps[:-1]))
    for carrier, number in (("UPS", ups), ("USPS", usps)):
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
        with pytest.raises(Exception, match="not a"):
            check_tracking(carrier, wrong)


def test_unknown_carrier_has_no_format() -> None:
    with pytest.raises(ValueError, match="no tracking format"):
        tracking_number("Pony Express", random.Random(1))


def test_seller_traits_are_stable_and_within_bounds() -> None:
    first = seller_traits("seller001@sellers.souk.example", 7)
    assert first == seller_traits("seller001@sellers.souk.example", 7)
    traits = [seller_traits(f"s{n}@x.example", 7) for n in range(200)]
    assert all(1 <= t.handling_days <= 5 for t in traits)
    assert all(0 <= t.late_shipment_rate <= 0.35 and 0 <= t.cancel_rate <= 0.1 for t in traits)
    assert all(0.85 <= t.price_level <= 1.15 for t in traits)
    # Sellers differ: some are reliable, some struggle.
    assert (
        min(t.late_shipment_rate for t in traits)
        < 0.02
        < 0.15
        < max(t.late_shipment_rate for t in traits)
    )
    assert seller_traits("seller001@sellers.souk.example", 8) != first


def test_event_rng_depends_only_on_its_keys() -> None:
    assert event_rng(7, "fate", "a").random() == event_rng(7, "fate", "a").random()
    assert event_rng(7, "fate", "a").random() != event_rng(7, "fate", "b").random()
