"""The featured offer: who is eligible, and the cheapest landed price wins."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from souk.buybox.rules import (
    OfferFacts,
    featured_offer,
    ineligibility,
    is_buyable,
    other_offers,
)
from souk.core.money import Money


def _offer(offer_id: int, price: int, shipping: int = 0, **changes) -> OfferFacts:
    facts = OfferFacts(
        offer_id=offer_id,
        seller_id=f"S{offer_id}",
        condition="new",
        price=Money("USD", price),
        shipping=Money("USD", shipping),
        quantity=5,
        handling_days=2,
        fulfillment_channel="MERCHANT",
        seller_plan="professional",
        seller_status="active",
        seller_on_holiday=False,
    )
    return replace(facts, **changes)


def test_cheapest_landed_price_wins():
    offers = [_offer(1, 1000, 500), _offer(2, 1200, 0), _offer(3, 1100, 200)]
    assert featured_offer(offers).offer_id == 2


def test_ties_go_to_faster_handling_then_platform_then_stock():
    assert featured_offer([_offer(1, 1000), _offer(2, 1000, handling_days=1)]).offer_id == 2
    assert (
        featured_offer([_offer(1, 1000), _offer(2, 1000, fulfillment_channel="PLATFORM")]).offer_id
        == 2
    )
    assert featured_offer([_offer(1, 1000), _offer(2, 1000, quantity=50)]).offer_id == 2
    assert featured_offer([_offer(2, 1000), _offer(1, 1000)]).offer_id == 1  # stable


def test_used_offer_is_never_featured_even_when_cheapest():
    used = _offer(1, 100, condition="used_like_new")
    assert "only new-condition offers can be featured" in ineligibility(used)
    assert featured_offer([used, _offer(2, 5000)]).offer_id == 2
    assert featured_offer([used]) is None
    assert is_buyable(used)


def test_individual_plan_is_never_featured():
    individual = _offer(1, 100, seller_plan="individual")
    assert featured_offer([individual, _offer(2, 5000)]).offer_id == 2
    assert featured_offer([individual]) is None


def test_suspended_or_holiday_seller_is_never_featured_nor_buyable():
    suspended = _offer(1, 100, seller_status="suspended")
    away = _offer(2, 100, seller_on_holiday=True)
    assert featured_offer([suspended, away]) is None
    assert not is_buyable(suspended) and not is_buyable(away)
    assert other_offers([suspended, away], None) == []


def test_out_of_stock_is_never_featured_nor_listed():
    empty = _offer(1, 100, quantity=0)
    assert "out of stock" in ineligibility(empty)
    assert featured_offer([empty, _offer(2, 900)]).offer_id == 2
    assert other_offers([empty], None) == []


def test_other_offers_exclude_the_featured_and_sort_by_landed_price():
    offers = [_offer(1, 900), _offer(2, 500, 500), _offer(3, 700, condition="used_good")]
    featured = featured_offer(offers)
    assert featured.offer_id == 1
    assert [o.offer_id for o in other_offers(offers, featured)] == [3, 2]


facts = st.builds(
    _offer,
    offer_id=st.integers(1, 10_000),
    price=st.integers(1, 100_000),
    shipping=st.integers(0, 2_000),
    condition=st.sampled_from(["new", "used_good", "refurbished"]),
    quantity=st.integers(0, 20),
    handling_days=st.integers(0, 5),
    fulfillment_channel=st.sampled_from(["MERCHANT", "PLATFORM"]),
    seller_plan=st.sampled_from(["professional", "individual"]),
    seller_status=st.sampled_from(["active", "suspended", "deactivated"]),
    seller_on_holiday=st.booleans(),
)


@given(st.lists(facts, max_size=10, unique_by=lambda o: o.offer_id))
def test_featured_offer_is_always_eligible_and_cheapest_of_the_eligible(offers):
    featured = featured_offer(offers)
    eligible = [o for o in offers if not ineligibility(o)]
    if featured is None:
        assert eligible == []
        return
    assert ineligibility(featured) == []
    assert featured.condition == "new" and featured.seller_plan == "professional"
    assert featured.seller_status == "active" and featured.quantity > 0
    assert featured.landed.minor == min(o.landed.minor for o in eligible)
    others = other_offers(offers, featured)
    assert featured not in others
    assert all(is_buyable(o) for o in others)
