"""Checkout offers a dearer delivery speed only when it arrives sooner."""

from __future__ import annotations

from datetime import UTC, datetime

from souk.core.money import Money
from souk.web.storefront.checkout import SpeedQuote, _worth_offering


def _quote(code: str, cents: int, day: int, available: bool = True) -> SpeedQuote:
    latest = datetime(2026, 3, day, 23, 0, tzinfo=UTC)
    return SpeedQuote(
        code=code,
        label=code.title(),
        available=available,
        shipping=Money("USD", cents),
        total=Money("USD", 2000 + cents),
        earliest=latest,
        latest=latest,
    )


def test_a_dearer_speed_arriving_no_sooner_is_left_out():
    speeds = [_quote("standard", 0, 3), _quote("expedited", 599, 3), _quote("one_day", 1299, 2)]
    assert [q.code for q in _worth_offering(speeds)] == ["standard", "one_day"]


def test_every_speed_stays_when_each_dearer_one_is_sooner():
    speeds = [_quote("standard", 0, 6), _quote("expedited", 599, 4), _quote("one_day", 1299, 3)]
    assert _worth_offering(speeds) == speeds


def test_a_speed_not_available_for_the_cart_does_not_push_others_out():
    speeds = [_quote("standard", 0, 3, available=False), _quote("expedited", 599, 3)]
    assert _worth_offering(speeds) == speeds
